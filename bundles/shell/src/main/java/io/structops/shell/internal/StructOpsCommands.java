package io.structops.shell.internal;

import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.KernelStructOps;
import io.structops.loader.LoadException;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.PinDirectory;
import io.structops.loader.StructOpsLoader;
import io.structops.loader.StructOpsRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code load}, {@code swap} and {@code unload}: struct_ops objects this runtime loads and releases, with the
 * contract of {@code bpftool struct_ops}; {@link KernelMapCommands} shows them.
 */
@Component(
        service = StructOpsCommands.class,
        property = {
            "osgi.command.scope=structops",
            "osgi.command.function=load",
            "osgi.command.function=swap",
            "osgi.command.function=unload"
        })
public class StructOpsCommands {
    @Reference
    private StructOpsLoader loader;

    @Reference
    private StructOpsRegistry registry;

    @Reference
    private KernelStructOps structOps;

    /** A comma-separated list of map names; an empty name is refused. */
    static Set<String> names(String file, String option, String list) throws CommandFailure {
        Set<String> names = new LinkedHashSet<>();
        for (String name : list.isEmpty() ? new String[0] : list.split(",", -1)) {
            if (name.isBlank()) {
                throw new CommandFailure(file + ": " + option + " '" + list + "': an empty map name", null);
            }
            names.add(name.strip());
        }
        return names;
    }

    /** {@code --set}'s assignments, each NAME=VALUE once; an empty, nameless or repeated one is refused. */
    static Map<String, String> globals(String file, String set) throws CommandFailure {
        return assignments(file, "--set", set);
    }

