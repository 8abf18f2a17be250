package io.structops.loader;

import java.util.Set;

/**
 * How to load an object.
 *
 * @param optionalMaps {@code ?}-section struct_ops variables to create too (by name); others of them are skipped
 * @param attach register the maps (update, and create links for link-based maps); false leaves them loaded only
 */
public record LoadOptions(Set<String> optionalMaps, boolean attach) {
    public LoadOptions {
        optionalMaps = Set.copyOf(optionalMaps);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(Set.of(), true);
    }
}
