package io.structops.kernel.objects;

import java.util.List;

/**
 * A program in the kernel.
 *
 * @param name its full name, from its BTF func info as bpftool shows it (the kernel keeps only 15 characters)
 * @param runCount how often it ran while statistics were on ({@link KernelPrograms#enableStats})
 * @param runTimeNs how long those runs took together
 * @param mapIds the maps it uses
 */
public record ProgramInfo(int id, String name, String tag, long runCount, long runTimeNs, List<Integer> mapIds) {
    public ProgramInfo {
        mapIds = List.copyOf(mapIds);
    }
}
