package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import io.structops.elf.BpfMap;
import io.structops.elf.BpfObject;
import io.structops.elf.ElfRelocation;
import io.structops.elf.ElfSection;
import io.structops.elf.ElfSymbol;
import io.structops.elf.MapKind;
import io.structops.loader.LoadException;
import io.structops.loader.LoadOptions;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfConstants;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The object's own maps: BTF-defined maps in {@code .maps} (their definition read from the BTF encoding of
 * {@code __uint} and {@code __type}) and global data sections as single-entry arrays, created before the programs
 * that refer to them. {@code .rodata} is frozen once its initial value is written, so the verifier can treat its
 * values as constants.
 */
final class ObjectMaps {
    private static final Logger LOG = LoggerFactory.getLogger(ObjectMaps.class);
    static final int F_MMAPABLE = 1 << 10;

    /** A created map: where its symbol or section is, its kernel map type, and its descriptor. */
    record Created(
            String name,
            String section,
            long offset,
            long size,
            int mapType,
            BpfFd fd,
            boolean globalData,
            int btfValueTypeId) {}

    /**
     * Definition of a BTF-defined map, as {@code __uint}/{@code __type} encode it; a map of maps also has the
     * definition of its inner maps ({@code __array(values, struct inner)}) and where its {@code values} start.
     */
    record Definition(
            String name,
            int type,
            int keySize,
            int valueSize,
            int maxEntries,
            int flags,
            int numaNode,
            int keyTypeId,
            int valueTypeId,
            long mapExtra,
            Definition inner,
            long valuesOffset) {
        boolean ofMaps() {
            return inner != null;
        }

        /** The same map with {@code count} entries: libbpf's {@code bpf_map__set_max_entries}. */
        Definition withMaxEntries(int count) {
            return new Definition(
                    name,
                    type,
                    keySize,
                    valueSize,
                    count,
                    flags,
                    numaNode,
                    keyTypeId,
                    valueTypeId,
                    mapExtra,
                    inner,
                    valuesOffset);
        }
    }

    static final int MAP_TYPE_ARRAY_OF_MAPS = 12;
    static final int MAP_TYPE_HASH_OF_MAPS = 13;

    private ObjectMaps() {}

    /** Reads every map definition in {@code .maps}. */
    static Map<String, Definition> definitions(BpfObject object, Btf btf) throws LoadException {
        Map<String, Definition> defs = new LinkedHashMap<>();
        for (BpfMap m : object.maps()) {
            if (m.kind() != MapKind.BTF_DEFINED) {
                continue;
            }
            String where = object.name() + ": map " + m.name();
            try {
                int var = btf.find(m.name(), BtfKind.VAR)
                        .orElseThrow(() ->
                                new LoadException(where + ": no BTF VAR for it (compile with clang -g)", null, null));
                defs.put(
                        m.name(),
                        definition(btf, m.name(), btf.resolve(((BtfType.Var) btf.type(var)).type()), where, true));
            } catch (BtfException e) {
                throw new LoadException(where + ": " + e.getMessage(), null, e);
            }
        }
        return defs;
    }

    /** {@code __array(values, struct inner)}: a flexible array of pointers to the inner maps' definition. */
    private static Definition innerDefinition(Btf btf, String name, BtfType.Member values, String where)
            throws LoadException, BtfException {
        if (!(btf.type(btf.resolve(values.type())) instanceof BtfType.Array a)
                || !(btf.type(btf.resolve(a.elementType())) instanceof BtfType.Reference ptr)
                || ptr.kind() != BtfKind.PTR
                || btf.kind(btf.resolve(ptr.type())) != BtfKind.STRUCT) {
            throw new LoadException(
                    where + ": 'values' is not __array(values, struct ...); program arrays of"
                            + " functions are not supported yet",
                    null,
                    null);
        }
        return definition(btf, name + ".inner", btf.resolve(ptr.type()), where + " (inner map)", false);
    }

