package io.structops.loader;

import java.util.Optional;

/**
 * What {@link StructOpsLoader#adopt} took over: the struct_ops maps an earlier runtime attached from an object and
 * left in the kernel (a pinned link, a legacy registration), now held by {@code object} as if this runtime had
 * attached them; nothing was detached or attached to get here.
 *
 * @param object the survivors, attached, owned by the caller from now on
 * @param difference empty when the survivors are what the object would attach (same kernel struct, same data
 *     members, programs with the same tags); else why not, and the caller replaces them (a swap)
 */
public record Adoption(LoadedObject object, Optional<String> difference) {}
