package io.structops.loader;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where links may be pinned: an absolute path with no {@code .} or {@code ..} in it, on a BPF file system (the
 * directory itself if it exists, else the nearest directory above it that does). Checked before anything is loaded,
 * so that a bad pin option leaves what runs as it is, and again when the directory is made, so that nothing is ever
 * created outside a bpffs.
 */
public final class PinDirectory {
    /** The type /proc/mounts gives a BPF file system. */
    static final String BPFFS = "bpf";

    private PinDirectory() {}

    /** Why links must not be pinned in {@code dir}; empty if they may. */
    public static Optional<String> problem(Path dir) {
        if (!dir.isAbsolute()) {
            return Optional.of(dir + " is not an absolute path (pin under a bpffs, e.g. /sys/fs/bpf/NAME)");
        }
        if (!dir.normalize().equals(dir)
                || dir.toString().contains("/./")
                || dir.toString().endsWith("/.")) {
            return Optional.of(dir + " has . or .. in it; give the directory's own path");
        }
        Path existing = dir;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(dir + ": " + existing + " is not a directory");
        }
        try {
            FileStore store = Files.getFileStore(existing);
            if (!store.type().equals(BPFFS)) {
                return Optional.of(dir + " is not on a BPF file system (" + existing + " is on " + store.type()
                        + "); pin under a bpffs mount such as /sys/fs/bpf");
            }
        } catch (IOException e) {
            return Optional.of(dir + ": cannot tell its file system: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** Makes {@code dir} (and the directories above it that are missing) after checking it. */
    public static void create(Path dir) throws LoadException {
        Optional<String> problem = problem(dir);
        if (problem.isPresent()) {
            throw new LoadException("pin: " + problem.get(), null, null);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LoadException("pin: cannot make " + dir + ": " + e.getMessage(), null, e);
        }
    }
}
