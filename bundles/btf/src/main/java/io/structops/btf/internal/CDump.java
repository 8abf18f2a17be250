package io.structops.btf.internal;

import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * C declarations of a type and of everything it needs, each before its first use: named structs, unions and enums
 * by value are defined first, those reached only through pointers are declared, typedefs are emitted where used.
 * Layout is kept: gaps become explicit padding and structs whose members sit off their natural alignment are
 * marked packed, so the C compiles to the offsets BTF records.
 */
final class CDump {
    private final RawBtf btf;
    private final Appendable out;
    private final Set<Integer> defined = new HashSet<>();
    private final Set<Integer> declared = new HashSet<>();
    private final Set<Integer> inProgress = new HashSet<>();
    /** The types {@link #need} is working on, outermost first. */
    private final Set<Integer> needing = new HashSet<>();

    private static final int MAX_DEPTH = 64;
    /**
     * Work allowed for one dump, per byte of the BTF's type and string sections. Anonymous structs, function
     * prototypes and pointers are spelled out wherever used, so a forged DAG of them (an anonymous struct with two
     * members of the next one, twenty deep) would expand exponentially; real BTF, vmlinux included, takes about one
     * step per member, far below this.
     */
    private static final int STEPS_PER_BYTE = 2;
    /** Characters one dump may spell, per byte of BTF: vmlinux's C is about 4 per byte. */
    private static final int CHARS_PER_BYTE = 8;

    private long steps;
    private long chars;
    private boolean cut;
    /** The types {@link #declarator} is spelling, outermost first. */
    private final Set<Integer> declaring = new HashSet<>();

    CDump(RawBtf btf, Appendable out) {
        this.btf = btf;
        this.out = out;
        this.steps = 2048 + STEPS_PER_BYTE * (btf.typeLen + btf.strLen);
        this.chars = 32768 + CHARS_PER_BYTE * (btf.typeLen + btf.strLen);
    }

    void dump(int id) throws IOException {
        if (exhausted()) {
            if (!cut) {
                cut = true;
                out.append("/* cut short: these types expand far beyond the size of their BTF */\n");
            }
            return;
        }
        BtfKind k = btf.kind(id);
        if (k == BtfKind.FUNC) {
            BtfType.Func f = (BtfType.Func) btf.type(id);
            need(f.proto(), false);
            out.append("extern ").append(declarator(f.proto(), f.name(), 0)).append(";\n\n");
        } else if (k == BtfKind.VAR) {
            BtfType.Var v = (BtfType.Var) btf.type(id);
            need(v.type(), true);
            out.append("extern ").append(declarator(v.type(), v.name(), 0)).append(";\n\n");
        } else {
            need(id, true);
        }
    }

    private void need(int id, boolean complete) throws IOException {
        // Valid BTF has no cycle except through a named struct (handled by define) and is shallow; a malformed one
        // may loop through anonymous structs, arrays or function prototypes, or chain deeper than any C type does.
        // Those are cut short: what is printed for them is wrong anyway, and the dump must end.
        if (needing.size() >= MAX_DEPTH || exhausted() || !needing.add(id)) {
            return;
        }
        try {
            needOnce(id, complete);
        } finally {
            needing.remove(id);
        }
    }

    private void needOnce(int id, boolean complete) throws IOException {
        BtfType t = btf.type(id);
        switch (t) {
            case BtfType.Reference r when r.kind() == BtfKind.PTR -> need(r.type(), false);
            case BtfType.Reference r
            when r.kind() == BtfKind.TYPEDEF -> {
                typedef(r);
                if (complete) {
                    need(r.type(), true);
                }
            }
            case BtfType.Reference r -> need(r.type(), complete);
            case BtfType.Array a -> need(a.elementType(), true);
            case BtfType.Composite c -> {
                if (c.isAnonymous()) {
                    for (BtfType.Member m : c.members()) {
                        need(m.type(), true);
                    }
                } else if (complete) {
                    define(c);
                } else {
                    declare(c.id(), c.kind() == BtfKind.UNION, c.name());
                }
            }
            case BtfType.Enumeration e -> {
                if (!e.isAnonymous() && defined.add(e.id())) {
                    out.append(enumBody(e, 0)).append(";\n\n");
                }
            }
            case BtfType.Fwd f -> declare(f.id(), f.union(), f.name());
            case BtfType.FuncProto p -> {
                need(p.returnType(), false);
                for (BtfType.Param q : p.params()) {
                    need(q.type(), false);
                }
            }
            default -> {}
        }
    }

    private void declare(int id, boolean union, String name) throws IOException {
        if (defined.contains(id) || !declared.add(id)) {
            return;
        }
        out.append(union ? "union " : "struct ").append(name).append(";\n\n");
    }

