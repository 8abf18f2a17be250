package io.structops.handler.schedext.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.handler.HandlerException;
import io.structops.handler.StructOps;
import io.structops.kernel.btf.KernelBtf;
import io.structops.loader.LoadedMap;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
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
    static final KernelBtf NO_BTF = (KernelBtf) Proxy.newProxyInstance(KernelBtf.class.getClassLoader(),
            new Class<?>[] {KernelBtf.class}, (p, m, a) -> {
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
        assertTrue(assertThrows(HandlerException.class, () -> h.validate(new Value("", 0, 0))).getMessage()
                .contains("name is empty"));
        assertTrue(assertThrows(HandlerException.class, () -> h.validate(new Value("my-sched", 0, 0)))
                .getMessage().contains("has '-'"));
        assertTrue(assertThrows(HandlerException.class, () -> h.validate(new Value("ok", 0, 60_000)))
                .getMessage().contains("longer than the kernel's watchdog allows"));
    }

    @Test
    void aRunningSchedulerIsNamedInTheRefusal(@TempDir Path dir) throws Exception {
        SchedExtOpsHandler h = handler(dir, "enabled", "scx_other");
        String m = assertThrows(HandlerException.class, () -> h.beforeAttach(new Value("mine", 0, 0)))
                .getMessage();
        assertEquals("sched_ext is enabled with scheduler scx_other; the kernel runs one at a time: unload it first",
                m);
    }

    @Test
    void withoutSchedExtTheKernelIsNamed(@TempDir Path dir) {
        SchedExtOpsHandler h = new SchedExtOpsHandler(NO_BTF, dir.resolve("absent"));
        assertTrue(assertThrows(HandlerException.class, () -> h.validate(new Value("mine", 0, 0))).getMessage()
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
}
