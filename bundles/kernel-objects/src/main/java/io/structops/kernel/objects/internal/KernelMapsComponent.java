package io.structops.kernel.objects.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfReader;
import io.structops.kernel.objects.KernelMap;
import io.structops.kernel.objects.KernelMaps;
import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.MapInfo;
import io.structops.kernel.objects.RingBuffer;
import io.structops.kernel.objects.UserRingBuffer;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@link KernelMaps} through bpf(2): ids walked with BPF_MAP_GET_NEXT_ID, maps opened by id or pin. */
@Component(service = KernelMaps.class)
public class KernelMapsComponent implements KernelMaps {
    private final Bpf bpf;
    private final BtfReader btfReader;

    @Activate
    public KernelMapsComponent(@Reference Bpf bpf, @Reference BtfReader btfReader) {
        this.bpf = bpf;
        this.btfReader = btfReader;
    }

    @Override
    public List<MapInfo> list() throws KernelObjectException {
        List<MapInfo> maps = new ArrayList<>();
        try {
            for (int id : bpf.ids(Bpf.ObjectType.MAP)) {
                Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.MAP, id);
                if (fd.isPresent()) {
                    try (BpfFd m = fd.get()) {
                        maps.add(info(bpf.mapInfo(m)));
                    }
                }
            }
        } catch (BpfException e) {
            throw new KernelObjectException("listing the kernel's maps: " + e.getMessage(), e);
        }
        return maps;
    }

    @Override
    public MapInfo find(String nameOrId) throws KernelObjectException {
        return MapNames.one(list(), nameOrId, MapInfo::name, MapInfo::id, "map");
    }

    @Override
    public KernelMap open(int id) throws KernelObjectException {
        try {
            BpfFd fd = bpf.fdById(Bpf.ObjectType.MAP, id)
                    .orElseThrow(() -> new KernelObjectException("map " + id + ": no such map in the kernel", null));
            return opened(fd, "map " + id);
        } catch (BpfException e) {
            throw new KernelObjectException("map " + id + ": open: " + e.getMessage(), e);
        }
    }

    @Override
    public KernelMap open(Path pin) throws KernelObjectException {
        try {
            return opened(bpf.objGet(pin), pin.toString());
        } catch (BpfException e) {
            throw new KernelObjectException(pin + ": open: " + e.getMessage(), e);
        }
    }

    @Override
    public RingBuffer ringBuffer(int id) throws KernelObjectException {
        return openKind(id, "ringbuf", "a ring buffer", (fd, info) -> new RingReader(bpf, fd, info));
    }

    @Override
    public UserRingBuffer userRingBuffer(int id) throws KernelObjectException {
        return openKind(id, "user_ringbuf", "a user ring buffer", (fd, info) -> new UserRingWriter(bpf, fd, info));
    }

    /** What a descriptor of a map of the right kind becomes; it owns the descriptor from then on. */
    private interface Mapping<T> {
        T map(BpfFd fd, MapInfo info) throws KernelObjectException;
    }

    /** Map {@code id}, which must be of {@code kind}, made into {@code T}; the descriptor closed if it is not. */
    private <T> T openKind(int id, String kind, String what, Mapping<T> mapping) throws KernelObjectException {
        try {
            BpfFd fd = bpf.fdById(Bpf.ObjectType.MAP, id)
                    .orElseThrow(() -> new KernelObjectException("map " + id + ": no such map in the kernel", null));
            try {
                MapInfo info = info(bpf.mapInfo(fd));
                if (!info.kind().equals(kind)) {
                    throw new KernelObjectException(
                            "map " + info.name() + " (id " + id + ") is a " + info.kind() + ", not " + what, null);
                }
                return mapping.map(fd, info);
            } catch (KernelObjectException | BpfException | RuntimeException e) {
                fd.close();
                throw e;
            }
        } catch (BpfException e) {
            throw new KernelObjectException("map " + id + ": open: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Btf> objectBtf(int id) throws KernelObjectException {
        try {
            for (MapInfo m : list()) {
                if (m.id() == id && m.btfId() != 0) {
                    return BtfObjects.read(bpf, btfReader, m.btfId());
                }
            }
            for (int prog : bpf.ids(Bpf.ObjectType.PROG)) {
                Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.PROG, prog);
                if (fd.isEmpty()) {
                    continue;
                }
                try (BpfFd p = fd.get()) {
                    if (bpf.progMapIds(p).contains(id)) {
                        return BtfObjects.read(bpf, btfReader, bpf.progInfo(p).btfId());
                    }
                }
            }
            return Optional.empty();
        } catch (BpfException e) {
            throw new KernelObjectException("map " + id + ": the object's BTF: " + e.getMessage(), e);
        }
    }

    private KernelMap opened(BpfFd fd, String what) throws KernelObjectException {
        try {
            MapInfo info = info(bpf.mapInfo(fd));
            return new OpenMap(bpf, fd, info, BtfObjects.read(bpf, btfReader, info.btfId()));
        } catch (BpfException | RuntimeException e) {
            fd.close();
            throw new KernelObjectException(what + ": info: " + e.getMessage(), e);
        }
    }

    static MapInfo info(Bpf.MapInfo i) {
        return new MapInfo(
                i.id(),
                i.name(),
                i.type(),
                MapKinds.name(i.type()),
                i.keySize(),
                i.valueSize(),
                i.maxEntries(),
                i.mapFlags(),
                i.btfId(),
                i.btfKeyTypeId(),
                i.btfValueTypeId());
    }
}
