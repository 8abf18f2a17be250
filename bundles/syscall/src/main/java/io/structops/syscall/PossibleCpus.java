package io.structops.syscall;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The possible CPUs, as the kernel lists them: a per-CPU map holds one value for each, and its lookups return them
 * all, each rounded up to 8 bytes.
 */
public final class PossibleCpus {
    /** The file the kernel lists its possible CPUs in ({@code 0-3}, {@code 0,2-5}). */
    static final Path FILE = Path.of("/sys/devices/system/cpu/possible");

    private PossibleCpus() {}

    /** How many: one more than the highest possible CPU's number. */
    public static int count() throws IOException {
        return count(Files.readString(FILE));
    }

    /** How many the kernel's list {@code text} names. */
    static int count(String text) throws IOException {
        try {
            int highest = 0;
            for (String range : text.strip().split(",")) {
                highest = Math.max(highest, Integer.parseInt(range.substring(range.indexOf('-') + 1)));
            }
            return highest + 1;
        } catch (NumberFormatException e) {
            throw new IOException(FILE + ": not a CPU list: '" + text.strip() + "'", e);
        }
    }

    /** The distance between two CPUs' values in what a per-CPU map's lookup returns: each rounded up to 8 bytes. */
    public static int perCpuStride(int valueSize) {
        return (valueSize + 7) & ~7;
    }
}
