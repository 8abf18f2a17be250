package io.structops.it.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.btf.internal.BtfReaderComponent;
import io.structops.it.cli.Launcher;
import io.structops.kernel.objects.BtfValues;
import io.structops.kernel.objects.KernelMap;
import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.MapInfo;
import io.structops.kernel.objects.RingBuffer;
import io.structops.kernel.objects.UserRingBuffer;
import io.structops.kernel.objects.Value;
import io.structops.kernel.objects.internal.KernelMapsComponent;
import io.structops.syscall.internal.BpfSyscalls;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * User space for a loaded object's maps, on this kernel: {@code tcp_cc_report.bpf.o} (a congestion control with a
 * hash map keyed by a struct, an array, a per-CPU array, an LRU hash and a ring buffer) carries traffic, then its
 * maps are listed, dumped, changed and followed through the commands and through the Java API, with bpftool's dumps
 * of the same maps as the peer.
 */
@Tag("kernel")
class MapsOnKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MAP = "structops_report";
    private static Path pins;
    private static Path traffic;
    private static Map<String, Integer> ids;
    private static final KernelMapsComponent MAPS =
            new KernelMapsComponent(new BpfSyscalls(), new BtfReaderComponent());

    @BeforeAll
    static void loadAndCarryTraffic(@TempDir Path dir) throws Exception {
        pins = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "structops-maps");
        Launcher.Result r = Launcher.run(
                "load", Launcher.example("tcp_cc_report.bpf.o").toString(), "--pin", pins.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        traffic = StructOpsOnKernelTest.trafficTool(dir);
        StructOpsOnKernelTest.run(List.of(traffic.toString(), "so_report", "1048576"));
        Launcher.Result listed = Launcher.run("maps", "--of", MAP, "--json");
        assertEquals(0, listed.status(), listed.err());
        ids = new HashMap<>();
        for (JsonNode m : JSON.readTree(listed.out())) {
            ids.put(m.get("name").asText(), m.get("id").asInt());
        }
    }

    /** Last: unloading the object ends a reader of its ring buffer (the publisher completes), as it must. */
    @AfterAll
    static void unload() throws Exception {
        CompletableFuture<Void> completed = new CompletableFuture<>();
        try (RingBuffer buffer = MAPS.ringBuffer(MAPS.find("events").id())) {
            buffer.publisher().subscribe(subscriber(record -> {}, completed));
            assertTrue(buffer.hasProducers(), "the congestion control's program writes it");
            Launcher.run("unload", MAP);
            completed.get(30, TimeUnit.SECONDS);
            assertFalse(buffer.hasProducers());
        } finally {
            Launcher.run("unload", MAP);
            if (Files.exists(pins)) {
                StructOpsOnKernelTest.removePins(pins);
            }
        }
    }

    @Test
    void mapsListsTheObjectsMapsWithTheirKindsAndTypes() throws Exception {
        JsonNode listed =
                JSON.readTree(Launcher.run("maps", "--of", MAP, "--json").out());
        Map<String, String> kinds = new HashMap<>();
        for (JsonNode m : listed) {
            kinds.put(
                    m.get("name").asText(),
                    m.get("kind").asText() + " " + m.get("keyType").asText() + " "
                            + m.get("valueType").asText());
        }
        assertEquals("hash struct flow_key struct flow_stats", kinds.get("flow_stats"), listed.toString());
        assertEquals("array u32 u64", kinds.get("counters"));
        assertEquals("percpu_array u32 u64", kinds.get("cpu_acks"));
        assertEquals("lru_hash u32 u64", kinds.get("recent"));
        assertEquals("ringbuf null null", kinds.get("events"), "a ring buffer has no BTF types");
        assertTrue(kinds.containsKey(MAP.substring(0, 15)), "the struct_ops map itself, by the kernel's name");
    }

    @Test
    void dumpTypesEveryEntryAsBpftoolDoes() throws Exception {
        for (String map : List.of("flow_stats", "counters", "cpu_acks", "cpu_flows", "recent")) {
            Launcher.Result r = Launcher.run("map", "dump", ids.get(map).toString(), "--json");
            assertEquals(0, r.status(), r.err());
            Set<JsonNode> ours = new HashSet<>();
            JSON.readTree(r.out()).forEach(ours::add);
            Set<JsonNode> peers = new HashSet<>();
            StructOpsOnKernelTest.bpftool("map", "dump", "id", ids.get(map).toString())
                    .forEach(e -> peers.add(e.get("formatted")));
            assertEquals(peers, ours, map + ": ours " + r.out());
            assertTrue(!ours.isEmpty(), map + " has entries after traffic");
        }
        JsonNode flows = JSON.readTree(
                Launcher.run("map", "dump", "flow_stats", "--json").out());
        assertEquals("acked", flows.get(0).get("value").get("tag").asText(), "char[] as text");
        assertEquals("PHASE_ACKED", flows.get(0).get("value").get("phase").asText(), "an enum by its name");
    }

    @Test
    void updateAndDeleteChangeWhatBpftoolReads() throws Exception {
        String counters = ids.get("counters").toString();
        assertEquals(0, Launcher.run("map", "update", "counters", "3", "42").status());
        assertEquals(42, lookup(counters, 3).asLong());

        String key = "{\"local_port\": 1, \"remote_port\": 2, \"remote_addr\": 3}";
        Launcher.Result added = Launcher.run(
                "map",
                "update",
                "flow_stats",
                key,
                "{\"acked\": 5, \"phase\": \"PHASE_LOSS\", \"tag\": \"user\"}",
                "--flag",
                "noexist");
        assertEquals(0, added.status(), added.err());
        JsonNode peer = entry(ids.get("flow_stats"), 1);
        assertEquals(5, peer.get("value").get("acked").asLong());
        assertEquals("PHASE_LOSS", peer.get("value").get("phase").asText());
        assertEquals("user", peer.get("value").get("tag").asText());
        Launcher.Result again = Launcher.run("map", "update", "flow_stats", key, "{\"acked\": 6}", "--flag", "noexist");
        assertNotEquals(0, again.status(), "noexist refuses a present key");
        assertTrue(again.err().contains("EEXIST"), again.err());

        Launcher.Result tooBig = Launcher.run("map", "update", "flow_stats", key, "{\"tag\": \"far too long\"}");
        assertNotEquals(0, tooBig.status());
        assertTrue(tooBig.err().contains("value.tag"), "names the member: " + tooBig.err());
        Launcher.Result unknown = Launcher.run("map", "update", "counters", "1", "-1");
        assertTrue(unknown.err().contains("does not fit an unsigned 64-bit integer"), unknown.err());

        assertEquals(0, Launcher.run("map", "delete", "flow_stats", key).status());
        assertEquals(null, entry(ids.get("flow_stats"), 1), "deleted");
        Launcher.Result gone = Launcher.run("map", "delete", "flow_stats", key);
        assertNotEquals(0, gone.status());
        assertTrue(gone.err().contains("no entry"), gone.err());
    }

    /** A subscriber taking every record, completing {@code done} when the publisher completes or fails. */
    static Flow.Subscriber<byte[]> subscriber(Consumer<byte[]> records, CompletableFuture<Void> done) {
        return new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(byte[] record) {
                records.accept(record);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                done.complete(null);
            }
        };
    }

    /** bpftool's typed value of array key {@code key}. */
    private static JsonNode lookup(String id, int key) throws Exception {
        for (JsonNode e : StructOpsOnKernelTest.bpftool("map", "dump", "id", id)) {
            if (e.get("formatted").get("key").asInt() == key) {
                return e.get("formatted").get("value");
            }
        }
        throw new AssertionError("no key " + key);
    }

    /** bpftool's formatted entry of flow_stats whose key has this local_port; null if none. */
    private static JsonNode entry(int id, int localPort) throws Exception {
        for (JsonNode e : StructOpsOnKernelTest.bpftool("map", "dump", "id", Integer.toString(id))) {
            if (e.get("formatted").get("key").get("local_port").asInt() == localPort) {
                return e.get("formatted");
            }
        }
        return null;
    }

    @Test
    void eventsFollowsTheRingBufferTypedByTheObjectsStruct() throws Exception {
        CompletableFuture<Launcher.Result> events = CompletableFuture.supplyAsync(() -> {
            try {
                return Launcher.run("events", "events", "--type", "event", "--count", "3", "--for", "60", "--json");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // Traffic until the reader has its records: it may start after the first burst.
        while (!events.isDone()) {
            StructOpsOnKernelTest.run(List.of(traffic.toString(), "so_report", "65536"));
            Thread.sleep(200);
        }
        Launcher.Result r = events.get(90, TimeUnit.SECONDS);
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(3, lines.size(), r.out());
        for (String line : lines) {
            JsonNode e = JSON.readTree(line);
            assertTrue(e.get("acked").asLong() > 0 && e.get("local_port").asInt() > 0, line);
        }
    }

    @Test
    void commandsWrittenToTheUserRingBufferAreAppliedByTheProgram() throws Exception {
        MapInfo counters = MAPS.find("counters");
        Btf btf = MAPS.objectBtf(MAPS.find("commands").id()).orElseThrow();
        int command = btf.find("command", BtfKind.STRUCT).orElseThrow();
        try (KernelMap map = MAPS.open(counters.id());
                UserRingBuffer commands =
                        MAPS.userRingBuffer(MAPS.find("commands").id())) {
            byte[] three = map.encodeKey(Value.Int.of(3));
            long before = ((Value.Int)
                            map.decodeValue(map.lookup(three).orElseThrow().get(0)))
                    .value()
                    .longValue();
            assertTrue(commands.submit(BtfValues.encode(
                    btf, command, new Value.Struct(Map.of("counter", Value.Int.of(3), "add", Value.Int.of(1000))))));
            // Until it is full, with commands that change nothing: the writer says so instead of overwriting.
            byte[] nothing = BtfValues.encode(btf, command, new Value.Struct(Map.of("counter", Value.Int.of(3))));
            int written = 0;
            while (commands.submit(nothing)) {
                written++;
            }
            assertTrue(written > 0 && written < 4096, written + " records fit");
            long deadline = System.nanoTime() + 60_000_000_000L;
            long after = before;
            while (after == before && System.nanoTime() < deadline) {
                StructOpsOnKernelTest.run(List.of(traffic.toString(), "so_report", "65536"));
                after = ((Value.Int)
                                map.decodeValue(map.lookup(three).orElseThrow().get(0)))
                        .value()
                        .longValue();
            }
            assertEquals(before + 1000, after, "the program applied the command");
            assertTrue(commands.submit(nothing), "drained: room again");
        }
    }

    @Test
    void theApiReadsWritesAndFollowsTheSameMaps() throws Exception {
        MapInfo counters = MAPS.find("counters");
        try (KernelMap map = MAPS.open(counters.id())) {
            byte[] key = map.encodeKey(Value.Int.of(2));
            map.update(key, List.of(map.encodeValue(Value.Int.of(7))), KernelMap.Update.ANY);
            assertEquals(
                    new Value.Int(BigInteger.valueOf(7)),
                    map.decodeValue(map.lookup(key).orElseThrow().get(0)));
            assertEquals(4, map.entries().size(), "an array has every entry");
            assertThrows(KernelObjectException.class, () -> map.encodeValue(new Value.Text("not a number")));
        }
        try (KernelMap cpus = MAPS.open(MAPS.find("cpu_acks").id())) {
            List<byte[]> perCpu = cpus.lookup(new byte[4]).orElseThrow();
            assertEquals(
                    Integer.parseInt(Files.readString(Path.of("/sys/devices/system/cpu/possible"))
                                    .strip()
                                    .replaceAll(".*-", ""))
                            + 1,
                    perCpu.size(),
                    "one value per possible CPU");
        }
        MapInfo ring = MAPS.find("events");
        Btf btf = MAPS.objectBtf(ring.id()).orElseThrow();
        int event = btf.find("event", BtfKind.STRUCT).orElseThrow();
        List<Value> seen = new CopyOnWriteArrayList<>();
        try (RingBuffer buffer = MAPS.ringBuffer(ring.id())) {
            CompletableFuture<Void> three = new CompletableFuture<>();
            buffer.publisher()
                    .subscribe(subscriber(
                            record -> {
                                seen.add(BtfValues.decode(btf, event, record));
                                if (seen.size() >= 3) {
                                    three.complete(null);
                                }
                            },
                            three));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!three.isDone() && System.nanoTime() < deadline) {
                StructOpsOnKernelTest.run(List.of(traffic.toString(), "so_report", "65536"));
            }
            three.get(10, TimeUnit.SECONDS);
        }
        List<String> fields =
                new ArrayList<>(((Value.Struct) seen.get(0)).fields().keySet());
        assertEquals(List.of("acked_total", "acked", "local_port", "remote_port"), fields);
    }
}