    /** An option's NAME=VALUE assignments, each name once; an empty, nameless or repeated one is refused. */
    static Map<String, String> assignments(String file, String option, String text) throws CommandFailure {
        Map<String, String> values = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return values;
        }
        for (String assignment : assignments(text)) {
            int eq = assignment.indexOf('=');
            if (eq <= 0 || assignment.substring(0, eq).isBlank()) {
                throw new CommandFailure(
                        file + ": " + option + " '" + text + "': '" + assignment + "' is not NAME=VALUE", null);
            }
            String name = assignment.substring(0, eq).strip();
            if (values.put(name, assignment.substring(eq + 1)) != null) {
                throw new CommandFailure(file + ": " + option + " '" + text + "': " + name + " is set twice", null);
            }
        }
        return values;
    }

    /** NAME=VALUE,... split at the commas outside an array value's brackets ({@code pair_cpu=[1,0],slice_ns=5}). */
    static List<String> assignments(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']' && depth > 0) {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }

    /** {@code --resize}'s NAME=COUNT assignments, COUNT a number or {@code cpus}. */
    static Map<String, Integer> arrays(String file, String resize) throws CommandFailure {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : assignments(file, "--resize", resize).entrySet()) {
            try {
                counts.put(e.getKey(), LoadOptions.arrayCount(e.getValue()));
            } catch (IllegalArgumentException x) {
                throw new CommandFailure(file + ": --resize " + e.getKey() + ": " + x.getMessage(), null);
            }
        }
        return counts;
    }

    @Descriptor("load and attach every struct_ops map of a BPF object")
    public String load(
            @Descriptor("pin each link in this directory (on a bpffs) so that it outlives the runtime")
                    @Parameter(names = "--pin", absentValue = "")
                    String pin,
            @Descriptor("create this optional (?-section) struct_ops map too; comma-separated names")
                    @Parameter(names = "--optional", absentValue = "")
                    String optional,
            @Descriptor("create only these struct_ops maps of the object, no others; comma-separated names")
                    @Parameter(names = "--only", absentValue = "")
                    String only,
            @Descriptor("initial values of global variables, typed through BTF: NAME=VALUE[,NAME=VALUE...], an"
                            + " array as [V,V,...]")
                    @Parameter(names = "--set", absentValue = "")
                    String set,
            @Descriptor("element counts of global arrays at the end of their section (scx's RESIZABLE_ARRAY), or"
                            + " max_entries of maps: NAME=COUNT[,...], COUNT a number or 'cpus' (the possible CPUs)")
                    @Parameter(names = "--resize", absentValue = "")
                    String resize,
            @Descriptor("arrays of maps whose every slot gets a new, empty inner map of the declared type, as a"
                            + " scheduler's userspace fills one; comma-separated names")
                    @Parameter(names = "--fill", absentValue = "")
                    String fill,
            @Descriptor("options for the handlers of the object's structs: KEY=VALUE[,...], a list as [A,B]"
                            + " (qdisc.devices=[lo,veth0])")
                    @Parameter(names = "--option", absentValue = "")
                    String option,
            @Descriptor("print JSON instead of text")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json,
            @Descriptor("BPF ELF object file") String file)
            throws Exception {
        Path path = Path.of(file);
        if (!Files.exists(path)) {
            throw new CommandFailure(file + ": no such file", null);
        }
        Set<String> optionalMaps = names(file, "--optional", optional);
        Map<String, String> globals = globals(file, set);
        Map<String, Integer> arrays = arrays(file, resize);
        if (!pin.isEmpty()) {
            // Refused before anything is loaded, and never made outside a bpffs.
            Optional<String> problem = PinDirectory.problem(Path.of(pin));
            if (problem.isPresent()) {
                throw new CommandFailure(file + ": --pin: " + problem.get(), null);
            }
        }
        LoadedObject loaded;
        try {
            loaded = loader.load(
                    path,
                    new LoadOptions(
                            optionalMaps,
                            true,
                            globals,
                            names(file, "--only", only),
                            arrays,
                            names(file, "--fill", fill),
                            assignments(file, "--option", option)));
        } catch (LoadException e) {
            if (!e.log().isEmpty()) {
                System.err.println(e.log());
            }
            throw new CommandFailure(e.getMessage(), e);
        }
        if (!pin.isEmpty()) {
            try {
                loaded.pinLinks(Path.of(pin));
            } catch (Exception e) {
                loaded.close();
                throw new CommandFailure(file + ": pin: " + CommandRunnerComponent.oneLine(e), e);
            }
        }
        registry.add(loaded);
        List<LoadedOut> maps = new ArrayList<>();
        for (LoadedMap m : loaded.maps()) {
            maps.add(new LoadedOut(
                    m.name(),
                    m.type(),
                    m.mapId(),
                    m.linkId() == 0 ? null : m.linkId(),
                    !pin.isEmpty() && m.linkBased()
                            ? Path.of(pin).resolve(m.name()).toString()
                            : null,
                    m.programIds()));
        }
        Load result = new Load(file, maps);
        return json ? Json.write(result) : TextFormat.load(result);
    }

    /** {@code load}'s result. */
    record Load(String object, List<LoadedOut> maps) {}

    /** A map {@code load} attached. */
    record LoadedOut(
            String name, String type, int mapId, Integer linkId, String pinned, Map<String, Integer> programs) {}

    /** {@code swap}'s result. */
    record Swapped(
            String name, String type, int linkId, Side previous, Side current, long gapMicros, long tookMicros) {}

    /** One side of a swap: the object and its map. */
    record Side(String object, int mapId) {}

    @Descriptor("replace an attached struct_ops map with the same-named one of another object, with no moment in"
            + " which neither is attached (BPF_LINK_UPDATE); if the new one fails to load, the old one stays")
    public String swap(
            @Descriptor("initial values of global variables of the new object: NAME=VALUE[,NAME=VALUE...]")
                    @Parameter(names = "--set", absentValue = "")
                    String set,
            @Descriptor("print JSON instead of text")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json,
            @Descriptor("name or id of the attached map to replace") String nameOrId,
            @Descriptor("BPF ELF object file holding the replacement: its map of the same name, or its only one")
                    String file)
            throws Exception {
        Path path = Path.of(file);
        if (!Files.exists(path)) {
            throw new CommandFailure(file + ": no such file", null);
        }
        LoadedObject current = registry.owner(nameOrId)
                .orElseThrow(() -> new CommandFailure(
                        "no struct_ops map"
                                + " named or numbered '" + nameOrId
                                + "' is held by this runtime; swap replaces maps it loaded (in"
                                + " the shell or from the deploy directory)",
                        null));
        LoadedMap old = current.maps().stream()
                .filter(m ->
                        m.name().equals(nameOrId) || Integer.toString(m.mapId()).equals(nameOrId))
                .findFirst()
                .orElseThrow();
        long started = System.nanoTime();
        LoadedObject replacement;
        try {
            replacement = loader.swap(current, old.name(), path, new LoadOptions(Set.of(), true, globals(file, set)));
        } catch (LoadException e) {
            if (!e.log().isEmpty()) {
                System.err.println(e.log());
            }
            throw new CommandFailure(
                    e.getMessage() + " (" + old.name() + " from " + current.name() + " stays attached)", e);
        }
        long micros = (System.nanoTime() - started) / 1000;
        registry.replace(current, replacement);
        // The map that took over: the one on the moved link, else (a new link, or a legacy map) the same-named one
        // or the object's only one.
        LoadedMap now = replacement.maps().stream()
                .filter(m ->
                        old.linkBased() ? m.linkId() == old.linkId() : m.name().equals(old.name()))
                .findFirst()
                .or(() -> replacement.maps().stream()
                        .filter(m -> m.linkBased() == old.linkBased())
                        .findFirst())
                .orElseThrow();
        Optional<Duration> gap = replacement.swapGap(now.name());
        Swapped result = new Swapped(
                now.name(),
                now.type(),
                now.linkId(),
                new Side(current.name(), old.mapId()),
                new Side(replacement.name(), now.mapId()),
                gap.map(d -> d.toNanos() / 1000).orElse(0L),
                micros);
        return json ? Json.write(result) : TextFormat.swap(result, gap.isPresent());
    }

    /** A kernel query, its failure as the command's. */
    static <T> T kernel(KernelQuery<T> query) throws CommandFailure {
        try {
            return query.run();
        } catch (KernelObjectException e) {
            throw new CommandFailure(e.getMessage(), e);
        }
    }

    @FunctionalInterface
    interface KernelQuery<T> {
        T run() throws KernelObjectException;
    }

    @Descriptor("detach and release a struct_ops map: through its link, or by unregistering a legacy map")
    public String unload(@Descriptor("map name or id") String nameOrId) throws Exception {
        Optional<LoadedObject> owned = registry.owner(nameOrId);
        if (owned.isPresent()) {
            registry.unload(owned.get());
            return "unloaded " + owned.get().name() + "\n";
        }
        return kernel(() -> structOps.detach(structOps.find(nameOrId))) + "\n";
    }
}