    private static Definition definition(Btf btf, String name, int struct, String where, boolean outer)
            throws LoadException, BtfException {
        int type = 0;
        int keySize = 0;
        int valueSize = 0;
        int maxEntries = 0;
        int flags = 0;
        int numa = 0;
        int keyType = 0;
        int valueType = 0;
        long extra = 0;
        Definition inner = null;
        long valuesOffset = 0;
        for (BtfType.Member f : btf.members(struct)) {
            switch (f.name()) {
                case "type" -> type = uintOf(btf, f.type(), where);
                case "max_entries" -> maxEntries = uintOf(btf, f.type(), where);
                case "map_flags" -> flags = uintOf(btf, f.type(), where);
                case "numa_node" -> numa = uintOf(btf, f.type(), where);
                case "key_size" -> keySize = uintOf(btf, f.type(), where);
                case "value_size" -> valueSize = uintOf(btf, f.type(), where);
                case "map_extra" -> extra = ulongOf(btf, f.type(), where);
                case "pinning" -> {
                    if (uintOf(btf, f.type(), where) != 0) {
                        throw new LoadException(where + ": pinning by name is not supported yet", null, null);
                    }
                }
                case "key" -> {
                    keyType = pointee(btf, f.type(), where);
                    keySize = (int) btf.size(keyType);
                }
                case "value" -> {
                    valueType = pointee(btf, f.type(), where);
                    valueSize = (int) btf.size(valueType);
                }
                case "values" -> {
                    if (!outer) {
                        throw new LoadException(where + ": an inner map cannot itself hold maps", null, null);
                    }
                    inner = innerDefinition(btf, name, f, where);
                    valuesOffset = f.bitOffset() / 8;
                }
                default ->
                    throw new LoadException(where + ": unknown map definition field '" + f.name() + "'", null, null);
            }
        }
        if (inner != null) {
            if (type != MAP_TYPE_ARRAY_OF_MAPS && type != MAP_TYPE_HASH_OF_MAPS) {
                throw new LoadException(
                        where + ": has inner maps but its type " + type + " is not a map of maps", null, null);
            }
            // Its values are map descriptors; the kernel takes no BTF for them.
            valueSize = 4;
            valueType = 0;
            keyType = 0;
        }
        return new Definition(
                name,
                type,
                keySize,
                valueSize,
                maxEntries,
                flags,
                numa,
                keyType,
                valueType,
                extra,
                inner,
                valuesOffset);
    }

    /** {@code __uint(name, N)} is {@code int (*name)[N]}: N is the array's length. */
    private static int uintOf(Btf btf, int type, String where) throws LoadException {
        int ptr = btf.resolve(type);
        if (btf.type(ptr) instanceof BtfType.Reference r
                && r.kind() == BtfKind.PTR
                && btf.type(btf.resolve(r.type())) instanceof BtfType.Array a) {
            return a.count();
        }
        throw new LoadException(where + ": a __uint() field is not encoded as a pointer to an array", null, null);
    }

    /**
     * {@code map_extra} is 64 bits: {@code __uint(map_extra, N)}, or {@code __ulong(map_extra, N)}, an anonymous enum
     * whose one enumerator is N (an arena's user-space address, a bloom filter's hash count).
     */
    private static long ulongOf(Btf btf, int type, String where) throws LoadException {
        if (btf.type(btf.resolve(type)) instanceof BtfType.Enumeration e) {
            if (e.values().size() != 1) {
                throw new LoadException(
                        where + ": a __ulong() field's enum has " + e.values().size() + " values, not one", null, null);
            }
            return e.values().get(0).value();
        }
        return uintOf(btf, type, where);
    }

    /** {@code __type(key, T)} is {@code T *key}. */
    private static int pointee(Btf btf, int type, String where) throws LoadException {
        int ptr = btf.resolve(type);
        if (btf.type(ptr) instanceof BtfType.Reference r && r.kind() == BtfKind.PTR) {
            return r.type();
        }
        throw new LoadException(where + ": a __type() field is not a pointer", null, null);
    }

