package io.structops.loader;

import java.util.List;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One object file, parsed once: its ELF, BTF and BTF.ext, programs, maps and struct_ops variables, as
 * {@link StructOpsLoader#open} read them. The open phase of a load, as libbpf's {@code bpf_object__open} and
 * cilium/ebpf's {@code CollectionSpec}: a caller looks at what the object holds before anything is created.
 *
 * <p>Immutable and thread-safe. What libbpf lets a caller change between open and load (values of globals, which
 * struct_ops maps are created, the size of a resizable array) is given to each load as {@link LoadOptions}, so one
 * spec serves any number of loads: a comparison before adoption, a swap, a restore after a failed replacement.
 */
@ProviderType
public interface ObjectSpec {

    /** The object's name in messages: the file, or the name given with its bytes. */
    String name();

    /** The object's struct_ops variables, in the order of their sections. */
    List<StructOpsMap> structOps();

    /** The names of the object's programs (the functions in {@code struct_ops} sections), in section order. */
    List<String> programs();

    /** The globals a load can set with {@link LoadOptions#globals}: the object's non-static data variables. */
    Set<String> globals();

    /**
     * The struct_ops maps a load with {@code options} creates, in the object's order: every non-optional one and
     * the optional ones named, or only those {@link LoadOptions#only} names. A name the object lacks is refused, so
     * that a typo does not silently change what is made.
     */
    List<String> selected(LoadOptions options) throws LoadException;

    /**
     * A struct_ops variable.
     *
     * @param name the variable's (and so the map's) name
     * @param struct the struct it fills, as the object names it without a {@code ___flavour} suffix
     * @param optional in {@code .struct_ops.opt}/{@code ?struct_ops}: created only when asked for
     * @param linkBased in {@code .struct_ops.link}: attached through a link rather than registered
     */
    record StructOpsMap(String name, String struct, boolean optional, boolean linkBased) {}
}
