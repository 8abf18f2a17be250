package io.structops.kernel.objects;

import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** Programs in the kernel: named as bpftool names them, with their run statistics. A service; thread-safe. */
@ProviderType
public interface KernelPrograms {

    /** The program of that id; empty if it is gone. */
    Optional<ProgramInfo> program(int id) throws KernelObjectException;

    /**
     * Turns on the kernel's run statistics of every program until the result is closed (BPF_ENABLE_STATS): they
     * cost a little on each run, so they are on only while someone looks.
     */
    AutoCloseable enableStats() throws KernelObjectException;
}
