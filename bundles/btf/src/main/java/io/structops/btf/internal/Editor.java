package io.structops.btf.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfEditor;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A mutable copy of one BTF blob's own types and strings, encoded the way clang and the kernel lay BTF out. */
final class Editor implements BtfEditor {
    private final RawBtf original;
    private final BtfType[] types;
    private final List<BtfType> added = new ArrayList<>();
    private final ByteArrayOutputStream extraStrings = new ByteArrayOutputStream();
    private Map<String, Integer> stringIndex;

    Editor(RawBtf original) {
        this.original = original;
        this.types = new BtfType[original.offsets.length];
    }

    @Override
    public int addString(String s) {
        if (s.isEmpty()) {
            return 0;
        }
        if (stringIndex == null) {
            stringIndex = new HashMap<>();
            long p = original.strStart;
            long end = p + original.strLen;
            int off = original.baseStrLen;
            StringBuilder cur = new StringBuilder();
            long startOff = off;
            for (; p < end; p++, off++) {
                byte b = original.seg.get(ValueLayout.JAVA_BYTE, p);
                if (b == 0) {
                    stringIndex.putIfAbsent(cur.toString(), (int) startOff);
                    cur.setLength(0);
                    startOff = off + 1;
                } else {
                    cur.append((char) (b & 0xff));
                }
            }
        }
        Integer known = stringIndex.get(s);
        if (known != null) {
            return known;
        }
        int off = (int) (original.baseStrLen + original.strLen + extraStrings.size());
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        extraStrings.writeBytes(bytes);
        extraStrings.write(0);
        stringIndex.put(s, off);
        return off;
    }

    @Override
    public BtfEditor replace(BtfType type) {
        int id = type.id();
        if (id >= original.firstId && id < original.firstId + types.length) {
            types[id - original.firstId] = type;
        } else if (id >= original.firstId + types.length && id < typeCount()) {
            added.set(id - original.firstId - types.length, type);
        } else {
            throw new IllegalArgumentException("type id " + id + " is not one of this BTF's own types");
        }
        return this;
    }

    @Override
    public int add(BtfType type) {
        added.add(type);
        return typeCount() - 1;
    }

    @Override
    public int typeCount() {
        return original.firstId + types.length + added.size();
    }

    @Override
    public BtfType type(int id) {
        if (id >= original.firstId + types.length) {
            return added.get(id - original.firstId - types.length);
        }
        if (id >= original.firstId) {
            BtfType t = types[id - original.firstId];
            return t != null ? t : original.type(id);
        }
        return original.type(id);
    }

    @Override
    public byte[] encode() {
        return encode(original.order);
    }

    @Override
    public BtfEditor fixDataSections(Map<String, Long> sectionSizes, Map<String, Map<String, Long>> symbolOffsets)
            throws BtfException {
        for (int id = original.firstId; id < typeCount(); id++) {
            if (!(type(id) instanceof BtfType.Datasec d)) {
                continue;
            }
            Long size = sectionSizes.get(d.name());
            if (size == null) {
                continue;
            }
            Map<String, Long> symbols = symbolOffsets.getOrDefault(d.name(), Map.of());
            List<BtfType.VarInfo> vars = new ArrayList<>();
            for (BtfType.VarInfo v : d.vars()) {
                BtfType var = type(v.type());
                Long offset = symbols.get(var.name());
                if (var.kind() == BtfKind.VAR && offset == null) {
                    throw new BtfException(
                            original.source,
                            id,
                            "DATASEC '" + d.name() + "': variable '" + var.name() + "' has no symbol in that section");
                }
                vars.add(new BtfType.VarInfo(v.type(), offset == null ? v.offset() : offset, v.size()));
            }
            replace(new BtfType.Datasec(id, d.nameOffset(), d.name(), (int) (long) size, vars));
        }
        return this;
    }

