package io.structops.syscall.internal;

import static io.structops.syscall.internal.Layout.*;

import io.structops.syscall.Bpf;
import io.structops.syscall.BpfCommand;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import io.structops.syscall.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.osgi.service.component.annotations.Component;

/** bpf(2) through FFM. Stateless: every call allocates its attr in a confined arena closed when it returns. */
@Component(service = Bpf.class)
public class BpfSyscalls implements Bpf {
    /** Verifier log sizes tried in turn when a load fails: enough for most, then the kernel's maximum. */
    static final int[] LOG_SIZES = {1 << 20, (1 << 30) - 1};

    static final int EAGAIN_RETRIES = 5;

    private static long call(BpfCommand cmd, Attr attr, String context) throws BpfException {
        Syscall.Result r = Syscall.bpf(cmd.number(), attr.seg);
        if (r.failed()) {
            throw new BpfException(cmd, r.errno(), context, null);
        }
        return r.value();
    }

    private static BpfFd fd(long value, String description) {
        return new OwnedFd((int) value, description);
    }

    @Override
    public BpfFd btfLoad(byte[] btf, String description) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            Attr a = new Attr(arena, BTF_LOAD_SIZE).ptr(BL_BTF, btf).u32(BL_BTF_SIZE, btf.length);
            Syscall.Result r = Syscall.bpf(BpfCommand.BTF_LOAD.number(), a.seg);
            if (!r.failed()) {
                return fd(r.value(), "BTF of " + description);
            }
            // Again with a log, so the error says which type the kernel objected to.
            MemorySegment log = arena.allocate(LOG_SIZES[0]);
            a.ptr(BL_LOG_BUF, log).u32(BL_LOG_SIZE, (int) log.byteSize()).u32(BL_LOG_LEVEL, 1);
            Syscall.Result again = Syscall.bpf(BpfCommand.BTF_LOAD.number(), a.seg);
            if (!again.failed()) {
                return fd(again.value(), "BTF of " + description);
            }
            throw new BpfException(BpfCommand.BTF_LOAD, again.errno(), description, cString(log));
        }
    }

    @Override
    public BpfFd mapCreate(MapCreate s) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            Attr a = new Attr(arena, MAP_CREATE_SIZE)
                    .u32(MC_MAP_TYPE, s.mapType())
                    .u32(MC_KEY_SIZE, s.keySize())
                    .u32(MC_VALUE_SIZE, s.valueSize())
                    .u32(MC_MAX_ENTRIES, s.maxEntries())
                    .u32(MC_MAP_FLAGS, s.mapFlags())
                    .u32(MC_INNER_MAP_FD, s.innerMapFd())
                    .u32(MC_NUMA_NODE, s.numaNode())
                    .name(MC_MAP_NAME, s.name())
                    .u32(MC_BTF_FD, s.btfFd())
                    .u32(MC_BTF_KEY_TYPE_ID, s.btfKeyTypeId())
                    .u32(MC_BTF_VALUE_TYPE_ID, s.btfValueTypeId())
                    .u32(MC_BTF_VMLINUX_VALUE_TYPE_ID, s.btfVmlinuxValueTypeId())
                    .u64(MC_MAP_EXTRA, s.mapExtra())
                    .u32(MC_VALUE_TYPE_BTF_OBJ_FD, s.valueTypeBtfObjFd());
            return fd(call(BpfCommand.MAP_CREATE, a, "map " + s.name()), "map " + s.name());
        }
    }

    private static Attr elem(Arena arena, BpfFd map, byte[] key) {
        return new Attr(arena, ELEM_SIZE).u32(EL_MAP_FD, map.value()).ptr(EL_KEY, key);
    }

    @Override
    public void mapUpdate(BpfFd map, byte[] key, byte[] value, long flags) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            call(
                    BpfCommand.MAP_UPDATE_ELEM,
                    elem(arena, map, key).ptr(EL_VALUE, value).u64(EL_FLAGS, flags),
                    map.description());
        }
    }

    @Override
    public MemorySegment mapMmapReadOnly(BpfFd map, long size, Arena arena) throws IOException {
        MemorySegment[] out = new MemorySegment[1];
        Syscall.Result r = Syscall.mmapReadOnly(map.value(), size, arena, out);
        if (r.failed()) {
            throw new IOException("mmap of " + map.description() + ": " + Errno.name(r.errno()) + " ("
                    + Errno.describe(r.errno()) + ")");
        }
        return out[0];
    }

    @Override
    public Optional<byte[]> mapLookup(BpfFd map, byte[] key, int valueSize) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(Math.max(valueSize, 1), 8);
            Attr a = elem(arena, map, key).ptr(EL_VALUE, value);
            Syscall.Result r = Syscall.bpf(BpfCommand.MAP_LOOKUP_ELEM.number(), a.seg);
            if (r.failed()) {
                if (r.errno() == Errno.ENOENT) {
                    return Optional.empty();
                }
                throw new BpfException(BpfCommand.MAP_LOOKUP_ELEM, r.errno(), map.description(), null);
            }
            return Optional.of(value.asSlice(0, valueSize).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Override
    public void mapDelete(BpfFd map, byte[] key) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            call(BpfCommand.MAP_DELETE_ELEM, elem(arena, map, key), map.description());
        }
    }

    @Override
    public MemorySegment mapMmap(BpfFd map, long offset, long size, boolean writable, Arena arena) throws IOException {
        MemorySegment[] out = new MemorySegment[1];
        Syscall.Result r = Syscall.mmap(map.value(), offset, size, writable, arena, out);
        if (r.failed()) {
            throw new IOException("mmap of " + map.description() + ": " + Errno.name(r.errno()) + " ("
                    + Errno.describe(r.errno()) + ")");
        }
        return out[0];
    }

    @Override
    public MemorySegment mapMmapArena(BpfFd map, long address, long size, Arena arena) throws IOException {
        MemorySegment[] out = new MemorySegment[1];
        Syscall.Result r = Syscall.mmap(map.value(), address, 0, size, true, arena, out);
        if (r.failed()) {
            throw new IOException(
                    "mmap of " + map.description() + (address != 0 ? " at 0x" + Long.toHexString(address) : "") + ": "
                            + Errno.name(r.errno()) + " (" + Errno.describe(r.errno()) + ")");
        }
        return out[0];
    }

    @Override
    public boolean mapPoll(BpfFd map, int timeoutMillis) throws IOException {
        Syscall.Result r = Syscall.pollIn(map.value(), timeoutMillis);
        if (r.failed() && r.errno() != Errno.EINTR) {
            throw new IOException("poll of " + map.description() + ": " + Errno.name(r.errno()) + " ("
                    + Errno.describe(r.errno()) + ")");
        }
        return r.value() > 0;
    }

    @Override
    public int pageSize() {
        return Syscall.pageSize();
    }

    @Override
    public Optional<byte[]> mapNextKey(BpfFd map, byte[] key, int keySize) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment next = arena.allocate(Math.max(keySize, 1), 8);
            Attr a = new Attr(arena, ELEM_SIZE).u32(EL_MAP_FD, map.value()).ptr(EL_VALUE, next);
            if (key != null) {
                a.ptr(EL_KEY, key);
            }
            Syscall.Result r = Syscall.bpf(BpfCommand.MAP_GET_NEXT_KEY.number(), a.seg);
            if (r.failed()) {
                if (r.errno() == Errno.ENOENT) {
                    return Optional.empty();
                }
                throw new BpfException(BpfCommand.MAP_GET_NEXT_KEY, r.errno(), map.description(), null);
            }
            return Optional.of(next.asSlice(0, keySize).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Override
    public Batch mapLookupBatch(BpfFd map, byte[] position, int positionSize, int keySize, int valueSize, int count)
            throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(Math.max(positionSize, 1), 8);
            MemorySegment keys = arena.allocate((long) Math.max(keySize, 1) * count, 8);
            MemorySegment values = arena.allocate((long) Math.max(valueSize, 1) * count, 8);
            Attr a = new Attr(arena, BATCH_SIZE)
                    .ptr(BA_OUT_BATCH, out)
                    .ptr(BA_KEYS, keys)
                    .ptr(BA_VALUES, values)
                    .u32(BA_COUNT, count)
                    .u32(BA_MAP_FD, map.value());
            if (position != null) {
                a.ptr(BA_IN_BATCH, position);
            }
            Syscall.Result r = Syscall.bpf(BpfCommand.MAP_LOOKUP_BATCH.number(), a.seg);
            // ENOENT: the last entries were read (count says how many), or there were none.
            boolean done = r.failed() && r.errno() == Errno.ENOENT;
            if (r.failed() && !done) {
                throw new BpfException(BpfCommand.MAP_LOOKUP_BATCH, r.errno(), map.description(), null);
            }
            int read = a.getU32(BA_COUNT);
            List<byte[]> k = new ArrayList<>(read);
            List<byte[]> v = new ArrayList<>(read);
            for (int i = 0; i < read; i++) {
                k.add(keys.asSlice((long) i * keySize, keySize).toArray(ValueLayout.JAVA_BYTE));
                v.add(values.asSlice((long) i * valueSize, valueSize).toArray(ValueLayout.JAVA_BYTE));
            }
            return new Batch(k, v, out.asSlice(0, positionSize).toArray(ValueLayout.JAVA_BYTE), done);
        }
    }

    @Override
    public BpfFd enableStats() throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            Attr a = new Attr(arena, ENABLE_STATS_SIZE).u32(ES_TYPE, BPF_STATS_RUN_TIME);
            return fd(call(BpfCommand.ENABLE_STATS, a, "run-time statistics"), "run-time statistics");
        }
    }

    @Override
    public void mapFreeze(BpfFd map) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            call(BpfCommand.MAP_FREEZE, new Attr(arena, FD_ONLY_SIZE).u32(0, map.value()), map.description());
        }
    }

    @Override
    public BpfFd progLoad(ProgLoad s) throws BpfException {
        String what = "program " + s.name();
        try (Arena arena = Arena.ofConfined()) {
            Attr a = new Attr(arena, PROG_LOAD_SIZE)
                    .u32(PL_PROG_TYPE, s.progType())
                    .u32(PL_INSN_CNT, s.instructions().length / 8)
                    .ptr(PL_INSNS, s.instructions())
                    .cstring(PL_LICENSE, s.license())
                    .u32(PL_PROG_FLAGS, s.progFlags())
                    .name(PL_PROG_NAME, s.name())
                    .u32(PL_EXPECTED_ATTACH_TYPE, s.expectedAttachType())
                    .u32(PL_PROG_BTF_FD, s.btfFd())
                    .u32(PL_ATTACH_BTF_ID, s.attachBtfId())
                    .u32(PL_ATTACH_BTF_OBJ_FD, s.attachBtfObjFd());
            if (s.funcInfo() != null && s.funcInfo().length > 0) {
                a.u32(PL_FUNC_INFO_REC_SIZE, s.funcInfoRecSize())
                        .ptr(PL_FUNC_INFO, s.funcInfo())
                        .u32(PL_FUNC_INFO_CNT, s.funcInfo().length / s.funcInfoRecSize());
            }
            if (s.lineInfo() != null && s.lineInfo().length > 0) {
                a.u32(PL_LINE_INFO_REC_SIZE, s.lineInfoRecSize())
                        .ptr(PL_LINE_INFO, s.lineInfo())
                        .u32(PL_LINE_INFO_CNT, s.lineInfo().length / s.lineInfoRecSize());
            }
            if (s.fdArray() != null && s.fdArray().length > 0) {
                MemorySegment fds = arena.allocateFrom(ValueLayout.JAVA_INT, s.fdArray());
                a.ptr(PL_FD_ARRAY, fds);
            }
            Syscall.Result r = loadRetryingEagain(a);
            if (!r.failed()) {
                return fd(r.value(), what);
            }
            // The kernel said no: load again with a log so that the error carries the verifier's reasons.
            for (int i = 0; i < LOG_SIZES.length; i++) {
                MemorySegment log = arena.allocate(LOG_SIZES[i]);
                a.ptr(PL_LOG_BUF, log).u32(PL_LOG_SIZE, (int) log.byteSize()).u32(PL_LOG_LEVEL, i == 0 ? 1 : 2);
                Syscall.Result again = loadRetryingEagain(a);
                if (!again.failed()) {
                    return fd(again.value(), what);
                }
                if (again.errno() != Errno.ENOSPC || i == LOG_SIZES.length - 1) {
                    throw new BpfException(BpfCommand.PROG_LOAD, again.errno(), what, cString(log));
                }
            }
            throw new BpfException(BpfCommand.PROG_LOAD, r.errno(), what, null);
        }
    }

    private static Syscall.Result loadRetryingEagain(Attr a) {
        Syscall.Result r = Syscall.bpf(BpfCommand.PROG_LOAD.number(), a.seg);
        for (int i = 0; i < EAGAIN_RETRIES && r.failed() && r.errno() == Errno.EAGAIN; i++) {
            r = Syscall.bpf(BpfCommand.PROG_LOAD.number(), a.seg);
        }
        return r;
    }

    private static String cString(MemorySegment log) {
        long n = 0;
        long max = log.byteSize();
        while (n < max && log.get(ValueLayout.JAVA_BYTE, n) != 0) {
            n++;
        }
        return new String(log.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    @Override
    public BpfFd linkCreate(BpfFd progOrMap, int targetFd, int attachType, int flags) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            Attr a = new Attr(arena, LINK_CREATE_SIZE)
                    .u32(LC_PROG_FD, progOrMap.value())
                    .u32(LC_TARGET_FD, targetFd)
                    .u32(LC_ATTACH_TYPE, attachType)
                    .u32(LC_FLAGS, flags);
            return fd(call(BpfCommand.LINK_CREATE, a, progOrMap.description()), "link of " + progOrMap.description());
        }
    }

    @Override
    public void linkUpdate(BpfFd link, BpfFd newProgOrMap, int flags) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            call(
                    BpfCommand.LINK_UPDATE,
                    new Attr(arena, LINK_UPDATE_SIZE)
                            .u32(LU_LINK_FD, link.value())
                            .u32(LU_NEW_FD, newProgOrMap.value())
                            .u32(LU_FLAGS, flags),
                    link.description());
        }
    }

    @Override
    public void progBindMap(BpfFd program, BpfFd map) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            call(
                    BpfCommand.PROG_BIND_MAP,
                    new Attr(arena, PROG_BIND_MAP_SIZE)
                            .u32(PBM_PROG_FD, program.value())
                            .u32(PBM_MAP_FD, map.value())
                            .u32(PBM_FLAGS, 0),
                    program.description() + " and " + map.description());
        }
    }

    @Override
    public void linkDetach(BpfFd link) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            call(BpfCommand.LINK_DETACH, new Attr(arena, FD_ONLY_SIZE).u32(0, link.value()), link.description());
        }
    }

    @Override
    public void objPin(BpfFd fd, Path path) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            call(
                    BpfCommand.OBJ_PIN,
                    new Attr(arena, OBJ_SIZE)
                            .cstring(OBJ_PATHNAME, path.toString())
                            .u32(OBJ_BPF_FD, fd.value()),
                    fd.description() + " at " + path);
        }
    }

    @Override
    public BpfFd objGet(Path path) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            return fd(
                    call(
                            BpfCommand.OBJ_GET,
                            new Attr(arena, OBJ_SIZE).cstring(OBJ_PATHNAME, path.toString()),
                            path.toString()),
                    "pinned " + path);
        }
    }

    private static BpfCommand nextIdCommand(ObjectType type) {
        return switch (type) {
            case PROG -> BpfCommand.PROG_GET_NEXT_ID;
            case MAP -> BpfCommand.MAP_GET_NEXT_ID;
            case BTF -> BpfCommand.BTF_GET_NEXT_ID;
            case LINK -> BpfCommand.LINK_GET_NEXT_ID;
        };
    }

    private static BpfCommand fdByIdCommand(ObjectType type) {
        return switch (type) {
            case PROG -> BpfCommand.PROG_GET_FD_BY_ID;
            case MAP -> BpfCommand.MAP_GET_FD_BY_ID;
            case BTF -> BpfCommand.BTF_GET_FD_BY_ID;
            case LINK -> BpfCommand.LINK_GET_FD_BY_ID;
        };
    }

    @Override
    public OptionalInt nextId(ObjectType type, int startId) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            Attr a = new Attr(arena, ID_SIZE).u32(ID_START_ID, startId);
            Syscall.Result r = Syscall.bpf(nextIdCommand(type).number(), a.seg);
            if (r.failed()) {
                if (r.errno() == Errno.ENOENT) {
                    return OptionalInt.empty();
                }
                throw new BpfException(nextIdCommand(type), r.errno(), "after id " + startId, null);
            }
            return OptionalInt.of(a.getU32(ID_NEXT_ID));
        }
    }

    @Override
    public Optional<BpfFd> fdById(ObjectType type, int id) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            Syscall.Result r =
                    Syscall.bpf(fdByIdCommand(type).number(), new Attr(arena, ID_SIZE).u32(ID_START_ID, id).seg);
            if (r.failed()) {
                if (r.errno() == Errno.ENOENT) {
                    return Optional.empty();
                }
                throw new BpfException(
                        fdByIdCommand(type), r.errno(), type.name().toLowerCase() + " id " + id, null);
            }
            return Optional.of(fd(r.value(), type.name().toLowerCase() + " id " + id));
        }
    }

    private static Attr info(Arena arena, BpfFd fd, int size) throws BpfException {
        Attr info = new Attr(arena, size);
        Attr a = new Attr(arena, INFO_SIZE)
                .u32(IN_BPF_FD, fd.value())
                .u32(IN_INFO_LEN, size)
                .ptr(IN_INFO, info.seg);
        call(BpfCommand.OBJ_GET_INFO_BY_FD, a, fd.description());
        return info;
    }

    @Override
    public MapInfo mapInfo(BpfFd map) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            Attr i = info(arena, map, MAP_INFO_SIZE);
            return new MapInfo(
                    i.getU32(MI_TYPE),
                    i.getU32(MI_ID),
                    i.getU32(MI_KEY_SIZE),
                    i.getU32(MI_VALUE_SIZE),
                    i.getU32(MI_MAX_ENTRIES),
                    i.getU32(MI_MAP_FLAGS),
                    i.getName(MI_NAME, 16),
                    i.getU32(MI_BTF_VMLINUX_VALUE_TYPE_ID),
                    i.getU32(MI_BTF_ID),
                    i.getU32(MI_BTF_VMLINUX_ID),
                    i.getU32(MI_BTF_VALUE_TYPE_ID),
                    i.getU32(MI_BTF_KEY_TYPE_ID));
        }
    }

    @Override
    public BtfInfo btfInfo(BpfFd btf) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(64);
            Attr info = new Attr(arena, BTF_INFO_SIZE).ptr(BI_NAME, name).u32(BI_NAME_LEN, (int) name.byteSize());
            Attr a = new Attr(arena, INFO_SIZE)
                    .u32(IN_BPF_FD, btf.value())
                    .u32(IN_INFO_LEN, BTF_INFO_SIZE)
                    .ptr(IN_INFO, info.seg);
            call(BpfCommand.OBJ_GET_INFO_BY_FD, a, btf.description());
            return new BtfInfo(
                    info.getU32(BI_ID), cString(name), info.getU32(BI_KERNEL_BTF) != 0, info.getU32(BI_BTF_SIZE));
        }
    }

    @Override
    public byte[] btfData(BpfFd btf) throws BpfException {
        int size = btfInfo(btf).size();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(Math.max(size, 1));
            Attr info = new Attr(arena, BTF_INFO_SIZE).ptr(BI_BTF, data).u32(BI_BTF_SIZE, size);
            Attr a = new Attr(arena, INFO_SIZE)
                    .u32(IN_BPF_FD, btf.value())
                    .u32(IN_INFO_LEN, BTF_INFO_SIZE)
                    .ptr(IN_INFO, info.seg);
            call(BpfCommand.OBJ_GET_INFO_BY_FD, a, btf.description());
            return data.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Override
    public ProgInfo progInfo(BpfFd prog) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            Attr i = info(arena, prog, PROG_INFO_SIZE);
            StringBuilder tag = new StringBuilder(16);
            for (int b = 0; b < 8; b++) {
                tag.append(String.format("%02x", i.seg.get(ValueLayout.JAVA_BYTE, PI_TAG + b)));
            }
            return new ProgInfo(
                    i.getU32(PI_TYPE),
                    i.getU32(PI_ID),
                    i.getName(PI_NAME, 16),
                    i.getU32(PI_BTF_ID),
                    i.getU64(PI_RUN_TIME_NS),
                    i.getU64(PI_RUN_CNT),
                    i.getU32(PI_ATTACH_BTF_ID),
                    tag.toString());
        }
    }

    /** The first func_info record's type (the main function's FUNC): a first call says how many, a second reads one. */
    @Override
    public int mainFuncTypeId(BpfFd prog) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            Attr first = info(arena, prog, PROG_INFO_SIZE);
            int recSize = first.getU32(PI_FUNC_INFO_REC_SIZE);
            if (first.getU32(PI_BTF_ID) == 0 || first.getU32(PI_NR_FUNC_INFO) == 0 || recSize < 8) {
                return 0;
            }
            MemorySegment record = arena.allocate(recSize, 8);
            Attr info = new Attr(arena, PROG_INFO_SIZE)
                    .u32(PI_NR_FUNC_INFO, 1)
                    .u32(PI_FUNC_INFO_REC_SIZE, recSize)
                    .ptr(PI_FUNC_INFO, record);
            Attr a = new Attr(arena, INFO_SIZE)
                    .u32(IN_BPF_FD, prog.value())
                    .u32(IN_INFO_LEN, PROG_INFO_SIZE)
                    .ptr(IN_INFO, info.seg);
            call(BpfCommand.OBJ_GET_INFO_BY_FD, a, prog.description());
            return record.get(ValueLayout.JAVA_INT, 4);
        }
    }

    /** A first call says how many maps, a second reads their ids. */
    @Override
    public List<Integer> progMapIds(BpfFd prog) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            int count = info(arena, prog, PROG_INFO_SIZE).getU32(PI_NR_MAP_IDS);
            if (count == 0) {
                return List.of();
            }
            MemorySegment ids = arena.allocate(4L * count, 4);
            Attr info =
                    new Attr(arena, PROG_INFO_SIZE).u32(PI_NR_MAP_IDS, count).ptr(PI_MAP_IDS, ids);
            Attr a = new Attr(arena, INFO_SIZE)
                    .u32(IN_BPF_FD, prog.value())
                    .u32(IN_INFO_LEN, PROG_INFO_SIZE)
                    .ptr(IN_INFO, info.seg);
            call(BpfCommand.OBJ_GET_INFO_BY_FD, a, prog.description());
            // The kernel writes no more ids than asked for, and says how many there are now.
            int now = Math.min(count, info.getU32(PI_NR_MAP_IDS));
            List<Integer> result = new ArrayList<>(now);
            for (int i = 0; i < now; i++) {
                result.add(ids.getAtIndex(ValueLayout.JAVA_INT, i));
            }
            return List.copyOf(result);
        }
    }

    @Override
    public LinkInfo linkInfo(BpfFd link) throws BpfException {
        try (Arena arena = Arena.ofConfined()) {
            Attr i = info(arena, link, LINK_INFO_SIZE);
            return new LinkInfo(
                    i.getU32(LI_TYPE), i.getU32(LI_ID), i.getU32(LI_PROG_ID), i.getU32(LI_STRUCT_OPS_MAP_ID));
        }
    }

    @Override
    public int openDescriptorCount() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.filter(BpfSyscalls::isBpfObject).count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** A descriptor of a map, program, link or BTF object: the kernel names its anonymous inode "bpf-..." or "btf". */
    private static boolean isBpfObject(Path fd) {
        try {
            String target = Files.readSymbolicLink(fd).toString();
            return target.startsWith("anon_inode:bpf") || target.equals("anon_inode:btf");
        } catch (IOException e) {
            return false; // closed meanwhile
        }
    }
}
