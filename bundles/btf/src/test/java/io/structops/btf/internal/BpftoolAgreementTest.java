package io.structops.btf.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.structops.btf.Btf;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The raw dump must be bpftool's, byte for byte, and encoding must give back the parsed bytes. */
class BpftoolAgreementTest {

    static Stream<String> objects() throws Exception {
        return Fixtures.exampleObjects().stream();
    }

    static void assertSameDump(String expected, String actual, String what) {
        if (expected.equals(actual)) {
            return;
        }
        List<String> e = expected.lines().toList();
        List<String> a = actual.lines().toList();
        for (int i = 0; i < Math.min(e.size(), a.size()); i++) {
            if (!e.get(i).equals(a.get(i))) {
                fail(what + ": line " + (i + 1) + " differs\n bpftool:   " + e.get(i) + "\n structops: " + a.get(i));
            }
        }
        fail(what + ": bpftool printed " + e.size() + " lines, structops " + a.size());
    }

    @ParameterizedTest
    @MethodSource("objects")
    void rawDumpOfEveryExampleObject(String name) throws Exception {
        Btf btf = Fixtures.objectBtf(name);
        StringBuilder sb = new StringBuilder();
        btf.dumpRaw(sb);
        assertSameDump(
                Fixtures.bpftool("btf", "dump", "file", Fixtures.example(name).toString(), "format", "raw"),
                sb.toString(),
                name);
    }

    @Test
    void rawDumpOfVmlinux() throws Exception {
        StringBuilder sb = new StringBuilder(16 << 20);
        Fixtures.vmlinux().dumpRaw(sb);
        assertSameDump(
                Fixtures.bpftool("btf", "dump", "file", Fixtures.VMLINUX.toString(), "format", "raw"),
                sb.toString(),
                "vmlinux");
    }

    @Test
    void rawDumpOfVmlinuxToAStreamIsBpftoolsBytes() throws Exception {
        // The command line's path: bytes straight to a PrintStream, not through an Appendable's characters.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 << 20);
        try (PrintStream out = new PrintStream(bytes, false, StandardCharsets.UTF_8)) {
            Fixtures.vmlinux().dumpRaw(out);
        }
        assertSameDump(
                Fixtures.bpftool("btf", "dump", "file", Fixtures.VMLINUX.toString(), "format", "raw"),
                bytes.toString(StandardCharsets.UTF_8),
                "vmlinux, as bytes");
    }

    @Test
    void kernelVerifiedReadingGivesTheSameTypes() throws Exception {
        byte[] bytes = java.nio.file.Files.readAllBytes(Fixtures.VMLINUX);
        Btf verified =
                Fixtures.READER.readKernelVerified("vmlinux", java.lang.foreign.MemorySegment.ofArray(bytes), null);
        StringBuilder a = new StringBuilder(16 << 20);
        StringBuilder b = new StringBuilder(16 << 20);
        verified.dumpRaw(a);
        Fixtures.vmlinux().dumpRaw(b);
        assertEquals(b.toString(), a.toString());
    }

    @ParameterizedTest
    @MethodSource("objects")
    void encodingRoundTripsEveryObject(String name) throws Exception {
        var object = Fixtures.object(name);
        var section = object.btfSection().orElseThrow();
        byte[] original = new byte[(int) section.size()];
        object.elf().data(section).get(original);
        assertArrayEquals(original, Fixtures.objectBtf(name).encode(), name);
    }

    @Test
    void encodingRoundTripsVmlinux() throws Exception {
        byte[] original = java.nio.file.Files.readAllBytes(Fixtures.VMLINUX);
        byte[] encoded = Fixtures.vmlinux().encode();
        assertEquals(original.length, encoded.length);
        assertArrayEquals(original, encoded);
    }
}
