package io.structops.loader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.loader.LoadException;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfConstants;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loads on this machine's kernel, for real, and checks that nothing is left behind. */
@Tag("kernel")
class LoadOnKernelTest {
    static final Path AVAILABLE = Path.of("/proc/sys/net/ipv4/tcp_available_congestion_control");

    static boolean registered(String cc) throws Exception {
        return List.of(Files.readString(AVAILABLE).trim().split("\\s+")).contains(cc);
    }

    @Test
    void linkBasedCongestionControlAttachesAndDetaches() throws Exception {
        int fds = Loaders.BPF.openDescriptorCount();
        List<Integer> mapsBefore = Loaders.BPF.ids(Bpf.ObjectType.MAP);
        List<Integer> progsBefore = Loaders.BPF.ids(Bpf.ObjectType.PROG);
        try (LoadedObject o = Loaders.LOADER.load(Loaders.example("tcp_cc_link.bpf.o"), LoadOptions.defaults())) {
            LoadedMap m = o.maps().get(0);
            assertEquals("structops_fixed", m.name());
            assertEquals("tcp_congestion_ops", m.type());
            assertTrue(m.linkBased());
            assertEquals(5, m.programIds().size());
            assertTrue(registered("structops_fixed"), "the kernel offers the new algorithm");
        }
        assertFalse(registered("structops_fixed"), "gone after unload");
        assertEquals(fds, Loaders.BPF.openDescriptorCount());
        assertGone(mapsBefore, Bpf.ObjectType.MAP);
        assertGone(progsBefore, Bpf.ObjectType.PROG);
    }

