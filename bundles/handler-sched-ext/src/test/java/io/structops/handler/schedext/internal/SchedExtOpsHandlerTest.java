package io.structops.handler.schedext.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.handler.GlobalVariable;
import io.structops.handler.HandlerException;
import io.structops.handler.StructOps;
import io.structops.kernel.btf.KernelBtf;
import io.structops.loader.LoadedMap;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The handler's rules on given values, with sched_ext's sysfs files in a directory. The VM test
 * (integration-tests, SchedExtInVmTest) runs it against a kernel that has sched_ext.
 */
class SchedExtOpsHandlerTest {

    record Value(String name, long flags, long timeoutMs) implements StructOps {
        public String object() {
            return "sched.bpf.o";
        }

        public String mapName() {
            return "sched";
        }

        public String struct() {
            return "sched_ext_ops";
        }

        public boolean linkBased() {
            return true;
        }

        public Set<String> programMembers() {
            return Set.of("enqueue");
        }

        public Optional<String> string(String member) {
            return member.equals("name") ? Optional.of(name) : Optional.empty();
        }

        public OptionalLong integer(String member) {
            return switch (member) {
                case "flags" -> OptionalLong.of(flags);
                case "timeout_ms" -> OptionalLong.of(timeoutMs);
                default -> OptionalLong.empty();
            };
        }

        public Optional<LoadedMap> loaded() {
            return Optional.empty();
        }

        public Optional<StructOps> replacing() {
            return Optional.empty();
        }
    }

    /** A kernel BTF without sched_ext's enums: the flags check is left to the kernel. */
    static final KernelBtf NO_BTF = (KernelBtf)
            Proxy.newProxyInstance(KernelBtf.class.getClassLoader(), new Class<?>[] {KernelBtf.class}, (p, m, a) -> {
                throw new io.structops.btf.BtfException("test", "no BTF in this test");
            });

    static SchedExtOpsHandler handler(Path sysfs, String state, String running) throws Exception {
        Files.createDirectories(sysfs.resolve("root"));
        Files.writeString(sysfs.resolve("state"), state + "\n");
        Files.writeString(sysfs.resolve("root/ops"), running + "\n");
        Files.writeString(sysfs.resolve("enable_seq"), "3\n");
        Files.writeString(sysfs.resolve("nr_rejected"), "0\n");
        Files.writeString(sysfs.resolve("switch_all"), "1\n");
        return new SchedExtOpsHandler(NO_BTF, sysfs);
    }

    @Test
    void namesAndTimeoutsAreCheckedAsTheKernelWill(@TempDir Path dir) throws Exception {
        SchedExtOpsHandler h = handler(dir, "disabled", "");
        assertDoesNotThrow(() -> h.validate(new Value("structops_fifo.v2", 0, 5000)));
        assertTrue(assertThrows(HandlerException.class, () -> h.validate(new Value("", 0, 0)))
                .getMessage()
                .contains("name is empty"));
        assertTrue(assertThrows(HandlerException.class, () -> h.validate(new Value("my-sched", 0, 0)))
                .getMessage()
                .contains("has '-'"));
        assertTrue(assertThrows(HandlerException.class, () -> h.validate(new Value("ok", 0, 60_000)))
                .getMessage()
                .contains("longer than the kernel's watchdog allows"));
    }

    @Test
    void aRunningSchedulerIsNamedInTheRefusal(@TempDir Path dir) throws Exception {
        SchedExtOpsHandler h = handler(dir, "enabled", "scx_other");
        String m = assertThrows(HandlerException.class, () -> h.beforeAttach(new Value("mine", 0, 0)))
                .getMessage();
        assertEquals(
                "sched_ext is enabled with scheduler scx_other; the kernel runs one at a time: unload it first", m);
    }

    @Test
    void withoutSchedExtTheKernelIsNamed(@TempDir Path dir) {
        SchedExtOpsHandler h = new SchedExtOpsHandler(NO_BTF, dir.resolve("absent"));
        assertTrue(assertThrows(HandlerException.class, () -> h.validate(new Value("mine", 0, 0)))
                .getMessage()
                .contains("needs CONFIG_SCHED_CLASS_EXT"));
    }

    @Test
    void statusComesFromSysfs(@TempDir Path dir) throws Exception {
        SchedExtOpsHandler h = handler(dir, "enabled", "mine");
        Map<String, Object> s = h.status(new Value("mine", 0, 0));
        assertEquals("enabled", s.get("state"));
        assertEquals(true, s.get("running"));
        assertEquals(3L, s.get("enable_seq"));
        assertEquals(1L, s.get("switch_all"));
    }

    /** What metrics show of sched_ext whoever loaded the scheduler; nothing on a kernel without it. */
    @Test
    void theKernelsStateIsReadWhetherOrNotASchedulerIsHeld(@TempDir Path dir) throws Exception {
        assertEquals(
                Map.of("state", "enabled", "scheduler", "theirs", "enable_seq", 3L, "nr_rejected", 0L),
                handler(dir, "enabled", "theirs").kernelState());
        assertEquals(Map.of(), new SchedExtOpsHandler(NO_BTF, dir.resolve("absent")).kernelState());
    }

