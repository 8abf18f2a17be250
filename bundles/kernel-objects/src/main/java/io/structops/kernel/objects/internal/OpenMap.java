package io.structops.kernel.objects.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import io.structops.kernel.objects.BtfValues;
import io.structops.kernel.objects.KernelMap;
import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.MapInfo;
import io.structops.kernel.objects.Value;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfConstants;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import io.structops.syscall.Errno;
import io.structops.syscall.PossibleCpus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** A {@link KernelMap} over a descriptor this object owns. */
final class OpenMap implements KernelMap {
    /** Entries asked for per BPF_MAP_LOOKUP_BATCH call. */
    static final int BATCH = 256;

    private final Bpf bpf;
    private final BpfFd fd;
    private final MapInfo info;
    private final Optional<Btf> btf;
    /** Values per lookup: the possible CPUs for a per-CPU map, else 1. */
    private final int copies;
    /** Bytes between two CPUs' values of a per-CPU map (each rounded up to 8). */
    private final int stride;

    OpenMap(Bpf bpf, BpfFd fd, MapInfo info, Optional<Btf> btf) throws KernelObjectException {
        this.bpf = bpf;
        this.fd = fd;
        this.info = info;
        this.btf = btf;
        try {
            this.copies = info.perCpu() ? PossibleCpus.count() : 1;
        } catch (IOException e) {
            throw new KernelObjectException("map " + info.name() + ": " + e.getMessage(), e);
        }
        this.stride = info.perCpu() ? PossibleCpus.perCpuStride(info.valueSize()) : info.valueSize();
    }

    @Override
    public MapInfo info() {
        return info;
    }

    @Override
    public Optional<String> keyType() {
        return typeName(info.keyTypeId());
    }

    @Override
    public Optional<String> valueType() {
        return typeName(info.valueTypeId());
    }

    private Optional<String> typeName(int id) {
        if (btf.isEmpty() || id == 0) {
            return Optional.empty();
        }
        Btf b = btf.get();
        BtfType t = b.type(id);
        String prefix = switch (t.kind()) {
            case STRUCT -> "struct ";
            case UNION -> "union ";
            case ENUM, ENUM64 -> "enum ";
            default -> "";
        };
        if (t.name().isEmpty() && t.kind() == BtfKind.ARRAY) {
            BtfType.Array a = (BtfType.Array) t;
            return typeName(a.elementType()).map(e -> e + "[" + a.countUnsigned() + "]");
        }
        return Optional.of(
                t.name().isEmpty() ? "(anonymous " + t.kind().toString().toLowerCase() + ")" : prefix + t.name());
    }

    private String where() {
        return "map " + info.name() + " (id " + info.id() + ")";
    }

    @Override
    public Optional<List<byte[]>> lookup(byte[] key) throws KernelObjectException {
        try {
            return bpf.mapLookup(fd, key, stride * copies).map(this::split);
        } catch (BpfException e) {
            throw new KernelObjectException(where() + ": lookup: " + e.getMessage(), e);
        }
    }

    /** One value per CPU from a lookup's bytes. */
    private List<byte[]> split(byte[] all) {
        List<byte[]> values = new ArrayList<>(copies);
        for (int cpu = 0; cpu < copies; cpu++) {
            values.add(Arrays.copyOfRange(all, cpu * stride, cpu * stride + info.valueSize()));
        }
        return values;
    }

