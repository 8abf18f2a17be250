package io.structops.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * sched_ext on a kernel that has it: Debian sid's cloud kernel booted under QEMU (integration-tests/vm/vm-run), with
 * this machine's file system as its root, runs a guest script that uses runtime/bin/structops as a user would.
 */
class SchedExtInVmTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path repository() {
        return Path.of(System.getProperty("structops.examples")).getParent().getParent();
    }

    /** Runs a guest script (integration-tests/vm/guest/NAME) in the VM; its KEY=VALUE lines, and all its output. */
    static Map<String, String> inVm(String script, StringBuilder output) throws Exception {
        Path root = repository();
        Process p = new ProcessBuilder(root.resolve("integration-tests/vm/vm-run").toString(), "--timeout", "900",
                "--", "sh", "integration-tests/vm/guest/" + script).directory(root.toFile()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.MINUTES));
        output.append(out);
        assertEquals(0, p.exitValue(), out);
        Map<String, String> values = new LinkedHashMap<>();
        List<String> lines = out.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[a-z_]+")) {
                String key = line.substring(0, eq);
                String value = line.substring(eq + 1);
                if (value.isEmpty() && i + 1 < lines.size()) {
                    value = lines.get(++i);
                }
                values.merge(key, value, (a, b) -> a + "\n" + b);
            }
        }
        return values;
    }

    @Test
    void fifoSchedulerEnablesSchedulesAndUnloads() throws Exception {
        StringBuilder out = new StringBuilder();
        Map<String, String> v = inVm("sched-fifo.sh", out);
        assertEquals("disabled", v.get("state_before"), out.toString());
        assertEquals("0", v.get("load_status"), out.toString());
        assertEquals("enabled", v.get("state_loaded"), out.toString());
        assertEquals("structops_fifo", v.get("root_ops"), out.toString());
        assertEquals("1", v.get("second_load_status"), out.toString());
        assertTrue(v.get("second_load_error").contains("sched_ext_ops handler (io.structops.handler.schedext")
                && v.get("second_load_error").contains("sched_ext is enabled with scheduler structops_fifo"),
                v.get("second_load_error"));
        JsonNode vars = JSON.readTree(v.get("vars"));
        long enqueued = 0;
        long dispatched = 0;
        for (JsonNode section : vars) {
            enqueued += section.path("enqueued").asLong();
            dispatched += section.path("dispatched").asLong();
        }
        assertTrue(enqueued > Long.parseLong(v.get("workers")), "tasks went through the scheduler: " + vars);
        assertTrue(dispatched > 0, vars.toString());
        assertEquals("0", v.get("unload_status"), out.toString());
        assertEquals("disabled", v.get("state_unloaded"), out.toString());
        assertTrue(v.get("kernel_log").contains("BPF scheduler \"structops_fifo\" enabled")
                && v.get("kernel_log").contains("disabled (unregistered from user space)"), out.toString());
        System.out.println("sched_ext in the VM: structops_fifo enabled, " + enqueued + " enqueued, " + dispatched
                + " dispatched, unloaded");
    }

    /** The sum of a global over the sections of `vars --json`. */
    static long global(JsonNode vars, String name) {
        long sum = 0;
        for (JsonNode section : vars) {
            sum += section.path(name).asLong();
        }
        return sum;
    }

    @Test
    void theServiceSwitchesFromOneSchedulerToAnotherAndSaysForHowLongNoneRan() throws Exception {
        StringBuilder out = new StringBuilder();
        Map<String, String> v = inVm("sched-switch.sh", out);
        assertEquals("structops_fifo", v.get("first"), out.toString());
        assertEquals("structops_vtime", v.get("second"), out.toString());
        JsonNode vars = JSON.readTree(v.get("vars"));
        assertTrue(global(vars, "enqueued") > Long.parseLong(v.get("workers")), vars.toString());
        assertTrue(global(vars, "vtime_now") > 0, vars.toString());
        assertTrue(v.getOrDefault("switch_log", "").matches("none attached for \\d+ us"), out.toString());
        assertEquals("0", v.get("service_status"), out.toString());
        assertEquals("disabled", v.get("state_stopped"), "the service detached the scheduler on SIGTERM: " + out);
        assertEquals(null, v.get("service_log"), out.toString());
        System.out.println("sched_ext in the VM: structops_fifo replaced by structops_vtime in the deploy directory, "
                + v.get("switch_log") + "; " + global(vars, "enqueued") + " tasks enqueued by structops_vtime");
    }

    @Test
    void aSchedulerThatFailsOnPurposeLeavesItsReasonWhereUserSpaceReadsIt() throws Exception {
        StringBuilder out = new StringBuilder();
        Map<String, String> v = inVm("sched-error.sh", out);
        assertEquals("0", v.get("load_status"), out.toString());
        assertEquals("disabled", v.get("state_after_error"), out.toString());
        JsonNode vars = JSON.readTree(v.get("vars"));
        assertTrue(global(vars, "dispatched") >= 50, "it failed at its 50th dispatch: " + vars);
        // exit_record: s32 kind, s64 exit_code, char reason[128], char msg[1024], as ops.exit filled it.
        String hex = null;
        for (JsonNode section : vars) {
            if (section.has("exit_record")) {
                hex = section.get("exit_record").asText().substring(2);
            }
        }
        byte[] record = java.util.HexFormat.of().parseHex(hex);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(record).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int kind = b.getInt(0);
        String reason = cString(record, 16, 128);
        String msg = cString(record, 144, 1024);
        assertEquals(1025, kind, "SCX_EXIT_ERROR_BPF; reason " + reason + ", message " + msg);
        assertTrue(msg.contains("structops_fail gives up after 50 dispatches, as asked"), msg);
        assertTrue(v.get("kernel_log").contains("structops_fail"), out.toString());
        assertEquals("0", v.get("unload_status"), out.toString());
        System.out.println("sched_ext in the VM: structops_fail thrown out by the kernel; ops.exit recorded kind "
                + kind + ", reason '" + reason + "', message '" + msg + "'");
    }

    static String cString(byte[] b, int from, int max) {
        int end = from;
        while (end < from + max && end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }
}