    /** The map name the kernel gets for a global data section: libbpf's, so bpftool users see the same. */
    static String globalDataName(BpfObject object, String section) {
        String base = Path.of(object.name()).getFileName().toString();
        int dot = base.indexOf('.');
        base = (dot > 0 ? base.substring(0, dot) : base);
        String suffix = section.startsWith(".") ? section : "." + section;
        // The suffix is kept whole (15 characters fit in the kernel's name); the object's name fills what is left,
        // at most 8 characters, as libbpf does, so tcp_cc_state's maps are tcp_cc_s.bss and tcp_cc_.kconfig.
        // A custom section (.data.tuning) is distinctive enough on its own and gets no prefix, as with libbpf.
        int prefix = suffix.indexOf('.', 1) > 0
                ? 0
                : Math.max(0, Math.min(15 - Math.max(7, suffix.length()), base.length()));
        base = base.substring(0, prefix);
        return (base + suffix).replaceAll("[^A-Za-z0-9_.]", "_");
    }

    /** Creates every BTF-defined map and global data map; the descriptors are owned by {@code loaded}. */
    static Map<String, Created> create(
            Bpf bpf, BpfObject object, Btf btf, BpfFd btfFd, Loaded loaded, LoadOptions options, KernelExterns externs)
            throws LoadException {
        Creation c = new Creation(bpf, object, btf, btfFd, loaded, new LinkedHashMap<>());
        c.declared(options.arrays());
        for (String name : options.filled()) {
            c.fill(name);
        }
        Set<String> applied = new HashSet<>();
        for (BpfMap m : object.maps()) {
            if (m.kind() == MapKind.GLOBAL_DATA && m.size() > 0) {
                c.globalData(m, options.globals(), applied);
            }
        }
        GlobalValues.requireAllApplied(object.name(), btf, options.globals(), applied);
        c.kconfig(externs);
        return c.created();
    }