    private void typedef(BtfType.Reference r) throws IOException {
        if (!defined.add(r.id())) {
            return;
        }
        int target = r.type();
        int under = btf.skipQualifiers(target);
        boolean inlineBody = btf.type(under) instanceof BtfType.Composite c && c.isAnonymous()
                || btf.type(under) instanceof BtfType.Enumeration e && e.isAnonymous();
        need(target, inlineBody);
        out.append("typedef ").append(declarator(target, r.name(), 0)).append(";\n\n");
    }

    private void define(BtfType.Composite c) throws IOException {
        if (defined.contains(c.id()) || !inProgress.add(c.id())) {
            return;
        }
        for (BtfType.Member m : c.members()) {
            need(m.type(), true);
        }
        inProgress.remove(c.id());
        defined.add(c.id());
        out.append(body(c, 0)).append(";\n\n");
    }

    private String body(BtfType.Composite c, int indent) {
        boolean union = c.kind() == BtfKind.UNION;
        StringBuilder sb = new StringBuilder();
        sb.append(union ? "union" : "struct");
        if (!c.isAnonymous()) {
            sb.append(' ').append(c.name());
        }
        sb.append(" {\n");
        boolean packed = false;
        long cur = 0;
        int maxAlign = 1;
        int pad = 0;
        for (BtfType.Member m : c.members()) {
            int align = alignment(m.type());
            maxAlign = Math.max(maxAlign, align);
            long at = union ? 0 : m.bitOffset();
            if (m.isBitfield()) {
                // A base type of no size (malformed BTF) still needs a unit to lay gaps out in: an int's.
                long unitSize = sizeOr(m.type(), 4);
                long unitBits = 8L * (unitSize > 0 ? unitSize : 4);
                while (!union && at > cur) {
                    if (cur % unitBits == 0 && at - cur >= unitBits) {
                        // Whole units of gap: padding bytes lay out the same, in one line however long the gap.
                        long bytes = (at - cur) / unitBits * unitBits / 8;
                        tab(sb, indent + 1)
                                .append("unsigned char __pad")
                                .append(pad++)
                                .append('[')
                                .append(bytes)
                                .append("];\n");
                        cur += bytes * 8;
                        continue;
                    }
                    long gap = Math.min(at - cur, unitBits - cur % unitBits);
                    tab(sb, indent + 1)
                            .append(declarator(m.type(), "", indent + 1))
                            .append(": ")
                            .append(gap)
                            .append(";\n");
                    cur += gap;
                }
                tab(sb, indent + 1)
                        .append(declarator(m.type(), m.name(), indent + 1))
                        .append(": ")
                        .append(m.bitfieldSize())
                        .append(";\n");
                cur = Math.max(cur, at + m.bitfieldSize());
                continue;
            }
            if (!union) {
                long natural = roundUp(cur, 8L * align);
                if (at < natural) {
                    packed = true;
                } else if (at > natural) {
                    long from = roundUp(cur, 8);
                    if (from > cur) {
                        // finish the open bitfield unit before byte padding
                        tab(sb, indent + 1)
                                .append("unsigned int : ")
                                .append(from - cur)
                                .append(";\n");
                    }
                    if (at > from) {
                        tab(sb, indent + 1)
                                .append("unsigned char __pad")
                                .append(pad++)
                                .append('[')
                                .append((at - from) / 8)
                                .append("];\n");
                    }
                }
            }
            tab(sb, indent + 1)
                    .append(declarator(m.type(), m.name(), indent + 1))
                    .append(";\n");
            long size = sizeOr(m.type(), 0);
            cur = union ? Math.max(cur, size * 8) : at + size * 8;
        }
        long total = 8L * Integer.toUnsignedLong(c.size());
        long natural = roundUp(cur, 8L * (packed ? 1 : maxAlign));
        if (total > natural) {
            long from = roundUp(cur, 8);
            if (from > cur) {
                tab(sb, indent + 1).append("unsigned int : ").append(from - cur).append(";\n");
            }
            tab(sb, indent + 1)
                    .append("unsigned char __pad")
                    .append(pad)
                    .append('[')
                    .append((total - from) / 8)
                    .append("];\n");
        } else if (total < natural) {
            packed = true;
        }
        tab(sb, indent).append('}');
        if (packed) {
            sb.append(" __attribute__((packed))");
        }
        return sb.toString();
    }

    private String enumBody(BtfType.Enumeration e, int indent) {
        StringBuilder sb = new StringBuilder("enum");
        if (!e.isAnonymous()) {
            sb.append(' ').append(e.name());
        }
        sb.append(" {\n");
        List<BtfType.EnumValue> values = e.values();
        for (int i = 0; i < values.size(); i++) {
            BtfType.EnumValue v = values.get(i);
            tab(sb, indent + 1).append(v.name()).append(" = ");
            if (e.kind() == BtfKind.ENUM) {
                sb.append(e.signed() ? Long.toString((int) v.value()) : Integer.toUnsignedString((int) v.value()));
            } else {
                sb.append(e.signed() ? v.value() + "LL" : Long.toUnsignedString(v.value()) + "ULL");
            }
            sb.append(i + 1 < values.size() ? ",\n" : "\n");
        }
        tab(sb, indent).append('}');
        return sb.toString();
    }

