package io.structops.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** btf dump, status and the BTF-aware inspect, as a user runs them, checked against bpftool and the kernel. */
class BtfCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String bpftool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bpftool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "bpftool " + cmd);
        return out;
    }

    @Test
    void btfDumpRawIsBpftoolsForVmlinuxAndAnObject() throws Exception {
        for (String file : List.of(
                "/sys/kernel/btf/vmlinux",
                Launcher.example("tcp_cc_shared.bpf.o").toString())) {
            Launcher.Result r = Launcher.run("btf", "dump", file, "--format", "raw");
            assertEquals(0, r.status(), r.err());
            String expected = bpftool("btf", "dump", "file", file, "format", "raw");
            assertTrue(expected.equals(r.out()), file + ": structops and bpftool differ");
        }
    }

    @Test
    void btfDumpCOfOneType() throws Exception {
        Launcher.Result r =
                Launcher.run("btf", "dump", "/sys/kernel/btf/vmlinux", "--format", "c", "--type", "tcp_congestion_ops");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("struct tcp_congestion_ops {"), r.out());
        assertTrue(r.out().contains("\tu32 (*ssthresh)(struct sock *);"), r.out());
        r = Launcher.run("btf", "dump", "/sys/kernel/btf/vmlinux", "--type", "no_such_type_x");
        assertEquals(1, r.status());
        assertEquals(
                List.of("structops btf: /sys/kernel/btf/vmlinux: no type named 'no_such_type_x'"),
                r.err().lines().toList());
    }

    @Tag("kernel") // it checks the privileges that root holds
    @Test
    void statusNamesTheKernelItsStructOpsTypesAndPrivileges() throws Exception {
        Launcher.Result r = Launcher.run("status", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode s = JSON.readTree(r.out());
        assertEquals(
                new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/sys/kernel/osrelease")))
                        .trim(),
                s.get("kernel").asText());
        assertTrue(s.get("btf").asBoolean());
        List<String> types = new ArrayList<>();
        s.get("structOpsTypes").forEach(t -> types.add(t.get("name").asText()));
        assertTrue(types.contains("tcp_congestion_ops") && types.contains("bpf_dummy_ops"), types.toString());
        assertTrue(s.get("capabilities").get("CAP_BPF").asBoolean(), "CI runs as root with CAP_BPF");
        Launcher.Result text = Launcher.run("status");
        assertTrue(text.out().contains("tcp_congestion_ops"), text.out());
    }

    @Test
    void inspectNamesTypesAndWhatTheKernelWouldReject() throws Exception {
        Launcher.Result r =
                Launcher.run("inspect", Launcher.example("tcp_cc_future.bpf.o").toString(), "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode v = JSON.readTree(r.out()).get("structOps").get(0);
        assertEquals("tcp_congestion_ops", v.get("type").asText(), "the ___future flavour is stripped");
        JsonNode kernel = v.get("kernel");
        assertTrue(kernel.get("offered").asBoolean());
        assertEquals("[\"future_flags\"]", kernel.get("rejectedMembers").toString());
        assertEquals("[\"future_hook\"]", kernel.get("ignoredMembers").toString());

        r = Launcher.run("inspect", Launcher.example("no_such_ops.bpf.o").toString(), "--json");
        v = JSON.readTree(r.out()).get("structOps").get(0);
        assertEquals("structops_no_such_ops", v.get("type").asText());
        assertTrue(!v.get("kernel").get("offered").asBoolean());
        assertEquals("hello", v.get("members").get(0).get("name").asText());
        assertEquals("42", v.get("members").get(1).get("value").asText());
    }
}
