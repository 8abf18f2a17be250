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
 */
public record LoadOptions(Set<String> optionalMaps, boolean attach, Map<String, String> globals) {
    public LoadOptions {
        optionalMaps = Set.copyOf(optionalMaps);
        globals = Map.copyOf(globals);
    }

    public LoadOptions(Set<String> optionalMaps, boolean attach) {
        this(optionalMaps, attach, Map.of());
    }

    public static LoadOptions defaults() {
        return new LoadOptions(Set.of(), true);
    }
}