    /** The C declarator of {@code name} with type {@code id}, e.g. {@code u32 (*ssthresh)(struct sock *)}. */
    private String declarator(int id, String inner, int indent) {
        // As in need(): a malformed type that contains itself, nests absurdly or expands without end is cut short.
        if (declaring.size() >= MAX_DEPTH || exhausted() || !declaring.add(id)) {
            return join("void /* [" + id + "]: cycle or too deep */", inner);
        }
        try {
            return declaratorOnce(id, inner, indent);
        } finally {
            declaring.remove(id);
        }
    }

    private String declaratorOnce(int id, String inner, int indent) {
        BtfType t = btf.type(id);
        return switch (t) {
            case BtfType.Void v -> join("void", inner);
            case BtfType.Int i -> join(i.name(), inner);
            case BtfType.FloatType f -> join(f.name(), inner);
            case BtfType.Reference r ->
                switch (r.kind()) {
                    case PTR -> {
                        BtfKind target = btf.kind(r.type());
                        yield target == BtfKind.ARRAY || target == BtfKind.FUNC_PROTO
                                ? declarator(r.type(), "(*" + inner + ")", indent)
                                : declarator(r.type(), "*" + inner, indent);
                    }
                    case TYPEDEF -> join(r.name(), inner);
                    case TYPE_TAG -> declarator(r.type(), inner, indent);
                    default -> {
                        String q = r.kind() == BtfKind.CONST
                                ? "const"
                                : r.kind() == BtfKind.VOLATILE ? "volatile" : "restrict";
                        yield btf.kind(r.type()) == BtfKind.PTR
                                ? declarator(r.type(), q + " " + inner, indent)
                                : q + " " + declarator(r.type(), inner, indent);
                    }
                };
            case BtfType.Array a -> declarator(a.elementType(), inner + "[" + a.countUnsigned() + "]", indent);
            case BtfType.Composite c ->
                c.isAnonymous()
                        ? join(body(c, indent), inner)
                        : join((c.kind() == BtfKind.UNION ? "union " : "struct ") + c.name(), inner);
            case BtfType.Enumeration e ->
                e.isAnonymous() ? join(enumBody(e, indent), inner) : join("enum " + e.name(), inner);
            case BtfType.Fwd f -> join((f.union() ? "union " : "struct ") + f.name(), inner);
            case BtfType.FuncProto p -> {
                StringBuilder params = new StringBuilder();
                List<BtfType.Param> ps = p.params();
                for (int i = 0; i < ps.size(); i++) {
                    BtfType.Param q = ps.get(i);
                    if (i > 0) {
                        params.append(", ");
                    }
                    params.append(q.type() == 0 && i == ps.size() - 1 ? "..." : declarator(q.type(), q.name(), indent));
                }
                if (ps.isEmpty()) {
                    params.append("void");
                }
                yield declarator(p.returnType(), inner + "(" + params + ")", indent);
            }
            default -> join("void", inner);
        };
    }

    /** Takes a step; true once the steps or characters this dump may use are spent. */
    private boolean exhausted() {
        return --steps < 0 || chars < 0;
    }

    private String join(String base, String inner) {
        chars -= base.length() + inner.length() + 1;
        return inner.isEmpty() ? base : base + " " + inner;
    }

    private StringBuilder tab(StringBuilder sb, int n) {
        chars -= n;
        for (int i = 0; i < n; i++) {
            sb.append('\t');
        }
        return sb;
    }

    private static long roundUp(long v, long to) {
        return (v + to - 1) / to * to;
    }

    /*
     * Layout questions are asked once per type: malformed BTF answers them with an exception each time, and a dump
     * asks again for every member of that type.
     */
    private final Map<Integer, Integer> alignments = new HashMap<>();
    private final Map<Integer, Long> sizes = new HashMap<>();

    private int alignment(int id) {
        Integer known = alignments.get(id);
        if (known == null) {
            try {
                known = Math.max(1, btf.alignment(id));
            } catch (BtfException e) {
                known = 1;
            }
            alignments.put(id, known);
        }
        return known;
    }

    private long sizeOr(int id, long fallback) {
        Long known = sizes.get(id);
        if (known == null) {
            try {
                known = btf.size(id);
            } catch (BtfException e) {
                known = -1L;
            }
            sizes.put(id, known);
        }
        return known < 0 ? fallback : known;
    }
}
