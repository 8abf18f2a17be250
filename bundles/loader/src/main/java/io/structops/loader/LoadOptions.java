package io.structops.loader;

import io.structops.syscall.PossibleCpus;
import java.io.IOException;
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
 * @param arrays element counts for global array variables, each the last of its section (scx's
 *     {@code RESIZABLE_ARRAY}), which their section's map grows to hold, as libbpf's {@code bpf_map__set_value_size}
 *     lets a scheduler's userspace size them to the CPU count; a name of one of the object's {@code .maps} maps sets
 *     its {@code max_entries} instead, as {@code bpf_map__set_max_entries}
 * @param filled arrays of maps of the object whose every slot gets a new, empty inner map of the declared inner type
 *     before the programs load, as a scheduler's userspace fills one (scx_pair's per-cgroup queues) where the object
 *     cannot initialise it statically * @param options options for the handlers of the object's structs, by key ({@code qdisc.devices}); each handler
 *     reads and checks the keys of its own prefix ({@code StructOps.options()})
 */
public record LoadOptions(
        Set<String> optionalMaps,
        boolean attach,
        Map<String, String> globals,
        Set<String> only,
        Map<String, Integer> arrays,
        Set<String> filled,
        Map<String, String> options) {
    public LoadOptions {
        optionalMaps = Set.copyOf(optionalMaps);
        globals = Map.copyOf(globals);
        only = Set.copyOf(only);
        arrays = Map.copyOf(arrays);
        filled = Set.copyOf(filled);
        options = Map.copyOf(options);
    }

    public LoadOptions(
            Set<String> optionalMaps,
            boolean attach,
            Map<String, String> globals,
            Set<String> only,
            Map<String, Integer> arrays) {
        this(optionalMaps, attach, globals, only, arrays, Set.of(), Map.of());
    }

    public LoadOptions(Set<String> optionalMaps, boolean attach, Map<String, String> globals, Set<String> only) {
        this(optionalMaps, attach, globals, only, Map.of());
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
        return new LoadOptions(optionalMaps, attach, globals, names, arrays, filled, options);
    }

    /** The same options, with these array sizes. */
    public LoadOptions withArrays(Map<String, Integer> counts) {
        return new LoadOptions(optionalMaps, attach, globals, only, counts, filled, options);
    }

    /**
     * An array size as {@code load --resize NAME=COUNT} and a deploy {@code .cfg}'s {@code resize.NAME = COUNT} spell
     * it: a positive number, or {@code cpus} for the number of possible CPUs (what scx schedulers size their per-CPU
     * arrays to).
     *
     * @throws IllegalArgumentException naming what is wrong with {@code text}
     */
    public static int arrayCount(String text) {
        String t = text.strip();
        if (t.equals("cpus")) {
            try {
                return PossibleCpus.count();
            } catch (IOException e) {
                throw new IllegalArgumentException("cpus: " + e.getMessage());
            }
        }
        try {
            int n = Integer.parseInt(t);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'" + text + "' is not a positive number of elements or 'cpus'");
    }

    /** Whether a load with these options creates the struct_ops variable {@code name}. */
    public boolean creates(String name, boolean optional) {
        return only.isEmpty() ? !optional || optionalMaps.contains(name) : only.contains(name);
    }
}
