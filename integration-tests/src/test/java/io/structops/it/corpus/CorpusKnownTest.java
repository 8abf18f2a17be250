package io.structops.it.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How a known difference of the corpus is read, and when it applies. */
class CorpusKnownTest {
    @Test
    void aKnownDifferenceWithoutASignAppliesToAnyFailure() {
        Optional<Corpus.Known> known = Corpus.Known.parse(": libbpf refuses it, structops does not");
        assertEquals(Optional.of("libbpf refuses it, structops does not"), known.flatMap(k -> k.of("anything")));
    }

    @Test
    void aSignedKnownDifferenceAppliesOnlyWhenStructopsSaidItsSign() {
        Optional<Corpus.Known> known = Corpus.Known.parse(" (runnable task stall): the scheduler's own race");
        assertEquals(
                Optional.of("the scheduler's own race"),
                known.flatMap(k -> k.of("the kernel did not enable flatcg: runnable task stall: x failed to run")));
        assertEquals(Optional.empty(), known.flatMap(k -> k.of("BPF_PROG_LOAD failed: EACCES")));
    }

    @Test
    void noEntryIsNoKnownDifference() {
        assertEquals(Optional.empty(), Corpus.Known.parse(null));
        assertEquals(Optional.empty(), Corpus.Known.parse(""));
    }
}
