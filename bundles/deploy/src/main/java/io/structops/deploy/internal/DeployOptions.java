package io.structops.deploy.internal;

import io.structops.loader.LoadOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How to deploy one object, from the {@code NAME.cfg} beside {@code NAME.bpf.o} (a ConfigAdmin configuration that
 * the deploy directory made from the file):
 * <pre>
 * set.window = 20             # a global's initial value, as `load --set window=20`
 * optional = alt_map,other    # optional (?-section) maps to create too
 * only = dctcp                # create only these struct_ops maps (the object's others are left out)
 * resize.cpu_ctx = cpus       # a global array's element count (or a map's entries), as `load --resize cpu_ctx=cpus`
 * fill = cgrp_q_arr           # arrays of maps to fill with new inner maps, as `load --fill cgrp_q_arr`
 * qdisc.devices = lo, veth0   # any other PREFIX.KEY: an option for the handlers, as `load --option`
 * pin = /sys/fs/bpf/mine      # pin each link there: it outlives the runtime and survives its stop
 * conflict = swap             # a map of that name is already held by this runtime: swap it (default: refuse)
 * </pre>
 *
 * @param globals {@code set.NAME} values
 * @param optionalMaps {@code optional}
 * @param only {@code only}
 * @param arrays {@code resize.NAME} counts
 * @param filled {@code fill}
 * @param handlerOptions the other {@code PREFIX.KEY} keys, for the handlers (each checks its own prefix)
 * @param pin {@code pin}, if set
 * @param swapOnConflict {@code conflict = swap}
 * @param problems keys or values that were not understood, for the log
 */
record DeployOptions(
        Map<String, String> globals,
        Set<String> optionalMaps,
        Set<String> only,
        Map<String, Integer> arrays,
        Set<String> filled,
        Map<String, String> handlerOptions,
        Optional<Path> pin,
        boolean swapOnConflict,
        List<String> problems) {

    static final DeployOptions DEFAULTS = new DeployOptions(
            Map.of(), Set.of(), Set.of(), Map.of(), Set.of(), Map.of(), Optional.empty(), false, List.of());

    /** Properties FileInstall and ConfigAdmin add to every configuration. */
    private static final Set<String> BOOKKEEPING =
            Set.of("service.pid", "service.factoryPid", "service.bundleLocation", "felix.fileinstall.filename");

    static DeployOptions from(Dictionary<String, ?> properties) {
        Map<String, String> globals = new LinkedHashMap<>();
        Set<String> optional = new LinkedHashSet<>();
        Set<String> only = new LinkedHashSet<>();
        Set<String> filled = new LinkedHashSet<>();
        Map<String, String> handlerOptions = new LinkedHashMap<>();
        Map<String, Integer> arrays = new LinkedHashMap<>();
        Path pin = null;
        boolean swap = false;
        List<String> problems = new ArrayList<>();
        for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements(); ) {
            String key = keys.nextElement();
            String value = String.valueOf(properties.get(key)).strip();
            if (key.startsWith("set.") && key.length() > 4) {
                globals.put(key.substring(4), value);
            } else if (key.startsWith("resize.") && key.length() > 7) {
                try {
                    arrays.put(key.substring(7), LoadOptions.arrayCount(value));
                } catch (IllegalArgumentException e) {
                    problems.add(key + ": " + e.getMessage());
                }
            } else if (key.equals("optional") || key.equals("only") || key.equals("fill")) {
                Set<String> names = key.equals("only") ? only : key.equals("fill") ? filled : optional;
                for (String name : value.split(",")) {
                    if (!name.isBlank()) {
                        names.add(name.strip());
                    }
                }
            } else if (key.equals("pin")) {
                pin = value.isEmpty() ? null : Path.of(value);
            } else if (key.equals("conflict")) {
                if (value.equals("swap")) {
                    swap = true;
                } else if (!value.equals("refuse")) {
                    problems.add("conflict = " + value + " (expected swap or refuse; refusing)");
                }
            } else if (BOOKKEEPING.contains(key)) {
                continue;
            } else if (key.indexOf('.') > 0 && !key.endsWith(".")) {
                handlerOptions.put(key, value); // the handler of its prefix checks it
            } else {
                problems.add("unknown key " + key);
            }
        }
        return new DeployOptions(
                Map.copyOf(globals),
                Set.copyOf(optional),
                Set.copyOf(only),
                Map.copyOf(arrays),
                Set.copyOf(filled),
                Map.copyOf(handlerOptions),
                Optional.ofNullable(pin),
                swap,
                List.copyOf(problems));
    }

    /** The options in the .cfg's own terms, for the log. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        globals.forEach(
                (k, v) -> sb.append("set.").append(k).append('=').append(v).append(' '));
        arrays.forEach(
                (k, v) -> sb.append("resize.").append(k).append('=').append(v).append(' '));
        if (!optionalMaps.isEmpty()) {
            sb.append("optional=").append(String.join(",", optionalMaps)).append(' ');
        }
        if (!only.isEmpty()) {
            sb.append("only=").append(String.join(",", only)).append(' ');
        }
        if (!filled.isEmpty()) {
            sb.append("fill=").append(String.join(",", filled)).append(' ');
        }
        handlerOptions.forEach((k, v) -> sb.append(k).append('=').append(v).append(' '));
        pin.ifPresent(p -> sb.append("pin=").append(p).append(' '));
        sb.append("conflict=").append(swapOnConflict ? "swap" : "refuse");
        return sb.toString();
    }

    LoadOptions loadOptions() {
        return new LoadOptions(optionalMaps, true, globals, only, arrays, filled, handlerOptions);
    }
}
