package io.structops.btf.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfEditor;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * BTF read in place: the bytes stay where they are (a heap array or a private mapping) and only a per-id offset
 * array and a hashed name index are built. Types are decoded when asked for.
 */
final class RawBtf implements Btf {
    static final int HEADER_SIZE = 24;
    static final int MAGIC = 0xeB9F;
    static final int TYPE_HEADER = 12;
    /** Bounds one chain of typedefs, qualifiers, pointers and arrays; deeper is treated as a loop. */
    static final int MAX_CHAIN = 64;
    /** Below this many types the second pass is not worth a second thread. */
    static final int PARALLEL_THRESHOLD = 8_000;

    final String source;
    final MemorySegment seg;
    /**
     * The same bytes as a little-endian buffer, which the hot paths read: a JVM that has only started (a one-shot
     * command) reads a ByteBuffer several times faster than a MemorySegment, whose accesses its first compiler
     * does not yet reduce to plain loads.
     */
    final ByteBuffer data;

    final ByteOrder order;
    /** For the header's few reads, before the buffer exists; big-endian data is swapped. */
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final boolean swap;
    final RawBtf base;
    final int firstId;
    final int[] offsets;
    /** Kind number of each own type, so kind checks never touch the type section. */
    final byte[] kinds;
    /** Name offset of each own type, so name lookups never touch the type section. */
    final int[] nameOffs;
    /** How many own types there are of each kind. */
    final int[] kindCounts;

    final long typeStart;
    final long typeLen;
    final long strStart;
    final long strLen;
    final int baseStrLen;
    final int headerLen;
    final int flags;
    /** One name index per kind, built when a lookup first needs it. */
    private final NameIndex[] names = new NameIndex[BtfKind.values().length];

    private RawBtf(
            String source,
            MemorySegment seg,
            ByteOrder order,
            RawBtf base,
            int[] offsets,
            byte[] kinds,
            int[] nameOffs,
            int[] kindCounts,
            long typeStart,
            long typeLen,
            long strStart,
            long strLen,
            int headerLen,
            int flags) {
        this.source = source;
        this.seg = seg;
        this.data = littleEndian(seg);
        this.order = order;
        this.swap = order == ByteOrder.BIG_ENDIAN;
        this.base = base;
        this.firstId = base == null ? 1 : base.typeCount();
        this.offsets = offsets;
        this.kinds = kinds;
        this.nameOffs = nameOffs;
        this.kindCounts = kindCounts;
        this.typeStart = typeStart;
        this.typeLen = typeLen;
        this.strStart = strStart;
        this.strLen = strLen;
        this.baseStrLen = base == null ? 0 : base.totalStringLength();
        this.headerLen = headerLen;
        this.flags = flags;
    }

