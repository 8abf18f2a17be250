package io.structops.btf.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.elf.BpfObject;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Example objects, the running kernel's BTF, and bpftool as the peer. */
final class Fixtures {
    static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    static final BtfReaderComponent READER = new BtfReaderComponent();
    private static Btf vmlinux;

    private Fixtures() {}

    static Path example(String name) {
        return Path.of(System.getProperty("structops.examples")).resolve(name);
    }

    static List<String> exampleObjects() throws IOException {
        List<String> names = new ArrayList<>();
        try (var s = Files.list(Path.of(System.getProperty("structops.examples")))) {
            s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".o"))
                    .sorted()
                    .forEach(names::add);
        }
        return names;
    }

    static BpfObject object(String name) throws Exception {
        return new io.structops.elf.internal.BpfObjectReaderComponent().read(example(name));
    }

    static Btf objectBtf(String name) throws Exception {
        return READER.read(object(name)).orElseThrow();
    }

    static synchronized Btf vmlinux() throws IOException, BtfException {
        if (vmlinux == null) {
            vmlinux = READER.read("vmlinux", MemorySegment.ofArray(Files.readAllBytes(VMLINUX)));
        }
        return vmlinux;
    }

    /** Runs bpftool and returns its stdout; fails the test (never skips) when bpftool is missing. */
    static String bpftool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("bpftool");
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new AssertionError("bpftool is the reference for BTF dumps: install it (apt-get install bpftool)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        if (status != 0) {
            throw new AssertionError("bpftool " + String.join(" ", args) + " exited with " + status);
        }
        return out;
    }
}