    /** One load's map creation: what it needs, and what it created so far, by name. */
    private record Creation(
            Bpf bpf, BpfObject object, Btf btf, BpfFd btfFd, Loaded loaded, Map<String, Created> created) {

        /**
         * The {@code .maps} section's maps, with the entry counts {@code sizes} gives by name; maps of maps last, as
         * their initial slots name maps made before.
         */
        void declared(Map<String, Integer> sizes) throws LoadException {
            ElfSection mapsSection = object.elf().section(".maps").orElse(null);
            List<Definition> ordered = new ArrayList<>();
            for (Definition d : definitions(object, btf).values()) {
                ordered.add(sizes.containsKey(d.name()) ? d.withMaxEntries(sizes.get(d.name())) : d);
            }
            ordered.sort(Comparator.comparing(Definition::ofMaps));
            for (Definition d : ordered) {
                String where = object.name() + ": map " + d.name();
                ElfSymbol sym = symbol(object, d.name(), mapsSection);
                try {
                    BpfFd fd;
                    if (d.ofMaps()) {
                        // The kernel learns the inner maps' shape from a template map, needed only while creating.
                        try (BpfFd template = createMap(bpf, create(d.inner(), btfFd, 0), where)) {
                            fd = loaded.own(createMap(bpf, create(d, btfFd, template.value()), where));
                        }
                    } else {
                        fd = loaded.own(createMap(bpf, create(d, btfFd, 0), where));
                    }
                    created.put(
                            d.name(),
                            new Created(
                                    d.name(), ".maps", sym.value(), sym.size(), d.type(), fd, false, d.valueTypeId()));
                    if (d.ofMaps()) {
                        fillSlots(bpf, object, d, sym, mapsSection, created, fd, where);
                    }
                    if (d.type() == BpfConstants.MAP_TYPE_ARENA) {
                        arena(d, fd, where);
                    }
                } catch (BpfException e) {
                    throw new LoadException(where + ": create map: " + e.getMessage(), null, e);
                }
            }
        }

        /**
         * Gives every slot of the array of maps {@code name} that the object left empty a new, empty inner map of its
         * declared inner type, as a scheduler's userspace fills one it cannot initialise statically. The outer map
         * holds each inner map; the descriptor is closed at once, so a large array costs no descriptors.
         */
        void fill(String name) throws LoadException {
            String where = object.name() + ": fill " + name;
            Definition d = definitions(object, btf).get(name);
            Created outer = created.get(name);
            if (d == null || outer == null || !d.ofMaps() || d.type() != MAP_TYPE_ARRAY_OF_MAPS) {
                throw new LoadException(
                        where + ": the object has no array of maps (BPF_MAP_TYPE_ARRAY_OF_MAPS) of"
                                + " that name in .maps",
                        null,
                        null);
            }
            try {
                for (int slot = 0; slot < d.maxEntries(); slot++) {
                    if (bpf.mapLookup(outer.fd(), u32Bytes(slot), 4).isPresent()) {
                        continue; // the object's own initialiser put a map here
                    }
                    try (BpfFd inner = createMap(bpf, create(d.inner(), btfFd, 0), where + " (inner map)")) {
                        bpf.mapUpdate(outer.fd(), u32Bytes(slot), u32Bytes(inner.value()), BpfConstants.ANY);
                    }
                }
            } catch (BpfException e) {
                throw new LoadException(where + ": " + e.getMessage(), null, e);
            }
        }

        /**
         * Maps the arena once, as libbpf does for every arena map: that fixes its user address where the object left
         * {@code map_extra} 0 (the verifier needs one before a program that uses the arena loads), and it is how the
         * object's {@code __arena} globals (section {@code .addr_space.1}) get their initial values, at the arena's
         * first page as libbpf 1.5 places them. The mapping is undone at once: the pages stay the arena's, and a
         * second load of the same object (a swap) can map its own arena at the same {@code map_extra}.
         */
        void arena(Definition d, BpfFd fd, String where) throws LoadException {
            if (created.values().stream().anyMatch(m -> m.mapType() == BpfConstants.MAP_TYPE_ARENA && m.fd() != fd)) {
                throw new LoadException(
                        where + ": a second ARENA map; an object has at most one, which its"
                                + " __arena globals and arena pointers refer to (as libbpf requires)",
                        null,
                        null);
            }
            Optional<ElfSection> globals = arenaGlobals(object);
            long size = (long) d.maxEntries() * bpf.pageSize();
            if (globals.isPresent() && globals.get().size() > size) {
                throw new LoadException(
                        where + ": its " + d.maxEntries() + " pages cannot hold the "
                                + globals.get().size() + " bytes of __arena globals",
                        null,
                        null);
            }
            try (Arena mapping = Arena.ofConfined()) {
                MemorySegment memory = bpf.mapMmapArena(fd, d.mapExtra(), size, mapping);
                if (globals.isPresent() && globals.get().hasFileData()) {
                    byte[] initial = new byte[(int) globals.get().size()];
                    object.elf().data(globals.get()).get(initial);
                    MemorySegment.copy(MemorySegment.ofArray(initial), 0, memory, 0, initial.length);
                }
            } catch (IOException e) {
                throw new LoadException(where + ": map the arena: " + e.getMessage(), null, e);
            }
        }

        /**
         * A global data section's map: one value, the section's bytes with the overrides applied, typed by its
         * DATASEC; {@code .rodata} frozen so that the verifier sees constants.
         */
        void globalData(BpfMap m, Map<String, String> overrides, Set<String> applied) throws LoadException {
            ElfSection section = object.elf().section(m.section()).orElseThrow();
            String name = globalDataName(object, m.section());
            String where = object.name() + ": map " + name;
            boolean rodata = m.section().startsWith(".rodata");
            int datasec = btf.find(m.section(), BtfKind.DATASEC).orElse(0);
            // The section's size, or its DATASEC's where an array at its end was resized (load --resize).
            int size = datasec != 0 ? ((BtfType.Datasec) btf.type(datasec)).size() : (int) section.size();
            if (object.elf().byteOrder() != ByteOrder.nativeOrder()) {
                throw new LoadException(where + ": the object's byte order is not this kernel's", null, null);
            }
            byte[] value = new byte[size];
            if (section.hasFileData()) {
                byte[] initial = new byte[(int) section.size()];
                object.elf().data(section).get(initial);
                System.arraycopy(initial, 0, value, 0, Math.min(initial.length, size));
            }
            GlobalValues.apply(
                    object.name(), btf, m.section(), value, object.elf().byteOrder(), overrides, applied);
            int flags = (mmapable(btf, datasec) ? F_MMAPABLE : 0) | (rodata ? BpfConstants.F_RDONLY_PROG : 0);
            try {
                BpfFd fd = loaded.own(bpf.mapCreate(new Bpf.MapCreate(
                        BpfConstants.MAP_TYPE_ARRAY,
                        name,
                        4,
                        size,
                        1,
                        flags,
                        btfFd.value(),
                        0,
                        datasec,
                        0,
                        0,
                        0,
                        0,
                        0)));
                bpf.mapUpdate(fd, new byte[4], value, BpfConstants.ANY);
                if (rodata) {
                    bpf.mapFreeze(fd);
                }
                created.put(
                        m.section(),
                        new Created(name, m.section(), 0, size, BpfConstants.MAP_TYPE_ARRAY, fd, true, datasec));
            } catch (BpfException e) {
                throw new LoadException(where + ": create global data map: " + e.getMessage(), null, e);
            }
        }

        /** Like .rodata: the kconfig values are the kernel's, written once and frozen, so the verifier sees them. */
        void kconfig(KernelExterns externs) throws LoadException {
            Optional<BtfType.Datasec> kconfig = externs.kconfigSection();
            if (kconfig.isEmpty() || kconfig.get().size() == 0) {
                return;
            }
            String name = globalDataName(object, KernelExterns.KCONFIG);
            try {
                BpfFd fd = loaded.own(bpf.mapCreate(new Bpf.MapCreate(
                        BpfConstants.MAP_TYPE_ARRAY,
                        name,
                        4,
                        kconfig.get().size(),
                        1,
                        F_MMAPABLE | BpfConstants.F_RDONLY_PROG,
                        btfFd.value(),
                        0,
                        kconfig.get().id(),
                        0,
                        0,
                        0,
                        0,
                        0)));
                bpf.mapUpdate(fd, new byte[4], externs.kconfigValue(), BpfConstants.ANY);
                bpf.mapFreeze(fd);
                created.put(
                        KernelExterns.KCONFIG,
                        new Created(
                                name,
                                KernelExterns.KCONFIG,
                                0,
                                kconfig.get().size(),
                                BpfConstants.MAP_TYPE_ARRAY,
                                fd,
                                true,
                                kconfig.get().id()));
            } catch (BpfException e) {
                throw new LoadException(
                        object.name() + ": map " + name + ": create kconfig map: " + e.getMessage(), null, e);
            }
        }
    }