    /** A resized section's bound: far above what the kernel's array maps take per value (4 MiB), far below int. */
    static final long MAX_RESIZED_SECTION = 64L << 20;

    @Override
    public BtfEditor resizeArray(String section, String variable, int elements) throws BtfException {
        String where = section + " " + variable;
        for (int id = original.firstId; id < typeCount(); id++) {
            if (!(type(id) instanceof BtfType.Datasec d)
                    || !d.name().equals(section)
                    || d.vars().isEmpty()) {
                continue;
            }
            BtfType.VarInfo last = d.vars().get(d.vars().size() - 1);
            if (!(type(last.type()) instanceof BtfType.Var v) || !v.name().equals(variable)) {
                throw new BtfException(where, "not the last variable of its section, so it cannot grow");
            }
            if (!(type(v.type()) instanceof BtfType.Array a) || a.count() == 0 || elements <= 0) {
                throw new BtfException(where, "not an array with elements to size it by");
            }
            long element = last.size() / a.count();
            if (last.offset() + element * elements > MAX_RESIZED_SECTION) {
                throw new BtfException(
                        where,
                        elements + " elements make the section larger than " + (MAX_RESIZED_SECTION >> 20) + " MiB");
            }
            int array = add(new BtfType.Array(0, 0, "", a.elementType(), a.indexType(), elements));
            replace(new BtfType.Var(v.id(), v.nameOffset(), v.name(), array, v.linkage()));
            List<BtfType.VarInfo> vars = new ArrayList<>(d.vars());
            vars.set(vars.size() - 1, new BtfType.VarInfo(last.type(), last.offset(), element * elements));
            replace(new BtfType.Datasec(
                    id, d.nameOffset(), d.name(), (int) (last.offset() + element * elements), vars));
            return this;
        }
        throw new BtfException(where, "no DATASEC " + section);
    }

    @Override
    public BtfEditor makeStatic(Set<String> functions) {
        for (int id = original.firstId; id < typeCount(); id++) {
            if (type(id) instanceof BtfType.Func f
                    && f.linkage() == BtfType.Func.GLOBAL
                    && functions.contains(f.name())) {
                replace(new BtfType.Func(id, f.nameOffset(), f.name(), f.proto(), BtfType.Func.STATIC));
            }
        }
        return this;
    }

    @Override
    public BtfEditor fixExterns() throws BtfException {
        for (int id = original.firstId; id < typeCount(); id++) {
            if (type(id) instanceof BtfType.Func f && f.linkage() == BtfType.Func.EXTERN) {
                staticFunction(f);
            }
        }
        for (int id = original.firstId; id < typeCount(); id++) {
            if (!(type(id) instanceof BtfType.Datasec d)
                    || d.vars().stream().noneMatch(v -> isExtern(type(v.type())))) {
                continue;
            }
            if (d.name().equals(KCONFIG)) {
                layOutKconfigSection(id, d);
            } else {
                layOutKsymsSection(id, d);
            }
        }
        return this;
    }

    /** The int type and VAR that stand for every ksym in a laid-out .ksyms section, added on first use. */
    private int placeholderInt = -1;

    private int placeholderVar = -1;

    private void addPlaceholders() {
        if (placeholderInt < 0) {
            placeholderInt = add(new BtfType.Int(0, addString("int"), "int", 4, BtfType.Int.SIGNED, 0, 32));
            placeholderVar = add(new BtfType.Var(
                    0,
                    addString("structops_ksym_placeholder"),
                    "structops_ksym_placeholder",
                    placeholderInt,
                    BtfType.Var.GLOBAL_ALLOCATED));
        }
    }