    /**
     * Nothing of {@code type} made since {@code before} is left. The kernel frees a struct_ops map's programs after an
     * RCU grace period, not when the last descriptor closes, so their ids may linger a moment; ids of {@code before}
     * that other processes freed meanwhile do not matter.
     */
    static void assertGone(List<Integer> before, Bpf.ObjectType type) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<Integer> left = made(before, type);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            left = made(before, type);
        }
        assertEquals(List.of(), left, type + " ids left in the kernel");
    }

    private static List<Integer> made(List<Integer> before, Bpf.ObjectType type) throws Exception {
        List<Integer> now = new ArrayList<>(Loaders.BPF.ids(type));
        now.removeAll(before);
        return now;
    }

    @Test
    void refusalsReleaseEverything() throws Exception {
        int fds = Loaders.BPF.openDescriptorCount();
        List<Integer> progsBefore = Loaders.BPF.ids(Bpf.ObjectType.PROG);
        // bpf_dummy_ops cannot be registered (the kernel uses it only for test runs): programs and map are made,
        // then the update is refused, and all of it must go.
        LoadException e = assertThrows(
                LoadException.class,
                () -> Loaders.LOADER.load(Loaders.example("dummy_ops.bpf.o"), LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("map structops_dummy: register: BPF_MAP_UPDATE_ELEM"), e.getMessage());
        assertGone(progsBefore, Bpf.ObjectType.PROG);
        assertEquals(fds, Loaders.BPF.openDescriptorCount());

        e = assertThrows(
                LoadException.class,
                () -> Loaders.LOADER.load(Loaders.example("no_such_ops.bpf.o"), LoadOptions.defaults()));
        assertTrue(
                e.getMessage().contains("the kernel has no struct_ops type 'structops_no_such_ops'"), e.getMessage());
        e = assertThrows(
                LoadException.class,
                () -> Loaders.LOADER.load(Loaders.example("tcp_cc_future.bpf.o"), LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("member 'future_flags' is set"), e.getMessage());
        assertEquals(fds, Loaders.BPF.openDescriptorCount());
    }

    /** The value the kernel holds for a global data map of this runtime, found by its kernel name. */
    static byte[] globalData(List<Integer> mapsBefore, String name) throws Exception {
        for (int id : Loaders.BPF.ids(Bpf.ObjectType.MAP)) {
            if (mapsBefore.contains(id)) {
                continue;
            }
            try (var fd = Loaders.BPF.fdById(Bpf.ObjectType.MAP, id).orElseThrow()) {
                Bpf.MapInfo info = Loaders.BPF.mapInfo(fd);
                if (info.name().equals(name)) {
                    return Loaders.BPF
                            .mapLookup(fd, new byte[4], info.valueSize())
                            .orElseThrow();
                }
            }
        }
        throw new AssertionError("no map " + name);
    }

    @Test
    void globalsAreSetBeforeTheProgramsAreVerified() throws Exception {
        int fds = Loaders.BPF.openDescriptorCount();
        List<Integer> mapsBefore = Loaders.BPF.ids(Bpf.ObjectType.MAP);
        LoadOptions options =
                new LoadOptions(Set.of(), false, Map.of("window", "0x20", "generation", "0xffffffffffffffff"));
        try (LoadedObject o = Loaders.LOADER.load(Loaders.example("tcp_cc_state.bpf.o"), options)) {
            ByteBuffer rodata =
                    ByteBuffer.wrap(globalData(mapsBefore, "tcp_cc_s.rodata")).order(ByteOrder.nativeOrder());
            assertEquals(0x20, rodata.getInt(0), "const volatile u32 window");
            ByteBuffer data =
                    ByteBuffer.wrap(globalData(mapsBefore, "tcp_cc_s.data")).order(ByteOrder.nativeOrder());
            assertEquals(-1L, data.getLong(0), "u64 generation, all ones");
        }
        assertGone(mapsBefore, Bpf.ObjectType.MAP);

        record Refusal(Map<String, String> globals, String message) {}
        for (Refusal r : List.of(
                new Refusal(Map.of("windw", "3"), "--set: no global variable windw; its globals are"),
                new Refusal(Map.of("window", "4294967296"), "does not fit in an unsigned 32-bit int"),
                new Refusal(Map.of("window", "-1"), "does not fit in an unsigned 32-bit int"),
                new Refusal(Map.of("window", "ten"), "--set window=ten (.rodata): not a number"))) {
            LoadException e = assertThrows(
                    LoadException.class,
                    () -> Loaders.LOADER.load(
                            Loaders.example("tcp_cc_state.bpf.o"), new LoadOptions(Set.of(), false, r.globals())));
            assertTrue(e.getMessage().contains(r.message()), e.getMessage());
        }
        assertGone(mapsBefore, Bpf.ObjectType.MAP);
        assertEquals(fds, Loaders.BPF.openDescriptorCount());
    }

    @Test
    void objectMapsNamesEveryMapTheLoadCreatedWithItsKernelId() throws Exception {
        try (LoadedObject o =
                Loaders.LOADER.load(Loaders.example("tcp_cc_report.bpf.o"), new LoadOptions(Set.of(), false))) {
            Map<String, Integer> ids = o.objectMaps();
            assertEquals(
                    List.of("flow_stats", "counters", "cpu_acks", "cpu_flows", "recent", "events"),
                    List.copyOf(ids.keySet()).subList(0, 6),
                    "the .maps first, in the object's order: " + ids);
            assertTrue(ids.containsKey(".bss") && ids.containsKey("structops_report"), ids.toString());
            for (Map.Entry<String, Integer> e : ids.entrySet()) {
                try (var fd =
                        Loaders.BPF.fdById(Bpf.ObjectType.MAP, e.getValue()).orElseThrow()) {
                    String kernelName = Loaders.BPF.mapInfo(fd).name();
                    // A global data map's kernel name is prefixed with the object's; a long name is cut to 15.
                    assertTrue(
                            e.getKey().startsWith(kernelName) || kernelName.endsWith(e.getKey()),
                            e + " is " + kernelName);
                }
            }
        }
    }

    /**
     * Each program keeps the object's .rodata, whether its instructions name it or not, as libbpf binds it
     * (BPF_PROG_BIND_MAP): bpftool lists it among every program's maps, and reads bpf_metadata_ variables there.
     */
    @Test
    void everyProgramKeepsTheObjectsReadOnlyData() throws Exception {
        try (LoadedObject o =
                Loaders.LOADER.load(Loaders.example("tcp_cc_report.bpf.o"), new LoadOptions(Set.of(), false))) {
            int rodata = o.objectMaps().get(".rodata");
            Map<String, Integer> programs = o.maps().getFirst().programIds();
            assertFalse(programs.isEmpty());
            for (Map.Entry<String, Integer> e : programs.entrySet()) {
                String shown = bpftool("prog", "show", "id", e.getValue().toString());
                // bpftool's text: "\tmap_ids 12,34" among the program's lines.
                Matcher ids = Pattern.compile("map_ids ([0-9,]+)").matcher(shown);
                assertTrue(ids.find(), e.getKey() + ": no maps in " + shown);
                assertTrue(
                        List.of(ids.group(1).split(",")).contains(Integer.toString(rodata)),
                        e.getKey() + " does not keep .rodata (" + rodata + "): " + shown);
            }
        }
    }

    /** bpftool's output (Processes: no descriptor of its process is left to close later). */
    private static String bpftool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bpftool"));
        command.addAll(List.of(args));
        Processes.Result r = Processes.run(command, true);
        assertEquals(0, r.status(), r.output());
        return r.output();
    }

    @Test
    void everyDeclaredMapIsCreatedAsDeclared() throws Exception {
        List<Integer> mapsBefore = Loaders.BPF.ids(Bpf.ObjectType.MAP);
        // name -> bpftool's type, key and value sizes, max_entries, flags: what the object's .maps section declares.
        Map<String, String> declared = new java.util.TreeMap<>(Map.ofEntries(
                Map.entry("acks_per_cpu", "percpu_array 4 8 1 0"),
                Map.entry("flows", "hash 8 16 64 0"),
                Map.entry("states", "percpu_hash 4 8 16 0"),
                Map.entry("recent", "lru_hash 8 4 32 0"),
                Map.entry("events", "ringbuf 0 0 16384 0"),
                Map.entry("commands", "user_ringbuf 0 0 16384 0"),
                Map.entry("per_socket", "sk_storage 4 16 0 1"),
                Map.entry("per_task", "task_storage 4 8 0 1"),
                Map.entry("per_inode", "inode_storage 4 8 0 1"),
                Map.entry("pending", "queue 0 8 16 0"),
                Map.entry("undo", "stack 0 4 8 0"),
                Map.entry("seen", "bloom_filter 0 8 64 0")));
        try (LoadedObject o =
                Loaders.LOADER.load(Loaders.example("tcp_cc_maps.bpf.o"), new LoadOptions(Set.of(), false))) {
            // bpftool's text: "ID: TYPE  name NAME  flags 0xF" then "\tkey KB  value VB  max_entries N ...".
            String shown = bpftool("map", "show");
            Matcher m = Pattern.compile("(?m)^(\\d+): (.+?)\\s+name (\\S+)\\s+flags "
                            + "0x([0-9a-f]+).*\\n\\s+key (\\d+)B\\s+value (\\d+)B\\s+max_entries (\\d+)")
                    .matcher(shown);
            Map<String, String> created = new java.util.TreeMap<>();
            while (m.find()) {
                if (!mapsBefore.contains(Integer.parseInt(m.group(1))) && declared.containsKey(m.group(3))) {
                    created.put(
                            m.group(3),
                            m.group(2) + " " + m.group(5) + " " + m.group(6) + " " + m.group(7) + " "
                                    + Integer.parseInt(m.group(4), 16));
                }
            }
            assertEquals(declared, created, "as bpftool reads them from the kernel");
        }
        assertGone(mapsBefore, Bpf.ObjectType.MAP);
    }

    /**
     * An arena is created where the kernel allows it and refused, naming the map and the errno, where it does not
     * (some kernels refuse arenas even to root): as libbpf 1.5 does on the same kernel, which decides which is right.
     */
    @Test
    void anArenaIsCreatedWhereTheKernelAllowsOneAndRefusedByNameWhereNot(@TempDir Path dir) throws Exception {
        Path object = Loaders.example("tcp_cc_arena.bpf.o");
        List<Integer> mapsBefore = Loaders.BPF.ids(Bpf.ObjectType.MAP);
        int fds = Loaders.BPF.openDescriptorCount();
        String refusal = null;
        try (LoadedObject o = Loaders.LOADER.load(object, new LoadOptions(Set.of(), false))) {
            assertEquals("structops_arena", o.maps().get(0).name());
        } catch (LoadException e) {
            refusal = e.getMessage();
        }
        assertGone(mapsBefore, Bpf.ObjectType.MAP);
        assertEquals(fds, Loaders.BPF.openDescriptorCount());
        // The peer on the same kernel says which outcome is right.
        Processes.Result peer = Processes.run(List.of(LibbpfPeerTest.helper(dir).toString(), object.toString()), true);
        String peerOutput = peer.output();
        boolean libbpfLoads = peer.status() == 0;
        if (libbpfLoads) {
            assertEquals(null, refusal, "libbpf creates the arena: " + peerOutput);
            assertTrue(peerOutput.contains("map arena 33 0 0 4 1024 "), peerOutput);
        } else {
            assertTrue(
                    refusal != null
                            && refusal.contains("map arena: create map: BPF_MAP_CREATE (map arena)" + " failed: E"),
                    "libbpf is refused (" + peerOutput.strip() + "); structops: " + refusal);
        }
        System.out.println("arena: "
                + (libbpfLoads
                        ? "created, as libbpf creates it"
                        : "refused by this kernel, as" + " libbpf is refused: " + refusal));
    }

    @Test
    void mapOfMapsHoldsTheInnerMapsTheObjectNames() throws Exception {
        int fds = Loaders.BPF.openDescriptorCount();
        List<Integer> mapsBefore = Loaders.BPF.ids(Bpf.ObjectType.MAP);
        try (LoadedObject o =
                Loaders.LOADER.load(Loaders.example("tcp_cc_inner.bpf.o"), new LoadOptions(Set.of(), false))) {
            Map<String, Bpf.MapInfo> byName = new java.util.HashMap<>();
            for (int id : Loaders.BPF.ids(Bpf.ObjectType.MAP)) {
                if (!mapsBefore.contains(id)) {
                    try (var fd = Loaders.BPF.fdById(Bpf.ObjectType.MAP, id).orElseThrow()) {
                        Bpf.MapInfo info = Loaders.BPF.mapInfo(fd);
                        byName.put(info.name(), info);
                    }
                }
            }
            assertFalse(byName.containsKey("windows.inner"), "the inner template is gone once the outer map exists");
            Bpf.MapInfo outer = byName.get("windows");
            assertEquals(ObjectMaps.MAP_TYPE_ARRAY_OF_MAPS, outer.type());
            assertEquals(4, outer.keySize());
            assertEquals(4, outer.valueSize());
            assertEquals(2, outer.maxEntries());
            try (var fd = Loaders.BPF.fdById(Bpf.ObjectType.MAP, outer.id()).orElseThrow()) {
                // A map of maps answers a lookup with the inner map's id.
                byte[] slot0 = Loaders.BPF.mapLookup(fd, new byte[4], 4).orElseThrow();
                assertEquals(
                        byName.get("window_a").id(),
                        ByteBuffer.wrap(slot0).order(ByteOrder.nativeOrder()).getInt());
                byte[] one = ByteBuffer.allocate(4)
                        .order(ByteOrder.nativeOrder())
                        .putInt(1)
                        .array();
                assertTrue(Loaders.BPF.mapLookup(fd, one, 4).isEmpty(), "slot 1 was left empty");
            }
        }
        assertGone(mapsBefore, Bpf.ObjectType.MAP);
        assertEquals(fds, Loaders.BPF.openDescriptorCount());
    }

    /** An option no handler of the object's structs reads (a misspelt key) is refused before anything is created. */
    @Test
    void anOptionNoHandlerReadsIsRefused() throws Exception {
        List<Integer> mapsBefore = Loaders.BPF.ids(Bpf.ObjectType.MAP);
        LoadOptions options =
                new LoadOptions(Set.of(), false, Map.of(), Set.of(), Map.of(), Set.of(), Map.of("qdisc.devices", "lo"));
        LoadException e = assertThrows(
                LoadException.class, () -> Loaders.LOADER.load(Loaders.example("tcp_cc_full.bpf.o"), options));
        assertTrue(
                e.getMessage()
                        .endsWith("tcp_cc_full.bpf.o: option qdisc.devices: no handler of the object's"
                                + " structs (tcp_congestion_ops) reads it"),
                e.getMessage());
        assertGone(mapsBefore, Bpf.ObjectType.MAP);
    }

    /** {@code fill} gives the slots the object left empty a new inner map each, and leaves its own initialiser's. */
    @Test
    void fillGivesEveryEmptySlotANewInnerMap() throws Exception {
        int fds = Loaders.BPF.openDescriptorCount();
        List<Integer> mapsBefore = Loaders.BPF.ids(Bpf.ObjectType.MAP);
        LoadOptions fill = new LoadOptions(Set.of(), false, Map.of(), Set.of(), Map.of(), Set.of("windows"), Map.of());
        try (LoadedObject o = Loaders.LOADER.load(Loaders.example("tcp_cc_inner.bpf.o"), fill)) {
            Map<String, Integer> ids = o.objectMaps();
            try (var fd =
                    Loaders.BPF.fdById(Bpf.ObjectType.MAP, ids.get("windows")).orElseThrow()) {
                byte[] one = ByteBuffer.allocate(4)
                        .order(ByteOrder.nativeOrder())
                        .putInt(1)
                        .array();
                int slot0 = ByteBuffer.wrap(
                                Loaders.BPF.mapLookup(fd, new byte[4], 4).orElseThrow())
                        .order(ByteOrder.nativeOrder())
                        .getInt();
                int slot1 = ByteBuffer.wrap(Loaders.BPF.mapLookup(fd, one, 4).orElseThrow())
                        .order(ByteOrder.nativeOrder())
                        .getInt();
                assertEquals(ids.get("window_a"), slot0, "the object's own initialiser");
                assertFalse(ids.containsValue(slot1), "slot 1 holds a new map, none of the object's");
                try (var inner = Loaders.BPF.fdById(Bpf.ObjectType.MAP, slot1).orElseThrow()) {
                    Bpf.MapInfo info = Loaders.BPF.mapInfo(inner);
                    assertEquals(
                            List.of(BpfConstants.MAP_TYPE_ARRAY, 1),
                            List.of(info.type(), info.maxEntries()),
                            "of the declared inner kind");
                }
            }
        }
        LoadException refused = assertThrows(
                LoadException.class,
                () -> Loaders.LOADER.load(
                        Loaders.example("tcp_cc_inner.bpf.o"),
                        new LoadOptions(Set.of(), false, Map.of(), Set.of(), Map.of(), Set.of("window_a"), Map.of())));
        assertTrue(
                refused.getMessage()
                        .endsWith("tcp_cc_inner.bpf.o: fill window_a: the object has no array of maps"
                                + " (BPF_MAP_TYPE_ARRAY_OF_MAPS) of that name in .maps"),
                refused.getMessage());
        assertGone(mapsBefore, Bpf.ObjectType.MAP);
        assertEquals(fds, Loaders.BPF.openDescriptorCount());
    }

    @Test
    void swapMovesTheLinkWithoutAGap() throws Exception {
        int fds = Loaders.BPF.openDescriptorCount();
        List<Integer> progsBefore = Loaders.BPF.ids(Bpf.ObjectType.PROG);
        LoadedObject old = Loaders.LOADER.load(Loaders.example("tcp_cc_link.bpf.o"), LoadOptions.defaults());
        int linkId = old.maps().get(0).linkId();
        // A failed swap (the verifier refuses the new object) leaves the old one attached as it was.
        LoadException refused = assertThrows(
                LoadException.class,
                () -> Loaders.LOADER.swap(
                        old, "structops_fixed", Loaders.example("tcp_cc_reject.bpf.o"), LoadOptions.defaults()));
        assertTrue(refused.getMessage().contains("BPF_PROG_LOAD"), refused.getMessage());
        assertTrue(registered("structops_fixed"));
        assertEquals(linkId, old.maps().get(0).linkId());

        // Sample the kernel's list of algorithms throughout the swap: structops_fixed must never be missing.
        java.util.concurrent.atomic.AtomicInteger samples = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger missing = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                try {
                    samples.incrementAndGet();
                    if (!registered("structops_fixed")) {
                        missing.incrementAndGet();
                    }
                } catch (Exception e) {
                    missing.incrementAndGet();
                }
            }
        });
        LoadedObject replacement;
        try {
            Thread.sleep(20);
            replacement = Loaders.LOADER.swap(
                    old, "structops_fixed", Loaders.example("tcp_cc_link_v2.bpf.o"), LoadOptions.defaults());
            old.close();
            Thread.sleep(20);
        } finally {
            stop.set(true);
            sampler.join();
        }
        try (replacement) {
            assertEquals(0, missing.get(), "structops_fixed was missing in " + missing + " of " + samples + " samples");
            assertTrue(samples.get() > 10, samples + " samples");
            LoadedMap now = replacement.maps().get(0);
            assertEquals(linkId, now.linkId(), "the same link, moved");
            try (var link = Loaders.BPF.fdById(Bpf.ObjectType.LINK, linkId).orElseThrow()) {
                assertEquals(now.mapId(), Loaders.BPF.linkInfo(link).structOpsMapId(), "the link holds the new map");
            }
            assertTrue(registered("structops_fixed"), "closing the old object did not detach the moved link");
        }
        assertFalse(registered("structops_fixed"));
        assertGone(progsBefore, Bpf.ObjectType.PROG);
        assertEquals(fds, Loaders.BPF.openDescriptorCount());
    }

    /**
     * A legacy map has no link to move: the old map is unregistered and the new one registered, and the swap says for
     * how long neither was. A link-based map is not swapped for a legacy one, nor the other way round.
     */
    @Test
    void aLegacyMapIsSwappedWithAGap() throws Exception {
        int fds = Loaders.BPF.openDescriptorCount();
        List<Integer> mapsBefore = Loaders.BPF.ids(Bpf.ObjectType.MAP);
        LoadedObject old = Loaders.LOADER.load(Loaders.example("tcp_cc_legacy.bpf.o"), LoadOptions.defaults());
        int oldMapId = old.maps().get(0).mapId();
        LoadException mixed = assertThrows(
                LoadException.class,
                () -> Loaders.LOADER.swap(
                        old, "structops_legacy", Loaders.example("tcp_cc_link.bpf.o"), LoadOptions.defaults()));
        assertTrue(
                mixed.getMessage()
                        .endsWith("swap structops_legacy: structops_fixed is link-based and structops_legacy a legacy"
                                + " map (SEC(\".struct_ops\")); a swap replaces a map with one of the same kind"),
                mixed.getMessage());
        assertTrue(registered("so_legacy"));

        LoadedObject replacement = Loaders.LOADER.swap(
                old, "structops_legacy", Loaders.example("tcp_cc_legacy.bpf.o"), LoadOptions.defaults());
        old.close();
        try (replacement) {
            LoadedMap now = replacement.maps().get(0);
            assertTrue(now.mapId() != oldMapId, "a new map");
            assertEquals(0, now.linkId());
            assertTrue(replacement.swapGap("structops_legacy").orElseThrow().toNanos() > 0);
            assertTrue(registered("so_legacy"), "closing the old object did not unregister the new map");
        }
        assertFalse(registered("so_legacy"));
        assertGone(mapsBefore, Bpf.ObjectType.MAP);
        assertEquals(fds, Loaders.BPF.openDescriptorCount());
    }

    /** {@code --only}: the other struct_ops maps are not created (libbpf's autocreate off); a wrong name is refused. */
    @Test
    void onlyTheNamedStructOpsMapsAreCreated() throws Exception {
        List<Integer> mapsBefore = Loaders.BPF.ids(Bpf.ObjectType.MAP);
        try (LoadedObject o = Loaders.LOADER.load(
                Loaders.example("tcp_cc_twice.bpf.o"), LoadOptions.defaults().withOnly(Set.of("twice_b")))) {
            assertEquals(
                    List.of("twice_b"), o.maps().stream().map(LoadedMap::name).toList());
        }
        LoadException e = assertThrows(
                LoadException.class,
                () -> Loaders.LOADER.load(
                        Loaders.example("tcp_cc_twice.bpf.o"),
                        LoadOptions.defaults().withOnly(Set.of("twice_c"))));
        assertTrue(
                e.getMessage()
                        .endsWith("--only twice_c: the object has no struct_ops map of that name (its maps:"
                                + " twice_a, twice_b)"),
                e.getMessage());
        assertGone(mapsBefore, Bpf.ObjectType.MAP);
    }

    @Test
    void programsSharedBetweenMembersAndMaps() throws Exception {
        List<Integer> progsBefore = Loaders.BPF.ids(Bpf.ObjectType.PROG);
        try (LoadedObject o = Loaders.LOADER.load(Loaders.example("tcp_cc_twice.bpf.o"), LoadOptions.defaults())) {
            LoadedMap a = o.maps().get(0);
            LoadedMap b = o.maps().get(1);
            assertEquals("twice_a", a.name());
            // One program in two members: two loads, one per member (expected_attach_type is the member index).
            assertFalse(a.programIds().get("init").equals(a.programIds().get("release")));
            // Two maps of one type: the same (program, member) load serves both.
            assertEquals(a.programIds().get("ssthresh"), b.programIds().get("ssthresh"));
            assertEquals(a.programIds().get("undo_cwnd"), b.programIds().get("undo_cwnd"));
            List<Integer> now = new ArrayList<>(Loaders.BPF.ids(Bpf.ObjectType.PROG));
            now.removeAll(progsBefore);
            assertEquals(5, now.size(), "ssthresh, cong_avoid, undo_cwnd, lifecycle twice; nothing for unused");
            for (int id : now) {
                try (var fd = Loaders.BPF.fdById(Bpf.ObjectType.PROG, id).orElseThrow()) {
                    assertFalse(Loaders.BPF.progInfo(fd).name().equals("twice_unused"));
                }
            }
            assertTrue(registered("so_twice_a") && registered("so_twice_b"));
        }
        assertGone(progsBefore, Bpf.ObjectType.PROG);
    }

    @Test
    void legacyMapLoadsWithoutRegistering() throws Exception {
        try (LoadedObject o =
                Loaders.LOADER.load(Loaders.example("dummy_ops.bpf.o"), new LoadOptions(java.util.Set.of(), false))) {
            LoadedMap m = o.maps().get(0);
            assertEquals("bpf_dummy_ops", m.type());
            assertFalse(m.linkBased());
            assertEquals(
                    java.util.Set.of("test_1", "test_2", "test_sleepable"),
                    m.programIds().keySet());
        }
    }
}
