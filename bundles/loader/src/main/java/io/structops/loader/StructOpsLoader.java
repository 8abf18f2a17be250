package io.structops.loader;

import java.nio.file.Path;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Loads struct_ops objects. Offered as an OSGi service; thread-safe.
 *
 * <p>Two phases, as libbpf's open and load: {@link #open} parses an object once into an {@link ObjectSpec}; every
 * other method takes that spec, so a file is never read or parsed again on its way to the kernel. The overloads
 * that take a {@code Path} or bytes open the object first, for callers that load it only once.
 */
@ProviderType
public interface StructOpsLoader {

    /** Reads and parses {@code file}: its ELF, BTF and BTF.ext. Nothing is created in the kernel. */
    ObjectSpec open(Path file) throws LoadException;

    /**
     * As {@link #open(Path)}, for an object whose bytes were read elsewhere, such as a file checked on the descriptor
     * it was read from; {@code name} names it in messages and logs.
     */
    ObjectSpec open(String name, byte[] contents) throws LoadException;

    /**
     * Loads every struct_ops map of {@code spec} that {@code options} select ({@link ObjectSpec#selected}): its BTF,
     * its other maps, the programs its function pointers name, the struct_ops maps, and with {@code attach} the
     * registration (a link for {@code .struct_ops.link}). On failure everything created so far is released and
     * nothing stays attached.
     */
    LoadedObject load(ObjectSpec spec, LoadOptions options) throws LoadException;

    /** Opens {@code file} and loads it. */
    default LoadedObject load(Path file, LoadOptions options) throws LoadException {
        return load(open(file), options);
    }

    /** Opens the object from {@code contents} and loads it. */
    default LoadedObject load(String name, byte[] contents, LoadOptions options) throws LoadException {
        return load(open(name, contents), options);
    }

    /**
     * What {@code spec}'s externs (kfuncs, ksyms, kconfig) and CO-RE relocations resolve to on the running kernel,
     * as {@link #load} would resolve them: the same steps, stopped before anything is created in the kernel.
     */
    Resolutions resolve(ObjectSpec spec) throws LoadException;

    /** Opens {@code file} and resolves it. */
    default Resolutions resolve(Path file) throws LoadException {
        return resolve(open(file));
    }

    /**
     * Replaces the attached link-based struct_ops map {@code mapName} of {@code current} with the same-named
     * variable of {@code spec} (or, if it has none of that name, with its only struct_ops variable, which must be of
     * the same kernel struct), without a moment in which neither is attached: the new object is loaded and its map
     * filled, then the existing link is moved to it with BPF_LINK_UPDATE. Where the kernel cannot update the struct
     * in place (EOPNOTSUPP, as for sched_ext), the old link is detached and the new map linked, and the gap is
     * reported by {@link LoadedObject#swapGap}; if the new map then fails to attach, the old one is linked again.
     * The returned object owns the link; closing {@code current} afterwards releases only what it still holds. If
     * anything fails, {@code current} stays attached and nothing of the new object is left.
     */
    LoadedObject swap(LoadedObject current, String mapName, ObjectSpec spec, LoadOptions options) throws LoadException;

    /** Opens {@code file} and swaps it in. */
    default LoadedObject swap(LoadedObject current, String mapName, Path file, LoadOptions options)
            throws LoadException {
        return swap(current, mapName, open(file), options);
    }

    /** Opens the object from {@code contents} and swaps it in. */
    default LoadedObject swap(LoadedObject current, String mapName, String name, byte[] contents, LoadOptions options)
            throws LoadException {
        return swap(current, mapName, open(name, contents), options);
    }

    /**
     * Takes over what an earlier runtime attached from this object and left in the kernel when it ended (SIGKILL, a
     * crash, an upgrade, or a stop that kept pinned links): for each struct_ops map of {@code spec} (as
     * {@code options} select them), a link pinned at {@code pins/<map>}, or else a legacy registration of that name
     * and kernel struct that this runtime does not hold. Empty when none is found. To compare, the object is loaded
     * without attaching (its programs verified, so their tags are the kernel's own) and released again.
     */
    Optional<Adoption> adopt(ObjectSpec spec, LoadOptions options, Optional<Path> pins) throws LoadException;

    /** Opens the object from {@code contents} and adopts what an earlier runtime left of it. */
    default Optional<Adoption> adopt(String name, byte[] contents, LoadOptions options, Optional<Path> pins)
            throws LoadException {
        return adopt(open(name, contents), options, pins);
    }

    /**
     * Detaches what {@link LoadedObject#record} pinned at {@code pin} (a link is detached, a legacy map
     * unregistered), if it is still attached, and removes the pin. For a runtime that finds a record of something
     * its deploy directory no longer holds.
     */
    void detachRecorded(Path pin) throws LoadException;
}