    /** An extern function made static; the kernel wants every parameter of a FUNC named, so unnamed ones get one. */
    private void staticFunction(BtfType.Func f) {
        replace(new BtfType.Func(f.id(), f.nameOffset(), f.name(), f.proto(), BtfType.Func.STATIC));
        if (type(f.proto()) instanceof BtfType.FuncProto p
                && p.params().stream().anyMatch(q -> q.nameOffset() == 0 && q.type() != 0)) {
            List<BtfType.Param> named = new ArrayList<>();
            for (int i = 0; i < p.params().size(); i++) {
                BtfType.Param q = p.params().get(i);
                named.add(
                        q.nameOffset() != 0 || q.type() == 0
                                ? q
                                : new BtfType.Param(addString("arg" + i), "arg" + i, q.type()));
            }
            replace(new BtfType.FuncProto(p.id(), p.nameOffset(), p.name(), p.returnType(), named));
        }
    }

    /** The loader fills a map laid out by the .kconfig DATASEC, so the kconfig values keep their types. */
    private void layOutKconfigSection(int id, BtfType.Datasec d) throws BtfException {
        List<BtfType.VarInfo> layout = new ArrayList<>();
        long size = layOutKconfig(d, layout);
        replace(new BtfType.Datasec(id, d.nameOffset(), d.name(), (int) size, layout));
        for (BtfType.VarInfo v : d.vars()) {
            if (type(v.type()) instanceof BtfType.Var var && var.linkage() == BtfType.Var.EXTERN) {
                replace(new BtfType.Var(
                        var.id(), var.nameOffset(), var.name(), var.type(), BtfType.Var.GLOBAL_ALLOCATED));
            }
        }
    }

    /**
     * No ELF section backs .ksyms: its entries are laid out one after another so it has a size. Kernel functions and
     * variables are resolved by the loader, so the kernel sees placeholders here.
     */
    private void layOutKsymsSection(int id, BtfType.Datasec d) {
        addPlaceholders();
        List<BtfType.VarInfo> vars = new ArrayList<>();
        long offset = 0;
        for (BtfType.VarInfo v : d.vars()) {
            boolean extern = isExtern(type(v.type()));
            long size = extern ? 4 : Math.max(v.size(), 1);
            offset = (offset + 3) & ~3L;
            vars.add(new BtfType.VarInfo(extern ? placeholderVar : v.type(), offset, size));
            offset += size;
            if (type(v.type()) instanceof BtfType.Var var && var.linkage() == BtfType.Var.EXTERN) {
                // BPF_BTF_LOAD refuses extern linkage, and a typeless ksym's VAR has no type at all.
                replace(new BtfType.Var(
                        var.id(),
                        var.nameOffset(),
                        var.name(),
                        var.type() == 0 || original.resolve(var.type()) == 0 ? placeholderInt : var.type(),
                        BtfType.Var.GLOBAL_ALLOCATED));
            }
        }
        replace(new BtfType.Datasec(id, d.nameOffset(), d.name(), (int) offset, vars));
    }

    static final String KCONFIG = ".kconfig";

    /** A DATASEC entry that is an extern: any FUNC (only extern ones sit in DATASECs), or an extern VAR. */
    private static boolean isExtern(BtfType t) {
        return t instanceof BtfType.Func || t instanceof BtfType.Var v && v.linkage() == BtfType.Var.EXTERN;
    }

    /**
     * The {@code .kconfig} layout, libbpf's so that a program's offsets into the map agree with it: most-aligned
     * first, then smaller first, then by name, each at its natural alignment.
     */
    private long layOutKconfig(BtfType.Datasec d, List<BtfType.VarInfo> out) throws BtfException {
        record Entry(BtfType.VarInfo info, String name, int align, long size) {}
        List<Entry> entries = new ArrayList<>();
        for (BtfType.VarInfo v : d.vars()) {
            if (!(type(v.type()) instanceof BtfType.Var var)) {
                throw new BtfException(
                        original.source(),
                        d.id(),
                        d.name() + ": entry type " + v.type() + " is a "
                                + type(v.type()).kind() + ", not a VAR");
            }
            int varType = var.type();
            entries.add(new Entry(v, var.name(), original.alignment(varType), original.size(varType)));
        }
        entries.sort(Comparator.comparingInt((Entry e) -> -e.align())
                .thenComparingLong(Entry::size)
                .thenComparing(Entry::name));
        long offset = 0;
        for (Entry e : entries) {
            offset = (offset + e.align() - 1) / e.align() * e.align();
            out.add(new BtfType.VarInfo(e.info().type(), offset, e.size()));
            offset += e.size();
        }
        return offset;
    }

