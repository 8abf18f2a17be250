package io.structops.shell.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.kernel.objects.BtfValues;
import io.structops.kernel.objects.KernelMap;
import io.structops.kernel.objects.KernelMaps;
import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.KernelPrograms;
import io.structops.kernel.objects.KernelStructOps;
import io.structops.kernel.objects.MapInfo;
import io.structops.kernel.objects.ProgramInfo;
import io.structops.kernel.objects.RingBuffer;
import io.structops.kernel.objects.StructOpsMap;
import io.structops.kernel.objects.StructOpsValue;
import io.structops.kernel.objects.Value;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code maps}, {@code map dump|update|delete} and {@code stats}: an object's maps and programs from user space, with
 * bpftool's verbs. Keys and values are typed through the map's BTF, as bpftool's {@code formatted} output is.
 */
@Component(
        service = MapCommands.class,
        property = {
            "osgi.command.scope=structops",
            "osgi.command.function=maps",
            "osgi.command.function=map",
            "osgi.command.function=stats",
            "osgi.command.function=events"
        })
public class MapCommands {

    @Reference
    private KernelMaps maps;

    @Reference
    private KernelStructOps structOps;

    @Reference
    private KernelPrograms programs;

    /** {@code maps}' result. */
    record MapList(List<Listed> maps) {}

    /** A map as {@code maps} lists it; key and value types are null when the map has no BTF for them. */
    record Listed(
            int id,
            String name,
            String kind,
            String keyType,
            String valueType,
            int keySize,
            int valueSize,
            int maxEntries) {}

    /** {@code map dump}'s result. */
    record MapDump(int id, String name, String kind, List<DumpedEntry> entries) {}

    /** One entry, as bpftool's {@code formatted} shows it. */
    sealed interface DumpedEntry {
        Value key();
    }

    record Entry(Value key, Value value) implements DumpedEntry {}

    /** A per-CPU map's entry: one value per possible CPU. */
    record PerCpuEntry(Value key, List<CpuValue> values) implements DumpedEntry {}

    record CpuValue(int cpu, Value value) {}

    /** {@code stats}' result. */
    record Stats(int id, String name, String type, long seconds, List<ProgramStats> programs) {}

    record ProgramStats(String member, int id, String name, long runs, long runTimeNs) {}

    @Descriptor("list maps: every map in the kernel, or those of the object a struct_ops map came from (the maps"
            + " sharing its BTF)")
    public String maps(
            @Descriptor("print JSON instead of a table")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json,
            @Descriptor("a struct_ops map or any map, by name or id; all maps when left out")
                    @Parameter(names = "--of", absentValue = "")
                    String of)
            throws Exception {
        List<MapInfo> all = StructOpsCommands.kernel(maps::list);
        List<MapInfo> shown = all;
        if (!of.isEmpty()) {
            MapInfo target = StructOpsCommands.kernel(() -> maps.find(of));
            Set<Integer> used = usedBy(target);
            shown = all.stream()
                    .filter(m -> m.id() == target.id()
                            || used.contains(m.id())
                            || target.btfId() != 0 && m.btfId() == target.btfId())
                    .toList();
        }
        List<Listed> listed = new ArrayList<>();
        for (MapInfo m : shown) {
            listed.add(listed(m));
        }
        MapList result = new MapList(listed);
        return json ? Json.write(result.maps()) : TextFormat.maps(result);
    }

    /** The maps a struct_ops map's programs use: its object's maps, BTF-typed or not (a ring buffer has none). */
    private Set<Integer> usedBy(MapInfo target) throws CommandFailure {
        Set<Integer> used = new HashSet<>();
        if (!target.kind().equals("struct_ops")) {
            return used;
        }
        StructOpsValue v =
                StructOpsCommands.kernel(() -> structOps.value(structOps.find(Integer.toString(target.id()))));
        v.programs().values().forEach(p -> used.addAll(p.mapIds()));
        return used;
    }

    private Listed listed(MapInfo m) {
        Optional<String> key = Optional.empty();
        Optional<String> value = Optional.empty();
        if (m.btfId() != 0) {
            try (KernelMap open = maps.open(m.id())) {
                key = open.keyType();
                value = open.valueType();
            } catch (KernelObjectException e) {
                // Gone meanwhile: listed without its types.
            }
        }
        return new Listed(
                m.id(),
                m.name(),
                m.kind(),
                key.orElse(null),
                value.orElse(null),
                m.keySize(),
                m.valueSize(),
                m.maxEntries());
    }

