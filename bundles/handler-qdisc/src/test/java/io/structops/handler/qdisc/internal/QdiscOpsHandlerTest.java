package io.structops.handler.qdisc.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.structops.handler.HandlerException;
import io.structops.handler.StructOps;
import io.structops.loader.LoadedMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The handler's rules on given values, each met and broken once. The loader hands it real values (the VM tests);
 * here they are made up, with the devices of a directory standing for /sys/class/net.
 */
class QdiscOpsHandlerTest {

    /** A Qdisc_ops value as the loader would describe it. */
    record Value(String id, Set<String> programMembers, Map<String, Long> integers, Map<String, String> options)
            implements StructOps {
        public String object() {
            return "test.bpf.o";
        }

        public String mapName() {
            return "test_qdisc";
        }

        public String struct() {
            return "Qdisc_ops";
        }

        public boolean linkBased() {
            return true;
        }

        public Optional<String> string(String member) {
            return member.equals("id") ? Optional.of(id) : Optional.empty();
        }

        public OptionalLong integer(String member) {
            return integers.containsKey(member) ? OptionalLong.of(integers.get(member)) : OptionalLong.empty();
        }

        public Optional<LoadedMap> loaded() {
            return Optional.empty();
        }

        public Optional<StructOps> replacing() {
            return Optional.empty();
        }
    }

    static final Set<String> COMPLETE = Set.of("enqueue", "dequeue", "init", "reset", "destroy");

    private static String refusal(QdiscOpsHandler h, Value v) {
        return assertThrows(HandlerException.class, () -> h.validate(v)).getMessage();
    }

    @Test
    void theKernelsRulesAreNamedBeforeLoad(@TempDir Path net) throws Exception {
        Files.createDirectories(net.resolve("veth0"));
        Files.writeString(net.resolve("veth0/ifindex"), "7\n");
        QdiscOpsHandler h = new QdiscOpsHandler(net);
        assertDoesNotThrow(() -> h.validate(new Value("so_fifo", COMPLETE, Map.of(), Map.of())));
        assertDoesNotThrow(() -> h.validate(
                new Value("so_fifo", COMPLETE, Map.of(), Map.of("qdisc.devices", "[veth0]", "qdisc.handle", "1:"))));

        assertEquals(
                "id is empty; set .id to the qdisc's kind, the name tc uses (at most 15 characters)",
                refusal(h, new Value("", COMPLETE, Map.of(), Map.of())));
        assertEquals(
                "id 'a_qdisc_of_sixteen' does not fit: at most 15 characters",
                refusal(h, new Value("a_qdisc_of_sixteen", COMPLETE, Map.of(), Map.of())));
        assertEquals(
                "id 'so-fifo' has '-'; the kernel takes only letters, digits, '_' and '.' in a qdisc's id",
                refusal(h, new Value("so-fifo", COMPLETE, Map.of(), Map.of())));
        assertEquals(
                "a bpf qdisc needs programs for enqueue, dequeue, init, reset and destroy (the kernel refuses it"
                        + " with EINVAL otherwise); missing: destroy, reset",
                refusal(h, new Value("so_fifo", Set.of("enqueue", "dequeue", "init"), Map.of(), Map.of())));
        Set<String> withDump = new java.util.HashSet<>(COMPLETE);
        withDump.add("dump");
        assertEquals(
                "the kernel runs programs only for dequeue, destroy, enqueue, init, peek, reset of a bpf qdisc;"
                        + " not for: dump",
                refusal(h, new Value("so_fifo", withDump, Map.of(), Map.of())));
        assertEquals(
                "priv_size is 64; the kernel sets it for a bpf qdisc and refuses any other value: leave it 0",
                refusal(h, new Value("so_fifo", COMPLETE, Map.of("priv_size", 64L), Map.of())));
        assertEquals(
                "qdisc.devices: there is no network device veth9",
                refusal(h, new Value("so_fifo", COMPLETE, Map.of(), Map.of("qdisc.devices", "veth0, veth9"))));
        assertEquals(
                "qdisc.devices: '../x' is not a network device name",
                refusal(h, new Value("so_fifo", COMPLETE, Map.of(), Map.of("qdisc.devices", "../x"))));
        assertEquals(
                "option qdisc.device is not one the qdisc handler knows (qdisc.devices, qdisc.handle,"
                        + " qdisc.parent)",
                refusal(h, new Value("so_fifo", COMPLETE, Map.of(), Map.of("qdisc.device", "veth0"))));
        assertEquals(
                "qdisc.handle: a qdisc's handle is MAJOR: (its minor is 0), not 1:2",
                refusal(h, new Value("so_fifo", COMPLETE, Map.of(), Map.of("qdisc.handle", "1:2"))));
    }

    @Test
    void aKindIsRegisteredOnce(@TempDir Path net) throws Exception {
        QdiscOpsHandler h = new QdiscOpsHandler(net);
        Value first = new Value("so_fifo", COMPLETE, Map.of(), Map.of());
        h.afterAttach(first); // no devices named: the kind is registered, and nothing is put anywhere
        assertEquals(
                "the qdisc kind so_fifo is already registered, by map test_qdisc of test.bpf.o; a kind is"
                        + " registered once",
                refusal(h, new Value("so_fifo", COMPLETE, Map.of(), Map.of())));
        h.beforeDetach(first);
        assertDoesNotThrow(() -> h.validate(new Value("so_fifo", COMPLETE, Map.of(), Map.of())));
    }

    @Test
    void handlesReadAndWriteAsTcDoes() {
        assertEquals(0x00010000, Qdisc.parseHandle("1:"));
        assertEquals(0x00010002, Qdisc.parseHandle("1:2"));
        assertEquals(0xffff0000, Qdisc.parseHandle("ffff:"));
        assertEquals(Qdisc.ROOT, Qdisc.parseHandle("root"));
        assertEquals(
                List.of("1:", "1:2", "8001:", "root"),
                List.of(
                        Qdisc.handleText(0x00010000),
                        Qdisc.handleText(0x00010002),
                        Qdisc.handleText(0x80010000),
                        Qdisc.handleText(Qdisc.ROOT)));
        assertThrows(IllegalArgumentException.class, () -> Qdisc.parseHandle("1"));
        assertThrows(IllegalArgumentException.class, () -> Qdisc.parseHandle("0:"));
        assertThrows(IllegalArgumentException.class, () -> Qdisc.parseHandle("10000:"));
    }
}