    @Override
    public BtfEditor sanitize(Set<BtfKind> unsupported) throws BtfException {
        if (unsupported.isEmpty()) {
            return this;
        }
        for (int id = original.firstId; id < typeCount(); id++) {
            BtfType t = type(id);
            if (!unsupported.contains(t.kind())) {
                continue;
            }
            BtfType replacement = switch (t) {
                case BtfType.DeclTag d -> new BtfType.Int(id, d.nameOffset(), d.name(), 1, 0, 0, 8);
                case BtfType.Reference r
                when r.kind() == BtfKind.TYPE_TAG -> new BtfType.Reference(BtfKind.CONST, id, 0, "", false, r.type());
                case BtfType.FloatType f ->
                    new BtfType.Composite(BtfKind.STRUCT, id, f.nameOffset(), f.name(), false, f.size(), List.of());
                case BtfType.Enumeration e
                when e.kind() == BtfKind.ENUM64 ->
                    new BtfType.Composite(BtfKind.UNION, id, e.nameOffset(), e.name(), false, e.size(), List.of());
                case BtfType.Var v ->
                    new BtfType.Int(id, v.nameOffset(), v.name(), (int) sizeOf(v.type()), 0, 0, (int)
                            Math.min(128, 8 * sizeOf(v.type())));
                case BtfType.Datasec d -> {
                    List<BtfType.Member> members = new ArrayList<>();
                    for (BtfType.VarInfo v : d.vars()) {
                        BtfType var = type(v.type());
                        members.add(new BtfType.Member(
                                var.nameOffset(), var.name(), v.type(), v.offset() * 8, 0, (int) (v.offset() * 8)));
                    }
                    yield new BtfType.Composite(
                            BtfKind.STRUCT,
                            id,
                            addString(sanitizedName(d.name())),
                            sanitizedName(d.name()),
                            false,
                            d.size(),
                            members);
                }
                case BtfType.Func f ->
                    new BtfType.Reference(BtfKind.TYPEDEF, id, f.nameOffset(), f.name(), false, f.proto());
                case BtfType.FuncProto p -> new BtfType.Enumeration(BtfKind.ENUM, id, 0, "", false, 4, List.of());
                default -> t;
            };
            replace(replacement);
        }
        return this;
    }

    /** C identifiers only: '.' in section names is not allowed in a STRUCT's name. */
    private static String sanitizedName(String name) {
        return name.replaceAll("[^A-Za-z0-9_]", "_");
    }

    private long sizeOf(int id) throws io.structops.btf.BtfException {
        return original.size(id);
    }

    @Override
    public Btf view(String source) throws BtfException {
        byte[] encoded = encode(original.order);
        MemorySegment copy = Arena.ofAuto().allocate(encoded.length, 8);
        copy.copyFrom(MemorySegment.ofArray(encoded));
        return RawBtf.parse(source, copy, original.base, false);
    }