    /**
     * Parses and checks BTF. With {@code kernelVerified}, the checks the kernel already made of its own BTF
     * (member and parameter names, referenced ids, prototypes, reference loops) are skipped; the layout is always
     * checked, so that no type is read past the end of the section.
     */
    static ByteBuffer littleEndian(MemorySegment seg) {
        return seg.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    static RawBtf parse(String source, MemorySegment seg, RawBtf base, boolean kernelVerified) throws BtfException {
        long size = seg.byteSize();
        if (size < HEADER_SIZE) {
            throw new BtfException(source, "header: " + size + " bytes, shorter than the 24-byte BTF header");
        }
        if (size > Integer.MAX_VALUE) {
            throw new BtfException(source, "header: " + size + " bytes, more than BTF can address");
        }
        int magicLe =
                Short.toUnsignedInt(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
        ByteOrder order;
        if (magicLe == MAGIC) {
            order = ByteOrder.LITTLE_ENDIAN;
        } else if (magicLe == 0x9FEB) {
            order = ByteOrder.BIG_ENDIAN;
        } else {
            throw new BtfException(source, String.format("header: magic 0x%04x is not BTF's 0xeb9f", magicLe));
        }
        if (base != null && base.order != order) {
            throw new BtfException(source, "header: byte order differs from the base BTF's");
        }
        boolean swap = order == ByteOrder.BIG_ENDIAN;
        int version = seg.get(ValueLayout.JAVA_BYTE, 2);
        if (version != 1) {
            throw new BtfException(source, "header: version " + version + ", only version 1 exists");
        }
        int flags = seg.get(ValueLayout.JAVA_BYTE, 3) & 0xff;
        long hdrLen = Integer.toUnsignedLong(u32(seg, swap, 4));
        if (hdrLen < HEADER_SIZE || hdrLen > size) {
            throw new BtfException(source, "header: hdr_len " + hdrLen + " outside 24.." + size);
        }
        long typeOff = Integer.toUnsignedLong(u32(seg, swap, 8));
        long typeLen = Integer.toUnsignedLong(u32(seg, swap, 12));
        long strOff = Integer.toUnsignedLong(u32(seg, swap, 16));
        long strLen = Integer.toUnsignedLong(u32(seg, swap, 20));
        long body = size - hdrLen;
        if (typeOff > body || typeLen > body - typeOff) {
            throw new BtfException(
                    source,
                    "header: type section " + typeOff + "+" + typeLen + " runs past the end of the data (" + body
                            + " bytes)");
        }
        if (strOff > body || strLen > body - strOff) {
            throw new BtfException(
                    source,
                    "header: string section " + strOff + "+" + strLen + " runs past the end of the data (" + body
                            + " bytes)");
        }
        if (typeOff % 4 != 0) {
            throw new BtfException(source, "header: type section offset " + typeOff + " is not 4-byte aligned");
        }
        if (typeOff < strOff ? typeOff + typeLen > strOff : strOff + strLen > typeOff) {
            throw new BtfException(source, "header: type and string sections overlap");
        }
        long strStart = hdrLen + strOff;
        if (base == null && (strLen == 0 || seg.get(ValueLayout.JAVA_BYTE, strStart) != 0)) {
            throw new BtfException(source, "string section: must start with the empty string");
        }
        if (strLen > 0 && seg.get(ValueLayout.JAVA_BYTE, strStart + strLen - 1) != 0) {
            throw new BtfException(source, "string section: the last string is not NUL-terminated");
        }
        long baseStr = base == null ? 0 : base.totalStringLength();
        if (baseStr + strLen > Integer.MAX_VALUE) {
            throw new BtfException(source, "string section: too large");
        }
        long typeStart = hdrLen + typeOff;
        int firstId = base == null ? 1 : base.typeCount();
        Scan scan = new Scan(source, littleEndian(seg), swap, typeStart, typeLen, firstId, baseStr + strLen);
        scan.run(kernelVerified);
        RawBtf btf = new RawBtf(
                source,
                seg,
                order,
                base,
                scan.offsets(),
                scan.kinds(),
                scan.names(),
                scan.kindCounts,
                typeStart,
                typeLen,
                strStart,
                strLen,
                (int) hdrLen,
                flags);
        if (Long.compareUnsigned(scan.maxRef, btf.typeCount()) >= 0) {
            btf.findBadReference(); // names the type and the field at fault
        }
        return btf;
    }

    /**
     * One sequential pass over the type section: each type's offset and kind, its size checked against what is
     * left, every string offset checked, and the largest type id referred to remembered, so that references are
     * checked against the final count without a second pass.
     */
    private static final class Scan {
        final String source;
        final ByteBuffer data;
        final boolean swap;
        final long start;
        final long len;
        final int firstId;
        final long stringLimit;
        int[] offsets;
        byte[] kinds;
        int[] names;
        int[] next;
        final int[] kindCounts = new int[32];
        int n;
        long maxRef;

        Scan(String source, ByteBuffer data, boolean swap, long start, long len, int firstId, long stringLimit) {
            this.source = source;
            this.data = data;
            this.swap = swap;
            this.start = start;
            this.len = len;
            this.firstId = firstId;
            this.stringLimit = stringLimit;
            // Sized for the typical 25 bytes a type takes and grown when that is short; every type takes at least
            // 12 bytes, so growth is bounded by the input's size, not by anything it claims.
            int initial = (int) Math.min(len / 24 + 16, Integer.MAX_VALUE - 8);
            this.offsets = new int[initial];
            this.kinds = new byte[initial];
            this.names = new int[initial];
            this.next = new int[initial];
        }

        private void grow() {
            int size = (int) Math.min(Math.max(offsets.length + (offsets.length >> 1), 16), len / TYPE_HEADER + 1);
            offsets = Arrays.copyOf(offsets, size);
            kinds = Arrays.copyOf(kinds, size);
            names = Arrays.copyOf(names, size);
            next = Arrays.copyOf(next, size);
        }

        int[] offsets() {
            return Arrays.copyOf(offsets, n);
        }

        byte[] kinds() {
            return Arrays.copyOf(kinds, n);
        }

        int[] names() {
            return Arrays.copyOf(names, n);
        }

        private int u32(long at) {
            int v = data.getInt((int) at);
            return swap ? Integer.reverseBytes(v) : v;
        }

        /**
         * Two passes. The first, sequential, finds each type's offset and kind, checks that its trailing data fits,
         * keeps the largest type name offset and the largest id a single-reference type points to, notes where
         * reference-like types (pointers, qualifiers, typedefs, arrays, functions) point, and lists the types with
         * member, parameter or value lists. The second reads those lists, keeping the largest name offset and type
         * id without a branch per field; it runs on two threads for large BTF. Only when a value is out of range
         * does {@link #precise} (or {@link RawBtf#findBadReference}) walk the types again to name the type and field
         * at fault.
         */
        void run(boolean kernelVerified) throws BtfException {
            layout();
            if (kernelVerified) {
                if (layoutMaxName >= stringLimit) {
                    precise();
                }
                return;
            }
            long[] result;
            if (n >= PARALLEL_THRESHOLD) {
                // Split where half the bytes are: the work is in the member lists, which cluster among the structs.
                int mid = Arrays.binarySearch(offsets, 0, n, (int) (len / 2));
                mid = Math.max(1, Math.min(n - 1, mid < 0 ? -mid - 1 : mid));
                int split = mid;
                CompletableFuture<long[]> other = CompletableFuture.supplyAsync(() -> {
                    try {
                        return check(split, n);
                    } catch (BtfException e) {
                        throw new CompletionException(e);
                    }
                });
                long[] mine;
                try {
                    mine = check(0, split);
                } finally {
                    long[] theirs;
                    try {
                        theirs = other.join();
                    } catch (CompletionException e) {
                        if (e.getCause() instanceof BtfException b) {
                            throw b;
                        }
                        throw e;
                    }
                    result = theirs;
                }
                result = new long[] {Math.max(mine[0], result[0]), Math.max(mine[1], result[1])};
            } else {
                result = check(0, n);
            }
            if (Math.max(result[0], layoutMaxName) >= stringLimit) {
                precise();
            }
            maxRef = result[1];
        }

        private long layoutMaxName;

        /**
         * The sequential part: each type's position depends on the sizes of those before it, so this loop does as
         * little as it can and does it without branching on the kind (sizes come from tables).
         */
        private void layout() throws BtfException {
            long pos = start;
            long end = start + len;
            long maxName = 0;
            while (pos < end) {
                if (end - pos < TYPE_HEADER) {
                    throw new BtfException(
                            source, firstId + n, "truncated: " + (end - pos) + " bytes left of a 12-byte type");
                }
                if (n == offsets.length) {
                    grow();
                }
                int nameOff = u32(pos);
                maxName = Math.max(maxName, Integer.toUnsignedLong(nameOff));
                int info = u32(pos + 4);
                int kind = (info >>> 24) & 0x1f;
                int vlen = info & 0xffff;
                if (kind == 0 || kind > K_ENUM64) {
                    throw new BtfException(source, firstId + n, "unknown kind " + kind);
                }
                long extra = FIXED[kind] + (long) PER_ITEM[kind] * vlen;
                room(pos, end, kind, vlen, extra);
                if (pos - start > Integer.MAX_VALUE) {
                    throw new BtfException(source, firstId + n, "type section too large");
                }
                next[n] = u32(pos + NEXT_AT[kind]);
                offsets[n] = (int) (pos - start);
                kinds[n] = (byte) kind;
                names[n] = nameOff;
                kindCounts[kind]++;
                n++;
                pos += TYPE_HEADER + extra;
            }
            layoutMaxName = maxName;
        }

        /** Name offset (low half) and type id (high half) of a member or parameter, in one load. */
        private long pair(long at) {
            long v = data.getLong((int) at);
            return swap ? Long.rotateLeft(Long.reverseBytes(v), 32) : v;
        }

        /**
         * Everything about types {@code from..to-1} that does not depend on the order of the types: the largest
         * member, parameter and value name offset and the largest type id they contain (returned), FUNCs pointing
         * at FUNC_PROTOs, and chains of references that end. Ids out of range are skipped here and reported by the
         * caller from the returned maximum.
         */
        private long[] check(int from, int to) throws BtfException {
            long maxName = 0;
            long maxId = 0;
            byte[] state = null; // chain walks: 0 unseen, 1 on the current path, 2 ends well
            int[] path = null;
            for (int k = from; k < to; k++) {
                int kind = kinds[k];
                maxId = Math.max(maxId, Integer.toUnsignedLong(next[k]) & REF_MASK[kind]);
                if (HAS_LIST[kind] != 0) {
                    long pos = start + offsets[k];
                    int vlen = u32(pos + 4) & 0xffff;
                    long t = pos + TYPE_HEADER;
                    switch (kind) {
                        case K_STRUCT, K_UNION -> {
                            for (int i = 0; i < vlen; i++, t += 12) {
                                long v = pair(t);
                                maxName = Math.max(maxName, v & 0xffffffffL);
                                maxId = Math.max(maxId, v >>> 32);
                            }
                        }
                        case K_FUNC_PROTO -> {
                            for (int i = 0; i < vlen; i++, t += 8) {
                                long v = pair(t);
                                maxName = Math.max(maxName, v & 0xffffffffL);
                                maxId = Math.max(maxId, v >>> 32);
                            }
                        }
                        case K_ENUM -> {
                            for (int i = 0; i < vlen; i++, t += 8) {
                                maxName = Math.max(maxName, Integer.toUnsignedLong(u32(t)));
                            }
                        }
                        case K_ENUM64 -> {
                            for (int i = 0; i < vlen; i++, t += 12) {
                                maxName = Math.max(maxName, Integer.toUnsignedLong(u32(t)));
                            }
                        }
                        default -> { // DATASEC
                            for (int i = 0; i < vlen; i++, t += 12) {
                                maxId = Math.max(maxId, Integer.toUnsignedLong(u32(t)));
                            }
                        }
                    }
                    continue;
                }
                if (kind == K_FUNC) {
                    int r = next[k] - firstId;
                    if (r >= 0 && r < n && kinds[r] != K_FUNC_PROTO) {
                        throw new BtfException(
                                source,
                                firstId + k,
                                "FUNC's type " + next[k] + " is a " + BtfKind.of(kinds[r]) + ", not a FUNC_PROTO");
                    }
                    if (next[k] == 0) {
                        throw new BtfException(source, firstId + k, "FUNC's type is void, not a FUNC_PROTO");
                    }
                    continue;
                }
                if (kind == K_ARRAY) {
                    maxId = Math.max(
                            maxId,
                            Math.max(
                                    Integer.toUnsignedLong(next[k]),
                                    Integer.toUnsignedLong(u32(start + offsets[k] + TYPE_HEADER + 4))));
                }
                if (!CHAIN[kind]) {
                    continue;
                }
                int target = next[k] - firstId;
                if (target < 0 || target >= n || !CHAIN[kinds[target]]) {
                    continue; // into the base, at void, out of range (reported later), or at a kind that ends it
                }
                if (state == null) {
                    state = new byte[n];
                    path = new int[MAX_CHAIN + 1];
                }
                if (state[k] == 2) {
                    continue;
                }
                int depth = 0;
                int j = k;
                while (j >= 0 && j < n) {
                    if (state[j] == 2) {
                        break;
                    }
                    if (state[j] == 1) {
                        throw new BtfException(
                                source, firstId + k, "reference loop through type [" + (firstId + j) + "]");
                    }
                    if (!CHAIN[kinds[j]]) {
                        state[j] = 2;
                        break;
                    }
                    if (depth == MAX_CHAIN) {
                        throw new BtfException(source, firstId + k, "chain of references deeper than " + MAX_CHAIN);
                    }
                    state[j] = 1;
                    path[depth++] = j;
                    j = next[j] - firstId; // below 0: the base's, or void
                }
                for (int p = 0; p < depth; p++) {
                    state[path[p]] = 2;
                }
            }
            return new long[] {maxName, maxId};
        }

        /** Walks the types found again, checking each name offset, to report the first one out of range. */
        private void precise() throws BtfException {
            for (int k = 0; k < n; k++) {
                long pos = start + Integer.toUnsignedLong(offsets[k]);
                int id = firstId + k;
                int info = u32(pos + 4);
                int vlen = info & 0xffff;
                if (Integer.toUnsignedLong(u32(pos)) >= stringLimit) {
                    throw new BtfException(
                            source,
                            id,
                            "name offset " + Integer.toUnsignedString(u32(pos)) + " is outside the string section ("
                                    + stringLimit + " bytes)");
                }
                long t = pos + TYPE_HEADER;
                String what;
                int step;
                switch (kinds[k]) {
                    case K_STRUCT, K_UNION -> {
                        what = "member";
                        step = 12;
                    }
                    case K_FUNC_PROTO -> {
                        what = "parameter";
                        step = 8;
                    }
                    case K_ENUM -> {
                        what = "value";
                        step = 8;
                    }
                    case K_ENUM64 -> {
                        what = "value";
                        step = 12;
                    }
                    default -> {
                        continue;
                    }
                }
                for (int i = 0; i < vlen; i++, t += step) {
                    if (Integer.toUnsignedLong(u32(t)) >= stringLimit) {
                        badName(id, what, i, u32(t));
                    }
                }
            }
            throw new IllegalStateException(source + ": a name offset is out of range but none was found");
        }

        private static int umax(int a, int b) {
            return Integer.compareUnsigned(a, b) >= 0 ? a : b;
        }

        /** The type's trailing data must fit in what is left of the section, checked before it is read. */
        private void room(long pos, long end, int kind, int vlen, long extra) throws BtfException {
            if (extra > end - pos - TYPE_HEADER) {
                throw new BtfException(
                        source,
                        firstId + n,
                        BtfKind.of(kind) + " with vlen " + vlen + " needs " + extra
                                + " more bytes; the type section has " + (end - pos - TYPE_HEADER));
            }
        }

        private void badName(int id, String what, int index, int off) throws BtfException {
            throw new BtfException(
                    source,
                    id,
                    what + " " + index + " name offset " + Integer.toUnsignedString(off)
                            + " is outside the string section (" + stringLimit + " bytes)");
        }
    }

    static final int K_INT = 1;
    static final int K_PTR = 2;
    static final int K_ARRAY = 3;
    static final int K_STRUCT = 4;
    static final int K_UNION = 5;
    static final int K_ENUM = 6;
    static final int K_FWD = 7;
    static final int K_TYPEDEF = 8;
    static final int K_VOLATILE = 9;
    static final int K_CONST = 10;
    static final int K_RESTRICT = 11;
    static final int K_FUNC = 12;
    static final int K_FUNC_PROTO = 13;
    static final int K_VAR = 14;
    static final int K_DATASEC = 15;
    static final int K_FLOAT = 16;
    static final int K_DECL_TAG = 17;
    static final int K_TYPE_TAG = 18;
    static final int K_ENUM64 = 19;

    /** Trailing bytes of each kind: FIXED[kind] + PER_ITEM[kind] * vlen. */
    static final int[] FIXED = new int[32];

    static final int[] PER_ITEM = new int[32];
    /** Whether the word after info (size_or_type) is a type id, as a mask. */
    static final long[] REF_MASK = new long[32];
    /** 1 for kinds with a member, parameter or value list. */
    static final int[] HAS_LIST = new int[32];
    /** Where the id a type points to is: size_or_type (8), or an array's element type (12). */
    static final int[] NEXT_AT = new int[32];

    static {
        for (int k : new int[] {K_INT, K_VAR, K_DECL_TAG}) {
            FIXED[k] = 4;
        }
        FIXED[K_ARRAY] = 12;
        for (int k : new int[] {K_STRUCT, K_UNION, K_DATASEC, K_ENUM64}) {
            PER_ITEM[k] = 12;
        }
        PER_ITEM[K_ENUM] = 8;
        PER_ITEM[K_FUNC_PROTO] = 8;
        for (int k : new int[] {
            K_PTR, K_TYPEDEF, K_VOLATILE, K_CONST, K_RESTRICT, K_TYPE_TAG, K_FUNC, K_FUNC_PROTO, K_VAR, K_DECL_TAG
        }) {
            REF_MASK[k] = 0xffffffffL;
        }
        for (int k : new int[] {K_STRUCT, K_UNION, K_DATASEC, K_ENUM, K_ENUM64, K_FUNC_PROTO}) {
            HAS_LIST[k] = 1;
        }
        Arrays.fill(NEXT_AT, 8);
        NEXT_AT[K_ARRAY] = TYPE_HEADER;
        REF_MASK[K_ARRAY] = 0xffffffffL;
    }

    static long trailing(int kind, int vlen) {
        return switch (kind) {
            case K_INT, K_VAR, K_DECL_TAG -> 4;
            case K_ARRAY -> 12;
            case K_STRUCT, K_UNION, K_DATASEC, K_ENUM64 -> 12L * vlen;
            case K_ENUM, K_FUNC_PROTO -> 8L * vlen;
            default -> 0;
        };
    }

    static int u32(MemorySegment seg, boolean swap, long at) {
        int v = seg.get(LE32, at);
        return swap ? Integer.reverseBytes(v) : v;
    }

    int u32(long at) {
        int v = data.getInt((int) at);
        return swap ? Integer.reverseBytes(v) : v;
    }

    int totalStringLength() {
        return (int) (baseStrLen + strLen);
    }

    // --- raw access -------------------------------------------------------------------------------------------

    long at(int id) {
        return typeStart + Integer.toUnsignedLong(offsets[id - firstId]);
    }

    RawBtf owner(int id) {
        if (id >= firstId) {
            if (id >= firstId + offsets.length) {
                throw new IllegalArgumentException(
                        source + ": type id " + id + " is out of range (" + typeCount() + " types)");
            }
            return this;
        }
        if (base == null) {
            throw new IllegalArgumentException(source + ": type id " + id + " is out of range");
        }
        return base.owner(id);
    }

    int info(int id) {
        return u32(at(id) + 4);
    }

    int word(int id, int index) {
        return u32(at(id) + 4L * index);
    }

    int nameOff(int id) {
        return nameOffs[id - firstId];
    }

    /** Absolute position of a string in {@link #seg}, for the name index; off is within this BTF's own strings. */
    long stringPosition(int off) {
        return strStart + (off - baseStrLen);
    }

    /** The BTF, this one or a base beneath it, whose string section holds the string at {@code off}. */
    RawBtf stringOwner(int off) {
        RawBtf b = this;
        while (b.base != null && Integer.toUnsignedLong(off) < b.baseStrLen) {
            b = b.base;
        }
        return b;
    }

    // --- Btf ----------------------------------------------------------------------------------------------------

    @Override
    public String source() {
        return source;
    }

    @Override
    public ByteOrder byteOrder() {
        return order;
    }

    @Override
    public Optional<Btf> base() {
        return Optional.ofNullable(base);
    }

    @Override
    public int firstId() {
        return firstId;
    }

    @Override
    public int typeCount() {
        return firstId + offsets.length;
    }

    @Override
    public BtfKind kind(int id) {
        if (id == 0) {
            return BtfKind.VOID;
        }
        RawBtf o = owner(id);
        return BtfKind.of(o.kinds[id - o.firstId]);
    }

    int kindNumber(int id) {
        if (id == 0) {
            return 0;
        }
        RawBtf o = owner(id);
        return o.kinds[id - o.firstId];
    }

    @Override
    public String name(int id) {
        if (id == 0) {
            return "";
        }
        RawBtf o = owner(id);
        return o.string(o.nameOff(id));
    }

    /**
     * Where the string at {@code offset} starts in {@link #seg}, for the BTF that holds it ({@link #stringOwner});
     * an offset past the string section is refused.
     */
    long stringStart(int offset) {
        long rel = Integer.toUnsignedLong(offset) - baseStrLen;
        if (rel >= strLen) {
            throw new IllegalArgumentException(
                    source + ": string offset " + Integer.toUnsignedString(offset) + " is outside the string section");
        }
        return strStart + rel;
    }

    @Override
    public String string(int offset) {
        if (base != null && Integer.toUnsignedLong(offset) < baseStrLen) {
            return base.string(offset);
        }
        int start = (int) stringStart(offset);
        int end = start;
        boolean ascii = true;
        byte b;
        while ((b = data.get(end)) != 0) {
            ascii &= b >= 0;
            end++;
        }
        byte[] bytes = new byte[end - start];
        data.get(start, bytes);
        return new String(bytes, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }

    @Override
    public BtfType type(int id) {
        if (id == 0) {
            return new BtfType.Void();
        }
        return owner(id).decode(id);
    }

    private BtfType decode(int id) {
        long p = at(id);
        int nameOff = u32(p);
        int info = u32(p + 4);
        int sizeOrType = u32(p + 8);
        BtfKind kind = BtfKind.of((info >>> 24) & 0x1f);
        boolean kflag = info < 0;
        int vlen = info & 0xffff;
        String name = string(nameOff);
        long t = p + TYPE_HEADER;
        return switch (kind) {
            case INT -> {
                int v = u32(t);
                yield new BtfType.Int(id, nameOff, name, sizeOrType, (v >>> 24) & 0x0f, (v >>> 16) & 0xff, v & 0xff);
            }
            case PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG ->
                new BtfType.Reference(kind, id, nameOff, name, kflag, sizeOrType);
            case ARRAY -> new BtfType.Array(id, nameOff, name, u32(t), u32(t + 4), u32(t + 8));
            case STRUCT, UNION -> {
                List<BtfType.Member> members = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    long m = t + 12L * i;
                    int mName = u32(m);
                    int raw = u32(m + 8);
                    long bitOffset = kflag ? raw & 0xffffff : Integer.toUnsignedLong(raw);
                    int bitfield = kflag ? raw >>> 24 : 0;
                    members.add(new BtfType.Member(mName, string(mName), u32(m + 4), bitOffset, bitfield, raw));
                }
                yield new BtfType.Composite(kind, id, nameOff, name, kflag, sizeOrType, members);
            }
            case ENUM -> {
                List<BtfType.EnumValue> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    long e = t + 8L * i;
                    int eName = u32(e);
                    int v = u32(e + 4);
                    values.add(new BtfType.EnumValue(eName, string(eName), kflag ? v : Integer.toUnsignedLong(v)));
                }
                yield new BtfType.Enumeration(kind, id, nameOff, name, kflag, sizeOrType, values);
            }
            case ENUM64 -> {
                List<BtfType.EnumValue> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    long e = t + 12L * i;
                    int eName = u32(e);
                    long v = Integer.toUnsignedLong(u32(e + 4)) | (Integer.toUnsignedLong(u32(e + 8)) << 32);
                    values.add(new BtfType.EnumValue(eName, string(eName), v));
                }
                yield new BtfType.Enumeration(kind, id, nameOff, name, kflag, sizeOrType, values);
            }
            case FWD -> new BtfType.Fwd(id, nameOff, name, kflag);
            case FUNC -> new BtfType.Func(id, nameOff, name, sizeOrType, vlen);
            case FUNC_PROTO -> {
                List<BtfType.Param> params = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    long q = t + 8L * i;
                    int qName = u32(q);
                    params.add(new BtfType.Param(qName, string(qName), u32(q + 4)));
                }
                yield new BtfType.FuncProto(id, nameOff, name, sizeOrType, params);
            }
            case VAR -> new BtfType.Var(id, nameOff, name, sizeOrType, u32(t));
            case DATASEC -> {
                List<BtfType.VarInfo> vars = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    long v = t + 12L * i;
                    vars.add(new BtfType.VarInfo(
                            u32(v), Integer.toUnsignedLong(u32(v + 4)), Integer.toUnsignedLong(u32(v + 8))));
                }
                yield new BtfType.Datasec(id, nameOff, name, sizeOrType, vars);
            }
            case FLOAT -> new BtfType.FloatType(id, nameOff, name, sizeOrType);
            case DECL_TAG -> new BtfType.DeclTag(id, nameOff, name, kflag, sizeOrType, u32(t));
            case VOID -> throw new IllegalStateException("unreachable");
        };
    }

    /** The slow path when some reference is out of range: find the first one and say which field it is. */
    private void findBadReference() throws BtfException {
        int count = typeCount();
        for (int id = firstId; id < count; id++) {
            long p = at(id);
            int info = u32(p + 4);
            BtfKind kind = BtfKind.of((info >>> 24) & 0x1f);
            int vlen = info & 0xffff;
            int ref = u32(p + 8);
            long t = p + TYPE_HEADER;
            switch (kind) {
                case PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, VAR, DECL_TAG ->
                    checkRef(id, ref, count, "referenced type");
                case FUNC -> checkRef(id, ref, count, "prototype");
                case FUNC_PROTO -> {
                    checkRef(id, ref, count, "return type");
                    for (int i = 0; i < vlen; i++) {
                        checkRef(id, u32(t + 8L * i + 4), count, "parameter " + i + " type");
                    }
                }
                case ARRAY -> {
                    checkRef(id, u32(t), count, "element type");
                    checkRef(id, u32(t + 4), count, "index type");
                }
                case STRUCT, UNION -> {
                    for (int i = 0; i < vlen; i++) {
                        checkRef(id, u32(t + 12L * i + 4), count, "member " + i + " type");
                        long nameOff = Integer.toUnsignedLong(u32(t + 12L * i));
                        if (nameOff >= totalStringLength()) {
                            throw new BtfException(
                                    source,
                                    id,
                                    "member " + i + " name offset " + nameOff + " is outside the string section");
                        }
                    }
                }
                case ENUM, ENUM64 -> {
                    long step = kind == BtfKind.ENUM ? 8 : 12;
                    for (int i = 0; i < vlen; i++) {
                        long nameOff = Integer.toUnsignedLong(u32(t + step * i));
                        if (nameOff >= totalStringLength()) {
                            throw new BtfException(
                                    source,
                                    id,
                                    "value " + i + " name offset " + nameOff + " is outside the string section");
                        }
                    }
                }
                case DATASEC -> {
                    for (int i = 0; i < vlen; i++) {
                        checkRef(id, u32(t + 12L * i), count, "variable " + i);
                    }
                }
                default -> {}
            }
            if (kind == BtfKind.FUNC_PROTO) {
                for (int i = 0; i < vlen; i++) {
                    long nameOff = Integer.toUnsignedLong(u32(t + 8L * i));
                    if (nameOff >= totalStringLength()) {
                        throw new BtfException(
                                source,
                                id,
                                "parameter " + i + " name offset " + nameOff + " is outside the string section");
                    }
                }
            }
        }
        throw new IllegalStateException(source + ": a reference is out of range but none was found");
    }

    private void checkRef(int id, int ref, int count, String what) throws BtfException {
        if (Integer.compareUnsigned(ref, count) >= 0) {
            throw new BtfException(
                    source,
                    id,
                    what + " id " + Integer.toUnsignedString(ref) + " is out of range (" + count + " types)");
        }
    }

    /**
     * Kinds that chain to another type (PTR, TYPEDEF, qualifiers, TYPE_TAG, ARRAY elements): a loop among them (a
     * typedef of itself, a pointer to itself) has no meaning.
     */
    private static final boolean[] CHAIN = new boolean[32];

    static {
        for (int k : new int[] {K_PTR, K_TYPEDEF, K_VOLATILE, K_CONST, K_RESTRICT, K_TYPE_TAG, K_ARRAY}) {
            CHAIN[k] = true;
        }
    }

    private NameIndex index(int kind) {
        NameIndex idx = names[kind];
        if (idx == null) {
            synchronized (names) {
                idx = names[kind];
                if (idx == null) {
                    idx = new NameIndex(this, kind);
                    names[kind] = idx;
                }
            }
        }
        return idx;
    }

    /** This BTF's own types of a kind with a name. */
    int[] ownByName(String name, int kind) {
        return index(kind).lookup(name);
    }

    @Override
    public int[] idsByName(String name) {
        int[] own = new int[0];
        for (int k = 1; k < names.length; k++) {
            int[] found = ownByName(name, k);
            if (found.length > 0) {
                own = Arrays.copyOf(own, own.length + found.length);
                System.arraycopy(found, 0, own, own.length - found.length, found.length);
            }
        }
        Arrays.sort(own);
        if (base == null) {
            return own;
        }
        int[] inBase = base.idsByName(name);
        if (inBase.length == 0) {
            return own;
        }
        int[] all = Arrays.copyOf(inBase, inBase.length + own.length);
        System.arraycopy(own, 0, all, inBase.length, own.length);
        return all;
    }

    @Override
    public OptionalInt find(String name, BtfKind kind) {
        if (kind == BtfKind.VOID) {
            return OptionalInt.empty();
        }
        if (base != null) {
            OptionalInt inBase = base.find(name, kind);
            if (inBase.isPresent()) {
                return inBase;
            }
        }
        int[] own = ownByName(name, kind.ordinal());
        return own.length == 0 ? OptionalInt.empty() : OptionalInt.of(own[0]);
    }

    @Override
    public int resolve(int id) {
        for (int i = 0; i <= MAX_CHAIN; i++) {
            switch (kind(id)) {
                case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG ->
                    id = owner(id).word(id, 2);
                default -> {
                    return id;
                }
            }
        }
        throw new IllegalStateException("unreachable: chains were checked at parse time");
    }

    @Override
    public int skipQualifiers(int id) {
        for (int i = 0; i <= MAX_CHAIN; i++) {
            switch (kind(id)) {
                case VOLATILE, CONST, RESTRICT, TYPE_TAG -> id = owner(id).word(id, 2);
                default -> {
                    return id;
                }
            }
        }
        throw new IllegalStateException("unreachable: chains were checked at parse time");
    }

    /**
     * How deep arrays and structs may nest by value, as the kernel's MAX_RESOLVE_DEPTH: deeper, and a type most likely
     * contains itself, which no C type can and which would otherwise recurse until the stack runs out.
     */
    static final int MAX_NESTING = 32;

    private final Map<Integer, Integer> alignments = new ConcurrentHashMap<>();

    private BtfException tooDeep(int id) {
        return new BtfException(
                source,
                id,
                "types nest deeper than " + MAX_NESTING + " levels by value (does a" + " type contain itself?)");
    }

    @Override
    public long size(int id) throws BtfException {
        return size(id, 0);
    }

    private long size(int id, int depth) throws BtfException {
        if (depth > MAX_NESTING) {
            throw tooDeep(id);
        }
        int r = resolve(id);
        BtfKind k = kind(r);
        return switch (k) {
            case INT, ENUM, ENUM64, STRUCT, UNION, FLOAT, DATASEC -> Integer.toUnsignedLong(owner(r).word(r, 2));
            case PTR -> 8;
            case ARRAY -> {
                BtfType.Array a = (BtfType.Array) type(r);
                long elem = size(a.elementType(), depth + 1);
                long n = a.countUnsigned();
                if (n != 0 && elem > Long.MAX_VALUE / n) {
                    throw new BtfException(source, r, "array size overflows");
                }
                yield elem * n;
            }
            case VAR -> size(owner(r).word(r, 2), depth + 1);
            default -> throw new BtfException(source, id, "a " + k + " has no size");
        };
    }

    @Override
    public int alignment(int id) throws BtfException {
        return alignment(id, 0);
    }

    private int alignment(int id, int depth) throws BtfException {
        if (depth > MAX_NESTING) {
            throw tooDeep(id);
        }
        int r = resolve(id);
        // Structs share member types (a DAG): remembering each answer keeps the walk linear in the types it visits.
        Integer known = alignments.get(r);
        if (known != null) {
            return known;
        }
        BtfKind k = kind(r);
        int align = switch (k) {
            case INT, ENUM, ENUM64, FLOAT -> {
                long size = Integer.toUnsignedLong(owner(r).word(r, 2));
                if (size == 0) {
                    throw new BtfException(source, r, "a " + k + " of size 0 has no alignment");
                }
                yield (int) Math.min(8, size);
            }
            case PTR -> 8;
            case ARRAY -> alignment(((BtfType.Array) type(r)).elementType(), depth + 1);
            case STRUCT, UNION -> {
                BtfType.Composite c = (BtfType.Composite) type(r);
                int most = 1;
                boolean packed = false;
                for (BtfType.Member m : c.members()) {
                    int a = alignment(m.type(), depth + 1);
                    most = Math.max(most, a);
                    // A member placed off its natural alignment means the struct is packed.
                    packed |= !m.isBitfield() && m.bitOffset() % (8L * a) != 0;
                }
                yield packed || Integer.toUnsignedLong(c.size()) % most != 0 ? 1 : most;
            }
            default -> throw new BtfException(source, id, "a " + k + " has no alignment");
        };
        alignments.put(r, align);
        return align;
    }

    @Override
    public List<BtfType.Member> members(int id) {
        BtfType t = type(resolve(id));
        return t instanceof BtfType.Composite c ? c.members() : List.of();
    }

    @Override
    public byte[] encode() {
        return edit().encode();
    }

    @Override
    public BtfEditor edit() {
        return new Editor(this);
    }

    @Override
    public void dumpRaw(Appendable out) throws IOException {
        new RawDump(this, out).dumpAll();
    }

    @Override
    public void dumpRaw(int[] ids, Appendable out) throws IOException {
        new RawDump(this, out).dump(ids);
    }

    @Override
    public void dumpC(int[] ids, Appendable out) throws IOException {
        CDump dump = new CDump(this, out);
        for (int id : ids) {
            dump.dump(id);
        }
    }

    @Override
    public String toString() {
        return "BTF " + source + " (" + (typeCount() - firstId) + " types)";
    }
}