    @Descriptor("a map's entries (dump), or change one (update KEY VALUE, delete KEY); keys and values as JSON"
            + " for structs and arrays, numbers or enumerator names for scalars, strings for char arrays")
    public String map(
            @Descriptor("print JSON instead of a table")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json,
            @Descriptor("for update: any (create or replace, the default), noexist (create only), exist (replace"
                            + " only)")
                    @Parameter(names = "--flag", absentValue = "any")
                    String flag,
            @Descriptor("dump, update or delete") String verb,
            @Descriptor("map name or id") String nameOrId,
            @Descriptor("the key (update, delete) and the value (update)") String... args)
            throws Exception {
        MapInfo info = StructOpsCommands.kernel(() -> maps.find(nameOrId));
        try (KernelMap map = StructOpsCommands.kernel(() -> maps.open(info.id()))) {
            return switch (verb) {
                case "dump" -> {
                    expectArgs(verb, args, 0);
                    MapDump dump = dump(map);
                    yield json ? Json.write(dump.entries()) : TextFormat.mapDump(dump);
                }
                case "update" -> {
                    expectArgs(verb, args, 2);
                    Value k = Values.parse(args[0]);
                    Value v = Values.parse(args[1]);
                    byte[] key = StructOpsCommands.kernel(() -> map.encodeKey(k));
                    byte[] value = StructOpsCommands.kernel(() -> map.encodeValue(v));
                    KernelMap.Update how = update(flag);
                    StructOpsCommands.kernel(() -> {
                        map.update(key, List.of(value), how);
                        return null;
                    });
                    yield "updated " + args[0] + " in " + info.name() + "\n";
                }
                case "delete" -> {
                    expectArgs(verb, args, 1);
                    Value k = Values.parse(args[0]);
                    byte[] key = StructOpsCommands.kernel(() -> map.encodeKey(k));
                    if (!StructOpsCommands.kernel(() -> map.delete(key))) {
                        throw new CommandFailure(info.name() + ": no entry " + args[0], null);
                    }
                    yield "deleted " + args[0] + " from " + info.name() + "\n";
                }
                default -> throw new CommandFailure("map " + verb + ": not a verb (dump, update, delete)", null);
            };
        }
    }

    private static void expectArgs(String verb, String[] args, int n) throws CommandFailure {
        if (args.length != n) {
            throw new CommandFailure(
                    "map " + verb + " takes "
                            + switch (verb) {
                                case "update" -> "KEY VALUE";
                                case "delete" -> "KEY";
                                default -> "no more than the map";
                            }
                            + " after the map",
                    null);
        }
    }

    private static KernelMap.Update update(String flag) throws CommandFailure {
        return switch (flag) {
            case "any" -> KernelMap.Update.ANY;
            case "noexist" -> KernelMap.Update.NOEXIST;
            case "exist" -> KernelMap.Update.EXIST;
            default -> throw new CommandFailure("--flag " + flag + ": any, noexist or exist", null);
        };
    }

    private static MapDump dump(KernelMap map) throws CommandFailure {
        List<DumpedEntry> entries = new ArrayList<>();
        for (KernelMap.Entry e : StructOpsCommands.kernel(map::entries)) {
            Value key = map.decodeKey(e.key());
            if (!map.info().perCpu()) {
                entries.add(new Entry(key, map.decodeValue(e.values().get(0))));
                continue;
            }
            List<CpuValue> values = new ArrayList<>();
            for (int cpu = 0; cpu < e.values().size(); cpu++) {
                values.add(new CpuValue(cpu, map.decodeValue(e.values().get(cpu))));
            }
            entries.add(new PerCpuEntry(key, values));
        }
        return new MapDump(map.info().id(), map.info().name(), map.info().kind(), entries);
    }