    @Override
    public void update(byte[] key, List<byte[]> values, Update flag) throws KernelObjectException {
        if (values.size() != 1 && values.size() != copies) {
            throw new KernelObjectException(
                    where() + ": update: " + values.size() + " values; the map takes "
                            + (copies == 1 ? "one" : "one, or one per possible CPU (" + copies + ")"),
                    null);
        }
        byte[] all = new byte[stride * copies];
        for (int cpu = 0; cpu < copies; cpu++) {
            byte[] v = values.get(values.size() == 1 ? 0 : cpu);
            if (v.length != info.valueSize()) {
                throw new KernelObjectException(
                        where() + ": update: a value of " + v.length + " bytes; the map's are " + info.valueSize(),
                        null);
            }
            System.arraycopy(v, 0, all, cpu * stride, v.length);
        }
        try {
            bpf.mapUpdate(
                    fd,
                    key,
                    all,
                    switch (flag) {
                        case ANY -> BpfConstants.ANY;
                        case NOEXIST -> 1;
                        case EXIST -> 2;
                    });
        } catch (BpfException e) {
            throw new KernelObjectException(where() + ": update: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean delete(byte[] key) throws KernelObjectException {
        try {
            bpf.mapDelete(fd, key);
            return true;
        } catch (BpfException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw new KernelObjectException(where() + ": delete: " + e.getMessage(), e);
        }
    }

    @Override
    public List<byte[]> keys() throws KernelObjectException {
        List<byte[]> keys = new ArrayList<>();
        try {
            Optional<byte[]> next = bpf.mapNextKey(fd, null, info.keySize());
            // Bounded: a map that keeps changing must not keep this loop going for ever.
            while (next.isPresent() && keys.size() <= 2L * Math.max(info.maxEntries(), 1)) {
                keys.add(next.get());
                next = bpf.mapNextKey(fd, next.get(), info.keySize());
            }
        } catch (BpfException e) {
            throw new KernelObjectException(where() + ": next key: " + e.getMessage(), e);
        }
        return keys;
    }

    @Override
    public List<Entry> entries() throws KernelObjectException {
        try {
            return batched();
        } catch (BpfException e) {
            if (e.errno() != Errno.EINVAL && e.errno() != Errno.ENOTSUPP && e.errno() != Errno.EOPNOTSUPP) {
                throw new KernelObjectException(where() + ": batch lookup: " + e.getMessage(), e);
            }
        }
        // No batch operations for this map type (or this kernel): key by key.
        List<Entry> entries = new ArrayList<>();
        for (byte[] key : keys()) {
            lookup(key).ifPresent(v -> entries.add(new Entry(key, v)));
        }
        return entries;
    }

    private List<Entry> batched() throws BpfException {
        List<Entry> entries = new ArrayList<>();
        byte[] position = null;
        // Hash maps' batch position is a 4-byte bucket, arrays' a key.
        int positionSize = Math.max(info.keySize(), 4);
        while (true) {
            Bpf.Batch b = bpf.mapLookupBatch(fd, position, positionSize, info.keySize(), stride * copies, BATCH);
            for (int i = 0; i < b.keys().size(); i++) {
                entries.add(new Entry(b.keys().get(i), split(b.values().get(i))));
            }
            if (b.done() || b.keys().isEmpty()) {
                return entries;
            }
            position = b.next();
        }
    }

    @Override
    public Value decodeKey(byte[] key) {
        return decode(info.keyTypeId(), key);
    }

    @Override
    public Value decodeValue(byte[] value) {
        return decode(info.valueTypeId(), value);
    }

    private Value decode(int type, byte[] bytes) {
        return btf.isPresent() && type != 0 ? BtfValues.decode(btf.get(), type, bytes) : new Value.Raw(bytes);
    }

    @Override
    public byte[] encodeKey(Value key) throws KernelObjectException {
        return encode(info.keyTypeId(), info.keySize(), key, "key");
    }

    @Override
    public byte[] encodeValue(Value value) throws KernelObjectException {
        return encode(info.valueTypeId(), info.valueSize(), value, "value");
    }

    private byte[] encode(int type, int size, Value v, String what) throws KernelObjectException {
        try {
            if (btf.isPresent() && type != 0) {
                return BtfValues.encode(btf.get(), type, v);
            }
        } catch (IllegalArgumentException e) {
            throw new KernelObjectException(where() + ": " + what + ": " + e.getMessage(), e);
        }
        // Untyped: raw bytes, or an integer as wide as the key or value.
        if (v instanceof Value.Raw raw && raw.bytes().length == size) {
            return raw.bytes();
        }
        if ((v instanceof Value.Int || v instanceof Value.Text) && (size == 1 || size == 2 || size == 4 || size == 8)) {
            return encodeUntypedInteger(v, size, what);
        }
        throw new KernelObjectException(
                where() + ": " + what + ": the map has no BTF type for it; give " + size + " raw bytes", null);
    }

    private byte[] encodeUntypedInteger(Value v, int size, String what) throws KernelObjectException {
        try {
            return BtfValues.encodeInteger(v, size, false);
        } catch (IllegalArgumentException e) {
            throw new KernelObjectException(where() + ": " + what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
