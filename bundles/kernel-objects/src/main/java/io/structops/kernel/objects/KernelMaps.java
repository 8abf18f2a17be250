package io.structops.kernel.objects;

import io.structops.btf.Btf;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** The maps in the kernel: listed, found by name, opened by id or pinned path. A service; thread-safe. */
@ProviderType
public interface KernelMaps {

    /** Every map in the kernel, by id. */
    List<MapInfo> list() throws KernelObjectException;

    /**
     * The map named {@code nameOrId}: its id, its name, or its name as the kernel keeps it (cut to 15 characters).
     * Refused when none or several match, naming their ids.
     */
    MapInfo find(String nameOrId) throws KernelObjectException;

    KernelMap open(int id) throws KernelObjectException;

    /** The map pinned at {@code pin} on a bpffs. */
    KernelMap open(Path pin) throws KernelObjectException;

    /** The ring buffer {@code id}, mapped for reading; refused for any other kind of map. */
    RingBuffer ringBuffer(int id) throws KernelObjectException;

    /** The user ring buffer {@code id}, mapped for writing; refused for any other kind of map. */
    UserRingBuffer userRingBuffer(int id) throws KernelObjectException;

    /**
     * The BTF of the object that created map {@code id}: the map's own, or (for a map created without BTF, as ring
     * buffers are) that of a program using it. Empty when neither is known. Where a ring buffer's record type is.
     */
    Optional<Btf> objectBtf(int id) throws KernelObjectException;
}
