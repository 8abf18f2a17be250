package io.structops.loader;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The kernel objects one load created. Thread-safe. */
public interface LoadedObject extends AutoCloseable {

    /** The object file's name. */
    String name();

    List<LoadedMap> maps();

    /**
     * Every map this load created, by its name in the object ({@code flows}, {@code .bss}, the struct_ops maps'
     * variable names), to its kernel map id: what a host opens with {@code KernelMaps.open(id)} to read and write
     * them. In the object's order: its {@code .maps}, its global data, then its struct_ops maps.
     */
    default Map<String, Integer> objectMaps() {
        Map<String, Integer> ids = new LinkedHashMap<>();
        maps().forEach(m -> ids.put(m.name(), m.mapId()));
        return ids;
    }

    /**
     * Pins each map's link ({@code DIR/<map>}) so that it outlives this process, like {@code bpftool struct_ops
     * register OBJ LINK_DIR}; legacy maps need no pin, as they stay registered by themselves. {@code dir} must pass
     * {@link PinDirectory#problem}: it is made if missing, and only ever on a bpffs.
     */
    void pinLinks(Path dir) throws LoadException;

    /**
     * Pins what keeps each attached struct_ops map attached past this process (a pinned link, or a legacy map
     * itself; an unpinned link ends with the process and is not recorded) at {@code dir/<prefix><map>-link|-map},
     * replacing what is there: a record from which a later runtime can detach it with
     * {@link StructOpsLoader#detachRecorded} when nobody holds it any more. {@code dir} must pass
     * {@link PinDirectory#problem}.
     */
    default void record(Path dir, String prefix) throws LoadException {
        throw new LoadException(name() + ": cannot be recorded", null, null);
    }

    /** Detaches and releases everything: links detached, legacy maps unregistered, descriptors closed. */
    @Override
    void close();

    /**
     * Closes this process's descriptors only: pinned links and legacy maps stay in the kernel, unpinned links
     * detach as their last descriptor closes. What a one-shot {@code load} does when it exits.
     */
    void release();

    boolean isOpen();

    /**
     * For a map this object took over in a {@link StructOpsLoader#swap swap} that had to detach the old map before
     * attaching the new one (the kernel cannot update that struct's link in place, as with sched_ext): how long
     * neither was attached. Empty when the link moved in place, with no gap.
     */
    default Optional<Duration> swapGap(String mapName) {
        return Optional.empty();
    }

    /** When this object's map of that name was attached (by load, swap or adoption); empty while it is not. */
    default Optional<Instant> attachedSince(String mapName) {
        return Optional.empty();
    }

    /**
     * The kernel's run counts of this object's program of that id, read through the object's own descriptor: unlike
     * a lookup by id, that needs no CAP_SYS_ADMIN. Empty if the program is not this object's.
     */
    default Optional<ProgramRuns> programRuns(int programId) {
        return Optional.empty();
    }
}
