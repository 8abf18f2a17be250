package io.structops.shell.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfReader;
import io.structops.btf.BtfType;
import io.structops.handler.StructOpsHandlers;
import io.structops.kernel.btf.KernelBtf;
import io.structops.loader.LoadException;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.PinDirectory;
import io.structops.loader.StructOpsLoader;
import io.structops.loader.StructOpsRegistry;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfConstants;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
 * {@code load}, {@code list}, {@code dump} and {@code unload}: struct_ops in the kernel, with the contract of
 * {@code bpftool struct_ops}.
 */
@Component(service = StructOpsCommands.class, property = {
        "osgi.command.scope=structops",
        "osgi.command.function=load",
        "osgi.command.function=swap",
        "osgi.command.function=list",
        "osgi.command.function=dump",
        "osgi.command.function=unload"
})
public class StructOpsCommands {
    static final String WRAPPER_PREFIX = "bpf_struct_ops_";
    static final String[] STATES = {"init", "inuse", "tobefree", "ready"};

    @Reference
    private StructOpsLoader loader;
    @Reference
    private StructOpsRegistry registry;
    @Reference
    private Bpf bpf;
    @Reference
    private KernelBtf kernel;
    @Reference
    private StructOpsHandlers handlers;
    @Reference
    private BtfReader btfReader;

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
        Map<String, String> globals = new LinkedHashMap<>();
        if (set.isEmpty()) {
            return globals;
        }
        for (String assignment : set.split(",", -1)) {
            int eq = assignment.indexOf('=');
            if (eq <= 0 || assignment.substring(0, eq).isBlank()) {
                throw new CommandFailure(file + ": --set '" + set + "': '" + assignment + "' is not NAME=VALUE", null);
            }
            String name = assignment.substring(0, eq).strip();
            if (globals.put(name, assignment.substring(eq + 1)) != null) {
                throw new CommandFailure(file + ": --set '" + set + "': " + name + " is set twice", null);
            }
        }
        return globals;
    }

    /** {@code --resize}'s NAME=COUNT assignments, COUNT a number or {@code cpus}. */
    static Map<String, Integer> arrays(String file, String resize) throws CommandFailure {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : globals(file, resize).entrySet()) {
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
            @Parameter(names = "--pin", absentValue = "") String pin,
            @Descriptor("create this optional (?-section) struct_ops map too; comma-separated names")
            @Parameter(names = "--optional", absentValue = "") String optional,
            @Descriptor("create only these struct_ops maps of the object, no others; comma-separated names")
            @Parameter(names = "--only", absentValue = "") String only,
            @Descriptor("initial values of global variables, typed through BTF: NAME=VALUE[,NAME=VALUE...]")
            @Parameter(names = "--set", absentValue = "") String set,
            @Descriptor("element counts of global arrays at the end of their section (scx's RESIZABLE_ARRAY):"
                    + " NAME=COUNT[,...], COUNT a number or 'cpus' (the possible CPUs)")
            @Parameter(names = "--resize", absentValue = "") String resize,
            @Descriptor("print JSON instead of text")
            @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("BPF ELF object file") String file) throws Exception {
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
            loaded = loader.load(path, new LoadOptions(optionalMaps, true, globals, names(file, "--only", only),
                    arrays));
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
                throw new CommandFailure(file + ": pin: " + CommandLineMain.oneLine(e), e);
            }
        }
        registry.add(loaded);
        List<Map<String, Object>> maps = new ArrayList<>();
        for (LoadedMap m : loaded.maps()) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", m.name());
            j.put("type", m.type());
            j.put("mapId", m.mapId());
            j.put("linkId", m.linkId() == 0 ? null : m.linkId());
            j.put("pinned", !pin.isEmpty() && m.linkBased() ? Path.of(pin).resolve(m.name()).toString() : null);
            j.put("programs", m.programIds());
            maps.add(j);
        }
        if (json) {
            return Json.write(Map.of("object", file, "maps", maps));
        }
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> m : maps) {
            sb.append("attached ").append(m.get("type")).append(' ').append(m.get("name")).append(" (map id ")
                    .append(m.get("mapId")).append(m.get("linkId") == null ? ", legacy: stays registered until unload"
                            : ", link id " + m.get("linkId")).append(m.get("pinned") == null ? "" : ", pinned at "
                            + m.get("pinned")).append(")\n");
        }
        return sb.toString();
    }

    @Descriptor("replace an attached struct_ops map with the same-named one of another object, with no moment in"
            + " which neither is attached (BPF_LINK_UPDATE); if the new one fails to load, the old one stays")
    public String swap(
            @Descriptor("initial values of global variables of the new object: NAME=VALUE[,NAME=VALUE...]")
            @Parameter(names = "--set", absentValue = "") String set,
            @Descriptor("print JSON instead of text")
            @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("name or id of the attached map to replace") String nameOrId,
            @Descriptor("BPF ELF object file holding the replacement: its map of the same name, or its only one")
            String file) throws Exception {
        Path path = Path.of(file);
        if (!Files.exists(path)) {
            throw new CommandFailure(file + ": no such file", null);
        }
        LoadedObject current = registry.owner(nameOrId).orElseThrow(() -> new CommandFailure("no struct_ops map"
                + " named or numbered '" + nameOrId + "' is held by this runtime; swap replaces maps it loaded (in"
                + " the shell or from the deploy directory)", null));
        LoadedMap old = current.maps().stream()
                .filter(m -> m.name().equals(nameOrId) || Integer.toString(m.mapId()).equals(nameOrId)).findFirst()
                .orElseThrow();
        long started = System.nanoTime();
        LoadedObject replacement;
        try {
            replacement = loader.swap(current, old.name(), path, new LoadOptions(Set.of(), true, globals(file, set)));
        } catch (LoadException e) {
            if (!e.log().isEmpty()) {
                System.err.println(e.log());
            }
            throw new CommandFailure(e.getMessage() + " (" + old.name() + " from " + current.name()
                    + " stays attached)", e);
        }
        long micros = (System.nanoTime() - started) / 1000;
        registry.replace(current, replacement);
        LoadedMap now = replacement.maps().stream().filter(m -> m.linkId() == old.linkId()).findFirst()
                .or(() -> replacement.maps().stream().filter(LoadedMap::linkBased).findFirst()).orElseThrow();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("name", now.name());
        j.put("type", now.type());
        j.put("linkId", now.linkId());
        j.put("previous", Map.of("object", current.name(), "mapId", old.mapId()));
        j.put("current", Map.of("object", replacement.name(), "mapId", now.mapId()));
        Optional<Duration> gap = replacement.swapGap(now.name());
        j.put("gapMicros", gap.map(d -> d.toNanos() / 1000).orElse(0L));
        j.put("tookMicros", micros);
        if (json) {
            return Json.write(j);
        }
        return "swapped " + now.type() + " " + now.name() + ": map id " + old.mapId() + " (" + current.name()
                + ") -> " + now.mapId() + " (" + replacement.name() + ") on link id " + now.linkId() + ", "
                + gap.map(d -> "detached then attached (the kernel cannot update " + now.type() + " in place): none"
                        + " attached for " + d.toNanos() / 1000 + " us")
                        .orElse("no gap (link updated in place)") + ", " + micros + " us\n";
    }

    /** A struct_ops map as the kernel lists it. */
    record KernelMap(int id, String name, String type, int btfObjectId, int valueTypeId, int valueSize, int linkId,
            boolean owned) {
    }

    /** Who manages an owned map now: the handler's bundle, or none (the generic path). */
    private Optional<StructOpsHandlers.Handler> handlerOf(KernelMap m) {
        return m.owned() ? handlers.handlerFor(m.type()) : Optional.empty();
    }

    /** The handler's status of an owned map. */
    private Map<String, Object> statusOf(KernelMap m) {
        Optional<LoadedObject> o = registry.owner(Integer.toString(m.id()));
        if (o.isEmpty()) {
            return Map.of();
        }
        for (LoadedMap lm : o.get().maps()) {
            if (lm.mapId() == m.id()) {
                return handlers.status(o.get(), lm).orElse(Map.of());
            }
        }
        return Map.of();
    }

    /** The kernel BTF (vmlinux or a module's) a struct_ops map's value type comes from, by BTF object id. */
    private Btf kernelBtf(int btfObjectId, Map<Integer, Btf> cache) throws Exception {
        if (cache.containsKey(btfObjectId)) {
            return cache.get(btfObjectId);
        }
        Btf btf = null;
        Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.BTF, btfObjectId);
        if (fd.isPresent()) {
            try (BpfFd b = fd.get()) {
                Bpf.BtfInfo info = bpf.btfInfo(b);
                btf = kernel.btf(info.name()).orElse(null);
            }
        }
        cache.put(btfObjectId, btf);
        return btf;
    }

    List<KernelMap> kernelMaps() throws Exception {
        Map<Integer, Integer> links = new HashMap<>();
        for (int id : bpf.ids(Bpf.ObjectType.LINK)) {
            Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.LINK, id);
            if (fd.isEmpty()) {
                continue;
            }
            try (BpfFd link = fd.get()) {
                Bpf.LinkInfo info = bpf.linkInfo(link);
                if (info.type() == BpfConstants.LINK_TYPE_STRUCT_OPS) {
                    links.put(info.structOpsMapId(), info.id());
                }
            }
        }
        Map<Integer, Btf> kernelBtfs = new HashMap<>();
        List<KernelMap> result = new ArrayList<>();
        for (int id : bpf.ids(Bpf.ObjectType.MAP)) {
            Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.MAP, id);
            if (fd.isEmpty()) {
                continue;
            }
            try (BpfFd map = fd.get()) {
                Bpf.MapInfo info = bpf.mapInfo(map);
                if (info.type() != BpfConstants.MAP_TYPE_STRUCT_OPS) {
                    continue;
                }
                Btf btf = kernelBtf(info.btfVmlinuxId(), kernelBtfs);
                String wrapper = btf != null && info.btfVmlinuxValueTypeId() < btf.typeCount()
                        ? btf.name(info.btfVmlinuxValueTypeId()) : "";
                String type = wrapper.startsWith(WRAPPER_PREFIX) ? wrapper.substring(WRAPPER_PREFIX.length())
                        : "(module type " + info.btfVmlinuxValueTypeId() + ")";
                result.add(new KernelMap(info.id(), info.name(), type, info.btfVmlinuxId(),
                        info.btfVmlinuxValueTypeId(), info.valueSize(), links.getOrDefault(info.id(), 0),
                        registry.owner(Integer.toString(info.id())).isPresent()));
            }
        }
        return result;
    }

    @Descriptor("list every struct_ops map in the kernel")
    public String list(
            @Descriptor("print JSON instead of a table")
            @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json)
            throws Exception {
        List<KernelMap> maps = kernelMaps();
        if (json) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (KernelMap m : maps) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("id", m.id());
                j.put("name", m.name());
                j.put("type", m.type());
                j.put("linkId", m.linkId() == 0 ? null : m.linkId());
                j.put("owned", m.owned());
                Optional<StructOpsHandlers.Handler> h = handlerOf(m);
                j.put("handler", h.isEmpty() ? null : Map.of("bundle", h.get().bundle(), "version",
                        h.get().version()));
                j.put("status", m.owned() ? statusOf(m) : null);
                out.add(j);
            }
            return Json.write(out);
        }
        Table t = new Table("ID", "NAME", "TYPE", "LINK", "OWNED", "HANDLER", "STATUS");
        for (KernelMap m : maps) {
            Optional<StructOpsHandlers.Handler> h = handlerOf(m);
            StringBuilder status = new StringBuilder();
            statusOf(m).forEach((k, v) -> status.append(status.isEmpty() ? "" : " ").append(k).append('=')
                    .append(v));
            t.row(m.id(), m.name(), m.type(), m.linkId() == 0 ? "-" : m.linkId(), m.owned() ? "yes" : "no",
                    !m.owned() ? "-" : h.isEmpty() ? "unmanaged" : h.get().bundle(),
                    status.isEmpty() ? "-" : status);
        }
        StringBuilder sb = new StringBuilder();
        if (t.isEmpty()) {
            sb.append("no struct_ops maps in the kernel\n");
        } else {
            t.appendTo(sb, "");
        }
        return sb.toString();
    }

    private KernelMap find(String nameOrId) throws Exception {
        List<KernelMap> maps = kernelMaps();
        List<KernelMap> matches = maps.stream()
                .filter(m -> KernelNames.matches(m.name(), m.id(), nameOrId)).toList();
        if (matches.isEmpty()) {
            throw new CommandFailure("no struct_ops map named or numbered '" + nameOrId + "' in the kernel", null);
        }
        if (matches.size() > 1) {
            throw new CommandFailure(matches.size() + " struct_ops maps are named '" + nameOrId + "' (ids "
                    + matches.stream().map(m -> Integer.toString(m.id())).toList() + "); give an id", null);
        }
        return matches.get(0);
    }

    @Descriptor("show the kernel's view of a struct_ops map's value, through BTF")
    public String dump(
            @Descriptor("print JSON instead of text")
            @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("map name or id") String nameOrId) throws Exception {
        KernelMap m = find(nameOrId);
        byte[] value;
        try (BpfFd map = bpf.fdById(Bpf.ObjectType.MAP, m.id()).orElseThrow(
                () -> new CommandFailure("struct_ops map " + m.id() + " went away", null))) {
            value = bpf.mapLookup(map, new byte[4], m.valueSize()).orElseThrow(
                    () -> new CommandFailure("struct_ops map " + m.name() + " has no value", null));
        }
        Btf vmlinux = kernelBtf(m.btfObjectId(), new HashMap<>());
        if (vmlinux == null) {
            throw new CommandFailure("the BTF of struct_ops map " + m.name() + "'s type is not available", null);
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("id", m.id());
        root.put("name", m.name());
        root.put("type", m.type());
        Map<String, Object> members = new LinkedHashMap<>();
        long dataOffset = 0;
        for (BtfType.Member w : vmlinux.members(m.valueTypeId())) {
            if (w.name().equals("common")) {
                for (BtfType.Member c : vmlinux.members(w.type())) {
                    if (c.name().equals("state")) {
                        int state = b.getInt((int) (w.byteOffset() + c.byteOffset()));
                        root.put("state", state >= 0 && state < STATES.length ? STATES[state] : "state " + state);
                    }
                }
            } else if (w.name().equals("data")) {
                dataOffset = w.byteOffset();
                for (BtfType.Member d : vmlinux.members(w.type())) {
                    long off = dataOffset + d.byteOffset();
                    if (d.name().isEmpty() || d.isBitfield()) {
                        continue;
                    }
                    int r = vmlinux.resolve(d.type());
                    boolean fn = vmlinux.kind(r) == BtfKind.PTR && vmlinux.kind(vmlinux.resolve(
                            ((BtfType.Reference) vmlinux.type(r)).type())) == BtfKind.FUNC_PROTO;
                    if (fn) {
                        long progId = b.getLong((int) off);
                        if (progId != 0) {
                            members.put(d.name(), programName((int) progId) + " (prog id " + progId + ")");
                        }
                        continue;
                    }
                    long size = vmlinux.size(d.type());
                    if (vmlinux.kind(r) == BtfKind.PTR || allZero(value, off, size)) {
                        continue;
                    }
                    members.put(d.name(), StructOpsTypes.format(vmlinux, d.type(), value, (int) off, (int) size,
                            ByteOrder.nativeOrder()));
                }
            }
        }
        root.put("members", members);
        if (json) {
            return Json.write(root);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(m.type()).append(' ').append(m.name()).append(" (map id ").append(m.id()).append(", ")
                .append(root.get("state")).append(")\n");
        Table t = new Table("MEMBER", "VALUE");
        members.forEach((k, v) -> t.row(k, v));
        t.appendTo(sb, "  ");
        return sb.toString();
    }

    /**
     * A program's full name, as bpftool gives it: its main function's name in the program's BTF (the kernel's own
     * name is cut to 15 characters), else the kernel's name; "?" if the program is gone.
     */
    private String programName(int id) {
        try {
            Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.PROG, id);
            if (fd.isEmpty()) {
                return "?";
            }
            try (BpfFd prog = fd.get()) {
                Bpf.ProgInfo info = bpf.progInfo(prog);
                int func = bpf.mainFuncTypeId(prog);
                return func == 0 ? info.name() : btfName(info.btfId(), func).orElse(info.name());
            }
        } catch (BpfException e) {
            return "?";
        }
    }

    /** The name of type {@code typeId} in kernel BTF object {@code btfId}, if it can be read. */
    private Optional<String> btfName(int btfId, int typeId) {
        try {
            Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.BTF, btfId);
            if (fd.isEmpty()) {
                return Optional.empty();
            }
            try (BpfFd btf = fd.get()) {
                byte[] data = bpf.btfData(btf);
                String name = btfReader.read("BTF " + btfId, MemorySegment.ofArray(data)).name(typeId);
                return name == null || name.isEmpty() ? Optional.empty() : Optional.of(name);
            }
        } catch (BpfException | BtfException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean allZero(byte[] b, long from, long len) {
        for (long i = from; i < from + len && i < b.length; i++) {
            if (b[(int) i] != 0) {
                return false;
            }
        }
        return true;
    }

    @Descriptor("detach and release a struct_ops map: through its link, or by unregistering a legacy map")
    public String unload(@Descriptor("map name or id") String nameOrId) throws Exception {
        Optional<LoadedObject> owned = registry.owner(nameOrId);
        if (owned.isPresent()) {
            registry.unload(owned.get());
            return "unloaded " + owned.get().name() + "\n";
        }
        KernelMap m = find(nameOrId);
        if (m.linkId() != 0) {
            try (BpfFd link = bpf.fdById(Bpf.ObjectType.LINK, m.linkId()).orElseThrow(
                    () -> new CommandFailure("the link of " + m.name() + " went away", null))) {
                bpf.linkDetach(link);
            }
            return "detached " + m.type() + " " + m.name() + " (map id " + m.id() + ", link id " + m.linkId()
                    + "); remove its pin file to free it\n";
        }
        try (BpfFd map = bpf.fdById(Bpf.ObjectType.MAP, m.id()).orElseThrow(
                () -> new CommandFailure("struct_ops map " + m.id() + " went away", null))) {
            bpf.mapDelete(map, new byte[4]);
        }
        return "unregistered " + m.type() + " " + m.name() + " (map id " + m.id() + ")\n";
    }
}
