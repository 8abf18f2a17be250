package io.structops.handler.schedext.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The kernel's log ring, read whole with {@code klogctl(SYSLOG_ACTION_READ_ALL)}: unlike {@code /dev/kmsg} this never
 * blocks and consumes nothing. Reading it needs CAP_SYSLOG (or {@code kernel.dmesg_restrict=0}); without, the
 * log is simply not available.
 */
final class KernelLog {
    private static final int SYSLOG_ACTION_READ_ALL = 3;
    private static final int SYSLOG_ACTION_SIZE_BUFFER = 10;

    private KernelLog() {}

    /** The lines now in the ring, oldest first, each still with its {@code <level>[time]} prefix; empty if refused. */
    static Optional<List<String>> lines() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle klogctl = linker.downcallHandle(
                    linker.defaultLookup().find("klogctl").orElseThrow(),
                    FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            int size = (int) klogctl.invokeExact(SYSLOG_ACTION_SIZE_BUFFER, MemorySegment.NULL, 0);
            if (size <= 0) {
                return Optional.empty();
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(size);
                int n = (int) klogctl.invokeExact(SYSLOG_ACTION_READ_ALL, buf, size);
                if (n < 0) {
                    return Optional.empty();
                }
                byte[] bytes = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                return Optional.of(
                        new String(bytes, StandardCharsets.UTF_8).lines().toList());
            }
        } catch (Throwable e) {
            return Optional.empty();
        }
    }

    /**
     * What the kernel logged when it last disabled scheduler {@code name}: its "disabled (reason)" line and the
     * message line after it, without prefixes.
     */
    static Optional<String> lastDisable(List<String> lines, String name) {
        String marker = "sched_ext: BPF scheduler \"" + name + "\" disabled";
        for (int i = lines.size() - 1; i >= 0; i--) {
            int at = lines.get(i).indexOf(marker);
            if (at < 0) {
                continue;
            }
            StringBuilder sb = new StringBuilder(lines.get(i).substring(at + "sched_ext: ".length()));
            String detail = "sched_ext: " + name + ": ";
            for (int j = i + 1; j < lines.size() && j <= i + 2; j++) {
                int d = lines.get(j).indexOf(detail);
                if (d >= 0) {
                    sb.append(": ").append(lines.get(j).substring(d + detail.length()));
                    break;
                }
            }
            return Optional.of(sb.toString());
        }
        return Optional.empty();
    }
}