    @Descriptor("how often each program of a struct_ops map ran, and for how long, over a window (the kernel's run"
            + " statistics are on only during it)")
    public String stats(
            @Descriptor("print JSON instead of a table")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json,
            @Descriptor("the window, in seconds") @Parameter(names = "--for", absentValue = "1") long seconds,
            @Descriptor("struct_ops map name or id") String nameOrId)
            throws Exception {
        if (seconds < 0 || seconds > 3600) {
            throw new CommandFailure("--for " + seconds + ": between 0 and 3600 seconds", null);
        }
        StructOpsMap m = StructOpsCommands.kernel(() -> structOps.find(nameOrId));
        StructOpsValue before = StructOpsCommands.kernel(() -> structOps.value(m));
        try (AutoCloseable on = StructOpsCommands.kernel(programs::enableStats)) {
            Thread.sleep(seconds * 1000);
            List<ProgramStats> out = new ArrayList<>();
            for (var e : before.programs().entrySet()) {
                ProgramInfo was = e.getValue();
                Optional<ProgramInfo> now = StructOpsCommands.kernel(() -> programs.program(was.id()));
                long runs = now.map(p -> p.runCount() - was.runCount()).orElse(0L);
                long time = now.map(p -> p.runTimeNs() - was.runTimeNs()).orElse(0L);
                out.add(new ProgramStats(e.getKey(), was.id(), was.name(), runs, time));
            }
            Stats stats = new Stats(m.id(), m.name(), m.struct(), seconds, out);
            return json ? Json.write(stats) : TextFormat.stats(stats);
        }
    }

    @Descriptor("follow a ring buffer: one line (or JSON object) per record as programs submit them, until --count"
            + " records or Ctrl-C")
    public String events(
            @Descriptor("print one JSON object per line")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json,
            @Descriptor("type the records as this struct of the object that made the ring buffer; raw bytes when"
                            + " left out")
                    @Parameter(names = "--type", absentValue = "")
                    String type,
            @Descriptor("stop after this many records; 0 follows until interrupted")
                    @Parameter(names = "--count", absentValue = "0")
                    long count,
            @Descriptor("stop after this many seconds; 0 waits as long as it takes")
                    @Parameter(names = "--for", absentValue = "0")
                    long seconds,
            @Descriptor("ring buffer name or id") String nameOrId)
            throws Exception {
        MapInfo info = StructOpsCommands.kernel(() -> maps.find(nameOrId));
        Function<byte[], Value> typed = recordType(info, type);
        long deadline = seconds == 0 ? Long.MAX_VALUE : System.nanoTime() + seconds * 1_000_000_000L;
        long[] seen = {0};
        PrintStream out = System.out;
        try (RingBuffer ring = StructOpsCommands.kernel(() -> maps.ringBuffer(info.id()))) {
            long nextCheck = System.nanoTime();
            while ((count == 0 || seen[0] < count)
                    && System.nanoTime() < deadline
                    && !Thread.currentThread().isInterrupted()) {
                int n = StructOpsCommands.kernel(() -> ring.poll(Duration.ofMillis(200), record -> {
                    if (count == 0 || seen[0] < count) {
                        Value v = typed.apply(record);
                        out.println(json ? Json.line(v) : Values.text(v));
                        out.flush();
                        seen[0]++;
                    }
                }));
                if (n == 0 && System.nanoTime() - nextCheck > 0) {
                    nextCheck = System.nanoTime() + 1_000_000_000L;
                    if (!StructOpsCommands.kernel(ring::hasProducers)) {
                        throw new CommandFailure(
                                info.name() + ": no program uses the ring buffer any more (its"
                                        + " object was unloaded); " + seen[0] + " records",
                                null);
                    }
                }
            }
        }
        return "";
    }

    /** How records are typed: by the named struct of the object's BTF, or as raw bytes. */
    private Function<byte[], Value> recordType(MapInfo info, String type) throws CommandFailure {
        if (!info.kind().equals("ringbuf")) {
            throw new CommandFailure("map " + info.name() + " is a " + info.kind() + ", not a ring buffer", null);
        }
        if (type.isEmpty()) {
            return Value.Raw::new;
        }
        Btf btf = StructOpsCommands.kernel(() -> maps.objectBtf(info.id()))
                .orElseThrow(() -> new CommandFailure(
                        "ring buffer " + info.name() + ": no BTF of the object that made it (no program uses it)",
                        null));
        String name = type.startsWith("struct ") ? type.substring("struct ".length()) : type;
        OptionalInt id = btf.find(name, BtfKind.STRUCT);
        if (id.isEmpty()) {
            throw new CommandFailure("ring buffer " + info.name() + ": the object has no struct " + name, null);
        }
        return record -> BtfValues.decode(btf, id.getAsInt(), record);
    }
}
