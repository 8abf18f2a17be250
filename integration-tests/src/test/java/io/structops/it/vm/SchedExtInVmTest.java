package io.structops.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * sched_ext on a kernel that has it: Debian sid's cloud kernel booted under QEMU (integration-tests/vm/vm-run), with
 * this machine's file system as its root, runs the VM suite's sched-* scenarios (integration-tests/vm/guest), which
 * drive one runtime/bin/structops shell through its standard input as a user's script would.
 */
@Tag("vm")
class SchedExtInVmTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fifoSchedulerEnablesSchedulesAndUnloads() throws Exception {
        Map<String, String> v = VmSuite.scenario("sched-fifo");
        String out = VmSuite.report();
        VmSuite.assertOnlyExpectedErrors(v, Set.of("second_load_error"));
        assertEquals("disabled", v.get("state_before"), out);
        assertEquals("enabled", v.get("state_loaded"), out);
        assertEquals("structops_fifo", v.get("root_ops"), out);
        assertTrue(
                v.get("second_load_error").contains("sched_ext_ops handler (io.structops.handler.schedext")
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
        assertEquals("disabled", v.get("state_unloaded"), out);
        assertTrue(
                v.get("kernel_log").contains("BPF scheduler \"structops_fifo\" enabled")
                        && v.get("kernel_log").contains("disabled (unregistered from user space)"),
                out);
        // The weighted vtime scheduler, loaded the same way.
        assertEquals("enabled", v.get("vtime_state_loaded"), out);
        assertEquals("structops_vtime", v.get("vtime_root_ops"), out);
        JsonNode vtimeVars = JSON.readTree(v.get("vtime_vars"));
        assertTrue(global(vtimeVars, "enqueued") > Long.parseLong(v.get("workers")), vtimeVars.toString());
        assertTrue(global(vtimeVars, "vtime_now") > 0, vtimeVars.toString());
        assertEquals("disabled", v.get("vtime_state_unloaded"), out);
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
        Map<String, String> v = VmSuite.scenario("sched-switch");
        String out = VmSuite.report();
        VmSuite.assertOnlyExpectedErrors(v, Set.of());
        assertEquals("structops_fifo", v.get("first"), out);
        assertEquals("structops_vtime", v.get("second"), out);
        JsonNode vars = JSON.readTree(v.get("vars"));
        assertTrue(global(vars, "enqueued") > Long.parseLong(v.get("workers")), vars.toString());
        assertTrue(global(vars, "vtime_now") > 0, vars.toString());
        assertTrue(v.getOrDefault("switch_log", "").matches("none attached for \\d+ us"), out);
        assertEquals("0", v.get("service_status"), out);
        assertEquals("disabled", v.get("state_stopped"), "the runtime detached the scheduler on SIGTERM: " + out);
        System.out.println("sched_ext in the VM: structops_fifo replaced by structops_vtime in the deploy directory, "
                + v.get("switch_log") + "; " + global(vars, "enqueued") + " tasks enqueued by structops_vtime");
    }

    /** The status the handler gave structops_fail in a session's {@code list --json}. */
    static JsonNode failStatus(Map<String, String> v, String session, String out) throws Exception {
        return status(v, session, "structops_fail", out);
    }

    /** The status the handler gave {@code map} in a session's {@code list --json}. */
    static JsonNode status(Map<String, String> v, String session, String map, String out) throws Exception {
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
        Map<String, String> v = VmSuite.scenario("sched-error");
        String out = VmSuite.report();
        VmSuite.assertOnlyExpectedErrors(v, Set.of());
        for (String session : new String[] {"recorded", "logged", "sysrq"}) {
            assertEquals("disabled", v.get(session + "_state"), out);
        }
        // From the exit record ops.exit filled: the kernel's kind, reason and the scheduler's own message.
        String recorded = v.getOrDefault("recorded_warning", "");
        assertTrue(
                recorded.contains("structops_fail gives up after 200 dispatches, as asked")
                        && recorded.contains("SCX_EXIT_ERROR_BPF")
                        && recorded.contains("recorded by ops.exit in exit_record"),
                out);
        JsonNode status = failStatus(v, "recorded", out);
        assertEquals("SCX_EXIT_ERROR_BPF", status.path("exit").path("kind").asText(), status.toString());
        // The kernel's debug dump, in the array the handler sized at load (UEI_SET_SIZE's 32 KiB).
        assertTrue(status.path("exit").path("dump").asText().contains("structops_fail"), status.toString());
        assertTrue(
                status.path("exit").path("message").asText().contains("gives up after 200 dispatches"),
                status.toString());
        assertTrue(status.path("disabled_by_kernel").asText().contains("gives up"), status.toString());
        assertEquals(false, status.path("running").asBoolean(true), status.toString());
        assertTrue(status.path("counters").path("dispatched").asLong() >= 200, "its counters: " + status);
        // Without the record (record_exit=0), the kernel log says why.
        String logged = v.getOrDefault("logged_warning", "");
        assertTrue(
                logged.contains("the kernel log says: BPF scheduler \"structops_fail\" disabled (")
                        && logged.contains("gives up after 200 dispatches"),
                out);
        JsonNode quiet = failStatus(v, "logged", out);
        assertTrue(quiet.path("exit").isMissingNode(), quiet.toString());
        assertTrue(quiet.path("disabled_by_kernel").asText().contains("the kernel log says"), quiet.toString());
        // SysRq-S: the kernel disables whatever scheduler runs; the vtime scheduler's ops.exit records that.
        String sysrq = v.getOrDefault("sysrq_warning", "");
        assertTrue(sysrq.contains("structops_vtime") && sysrq.contains("SCX_EXIT_SYSRQ"), out);
        assertEquals(
                "SCX_EXIT_SYSRQ",
                status(v, "sysrq", "structops_vtime", out)
                        .path("exit")
                        .path("kind")
                        .asText(),
                out);
        System.out.println(
                "sched_ext in the VM: SysRq-S explained as: " + sysrq.substring(sysrq.indexOf("kernel:") + 8));
        System.out.println("sched_ext in the VM: structops_fail thrown out by the kernel; the handler said: "
                + recorded.substring(recorded.indexOf("kernel:") + 8) + " / without an exit record: "
                + logged.substring(logged.indexOf("kernel:") + 8));
    }
}