    /** The section of the object's {@code __arena} globals, if it has any. */
    static Optional<ElfSection> arenaGlobals(BpfObject object) {
        return object.elf().sections().stream()
                .filter(s -> s.name().startsWith(ARENA_GLOBALS))
                .findFirst();
    }

    /** Where clang puts {@code __arena} globals (address space 1). */
    static final String ARENA_GLOBALS = ".addr_space.1";

    /**
     * Whether a global data map is made mmapable: when its section holds a variable user space can name (one that is
     * not static), as libbpf decides; a section of string literals or static constants is not.
     */
    static boolean mmapable(Btf btf, int datasec) {
        if (datasec == 0) {
            return false;
        }
        for (BtfType.VarInfo v : ((BtfType.Datasec) btf.type(datasec)).vars()) {
            if (btf.type(v.type()) instanceof BtfType.Var var && var.linkage() != BTF_VAR_STATIC) {
                return true;
            }
        }
        return false;
    }

    static final int BTF_VAR_STATIC = 0;

    /**
     * Map types whose key and value the kernel will not have described by BTF (it fails their creation): perf event,
     * cgroup and stack-trace arrays, maps of maps, device, CPU, XSK and socket maps, queues, stacks and arenas.
     * libbpf passes no BTF for these either, so {@code __type(value, ...)} on a queue works with both.
     */
    static final Set<Integer> TYPES_WITHOUT_BTF = Set.of(4, 7, 8, 12, 13, 14, 15, 16, 17, 18, 22, 23, 25, 33);

