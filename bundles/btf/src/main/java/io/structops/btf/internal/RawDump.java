package io.structops.btf.internal;

import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import java.io.IOException;

/** bpftool's {@code btf dump ... format raw}, line for line. */
final class RawDump {
    private final RawBtf btf;
    private final Appendable out;
    private final StringBuilder sb = new StringBuilder(256);

    RawDump(RawBtf btf, Appendable out) {
        this.btf = btf;
        this.out = out;
    }

    void dumpAll() throws IOException {
        for (int id = btf.firstId(); id < btf.typeCount(); id++) {
            dump(btf.type(id));
            if (sb.length() > 1 << 16) {
                out.append(sb);
                sb.setLength(0);
            }
        }
        out.append(sb);
        sb.setLength(0);
    }

    void dump(int[] ids) throws IOException {
        for (int id : ids) {
            dump(btf.type(id));
        }
        out.append(sb);
        sb.setLength(0);
    }

    private String str(String s) {
        return s.isEmpty() ? "(anon)" : s;
    }

    private void dump(BtfType t) {
        sb.append('[')
                .append(t.id())
                .append("] ")
                .append(t.kind().label())
                .append(" '")
                .append(str(t.name()))
                .append('\'');
        switch (t) {
            case BtfType.Int i ->
                sb.append(" size=")
                        .append(Integer.toUnsignedString(i.size()))
                        .append(" bits_offset=")
                        .append(i.bitOffset())
                        .append(" nr_bits=")
                        .append(i.bits())
                        .append(" encoding=")
                        .append(encoding(i.encoding()));
            case BtfType.Reference r -> sb.append(" type_id=").append(Integer.toUnsignedString(r.type()));
            case BtfType.Array a ->
                sb.append(" type_id=")
                        .append(Integer.toUnsignedString(a.elementType()))
                        .append(" index_type_id=")
                        .append(Integer.toUnsignedString(a.indexType()))
                        .append(" nr_elems=")
                        .append(Integer.toUnsignedString(a.count()));
            case BtfType.Composite c -> {
                sb.append(" size=")
                        .append(Integer.toUnsignedString(c.size()))
                        .append(" vlen=")
                        .append(c.members().size());
                for (BtfType.Member m : c.members()) {
                    sb.append("\n\t'")
                            .append(str(m.name()))
                            .append("' type_id=")
                            .append(Integer.toUnsignedString(m.type()))
                            .append(" bits_offset=")
                            .append(m.bitOffset());
                    if (m.bitfieldSize() != 0) {
                        sb.append(" bitfield_size=").append(m.bitfieldSize());
                    }
                }
            }
            case BtfType.Enumeration e -> {
                sb.append(" encoding=")
                        .append(e.signed() ? "SIGNED" : "UNSIGNED")
                        .append(" size=")
                        .append(Integer.toUnsignedString(e.size()))
                        .append(" vlen=")
                        .append(e.values().size());
                for (BtfType.EnumValue v : e.values()) {
                    sb.append("\n\t'").append(str(v.name())).append("' val=");
                    if (e.kind() == BtfKind.ENUM) {
                        sb.append(
                                e.signed()
                                        ? Long.toString((int) v.value())
                                        : Integer.toUnsignedString((int) v.value()));
                    } else {
                        sb.append(e.signed() ? v.value() + "LL" : Long.toUnsignedString(v.value()) + "ULL");
                    }
                }
            }
            case BtfType.Fwd f -> sb.append(" fwd_kind=").append(f.union() ? "union" : "struct");
            case BtfType.Func f ->
                sb.append(" type_id=")
                        .append(Integer.toUnsignedString(f.proto()))
                        .append(" linkage=")
                        .append(funcLinkage(f.linkage()));
            case BtfType.FuncProto p -> {
                sb.append(" ret_type_id=")
                        .append(Integer.toUnsignedString(p.returnType()))
                        .append(" vlen=")
                        .append(p.params().size());
                for (BtfType.Param q : p.params()) {
                    sb.append("\n\t'")
                            .append(str(q.name()))
                            .append("' type_id=")
                            .append(Integer.toUnsignedString(q.type()));
                }
            }
            case BtfType.Var v ->
                sb.append(" type_id=")
                        .append(Integer.toUnsignedString(v.type()))
                        .append(", linkage=")
                        .append(varLinkage(v.linkage()));
            case BtfType.Datasec d -> {
                sb.append(" size=")
                        .append(Integer.toUnsignedString(d.size()))
                        .append(" vlen=")
                        .append(d.vars().size());
                for (BtfType.VarInfo v : d.vars()) {
                    sb.append("\n\ttype_id=")
                            .append(Integer.toUnsignedString(v.type()))
                            .append(" offset=")
                            .append(v.offset())
                            .append(" size=")
                            .append(v.size());
                    if (Integer.compareUnsigned(v.type(), btf.typeCount()) < 0) {
                        sb.append(" (")
                                .append(btf.kind(v.type()).label())
                                .append(" '")
                                .append(str(btf.name(v.type())))
                                .append("')");
                    }
                }
            }
            case BtfType.FloatType f -> sb.append(" size=").append(Integer.toUnsignedString(f.size()));
            case BtfType.DeclTag d ->
                sb.append(" type_id=")
                        .append(Integer.toUnsignedString(d.type()))
                        .append(" component_idx=")
                        .append(d.componentIndex());
            case BtfType.Void v -> {}
        }
        sb.append('\n');
    }

    private static String encoding(int encoding) {
        return switch (encoding) {
            case 0 -> "(none)";
            case BtfType.Int.SIGNED -> "SIGNED";
            case BtfType.Int.CHAR -> "CHAR";
            case BtfType.Int.BOOL -> "BOOL";
            default -> "UNKN";
        };
    }

    private static String funcLinkage(int linkage) {
        return switch (linkage) {
            case 0 -> "static";
            case 1 -> "global";
            case 2 -> "extern";
            default -> "(unknown)";
        };
    }

    private static String varLinkage(int linkage) {
        return switch (linkage) {
            case 0 -> "static";
            case 1 -> "global";
            case 2 -> "extern";
            default -> "(unknown)";
        };
    }
}
