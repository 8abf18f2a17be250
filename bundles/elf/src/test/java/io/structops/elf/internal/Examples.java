package io.structops.elf.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The project's example BPF objects, built from integration-tests/bpf and committed next to their sources. */
final class Examples {
    private Examples() {}

    static Path dir() {
        String dir = System.getProperty("structops.examples");
        if (dir == null) {
            throw new IllegalStateException("system property structops.examples is not set (the build sets it)");
        }
        return Path.of(dir);
    }

    static Path path(String name) {
        return dir().resolve(name);
    }

    static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
