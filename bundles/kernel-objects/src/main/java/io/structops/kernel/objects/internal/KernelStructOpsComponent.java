package io.structops.kernel.objects.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfReader;
import io.structops.btf.BtfType;
import io.structops.kernel.btf.KernelBtf;
import io.structops.kernel.objects.BtfValues;
import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.KernelPrograms;
import io.structops.kernel.objects.KernelStructOps;
import io.structops.kernel.objects.MapInfo;
import io.structops.kernel.objects.ProgramInfo;
import io.structops.kernel.objects.StructOpsMap;
import io.structops.kernel.objects.StructOpsValue;
import io.structops.kernel.objects.Value;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfConstants;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@link KernelStructOps} through bpf(2) and the kernel's BTF. A struct_ops map's value is the kernel's
 * {@code bpf_struct_ops_<struct>} wrapper: {@code common} (with its {@code state}) then {@code data}, the struct
 * itself, whose function pointers hold program ids once attached.
 */
@Component(service = KernelStructOps.class)
public class KernelStructOpsComponent implements KernelStructOps {
    static final String WRAPPER_PREFIX = "bpf_struct_ops_";
    /** {@code enum bpf_struct_ops_state}. */
    static final String[] STATES = {"init", "inuse", "tobefree", "ready"};

    private static final byte[] KEY0 = new byte[4];
    private static final int BPF_F_MMAPABLE = 1 << 10;

    private final Bpf bpf;
    private final BtfReader btfReader;
    private final KernelBtf kernel;
    private final KernelPrograms programs;

    @Activate
    public KernelStructOpsComponent(
            @Reference Bpf bpf,
            @Reference BtfReader btfReader,
            @Reference KernelBtf kernel,
            @Reference KernelPrograms programs) {
        this.bpf = bpf;
        this.btfReader = btfReader;
        this.kernel = kernel;
        this.programs = programs;
    }

    @Override
    public List<StructOpsMap> list() throws KernelObjectException {
        try {
            Map<Integer, Integer> links = structOpsLinks();
            Map<Integer, Optional<Btf>> kernelBtfs = new HashMap<>();
            List<StructOpsMap> result = new ArrayList<>();
            for (Bpf.MapInfo info : maps()) {
                if (info.type() != BpfConstants.MAP_TYPE_STRUCT_OPS) {
                    continue;
                }
                Optional<Btf> btf = kernelBtfs.computeIfAbsent(info.btfVmlinuxId(), this::kernelBtf);
                String wrapper = btf.isPresent()
                                && info.btfVmlinuxValueTypeId() < btf.get().typeCount()
                        ? btf.get().name(info.btfVmlinuxValueTypeId())
                        : "";
                String struct = wrapper.startsWith(WRAPPER_PREFIX)
                        ? wrapper.substring(WRAPPER_PREFIX.length())
                        : "(module type " + info.btfVmlinuxValueTypeId() + ")";
                result.add(new StructOpsMap(
                        KernelMapsComponent.info(info),
                        struct,
                        info.btfVmlinuxId(),
                        info.btfVmlinuxValueTypeId(),
                        links.getOrDefault(info.id(), 0)));
            }
            return result;
        } catch (BpfException e) {
            throw new KernelObjectException("listing the kernel's struct_ops maps: " + e.getMessage(), e);
        }
    }

