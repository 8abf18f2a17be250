package io.structops.loader;

import java.util.Map;
import java.util.Set;

/**
 * How to load an object.
 *
 * @param optionalMaps {@code ?}-section struct_ops variables to create too (by name); others of them are skipped
 * @param attach register the maps (update, and create links for link-based maps); false leaves them loaded only
 * @param globals initial values of global variables ({@code .rodata}, {@code .data}, {@code .bss}) by name, as
 *     text typed through the variable's BTF; they replace the object's values before the programs are verified
 * @param only if not empty, the struct_ops variables to create, and no others (optional or not), as libbpf's
 *     {@code bpf_map__set_autocreate(false)} leaves the rest out: for objects that ship a deliberately incomplete
 *     variant beside the real one
 */
public record LoadOptions(Set<String> optionalMaps, boolean attach, Map<String, String> globals, Set<String> only) {
    public LoadOptions {
        optionalMaps = Set.copyOf(optionalMaps);
        globals = Map.copyOf(globals);
        only = Set.copyOf(only);
    }

    public LoadOptions(Set<String> optionalMaps, boolean attach, Map<String, String> globals) {
        this(optionalMaps, attach, globals, Set.of());
    }

    public LoadOptions(Set<String> optionalMaps, boolean attach) {
        this(optionalMaps, attach, Map.of());
    }

    public static LoadOptions defaults() {
        return new LoadOptions(Set.of(), true);
    }

    /** The same options, creating only the struct_ops variables named. */
    public LoadOptions withOnly(Set<String> names) {
        return new LoadOptions(optionalMaps, attach, globals, names);
    }

    /** Whether a load with these options creates the struct_ops variable {@code name}. */
    public boolean creates(String name, boolean optional) {
        return only.isEmpty() ? !optional || optionalMaps.contains(name) : only.contains(name);
    }
}
