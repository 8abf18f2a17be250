package io.structops.kernel.objects;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The struct_ops maps in the kernel, whoever loaded them: listed with their struct and link, their values decoded
 * through the kernel's BTF, their objects' globals read, and detached. A service; thread-safe.
 */
@ProviderType
public interface KernelStructOps {

    /** Every struct_ops map in the kernel, by id. */
    List<StructOpsMap> list() throws KernelObjectException;

    /** The struct_ops map named {@code nameOrId}, as {@link KernelMaps#find} matches names. */
    StructOpsMap find(String nameOrId) throws KernelObjectException;

    /** Its value now. */
    StructOpsValue value(StructOpsMap map) throws KernelObjectException;

    /**
     * The running values of the globals of the object a map came from, by section ({@code .bss}, {@code .rodata},
     * ...) and variable, read from the global data maps that share its BTF; for a global data map itself, its own.
     * Read through a read-only mapping where the map allows one: the very memory the programs use.
     */
    Map<String, Map<String, Value>> globals(MapInfo map) throws KernelObjectException;

    /**
     * Detaches {@code map}: through its link (the link stays until its pin is removed), or by unregistering a legacy
     * map. Returns what was done, in a phrase.
     */
    String detach(StructOpsMap map) throws KernelObjectException;
}