    private static Bpf.MapCreate create(Definition d, BpfFd btfFd, int innerMapFd) {
        boolean btf = !TYPES_WITHOUT_BTF.contains(d.type());
        return new Bpf.MapCreate(
                d.type(),
                d.name(),
                d.keySize(),
                d.valueSize(),
                d.maxEntries(),
                d.flags(),
                btf ? btfFd.value() : 0,
                btf ? d.keyTypeId() : 0,
                btf ? d.valueTypeId() : 0,
                0,
                0,
                innerMapFd,
                d.numaNode(),
                d.mapExtra());
    }

    /** The same map with no BTF at all. */
    private static Bpf.MapCreate withoutBtf(Bpf.MapCreate m) {
        return new Bpf.MapCreate(
                m.mapType(),
                m.name(),
                m.keySize(),
                m.valueSize(),
                m.maxEntries(),
                m.mapFlags(),
                0,
                0,
                0,
                0,
                0,
                m.innerMapFd(),
                m.numaNode(),
                m.mapExtra());
    }

    /**
     * Creates the map; where the kernel refuses it with its key or value described by BTF (an older kernel that does
     * not know the type's BTF rules), creates it again without, as libbpf does, and says so in the log.
     */
    private static BpfFd createMap(Bpf bpf, Bpf.MapCreate m, String where) throws BpfException {
        try {
            return bpf.mapCreate(m);
        } catch (BpfException e) {
            if (m.btfKeyTypeId() == 0 && m.btfValueTypeId() == 0) {
                throw e;
            }
            BpfFd fd;
            try {
                fd = bpf.mapCreate(withoutBtf(m));
            } catch (BpfException without) {
                // The refusal with BTF is the one to report: the retry was only a fallback.
                e.addSuppressed(without);
                throw e;
            }
            LOG.warn("{}: the kernel refused the map with its BTF ({}); created without", where, e.getMessage());
            return fd;
        }
    }

    /** The object's initialiser of a map of maps ({@code .values = { [i] = &inner }}): relocations in .maps. */
    private static void fillSlots(
            Bpf bpf,
            BpfObject object,
            Definition d,
            ElfSymbol sym,
            ElfSection mapsSection,
            Map<String, Created> created,
            BpfFd outer,
            String where)
            throws LoadException, BpfException {
        long first = sym.value() + d.valuesOffset();
        for (ElfRelocation r : object.elf().relocationsFor(mapsSection)) {
            if (r.offset() < first || r.offset() >= sym.value() + Math.max(sym.size(), d.valuesOffset())) {
                continue;
            }
            int slot = (int) ((r.offset() - first) / 8);
            Created inner = created.get(r.symbol().name());
            if (inner == null || inner.globalData()) {
                throw new LoadException(
                        where + ": slot " + slot + " names '" + r.symbol().name()
                                + "', which is not a map of this object",
                        null,
                        null);
            }
            if (slot >= d.maxEntries()) {
                throw new LoadException(
                        where + ": slot " + slot + " is beyond max_entries " + d.maxEntries(), null, null);
            }
            bpf.mapUpdate(outer, u32Bytes(slot), u32Bytes(inner.fd().value()), BpfConstants.ANY);
        }
    }

    /** A map of maps' 4-byte key or value: a slot number, or an inner map's descriptor. */
    private static byte[] u32Bytes(int value) {
        return ByteBuffer.allocate(4)
                .order(ByteOrder.nativeOrder())
                .putInt(value)
                .array();
    }

    private static ElfSymbol symbol(BpfObject object, String name, ElfSection section) throws LoadException {
        for (ElfSymbol s : object.elf().symbols()) {
            if (s.name().equals(name) && section != null && s.sectionIndex() == section.index()) {
                return s;
            }
        }
        throw new LoadException(object.name() + ": map " + name + ": no symbol in .maps", null, null);
    }
}