    /** A global variable as the loader would read it; only what the exit record and the counters need. */
    record Global(String name, String section, Map<String, Object> fields, Long scalar) implements GlobalVariable {
        public String typeName() {
            return scalar != null ? "u64" : "struct sched_exit_record";
        }

        public List<String> members() {
            return List.copyOf(fields.keySet());
        }

        public OptionalLong integer() {
            return scalar == null ? OptionalLong.empty() : OptionalLong.of(scalar);
        }

        public OptionalLong integer(String member) {
            return fields.get(member) instanceof Long l ? OptionalLong.of(l) : OptionalLong.empty();
        }

        public Optional<String> string(String member) {
            return fields.get(member) instanceof String t ? Optional.of(t) : Optional.empty();
        }
    }

    /** An attached scheduler with globals; the loader clears {@code attached} before it detaches. */
    static final class Attached implements StructOps {
        final Value value;
        final List<GlobalVariable> globals;
        volatile boolean attached = true;

        Attached(String name, List<GlobalVariable> globals) {
            this.value = new Value(name, 0, 0);
            this.globals = globals;
        }

        public String object() {
            return value.object();
        }

        public String mapName() {
            return value.mapName();
        }

        public String struct() {
            return value.struct();
        }

        public boolean linkBased() {
            return true;
        }

        public Set<String> programMembers() {
            return value.programMembers();
        }

        public Optional<String> string(String member) {
            return value.string(member);
        }

        public OptionalLong integer(String member) {
            return value.integer(member);
        }

        public Optional<LoadedMap> loaded() {
            return Optional.empty();
        }

        public Optional<StructOps> replacing() {
            return Optional.empty();
        }

        public boolean attached() {
            return attached;
        }

        public List<GlobalVariable> globals() {
            return globals;
        }
    }

    static List<GlobalVariable> failedGlobals() {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("kind", 1025L);
        record.put("exit_code", 0L);
        record.put("reason", "scx_bpf_error");
        record.put("msg", "gave up after 50 dispatches");
        return List.of(
                new Global("dispatched", ".bss", Map.of(), 50L),
                new Global("exit_record", ".data", record, null),
                new Global("fail_after", ".rodata", Map.of(), 50L));
    }

    static Map<String, Object> awaitStatus(SchedExtOpsHandler h, StructOps ops, String key) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        Map<String, Object> s = h.status(ops);
        while (!s.containsKey(key) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            s = h.status(ops);
        }
        return s;
    }

    @Test
    void aSchedulerTheKernelThrowsOutIsExplainedFromItsExitRecord(@TempDir Path dir) throws Exception {
        SchedExtOpsHandler h = handler(dir, "enabled", "failing");
        try {
            Attached ops = new Attached("failing", failedGlobals());
            h.afterAttach(ops);
            Files.writeString(dir.resolve("state"), "disabled\n");
            Files.writeString(dir.resolve("root/ops"), "\n");
            Map<String, Object> s = awaitStatus(h, ops, "disabled_by_kernel");
            assertEquals(
                    "scx_bpf_error: gave up after 50 dispatches (1025, recorded by ops.exit in exit_record)",
                    s.get("disabled_by_kernel"),
                    s.toString());
            assertEquals(
                    Map.of(
                            "kind",
                            "1025",
                            "exit_code",
                            0L,
                            "reason",
                            "scx_bpf_error",
                            "message",
                            "gave up after 50 dispatches"),
                    s.get("exit"));
            assertEquals(Map.of("dispatched", 50L), s.get("counters"), "tunables in .rodata are not counters");
            assertEquals(false, s.get("running"));
            h.afterDetach(ops);
            assertTrue(!h.status(ops).containsKey("disabled_by_kernel"));
        } finally {
            h.deactivate();
        }
    }

    @Test
    void aDetachTheLoaderStartedIsNotTakenForTheKernels(@TempDir Path dir) throws Exception {
        SchedExtOpsHandler h = handler(dir, "enabled", "mine");
        try {
            Attached ops = new Attached("mine", List.of());
            h.afterAttach(ops);
            ops.attached = false;
            Files.writeString(dir.resolve("state"), "disabled\n");
            Thread.sleep(4 * SchedExtOpsHandler.WATCH_MILLIS);
            assertTrue(
                    !h.status(ops).containsKey("disabled_by_kernel"),
                    h.status(ops).toString());
        } finally {
            h.deactivate();
        }
    }

    @Test
    void withoutAnExitRecordTheKernelLogSaysWhy() {
        List<String> log = List.of(
                "<6>[   10.1] sched_ext: BPF scheduler \"plain\" enabled",
                "<3>[   12.5] sched_ext: BPF scheduler \"plain\" disabled (runnable task stall)",
                "<3>[   12.5] sched_ext: plain: kworker/0:1[42] failed to run for 30.1s",
                "<6>[   13.0] sched_ext: BPF scheduler \"other\" disabled (unregistered from user space)");
        assertEquals(
                Optional.of("BPF scheduler \"plain\" disabled (runnable task stall): kworker/0:1[42] failed to"
                        + " run for 30.1s"),
                KernelLog.lastDisable(log, "plain"));
        assertEquals(Optional.empty(), KernelLog.lastDisable(log, "absent"));
    }
}
