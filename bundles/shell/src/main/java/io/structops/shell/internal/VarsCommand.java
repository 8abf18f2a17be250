package io.structops.shell.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfReader;
import io.structops.btf.BtfType;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfConstants;
import io.structops.syscall.BpfFd;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code vars NAME|ID}: the running values of an object's global variables, read from the kernel's global data maps
 * and named through the BTF the kernel holds for them. NAME|ID is a struct_ops map (all the globals of the object
 * it came from) or one global data map.
 */
@Component(service = VarsCommand.class, property = {
        "osgi.command.scope=structops",
        "osgi.command.function=vars"
})
public class VarsCommand {

    @Reference
    private Bpf bpf;
    @Reference
    private BtfReader btfReader;

    record GlobalMap(Bpf.MapInfo info) {
    }

    @Descriptor("show the running values of an object's global variables (.data, .rodata, .bss)")
    public String vars(
            @Descriptor("print JSON instead of a table")
            @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("struct_ops map or global data map, by name or id") String nameOrId) throws Exception {
        List<Bpf.MapInfo> all = new ArrayList<>();
        for (int id : bpf.ids(Bpf.ObjectType.MAP)) {
            Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.MAP, id);
            if (fd.isPresent()) {
                try (BpfFd m = fd.get()) {
                    all.add(bpf.mapInfo(m));
                }
            }
        }
        List<Bpf.MapInfo> named = all.stream()
                .filter(m -> KernelNames.matches(m.name(), m.id(), nameOrId)).toList();
        if (named.isEmpty()) {
            throw new CommandFailure("no map named or numbered '" + nameOrId + "' in the kernel", null);
        }
        if (named.size() > 1) {
            throw new CommandFailure(named.size() + " maps are named '" + nameOrId + "'; give an id", null);
        }
        Bpf.MapInfo target = named.get(0);
        List<Bpf.MapInfo> globals = target.type() == BpfConstants.MAP_TYPE_STRUCT_OPS
                ? all.stream().filter(m -> m.btfId() == target.btfId() && m.btfId() != 0 && isGlobalData(m)).toList()
                : List.of(target);
        Map<String, Object> result = new LinkedHashMap<>();
        Btf btf = null;
        for (Bpf.MapInfo m : globals) {
            if (!isGlobalData(m)) {
                throw new CommandFailure("map " + m.name() + " is not global data (an array of one value typed by a "
                        + "DATASEC)", null);
            }
            if (btf == null) {
                try (BpfFd b = bpf.fdById(Bpf.ObjectType.BTF, m.btfId()).orElseThrow(
                        () -> new CommandFailure("the BTF of map " + m.name() + " went away", null))) {
                    btf = btfReader.read("BTF id " + m.btfId(), MemorySegment.ofArray(bpf.btfData(b)));
                }
            }
            byte[] value;
            try (BpfFd fd = bpf.fdById(Bpf.ObjectType.MAP, m.id()).orElseThrow()) {
                value = read(fd, m);
            }
            if (!(btf.type(m.btfValueTypeId()) instanceof BtfType.Datasec d)) {
                continue;
            }
            Map<String, Object> vars = new LinkedHashMap<>();
            for (BtfType.VarInfo v : d.vars()) {
                BtfType var = btf.type(v.type());
                int type = var instanceof BtfType.Var vv ? vv.type() : v.type();
                vars.put(var.name(), StructOpsTypes.value(btf, type, value, (int) v.offset(), (int) v.size(),
                        ByteOrder.nativeOrder()));
            }
            result.put(d.name() + " (" + m.name() + ")", vars);
        }
        if (json) {
            return Json.write(result);
        }
        Table t = new Table("SECTION", "VARIABLE", "VALUE");
        result.forEach((section, vars) -> ((Map<?, ?>) vars).forEach((k, v) -> t.row(section, k, v)));
        StringBuilder sb = new StringBuilder();
        if (t.isEmpty()) {
            sb.append("no global variables\n");
        } else {
            t.appendTo(sb, "");
        }
        return sb.toString();
    }

    /**
     * The map's one value: through a read-only shared mapping when the map is mmapable (the very memory programs
     * read and write), else by lookup.
     */
    private byte[] read(BpfFd fd, Bpf.MapInfo m) throws Exception {
        if ((m.mapFlags() & BPF_F_MMAPABLE) != 0) {
            try (Arena arena = Arena.ofConfined()) {
                return bpf.mapMmapReadOnly(fd, m.valueSize(), arena).toArray(ValueLayout.JAVA_BYTE);
            } catch (IOException refused) {
                // A kernel that refuses the mapping still answers a lookup, below.
            }
        }
        return bpf.mapLookup(fd, new byte[4], m.valueSize()).orElse(new byte[m.valueSize()]);
    }

    private static final int BPF_F_MMAPABLE = 1 << 10;

    private static boolean isGlobalData(Bpf.MapInfo m) {
        return m.type() == BpfConstants.MAP_TYPE_ARRAY && m.maxEntries() == 1 && m.keySize() == 4
                && m.btfValueTypeId() != 0;
    }
}
