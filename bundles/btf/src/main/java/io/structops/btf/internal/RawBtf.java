package io.structops.btf.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfEditor;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

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

    final String source;
    final MemorySegment seg;
    final ByteOrder order;
    final ValueLayout.OfInt u32;
    final ValueLayout.OfShort u16;
    final RawBtf base;
    final int firstId;
    final int[] offsets;
    final long typeStart;
    final long typeLen;
    final long strStart;
    final long strLen;
    final int baseStrLen;
    final int headerLen;
    final int flags;
    final NameIndex names;

    private RawBtf(String source, MemorySegment seg, ByteOrder order, RawBtf base, int[] offsets, long typeStart,
            long typeLen, long strStart, long strLen, int headerLen, int flags) {
        this.source = source;
        this.seg = seg;
        this.order = order;
        this.u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
        this.u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
        this.base = base;
        this.firstId = base == null ? 1 : base.typeCount();
        this.offsets = offsets;
        this.typeStart = typeStart;
        this.typeLen = typeLen;
        this.strStart = strStart;
        this.strLen = strLen;
        this.baseStrLen = base == null ? 0 : base.totalStringLength();
        this.headerLen = headerLen;
        this.flags = flags;
        this.names = new NameIndex(this);
    }

    static RawBtf parse(String source, MemorySegment seg, RawBtf base) throws BtfException {
        long size = seg.byteSize();
        if (size < HEADER_SIZE) {
            throw new BtfException(source, "header: " + size + " bytes, shorter than the 24-byte BTF header");
        }
        int magicLe = Short.toUnsignedInt(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                0));
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
        ValueLayout.OfInt u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
        int version = seg.get(ValueLayout.JAVA_BYTE, 2);
        if (version != 1) {
            throw new BtfException(source, "header: version " + version + ", only version 1 exists");
        }
        int flags = seg.get(ValueLayout.JAVA_BYTE, 3) & 0xff;
        long hdrLen = Integer.toUnsignedLong(seg.get(u32, 4));
        if (hdrLen < HEADER_SIZE || hdrLen > size) {
            throw new BtfException(source, "header: hdr_len " + hdrLen + " outside 24.." + size);
        }
        long typeOff = Integer.toUnsignedLong(seg.get(u32, 8));
        long typeLen = Integer.toUnsignedLong(seg.get(u32, 12));
        long strOff = Integer.toUnsignedLong(seg.get(u32, 16));
        long strLen = Integer.toUnsignedLong(seg.get(u32, 20));
        long body = size - hdrLen;
        if (typeOff > body || typeLen > body - typeOff) {
            throw new BtfException(source, "header: type section " + typeOff + "+" + typeLen
                    + " runs past the end of the data (" + body + " bytes)");
        }
        if (strOff > body || strLen > body - strOff) {
            throw new BtfException(source, "header: string section " + strOff + "+" + strLen
                    + " runs past the end of the data (" + body + " bytes)");
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
        int[] offsets = scan(source, seg, u32, typeStart, typeLen, base == null ? 1 : base.typeCount(),
                baseStr + strLen);
        RawBtf btf = new RawBtf(source, seg, order, base, offsets, typeStart, typeLen, strStart, strLen, (int) hdrLen,
                flags);
        btf.validateReferences();
        btf.names.build();
        return btf;
    }

    /** One pass over the type section: each type's offset, its kind and its trailing size, bounds-checked. */
    private static int[] scan(String source, MemorySegment seg, ValueLayout.OfInt u32, long start, long len,
            int firstId, long stringLimit) throws BtfException {
        // Every type takes at least 12 bytes, so this bound comes from the input's size, not from its contents.
        int[] offsets = new int[(int) Math.min(len / TYPE_HEADER, Integer.MAX_VALUE - 8)];
        long pos = start;
        long end = start + len;
        int n = 0;
        while (pos < end) {
            int id = firstId + n;
            if (end - pos < TYPE_HEADER) {
                throw new BtfException(source, id, "truncated: " + (end - pos) + " bytes left of a 12-byte type");
            }
            long nameOff = Integer.toUnsignedLong(seg.get(u32, pos));
            int info = seg.get(u32, pos + 4);
            int kindNo = (info >>> 24) & 0x1f;
            int vlen = info & 0xffff;
            BtfKind kind = BtfKind.of(kindNo);
            if (kind == null || kind == BtfKind.VOID) {
                throw new BtfException(source, id, "unknown kind " + kindNo);
            }
            if (nameOff >= stringLimit) {
                throw new BtfException(source, id, "name offset " + nameOff + " is outside the string section ("
                        + stringLimit + " bytes)");
            }
            long extra = trailing(kind, vlen);
            if (extra > end - pos - TYPE_HEADER) {
                throw new BtfException(source, id, kind + " with vlen " + vlen + " needs " + extra
                        + " more bytes; the type section has " + (end - pos - TYPE_HEADER));
            }
            if (pos - start > Integer.MAX_VALUE) {
                throw new BtfException(source, id, "type section too large");
            }
            offsets[n++] = (int) (pos - start);
            pos += TYPE_HEADER + extra;
        }
        return Arrays.copyOf(offsets, n);
    }

    static long trailing(BtfKind kind, int vlen) {
        return switch (kind) {
            case INT, VAR, DECL_TAG -> 4;
            case ARRAY -> 12;
            case STRUCT, UNION, DATASEC, ENUM64 -> 12L * vlen;
            case ENUM, FUNC_PROTO -> 8L * vlen;
            default -> 0;
        };
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
                throw new IllegalArgumentException(source + ": type id " + id + " is out of range (" + typeCount()
                        + " types)");
            }
            return this;
        }
        if (base == null) {
            throw new IllegalArgumentException(source + ": type id " + id + " is out of range");
        }
        return base.owner(id);
    }

    int info(int id) {
        return seg.get(u32, at(id) + 4);
    }

    int word(int id, int index) {
        return seg.get(u32, at(id) + 4L * index);
    }

    int nameOff(int id) {
        return seg.get(u32, at(id));
    }

    /** Absolute position of a string and its owner, for the name index; off is within this BTF's strings. */
    long stringPosition(int off) {
        return strStart + (off - baseStrLen);
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
        return BtfKind.of((o.info(id) >>> 24) & 0x1f);
    }

    @Override
    public String name(int id) {
        if (id == 0) {
            return "";
        }
        RawBtf o = owner(id);
        return o.string(o.nameOff(id));
    }

    @Override
    public String string(int offset) {
        if (offset < baseStrLen) {
            return base.string(offset);
        }
        long rel = Integer.toUnsignedLong(offset) - baseStrLen;
        if (rel >= strLen) {
            throw new IllegalArgumentException(source + ": string offset " + Integer.toUnsignedString(offset)
                    + " is outside the string section");
        }
        long p = strStart + rel;
        long end = p;
        boolean ascii = true;
        byte b;
        while ((b = seg.get(ValueLayout.JAVA_BYTE, end)) != 0) {
            ascii &= b >= 0;
            end++;
        }
        byte[] bytes = seg.asSlice(p, end - p).toArray(ValueLayout.JAVA_BYTE);
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
        int nameOff = seg.get(u32, p);
        int info = seg.get(u32, p + 4);
        int sizeOrType = seg.get(u32, p + 8);
        BtfKind kind = BtfKind.of((info >>> 24) & 0x1f);
        boolean kflag = info < 0;
        int vlen = info & 0xffff;
        String name = string(nameOff);
        long t = p + TYPE_HEADER;
        return switch (kind) {
            case INT -> {
                int v = seg.get(u32, t);
                yield new BtfType.Int(id, nameOff, name, sizeOrType, (v >>> 24) & 0x0f, (v >>> 16) & 0xff, v & 0xff);
            }
            case PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG ->
                new BtfType.Reference(kind, id, nameOff, name, kflag, sizeOrType);
            case ARRAY -> new BtfType.Array(id, nameOff, name, seg.get(u32, t), seg.get(u32, t + 4),
                    seg.get(u32, t + 8));
            case STRUCT, UNION -> {
                List<BtfType.Member> members = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    long m = t + 12L * i;
                    int mName = seg.get(u32, m);
                    int raw = seg.get(u32, m + 8);
                    long bitOffset = kflag ? raw & 0xffffff : Integer.toUnsignedLong(raw);
                    int bitfield = kflag ? raw >>> 24 : 0;
                    members.add(new BtfType.Member(mName, string(mName), seg.get(u32, m + 4), bitOffset, bitfield,
                            raw));
                }
                yield new BtfType.Composite(kind, id, nameOff, name, kflag, sizeOrType, members);
            }
            case ENUM -> {
                List<BtfType.EnumValue> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    long e = t + 8L * i;
                    int eName = seg.get(u32, e);
                    int v = seg.get(u32, e + 4);
                    values.add(new BtfType.EnumValue(eName, string(eName), kflag ? v : Integer.toUnsignedLong(v)));
                }
                yield new BtfType.Enumeration(kind, id, nameOff, name, kflag, sizeOrType, values);
            }
            case ENUM64 -> {
                List<BtfType.EnumValue> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    long e = t + 12L * i;
                    int eName = seg.get(u32, e);
                    long v = Integer.toUnsignedLong(seg.get(u32, e + 4))
                            | (Integer.toUnsignedLong(seg.get(u32, e + 8)) << 32);
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
                    int qName = seg.get(u32, q);
                    params.add(new BtfType.Param(qName, string(qName), seg.get(u32, q + 4)));
                }
                yield new BtfType.FuncProto(id, nameOff, name, sizeOrType, params);
            }
            case VAR -> new BtfType.Var(id, nameOff, name, sizeOrType, seg.get(u32, t));
            case DATASEC -> {
                List<BtfType.VarInfo> vars = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    long v = t + 12L * i;
                    vars.add(new BtfType.VarInfo(seg.get(u32, v), Integer.toUnsignedLong(seg.get(u32, v + 4)),
                            Integer.toUnsignedLong(seg.get(u32, v + 8))));
                }
                yield new BtfType.Datasec(id, nameOff, name, sizeOrType, vars);
            }
            case FLOAT -> new BtfType.FloatType(id, nameOff, name, sizeOrType);
            case DECL_TAG -> new BtfType.DeclTag(id, nameOff, name, kflag, sizeOrType, seg.get(u32, t));
            case VOID -> throw new IllegalStateException("unreachable");
        };
    }

    /** Every id a type refers to must exist, and chains of references must end. */
    private void validateReferences() throws BtfException {
        int count = typeCount();
        for (int id = firstId; id < count; id++) {
            long p = at(id);
            int info = seg.get(u32, p + 4);
            BtfKind kind = BtfKind.of((info >>> 24) & 0x1f);
            int vlen = info & 0xffff;
            int ref = seg.get(u32, p + 8);
            long t = p + TYPE_HEADER;
            switch (kind) {
                case PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, VAR, DECL_TAG ->
                    checkRef(id, ref, count, "referenced type");
                case FUNC -> {
                    checkRef(id, ref, count, "prototype");
                    if (kind(ref) != BtfKind.FUNC_PROTO) {
                        throw new BtfException(source, id, "FUNC's type " + ref + " is a " + kind(ref)
                                + ", not a FUNC_PROTO");
                    }
                }
                case FUNC_PROTO -> {
                    checkRef(id, ref, count, "return type");
                    for (int i = 0; i < vlen; i++) {
                        checkRef(id, seg.get(u32, t + 8L * i + 4), count, "parameter " + i + " type");
                    }
                }
                case ARRAY -> {
                    checkRef(id, seg.get(u32, t), count, "element type");
                    checkRef(id, seg.get(u32, t + 4), count, "index type");
                }
                case STRUCT, UNION -> {
                    for (int i = 0; i < vlen; i++) {
                        checkRef(id, seg.get(u32, t + 12L * i + 4), count, "member " + i + " type");
                        long nameOff = Integer.toUnsignedLong(seg.get(u32, t + 12L * i));
                        if (nameOff >= totalStringLength()) {
                            throw new BtfException(source, id, "member " + i + " name offset " + nameOff
                                    + " is outside the string section");
                        }
                    }
                }
                case ENUM, ENUM64 -> {
                    long step = kind == BtfKind.ENUM ? 8 : 12;
                    for (int i = 0; i < vlen; i++) {
                        long nameOff = Integer.toUnsignedLong(seg.get(u32, t + step * i));
                        if (nameOff >= totalStringLength()) {
                            throw new BtfException(source, id, "value " + i + " name offset " + nameOff
                                    + " is outside the string section");
                        }
                    }
                }
                case DATASEC -> {
                    for (int i = 0; i < vlen; i++) {
                        checkRef(id, seg.get(u32, t + 12L * i), count, "variable " + i);
                    }
                }
                default -> {
                }
            }
            if (kind == BtfKind.FUNC_PROTO) {
                for (int i = 0; i < vlen; i++) {
                    long nameOff = Integer.toUnsignedLong(seg.get(u32, t + 8L * i));
                    if (nameOff >= totalStringLength()) {
                        throw new BtfException(source, id, "parameter " + i + " name offset " + nameOff
                                + " is outside the string section");
                    }
                }
            }
        }
        checkChains();
    }

    private void checkRef(int id, int ref, int count, String what) throws BtfException {
        if (Integer.compareUnsigned(ref, count) >= 0) {
            throw new BtfException(source, id, what + " id " + Integer.toUnsignedString(ref)
                    + " is out of range (" + count + " types)");
        }
    }

    /**
     * Chains of PTR, TYPEDEF, qualifiers, TYPE_TAG and ARRAY elements must reach another kind: a loop among them
     * (a typedef of itself, a pointer to itself) has no meaning. Each type is walked once.
     */
    private void checkChains() throws BtfException {
        byte[] state = new byte[offsets.length]; // 0 unseen, 1 on the current path, 2 ends well
        int[] path = new int[MAX_CHAIN + 1];
        for (int start = firstId; start < typeCount(); start++) {
            int depth = 0;
            int id = start;
            while (true) {
                if (id < firstId) {
                    break; // base types were checked with the base
                }
                int s = state[id - firstId];
                if (s == 2) {
                    break;
                }
                if (s == 1) {
                    throw new BtfException(source, start, "reference loop through type [" + id + "]");
                }
                BtfKind k = BtfKind.of((info(id) >>> 24) & 0x1f);
                int next;
                switch (k) {
                    case PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG -> next = word(id, 2);
                    case ARRAY -> next = seg.get(u32, at(id) + TYPE_HEADER);
                    default -> next = -1;
                }
                if (next < 0 || next == 0) {
                    state[id - firstId] = 2;
                    break;
                }
                state[id - firstId] = 1;
                if (depth == MAX_CHAIN) {
                    throw new BtfException(source, start, "chain of references deeper than " + MAX_CHAIN);
                }
                path[depth++] = id;
                id = next;
            }
            for (int i = 0; i < depth; i++) {
                state[path[i] - firstId] = 2;
            }
        }
    }

    @Override
    public int[] idsByName(String name) {
        int[] own = names.lookup(name);
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
        for (int id : idsByName(name)) {
            if (kind(id) == kind) {
                return OptionalInt.of(id);
            }
        }
        return OptionalInt.empty();
    }

    @Override
    public int resolve(int id) {
        for (int i = 0; i <= MAX_CHAIN; i++) {
            switch (kind(id)) {
                case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG -> id = owner(id).word(id, 2);
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

    @Override
    public long size(int id) throws BtfException {
        int r = resolve(id);
        BtfKind k = kind(r);
        return switch (k) {
            case INT, ENUM, ENUM64, STRUCT, UNION, FLOAT, DATASEC -> Integer.toUnsignedLong(owner(r).word(r, 2));
            case PTR -> 8;
            case ARRAY -> {
                BtfType.Array a = (BtfType.Array) type(r);
                long elem = size(a.elementType());
                long n = a.countUnsigned();
                if (n != 0 && elem > Long.MAX_VALUE / n) {
                    throw new BtfException(source, r, "array size overflows");
                }
                yield elem * n;
            }
            case VAR -> size(owner(r).word(r, 2));
            default -> throw new BtfException(source, id, "a " + k + " has no size");
        };
    }

    @Override
    public int alignment(int id) throws BtfException {
        int r = resolve(id);
        BtfKind k = kind(r);
        return switch (k) {
            case INT, ENUM, ENUM64, FLOAT -> (int) Math.min(8, Integer.toUnsignedLong(owner(r).word(r, 2)));
            case PTR -> 8;
            case ARRAY -> alignment(((BtfType.Array) type(r)).elementType());
            case STRUCT, UNION -> {
                BtfType.Composite c = (BtfType.Composite) type(r);
                int align = 1;
                for (BtfType.Member m : c.members()) {
                    int a = alignment(m.type());
                    align = Math.max(align, a);
                }
                // A member placed off its natural alignment means the struct is packed.
                for (BtfType.Member m : c.members()) {
                    if (!m.isBitfield() && m.bitOffset() % (8L * alignment(m.type())) != 0) {
                        yield 1;
                    }
                }
                if (Integer.toUnsignedLong(c.size()) % align != 0) {
                    yield 1;
                }
                yield align;
            }
            default -> throw new BtfException(source, id, "a " + k + " has no alignment");
        };
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
