package io.structops.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * sched_ext on a kernel that has it: Debian sid's cloud kernel booted under QEMU (integration-tests/vm/vm-run), with
 * this machine's file system as its root, runs a guest script that uses runtime/bin/structops as a user would.
 */
class SchedExtInVmTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Map<String, String> inVm(String script, StringBuilder output) throws Exception {
        return VmGuest.run(script, List.of(), output);
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
        // The weighted vtime scheduler, loaded the same way.
        assertEquals("0", v.get("vtime_load_status"), out.toString());
        assertEquals("enabled", v.get("vtime_state_loaded"), out.toString());
        assertEquals("structops_vtime", v.get("vtime_root_ops"), out.toString());
        JsonNode vtimeVars = JSON.readTree(v.get("vtime_vars"));
        assertTrue(global(vtimeVars, "enqueued") > Long.parseLong(v.get("workers")), vtimeVars.toString());
        assertTrue(global(vtimeVars, "vtime_now") > 0, vtimeVars.toString());
        assertEquals("0", v.get("vtime_unload_status"), out.toString());
        assertEquals("disabled", v.get("vtime_state_unloaded"), out.toString());
        System.out.println("sched_ext in the VM: structops_fifo enabled, " + enqueued + " enqueued, " + dispatched
                + " dispatched, unloaded; structops_vtime enabled, " + global(vtimeVars, "enqueued")
                + " enqueued, unloaded");
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

    /** The status the handler gave structops_fail in a session's {@code list --json}. */
    static JsonNode failStatus(Map<String, String> v, String session, StringBuilder out) throws Exception {
        return status(v, session, "structops_fail", out);
    }

    /** The status the handler gave {@code map} in a session's {@code list --json}. */
    static JsonNode status(Map<String, String> v, String session, String map, StringBuilder out) throws Exception {
        JsonNode list = JSON.readTree(v.getOrDefault(session + "_list", "[]"));
        for (JsonNode m : list) {
            if (m.path("name").asText().equals(map)) {
                return m.path("status");
            }
        }
        throw new AssertionError(session + ": " + map + " not listed: " + out);
    }

    @Test
    void whenTheKernelThrowsASchedulerOutTheHandlerSaysWhy() throws Exception {
        StringBuilder out = new StringBuilder();
        Map<String, String> v = inVm("sched-error.sh", out);
        for (String session : new String[] {"recorded", "logged", "sysrq"}) {
            assertEquals("0", v.get(session + "_status"), out.toString());
            assertEquals("disabled", v.get(session + "_state"), out.toString());
            assertEquals(null, v.get(session + "_log"), "no ERROR in the session's log: " + out);
        }
        // From the exit record ops.exit filled: the kernel's kind, reason and the scheduler's own message.
        String recorded = v.getOrDefault("recorded_warning", "");
        assertTrue(recorded.contains("structops_fail gives up after 200 dispatches, as asked")
                && recorded.contains("SCX_EXIT_ERROR_BPF") && recorded.contains("recorded by ops.exit in exit_record"),
                out.toString());
        JsonNode status = failStatus(v, "recorded", out);
        assertEquals("SCX_EXIT_ERROR_BPF", status.path("exit").path("kind").asText(), status.toString());
        assertTrue(status.path("exit").path("message").asText().contains("gives up after 200 dispatches"),
                status.toString());
        assertTrue(status.path("disabled_by_kernel").asText().contains("gives up"), status.toString());
        assertEquals(false, status.path("running").asBoolean(true), status.toString());
        assertTrue(status.path("counters").path("dispatched").asLong() >= 200, "its counters: " + status);
        // Without the record (record_exit=0), the kernel log says why.
        String logged = v.getOrDefault("logged_warning", "");
        assertTrue(logged.contains("the kernel log says: BPF scheduler \"structops_fail\" disabled (")
                && logged.contains("gives up after 200 dispatches"), out.toString());
        JsonNode quiet = failStatus(v, "logged", out);
        assertTrue(quiet.path("exit").isMissingNode(), quiet.toString());
        assertTrue(quiet.path("disabled_by_kernel").asText().contains("the kernel log says"), quiet.toString());
        // SysRq-S: the kernel disables whatever scheduler runs; the vtime scheduler's ops.exit records that.
        String sysrq = v.getOrDefault("sysrq_warning", "");
        assertTrue(sysrq.contains("structops_vtime") && sysrq.contains("SCX_EXIT_SYSRQ"), out.toString());
        assertEquals("SCX_EXIT_SYSRQ", status(v, "sysrq", "structops_vtime", out).path("exit").path("kind").asText(),
                out.toString());
        System.out.println("sched_ext in the VM: SysRq-S explained as: " + sysrq.substring(sysrq.indexOf("kernel:")
                + 8));
        System.out.println("sched_ext in the VM: structops_fail thrown out by the kernel; the handler said: "
                + recorded.substring(recorded.indexOf("kernel:") + 8) + " / without an exit record: "
                + logged.substring(logged.indexOf("kernel:") + 8));
    }
}
