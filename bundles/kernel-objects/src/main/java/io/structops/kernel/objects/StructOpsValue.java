package io.structops.kernel.objects;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A struct_ops map's value as the kernel holds it, decoded through its struct's BTF.
 *
 * @param state {@code common.state}: {@code init}, {@code inuse}, {@code tobefree} or {@code ready}
 * @param programs the function-pointer members set, to their programs
 * @param members the other members that are not zero (pointers left out), typed
 */
public record StructOpsValue(
        StructOpsMap map, String state, Map<String, ProgramInfo> programs, Map<String, Value> members) {

    public StructOpsValue {
        programs = Collections.unmodifiableMap(new LinkedHashMap<>(programs));
        members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
    }
}
