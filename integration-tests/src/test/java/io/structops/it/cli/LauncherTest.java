package io.structops.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher contract: one-shot commands, exit statuses, clean stdout, the shell and the headless mode. */
class LauncherTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void inspectJsonBindsEveryMemberToItsProgram() throws Exception {
        Launcher.Result r = Launcher.run("inspect", Launcher.example("tcp_cc_link.bpf.o").toString(), "--json");
        assertEquals(0, r.status(), r.err());
        // stdout is the JSON document and nothing else: no framework noise.
        JsonNode root = JSON.readTree(r.out());
        JsonNode v = root.get("structOps").get(0);
        assertEquals("structops_fixed", v.get("name").asText());
        assertTrue(v.get("link").asBoolean());
        assertEquals("tcp_congestion_ops", v.get("type").asText());
        Map<String, String> functions = new HashMap<>();
        for (JsonNode m : v.get("members")) {
            if (m.get("kind").asText().equals("function")) {
                functions.put(m.get("name").asText() + "@" + m.get("offset").asLong(), m.get("program").asText());
            } else {
                assertEquals("name", m.get("name").asText());
                assertEquals("\"structops_fixed\"", m.get("value").asText());
            }
        }
        // Offsets follow the object's own struct (structops_kernel.h), names come from its BTF.
        assertEquals(Map.of("ssthresh@0", "fixed_ssthresh", "cong_avoid@8", "fixed_cong_avoid", "set_state@16",
                "fixed_set_state", "undo_cwnd@24", "fixed_undo_cwnd", "init@56", "fixed_init"), functions);
        assertTrue(v.get("kernel").get("offered").asBoolean());
        assertEquals(5, root.get("programs").size());
    }

    @Test
    void inspectTableNamesProgramsMapsAndVariables() throws Exception {
        Launcher.Result r = Launcher.run("inspect", Launcher.example("tcp_cc_shared.bpf.o").toString());
        assertEquals(0, r.status(), r.err());
        for (String expected : List.of("shared_lifecycle", "structops_shared_alt", "flows", ".rodata",
                "-> shared_set_state", "\"so_shared\"")) {
            assertTrue(r.out().contains(expected), expected + " in\n" + r.out());
        }
    }

    @Test
    void malformedFileGivesOneLineAndStatusOne(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.o");
        byte[] good = Files.readAllBytes(Launcher.example("tcp_cc_link.bpf.o"));
        Files.write(bad, java.util.Arrays.copyOf(good, 100));
        Launcher.Result r = Launcher.run("inspect", bad.toString());
        assertEquals(1, r.status());
        assertEquals("", r.out());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("structops inspect: " + bad + ": section header table"), lines.get(0));

        r = Launcher.run("inspect", dir.resolve("missing.o").toString());
        assertEquals(1, r.status());
        assertEquals(List.of("structops inspect: " + dir.resolve("missing.o") + ": no such file"),
                r.err().lines().toList());
    }

    @Test
    void usageErrorsGiveStatusTwo() throws Exception {
        Launcher.Result r = Launcher.run("no-such-command");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown command 'no-such-command'"), r.err());
        r = Launcher.run("inspect");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--json"), "usage shown: " + r.err());
        r = Launcher.run("help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("inspect"), r.out());
    }

    @Test
    void missingRuntimeJarSaysWhatToDo() throws Exception {
        Launcher.Result r = Launcher.run(Map.of("STRUCTOPS_JAR", "/nonexistent/structops.jar"), "", "help");
        assertEquals(3, r.status());
        assertTrue(r.err().contains("has not been built") && r.err().contains("runtime/bin/build"), r.err());
    }

    @Test
    void interactiveShellReadsCommandsFromStdin() throws Exception {
        Launcher.Result r = Launcher.run(Map.of(), "inspect " + Launcher.example("dummy_ops.bpf.o") + "\n");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("-> dummy_sleepable"), r.out());
    }

    @Test
    void headlessServiceLogsAndWatchesItsDeployDirectory(@TempDir Path dir) throws Exception {
        Path deploy = dir.resolve("deploy");
        Process p = new ProcessBuilder(Launcher.script().toString(), "--deploy", deploy.toString(), "--no-shell")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String line;
            boolean seen = false;
            while ((line = err.readLine()) != null) {
                if (line.contains("structops running headless") && line.contains(deploy.toString())) {
                    seen = true;
                    break;
                }
            }
            assertTrue(seen, "the headless runtime logged its start through SLF4J");
            assertTrue(p.isAlive(), "still running as a service");
            assertTrue(Files.isDirectory(deploy));
        } finally {
            p.destroy(); // the launcher passes SIGTERM on to the JVM it started
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher ended after SIGTERM");
            p.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        assertTrue(p.descendants().findAny().isEmpty(), "no JVM is left behind");
    }
}
