package io.structops.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        Launcher.Result r =
                Launcher.run("inspect", Launcher.example("tcp_cc_link.bpf.o").toString(), "--json");
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
                functions.put(
                        m.get("name").asText() + "@" + m.get("offset").asLong(),
                        m.get("program").asText());
            } else {
                assertEquals("name", m.get("name").asText());
                assertEquals("\"structops_fixed\"", m.get("value").asText());
            }
        }
        // Offsets follow the object's own struct (structops_kernel.h), names come from its BTF.
        assertEquals(
                Map.of(
                        "ssthresh@0",
                        "fixed_ssthresh",
                        "cong_avoid@8",
                        "fixed_cong_avoid",
                        "set_state@16",
                        "fixed_set_state",
                        "undo_cwnd@24",
                        "fixed_undo_cwnd",
                        "init@56",
                        "fixed_init"),
                functions);
        assertTrue(v.get("kernel").get("offered").asBoolean());
        assertEquals(5, root.get("programs").size());
    }

    @Test
    void inspectTableNamesProgramsMapsAndVariables() throws Exception {
        Launcher.Result r =
                Launcher.run("inspect", Launcher.example("tcp_cc_shared.bpf.o").toString());
        assertEquals(0, r.status(), r.err());
        for (String expected : List.of(
                "shared_lifecycle",
                "structops_shared_alt",
                "flows",
                ".rodata",
                "-> shared_set_state",
                "\"so_shared\"")) {
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
        assertEquals(
                List.of("structops inspect: " + dir.resolve("missing.o") + ": no such file"),
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

    /** One line on stderr, containing {@code expected}, and the status. */
    private static void refused(Launcher.Result r, int status, String expected) {
        assertEquals(status, r.status(), r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).contains(expected), lines.get(0));
    }

    @Test
    void argumentsReachTheCommandLiterallyAndBadOnesGetOnePreciseLine(@TempDir Path dir) throws Exception {
        String object = Launcher.example("tcp_cc_link.bpf.o").toString();
        Path quoted = dir.resolve("it's $HOME \"x\".bpf.o");
        Files.copy(Path.of(object), quoted);
        Launcher.Result r = Launcher.run("inspect", quoted.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("structops_fixed"), r.out());
        // Launcher options count only in first position; after the command they are its arguments.
        r = Launcher.run("inspect", object, "--no-shell");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().startsWith("structops inspect: bad arguments"), r.err());
        refused(Launcher.run("--frobnicate"), 2, "structops: unknown option '--frobnicate'");
        refused(Launcher.run("--deploy", "/dev/null"), 3, "structops: --deploy /dev/null: not a directory");
        refused(Launcher.run("load", dir.toString()), 1, dir + ": is a directory, not a regular file");
        refused(Launcher.run("inspect", "/dev/zero"), 1, "/dev/zero: is a character device, not a regular file");
        refused(Launcher.run("load", "--set", "=1", object), 1, "'=1' is not NAME=VALUE");
        refused(Launcher.run("load", "--set", ",,,", object), 1, "'' is not NAME=VALUE");
        refused(Launcher.run("load", "--set", "x=1,x=2", object), 1, "x is set twice");
        refused(
                Launcher.run("load", "--optional", "nosuch", object),
                1,
                "--optional nosuch: the object has no optional struct_ops map of that name (it has none)");
        Path pins = dir.resolve("pins");
        refused(Launcher.run("load", "--pin", pins.toString(), object), 1, "is not on a BPF file system");
        refused(Launcher.run("load", "--pin", "../../..", object), 1, "../../.. is not an absolute path");
        assertFalse(Files.exists(pins), "nothing is made outside bpffs");
    }

    @Test
    void killingTheLauncherOutrightEndsTheRuntimeItStarted(@TempDir Path dir) throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        ProcessBuilder pb = new ProcessBuilder(
                        Launcher.script().toString(),
                        "--deploy",
                        dir.resolve("deploy").toString(),
                        "--no-shell")
                .redirectInput(Launcher.NO_INPUT)
                .redirectErrorStream(true);
        pb.environment().put("TMPDIR", tmp.toString()); // where the launcher makes its state directory
        Process p = pb.start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine();
                    line != null && !line.contains("structops running headless");
                    line = out.readLine()) {
                // until the runtime is up
            }
            ProcessHandle jvm = p.descendants().findFirst().orElseThrow();
            p.destroyForcibly(); // SIGKILL: the launcher cannot pass anything on
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            jvm.onExit().get(60, TimeUnit.SECONDS);
            assertFalse(jvm.isAlive(), "the JVM followed its launcher");
            try (var left = Files.list(tmp)) {
                assertEquals(List.of(), left.toList(), "the runtime removed the state directory its launcher made");
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void withBundlesOffTheDeployDirectoryRefusesEvenATrustedJar(@TempDir Path dir) throws Exception {
        Path deploy = Files.createDirectories(dir.resolve("deploy"));
        ProcessBuilder pb = new ProcessBuilder(
                        Launcher.script().toString(), "--deploy", deploy.toString(), "--no-shell")
                .redirectInput(Launcher.NO_INPUT)
                .redirectErrorStream(true);
        pb.environment().put("STRUCTOPS_JAVA_OPTS", "-Dstructops.deploy.bundles=false");
        Process p = pb.start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            while (line != null && !line.contains("structops running headless")) {
                line = out.readLine();
            }
            // The tcp handler's own jar, from the runtime jar that embeds it: root's, 0644, a real bundle.
            Path jar = deploy.resolve("handler.jar");
            try (java.util.zip.ZipFile runtime = new java.util.zip.ZipFile(Launcher.script()
                    .getParent()
                    .resolve("../target/structops.jar")
                    .toFile())) {
                var entry = runtime.stream()
                        .filter(e -> e.getName().startsWith("jar/io.structops.handler.tcpcc"))
                        .findFirst()
                        .orElseThrow();
                Files.write(
                        deploy.resolve(".handler.jar.part"),
                        runtime.getInputStream(entry).readAllBytes());
            }
            Files.move(deploy.resolve(".handler.jar.part"), jar);
            while (line != null && !line.contains(jar + ": refused")) {
                line = out.readLine();
            }
            assertTrue(
                    line != null
                            && line.contains("bundles are not deployed from this directory"
                                    + " (structops.deploy.bundles=false)"),
                    String.valueOf(line));
        } finally {
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void missingRuntimeSaysWhatToDo() throws Exception {
        Launcher.Result r = Launcher.run(Map.of("STRUCTOPS_LIB", "/nonexistent/lib"), "", "help");
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
                .redirectInput(Launcher.NO_INPUT)
                .start();
        try (BufferedReader err =
                new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
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