    @Override
    public byte[] encode(ByteOrder order) {
        ByteArrayOutputStream typeBytes = new ByteArrayOutputStream((int) original.typeLen + 64);
        ByteBuffer buf = ByteBuffer.allocate(16 + 12 * 65536 + 12).order(order);
        for (int id = original.firstId; id < typeCount(); id++) {
            buf.clear();
            write(type(id), buf);
            typeBytes.write(buf.array(), 0, buf.position());
        }
        byte[] strings = new byte[(int) original.strLen + extraStrings.size()];
        original.seg.asSlice(original.strStart, original.strLen).asByteBuffer().get(strings, 0, (int) original.strLen);
        System.arraycopy(extraStrings.toByteArray(), 0, strings, (int) original.strLen, extraStrings.size());
        int hdr = original.headerLen;
        ByteBuffer out =
                ByteBuffer.allocate(hdr + typeBytes.size() + strings.length).order(order);
        out.putShort((short) RawBtf.MAGIC)
                .put((byte) 1)
                .put((byte) original.flags)
                .putInt(hdr);
        out.putInt(0).putInt(typeBytes.size()).putInt(typeBytes.size()).putInt(strings.length);
        out.position(hdr);
        out.put(typeBytes.toByteArray()).put(strings);
        return out.array();
    }

    private static int info(BtfKind kind, int vlen, boolean kflag) {
        return (kflag ? 0x80000000 : 0) | (kind.ordinal() << 24) | (vlen & 0xffff);
    }

    static void write(BtfType t, ByteBuffer b) {
        b.putInt(t.nameOffset());
        switch (t) {
            case BtfType.Int i ->
                b.putInt(info(BtfKind.INT, 0, false))
                        .putInt(i.size())
                        .putInt((i.encoding() << 24) | (i.bitOffset() << 16) | i.bits());
            case BtfType.Reference r ->
                b.putInt(info(r.kind(), 0, r.kindFlag())).putInt(r.type());
            case BtfType.Array a ->
                b.putInt(info(BtfKind.ARRAY, 0, false))
                        .putInt(0)
                        .putInt(a.elementType())
                        .putInt(a.indexType())
                        .putInt(a.count());
            case BtfType.Composite c -> {
                b.putInt(info(c.kind(), c.members().size(), c.kindFlag())).putInt(c.size());
                for (BtfType.Member m : c.members()) {
                    int raw = c.kindFlag() ? (m.bitfieldSize() << 24) | (int) m.bitOffset() : (int) m.bitOffset();
                    b.putInt(m.nameOffset()).putInt(m.type()).putInt(raw);
                }
            }
            case BtfType.Enumeration e -> {
                b.putInt(info(e.kind(), e.values().size(), e.kindFlag())).putInt(e.size());
                for (BtfType.EnumValue v : e.values()) {
                    b.putInt(v.nameOffset());
                    if (e.kind() == BtfKind.ENUM) {
                        b.putInt((int) v.value());
                    } else {
                        b.putInt((int) v.value()).putInt((int) (v.value() >>> 32));
                    }
                }
            }
            case BtfType.Fwd f -> b.putInt(info(BtfKind.FWD, 0, f.kindFlag())).putInt(0);
            case BtfType.Func f ->
                b.putInt(info(BtfKind.FUNC, f.linkage(), false)).putInt(f.proto());
            case BtfType.FuncProto p -> {
                b.putInt(info(BtfKind.FUNC_PROTO, p.params().size(), false)).putInt(p.returnType());
                for (BtfType.Param q : p.params()) {
                    b.putInt(q.nameOffset()).putInt(q.type());
                }
            }
            case BtfType.Var v ->
                b.putInt(info(BtfKind.VAR, 0, false)).putInt(v.type()).putInt(v.linkage());
            case BtfType.Datasec d -> {
                b.putInt(info(BtfKind.DATASEC, d.vars().size(), false)).putInt(d.size());
                for (BtfType.VarInfo v : d.vars()) {
                    b.putInt(v.type()).putInt((int) v.offset()).putInt((int) v.size());
                }
            }
            case BtfType.FloatType f -> b.putInt(info(BtfKind.FLOAT, 0, false)).putInt(f.size());
            case BtfType.DeclTag d ->
                b.putInt(info(BtfKind.DECL_TAG, 0, d.kindFlag()))
                        .putInt(d.type())
                        .putInt(d.componentIndex());
            case BtfType.Void v -> throw new IllegalArgumentException("void is not encoded");
        }
    }
}