    /** Every map's info: descriptors held only while each is read. */
    private List<Bpf.MapInfo> maps() throws BpfException {
        List<Bpf.MapInfo> all = new ArrayList<>();
        for (int id : bpf.ids(Bpf.ObjectType.MAP)) {
            Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.MAP, id);
            if (fd.isPresent()) {
                try (BpfFd m = fd.get()) {
                    all.add(bpf.mapInfo(m));
                }
            }
        }
        return all;
    }

    /** Struct_ops map id to the id of the link attaching it. */
    private Map<Integer, Integer> structOpsLinks() throws BpfException {
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
        return links;
    }

    /** The kernel BTF (vmlinux or a module's) of BTF object {@code btfObjectId}, by its name. */
    private Optional<Btf> kernelBtf(int btfObjectId) {
        try {
            Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.BTF, btfObjectId);
            if (fd.isEmpty()) {
                return Optional.empty();
            }
            try (BpfFd b = fd.get()) {
                return kernel.btf(bpf.btfInfo(b).name());
            }
        } catch (BpfException | BtfException e) {
            return Optional.empty();
        }
    }

    @Override
    public StructOpsMap find(String nameOrId) throws KernelObjectException {
        return MapNames.one(list(), nameOrId, StructOpsMap::name, StructOpsMap::id, "struct_ops map");
    }

    @Override
    public StructOpsValue value(StructOpsMap m) throws KernelObjectException {
        byte[] value = lookup(m);
        Btf btf = kernelBtf(m.btfObjectId())
                .orElseThrow(() -> new KernelObjectException(
                        "struct_ops map " + m.name() + ": the BTF of its type is not available", null));
        String state = "";
        Map<String, ProgramInfo> progs = new LinkedHashMap<>();
        Map<String, Value> members = new LinkedHashMap<>();
        try {
            for (BtfType.Member w : btf.members(m.valueTypeId())) {
                if (w.name().equals("common")) {
                    state = state(btf, w, value);
                } else if (w.name().equals("data")) {
                    data(btf, w, value, progs, members);
                }
            }
        } catch (BtfException e) {
            throw new KernelObjectException("struct_ops map " + m.name() + ": BTF: " + e.getMessage(), e);
        }
        return new StructOpsValue(m, state, progs, members);
    }

    private byte[] lookup(StructOpsMap m) throws KernelObjectException {
        try (BpfFd map = bpf.fdById(Bpf.ObjectType.MAP, m.id())
                .orElseThrow(() -> new KernelObjectException("struct_ops map " + m.id() + " went away", null))) {
            return bpf.mapLookup(map, KEY0, m.map().valueSize())
                    .orElseThrow(() -> new KernelObjectException("struct_ops map " + m.name() + " has no value", null));
        } catch (BpfException e) {
            throw new KernelObjectException("struct_ops map " + m.name() + ": lookup: " + e.getMessage(), e);
        }
    }

    private static String state(Btf btf, BtfType.Member common, byte[] value) {
        for (BtfType.Member c : btf.members(common.type())) {
            if (c.name().equals("state")) {
                int state = ByteBuffer.wrap(value)
                        .order(ByteOrder.nativeOrder())
                        .getInt((int) (common.byteOffset() + c.byteOffset()));
                return state >= 0 && state < STATES.length ? STATES[state] : "state " + state;
            }
        }
        return "";
    }

    /** The struct's members: function pointers to their programs, other members that are set, typed. */
    private void data(
            Btf btf, BtfType.Member data, byte[] value, Map<String, ProgramInfo> progs, Map<String, Value> members)
            throws BtfException, KernelObjectException {
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        for (BtfType.Member d : btf.members(data.type())) {
            int off = (int) (data.byteOffset() + d.byteOffset());
            if (d.name().isEmpty() || d.isBitfield()) {
                continue;
            }
            if (btf.isFunctionPointer(d.type())) {
                long progId = b.getLong(off);
                if (progId != 0) {
                    progs.put(
                            d.name(),
                            programs.program((int) progId)
                                    .orElse(new ProgramInfo((int) progId, "?", "", 0, 0, List.of())));
                }
                continue;
            }
            int size = (int) btf.size(d.type());
            if (btf.kind(btf.resolve(d.type())) == BtfKind.PTR || BtfValues.isZero(value, off, size)) {
                continue;
            }
            members.put(d.name(), BtfValues.decode(btf, d.type(), value, off, size));
        }
    }

    @Override
    public Map<String, Map<String, Value>> globals(MapInfo target) throws KernelObjectException {
        try {
            List<Bpf.MapInfo> all = maps();
            List<Bpf.MapInfo> globals = target.type() == BpfConstants.MAP_TYPE_STRUCT_OPS
                    ? all.stream()
                            .filter(m -> m.btfId() == target.btfId() && m.btfId() != 0 && isGlobalData(m))
                            .toList()
                    : all.stream().filter(m -> m.id() == target.id()).toList();
            Map<String, Map<String, Value>> result = new LinkedHashMap<>();
            for (Bpf.MapInfo m : globals) {
                if (!isGlobalData(m)) {
                    throw new KernelObjectException(
                            "map " + m.name() + " is not global data (an array of one value" + " typed by a DATASEC)",
                            null);
                }
                Btf btf = BtfObjects.read(bpf, btfReader, m.btfId())
                        .orElseThrow(
                                () -> new KernelObjectException("the BTF of map " + m.name() + " went away", null));
                if (btf.type(m.btfValueTypeId()) instanceof BtfType.Datasec d) {
                    result.put(d.name() + " (" + m.name() + ")", variables(btf, d, read(m)));
                }
            }
            return result;
        } catch (BpfException e) {
            throw new KernelObjectException("map " + target.name() + ": globals: " + e.getMessage(), e);
        }
    }

    private static Map<String, Value> variables(Btf btf, BtfType.Datasec d, byte[] value) {
        Map<String, Value> vars = new LinkedHashMap<>();
        for (BtfType.VarInfo v : d.vars()) {
            BtfType var = btf.type(v.type());
            int type = var instanceof BtfType.Var vv ? vv.type() : v.type();
            vars.put(var.name(), BtfValues.decode(btf, type, value, (int) v.offset(), (int) v.size()));
        }
        return vars;
    }

    /**
     * A global data map's one value: through a read-only shared mapping when the map is mmapable (the very memory
     * programs read and write), else by lookup.
     */
    private byte[] read(Bpf.MapInfo m) throws BpfException, KernelObjectException {
        try (BpfFd fd = bpf.fdById(Bpf.ObjectType.MAP, m.id())
                .orElseThrow(() -> new KernelObjectException("map " + m.name() + " went away", null))) {
            if ((m.mapFlags() & BPF_F_MMAPABLE) != 0) {
                try (Arena arena = Arena.ofConfined()) {
                    return bpf.mapMmapReadOnly(fd, m.valueSize(), arena).toArray(ValueLayout.JAVA_BYTE);
                } catch (IOException refused) {
                    // A kernel that refuses the mapping still answers a lookup, below.
                }
            }
            return bpf.mapLookup(fd, KEY0, m.valueSize()).orElse(new byte[m.valueSize()]);
        }
    }

    private static boolean isGlobalData(Bpf.MapInfo m) {
        return m.type() == BpfConstants.MAP_TYPE_ARRAY
                && m.maxEntries() == 1
                && m.keySize() == 4
                && m.btfValueTypeId() != 0;
    }

    @Override
    public String detach(StructOpsMap m) throws KernelObjectException {
        try {
            if (m.linkId() != 0) {
                try (BpfFd link = bpf.fdById(Bpf.ObjectType.LINK, m.linkId())
                        .orElseThrow(() -> new KernelObjectException("the link of " + m.name() + " went away", null))) {
                    bpf.linkDetach(link);
                }
                return "detached " + m.struct() + " " + m.name() + " (map id " + m.id() + ", link id " + m.linkId()
                        + "); remove its pin file to free it";
            }
            try (BpfFd map = bpf.fdById(Bpf.ObjectType.MAP, m.id())
                    .orElseThrow(() -> new KernelObjectException("struct_ops map " + m.id() + " went away", null))) {
                bpf.mapDelete(map, KEY0);
            }
            return "unregistered " + m.struct() + " " + m.name() + " (map id " + m.id() + ")";
        } catch (BpfException e) {
            throw new KernelObjectException("struct_ops map " + m.name() + ": detach: " + e.getMessage(), e);
        }
    }
}
