package io.structops.syscall;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The capabilities bpf(2) checks, read from this process's effective set, so that an EPERM can say which one is
 * missing instead of leaving the user to guess.
 */
final class Capabilities {
    /** Name and bit of each capability struct_ops loading needs (linux/capability.h). */
    private static final String[] NAMES = {"CAP_BPF", "CAP_SYS_ADMIN", "CAP_PERFMON", "CAP_NET_ADMIN"};

    private static final int[] BITS = {39, 21, 38, 12};

    private Capabilities() {}

    /** The needed capabilities this process lacks; empty if it has them all or its status cannot be read. */
    static List<String> missing() {
        long effective;
        try {
            effective = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("CapEff:"))
                    .findFirst()
                    .map(l -> Long.parseUnsignedLong(l.substring(7).trim(), 16))
                    .orElse(-1L);
        } catch (IOException | NumberFormatException e) {
            return List.of();
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            if ((effective & (1L << BITS[i])) == 0) {
                missing.add(NAMES[i]);
            }
        }
        return missing;
    }

    /** What to add to an EPERM's message: the missing capabilities, or nothing if none is missing. */
    static String explainEperm() {
        List<String> missing = missing();
        if (missing.isEmpty()) {
            return "";
        }
        return "; this process lacks " + String.join(", ", missing) + " (loading struct_ops needs CAP_BPF and"
                + " CAP_SYS_ADMIN, tracing-style helpers CAP_PERFMON, networking ones CAP_NET_ADMIN: run as root or"
                + " grant them, e.g. setcap or systemd's AmbientCapabilities)";
    }
}
