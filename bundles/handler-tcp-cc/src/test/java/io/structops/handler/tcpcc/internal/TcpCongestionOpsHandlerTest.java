package io.structops.handler.tcpcc.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The handler's rules on given values. The loader hands it real values (see the kernel tests in integration-tests);
 * here the values are made up so that each rule is met and broken once, with the network stack's list in a file.
 */
class TcpCongestionOpsHandlerTest {

    /** A struct_ops value as the loader would describe it. */
    record Value(String name, Set<String> programMembers, StructOps previous) implements StructOps {
        public String object() {
            return "test.bpf.o";
        }

        public String mapName() {
            return "test_map";
        }

        public String struct() {
            return "tcp_congestion_ops";
        }

        public boolean linkBased() {
            return true;
        }

        public Optional<String> string(String member) {
            return member.equals("name") ? Optional.of(name) : Optional.empty();
        }

        public OptionalLong integer(String member) {
            return OptionalLong.empty();
        }

        public Optional<LoadedMap> loaded() {
            return Optional.empty();
        }

        public Optional<StructOps> replacing() {
            return Optional.ofNullable(previous);
        }
    }

    static final Set<String> COMPLETE = Set.of("ssthresh", "undo_cwnd", "cong_avoid");

    TcpCongestionOpsHandler handler(Path dir, String available) throws Exception {
        Files.writeString(dir.resolve("tcp_available_congestion_control"), available + "\n");
        Files.writeString(dir.resolve("tcp_congestion_control"), "cubic\n");
        return new TcpCongestionOpsHandler(dir);
    }

    @Test
    void namesMustFitAndBeSelectable(@TempDir Path dir) throws Exception {
        TcpCongestionOpsHandler h = handler(dir, "reno cubic");
        assertDoesNotThrow(() -> h.validate(new Value("fifteen_chars_x", COMPLETE, null)));
        String tooLong = assertThrows(
                        HandlerException.class, () -> h.validate(new Value("sixteen_chars_xy", COMPLETE, null)))
                .getMessage();
        assertTrue(tooLong.contains("at most 15 characters"), tooLong);
        assertTrue(assertThrows(HandlerException.class, () -> h.validate(new Value("", COMPLETE, null)))
                .getMessage()
                .contains("name is empty"));
        assertTrue(assertThrows(HandlerException.class, () -> h.validate(new Value("two words", COMPLETE, null)))
                .getMessage()
                .contains("not visible ASCII"));
    }

    @Test
    void theKernelsRequiredMembersMustBeBound(@TempDir Path dir) throws Exception {
        TcpCongestionOpsHandler h = handler(dir, "reno cubic");
        assertDoesNotThrow(() -> h.validate(new Value("mine", Set.of("ssthresh", "undo_cwnd", "cong_control"), null)));
        String m = assertThrows(
                        HandlerException.class, () -> h.validate(new Value("mine", Set.of("ssthresh", "init"), null)))
                .getMessage();
        assertEquals(
                "algorithm mine lacks undo_cwnd, cong_avoid or cong_control; the kernel requires ssthresh,"
                        + " undo_cwnd and one of cong_avoid or cong_control",
                m);
    }

    @Test
    void aNameTakenIsRefusedUnlessASwapKeepsIt(@TempDir Path dir) throws Exception {
        TcpCongestionOpsHandler h = handler(dir, "reno cubic mine other");
        String taken = assertThrows(HandlerException.class, () -> h.validate(new Value("mine", COMPLETE, null)))
                .getMessage();
        assertTrue(taken.contains("a congestion control named mine is already registered"), taken);
        Value current = new Value("mine", COMPLETE, null);
        assertDoesNotThrow(() -> h.validate(new Value("mine", COMPLETE, current)));
        assertDoesNotThrow(() -> h.validate(new Value("fresh", COMPLETE, current)));
        String clash = assertThrows(HandlerException.class, () -> h.validate(new Value("other", COMPLETE, current)))
                .getMessage();
        assertTrue(clash.contains("a swap may keep the name mine"), clash);
    }

    @Test
    void statusSaysWhetherTheStackOffersIt(@TempDir Path dir) throws Exception {
        TcpCongestionOpsHandler h = handler(dir, "reno cubic mine");
        assertEquals(
                Map.of("algorithm", "mine", "available", true, "default", false),
                h.status(new Value("mine", COMPLETE, null)));
        assertEquals(true, h.status(new Value("cubic", COMPLETE, null)).get("default"));
    }

    /** What metrics show of the network stack, whoever loaded what: the algorithms offered and the default. */
    @Test
    void theKernelsStateIsWhatTheStackOffers(@TempDir Path dir) throws Exception {
        assertEquals(
                Map.of("available", List.of("reno", "cubic", "mine"), "default", "cubic"),
                handler(dir, "reno cubic mine").kernelState());
        assertEquals(Map.of(), new TcpCongestionOpsHandler(dir.resolve("absent")).kernelState());
    }
}
