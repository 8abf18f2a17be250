package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfExt;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import io.structops.loader.LoadException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * CO-RE: resolves an object's relocations against the running kernel's BTF, so that field offsets, sizes and
 * existence, type existence and sizes, and enum values are the kernel's, not those the object was compiled with.
 * Candidates are the kernel's types of the same kind whose name, without any {@code ___flavour} suffix, is the local
 * type's, in vmlinux or, when vmlinux has none, in the loaded modules (a module's private struct, say); fields are
 * matched by name along the access path. A relocation no candidate satisfies is poisoned as libbpf does (the
 * instruction becomes a call to an invalid helper, an error only if the verifier finds it reachable), except the
 * *_EXISTS kinds, which then yield 0.
 */
final class CoreRelocator {
    /** libbpf's poison: a call to helper 0xbad2310, which does not exist. */
    static final int POISON_HELPER = 0xbad2310;

    /** The BTF of the loaded modules, read only when a relocation finds no candidate in vmlinux. */
    interface Modules {
        List<Btf> btfs() throws BtfException;
    }

    private final Btf local;
    private final Btf target;
    private final Modules modules;
    private List<Btf> moduleBtfs;
    private final String where;

    /**
     * @param target vmlinux's BTF, where candidates are looked for first
     * @param modules the modules' BTF, where they are looked for when vmlinux has none (libbpf's order)
     */
    CoreRelocator(Btf local, Btf target, Modules modules, String where) {
        this.local = local;
        this.target = target;
        this.modules = modules;
        this.where = where;
    }

    /** A candidate kernel type: its id in vmlinux's BTF or in a module's split BTF. */
    private record Candidate(Btf btf, int id) {}

    /** A resolved field: byte offset, size, signedness and, for bitfields, the shifts that extract it. */
    private record Field(long bitOffset, int bitSize, long byteSize, boolean signed, int type) {}

    /** The access string in C terms, for people: member names after the root type, or the enumerator. */
    static String accessPath(Btf btf, int type, String access, BtfExt.CoreReloKind kind) {
        String root = btf.name(type).isEmpty() ? "(anon)" : btf.name(type);
        String[] steps = access.split(":");
        try {
            switch (kind) {
                case ENUMVAL_EXISTS, ENUMVAL_VALUE -> {
                    BtfType.Enumeration e = (BtfType.Enumeration) btf.type(btf.resolve(type));
                    return root + "::"
                            + e.values().get(Integer.parseInt(steps[0])).name();
                }
                case TYPE_ID_LOCAL, TYPE_ID_TARGET, TYPE_EXISTS, TYPE_MATCHES, TYPE_SIZE -> {
                    return root;
                }
                default -> {
                    StringBuilder sb = new StringBuilder(root);
                    if (!steps[0].equals("0")) {
                        sb.append('[').append(steps[0]).append(']');
                    }
                    int t = type;
                    for (int i = 1; i < steps.length; i++) {
                        int index = Integer.parseInt(steps[i]);
                        BtfType resolved = btf.type(btf.resolve(t));
                        if (resolved instanceof BtfType.Array a) {
                            sb.append('[').append(index).append(']');
                            t = a.elementType();
                        } else {
                            BtfType.Member m = btf.members(btf.resolve(t)).get(index);
                            sb.append('.').append(m.name().isEmpty() ? "(anon)" : m.name());
                            t = m.type();
                        }
                    }
                    return sb.toString();
                }
            }
        } catch (RuntimeException e) {
            return root + " " + access;
        }
    }

    /**
     * A relocation's value as compiled and on the kernel ({@code null}: no kernel type satisfies it); {@code validate}
     * says whether the instruction must hold the compiled value. It need not for a bitfield: clang picks the load
     * size and shifts of a bitfield read itself, and libbpf does not check them either.
     */
    record Outcome(long local, Long kernel, String what, boolean validate) {}

    /** Works out one relocation without touching any instruction. */
    Outcome explain(BtfExt.CoreRelo relo) throws LoadException {
        String access = local.string(relo.accessStringOffset());
        String what = where + ": CO-RE " + relo.kind() + " of " + local.name(relo.typeId()) + " '" + access + "'";
        try {
            return new Outcome(
                    value(local, relo, access, relo.typeId(), true),
                    resolve(relo, access, what),
                    what,
                    !localBitfield(relo, access));
        } catch (BtfException e) {
            throw new LoadException(what + ": " + e.getMessage(), null, e);
        }
    }

    /**
     * Applies one relocation to the instruction at {@code at} (byte offset in {@code insns}); returns what was
     * poisoned (for the error if the verifier reaches it), or null.
     */
    String apply(ByteBuffer insns, int at, BtfExt.CoreRelo relo) throws LoadException {
        Outcome o = explain(relo);
        if (o.kernel() == null) {
            poison(insns, at);
            return relo.kind() + " "
                    + accessPath(local, relo.typeId(), local.string(relo.accessStringOffset()), relo.kind());
        }
        patch(insns, at, o.local(), o.kernel(), o.what(), o.validate());
        return null;
    }

    /** Whether a field relocation's local field is a bitfield. */
    private boolean localBitfield(BtfExt.CoreRelo relo, String access) throws BtfException {
        return switch (relo.kind()) {
            case FIELD_BYTE_OFFSET, FIELD_BYTE_SIZE, FIELD_SIGNED, FIELD_LSHIFT_U64, FIELD_RSHIFT_U64 -> {
                Field f = field(local, relo.typeId(), access, relo.typeId());
                yield f != null && f.bitSize() != 0;
            }
            default -> false;
        };
    }

    private Long resolve(BtfExt.CoreRelo relo, String access, String what) throws BtfException, LoadException {
        if (relo.kind() == BtfExt.CoreReloKind.TYPE_ID_LOCAL) {
            return (long) relo.typeId();
        }
        List<Long> results = new ArrayList<>();
        for (Candidate candidate : candidates(relo.typeId())) {
            Long v = tryCandidate(relo, access, candidate.btf(), candidate.id());
            if (v != null) {
                results.add(v);
            }
        }
        if (results.isEmpty()) {
            return switch (relo.kind()) {
                case FIELD_EXISTS, TYPE_EXISTS, TYPE_MATCHES, ENUMVAL_EXISTS -> 0L;
                default -> null;
            };
        }
        for (Long r : results) {
            if (!r.equals(results.get(0))) {
                throw new LoadException(what + ": the kernel's candidate types disagree (" + results + ")", null, null);
            }
        }
        return results.get(0);
    }

    /**
     * Kernel types of the local root type's kind and essential name: vmlinux's, or if it has none, the modules' own
     * (a module's split BTF also answers for vmlinux's ids beneath its own).
     */
    private List<Candidate> candidates(int localType) throws BtfException {
        List<Candidate> out = new ArrayList<>();
        collect(localType, target, 1, out);
        if (out.isEmpty()) {
            if (moduleBtfs == null) {
                moduleBtfs = modules.btfs();
            }
            for (Btf module : moduleBtfs) {
                collect(localType, module, module.firstId(), out);
            }
        }
        return out;
    }

    private void collect(int localType, Btf btf, int firstId, List<Candidate> out) {
        BtfKind kind = local.kind(localType);
        String name = io.structops.btf.BtfNames.withoutFlavour(local.name(localType));
        if (name.isEmpty()) {
            return;
        }
        for (int id : btf.idsByName(name)) {
            if (id < firstId) {
                continue;
            }
            BtfKind k = btf.kind(id);
            boolean composite = (kind == BtfKind.STRUCT || kind == BtfKind.UNION || kind == BtfKind.FWD)
                    && (k == BtfKind.STRUCT || k == BtfKind.UNION);
            boolean enumLike =
                    (kind == BtfKind.ENUM || kind == BtfKind.ENUM64) && (k == BtfKind.ENUM || k == BtfKind.ENUM64);
            if (k == kind || composite || enumLike) {
                out.add(new Candidate(btf, id));
            }
        }
    }

    private Long tryCandidate(BtfExt.CoreRelo relo, String access, Btf target, int candidate) throws BtfException {
        return switch (relo.kind()) {
            case TYPE_ID_TARGET -> (long) candidate;
            case TYPE_EXISTS, TYPE_MATCHES -> 1L;
            case TYPE_SIZE -> target.size(candidate);
            case ENUMVAL_EXISTS, ENUMVAL_VALUE -> {
                BtfType.Enumeration le = (BtfType.Enumeration) local.type(local.resolve(relo.typeId()));
                String enumerator = le.values().get(Integer.parseInt(access)).name();
                if (!(target.type(candidate) instanceof BtfType.Enumeration te)) {
                    yield null;
                }
                for (BtfType.EnumValue v : te.values()) {
                    if (v.name().equals(enumerator)) {
                        yield relo.kind() == BtfExt.CoreReloKind.ENUMVAL_EXISTS ? 1L : v.value();
                    }
                }
                yield null;
            }
            default -> {
                Field f = field(target, candidate, access, relo.typeId());
                yield f == null ? null : fieldValue(relo.kind(), f, target);
            }
        };
    }

    /** The value the relocation has in the object as compiled, which the instruction must hold now. */
    private long value(Btf btf, BtfExt.CoreRelo relo, String access, int type, boolean isLocal) throws BtfException {
        return switch (relo.kind()) {
            case TYPE_ID_LOCAL, TYPE_ID_TARGET -> type;
            case TYPE_EXISTS, TYPE_MATCHES, FIELD_EXISTS, ENUMVAL_EXISTS -> 1;
            case TYPE_SIZE -> btf.size(type);
            case ENUMVAL_VALUE ->
                ((BtfType.Enumeration) btf.type(btf.resolve(type)))
                        .values()
                        .get(Integer.parseInt(access))
                        .value();
            default -> fieldValue(relo.kind(), field(btf, type, access, type), btf);
        };
    }

    /**
     * Walks an access string ("0:1:2": array index into the root, then member or element indexes) through
     * {@code root} in {@code btf}, matching the local path's member names when {@code btf} is the kernel's.
     */
    private Field field(Btf btf, int root, String access, int localRoot) throws BtfException {
        String[] steps = access.split(":");
        int localType = local.resolve(localRoot);
        int type = btf.resolve(root);
        long bitOffset = (long) Integer.parseInt(steps[0]) * 8 * btf.size(type);
        int bitSize = 0;
        for (int s = 1; s < steps.length; s++) {
            int index = Integer.parseInt(steps[s]);
            BtfType lt = local.type(localType);
            if (lt instanceof BtfType.Composite lc) {
                BtfType.Member lm = lc.members().get(index);
                if (!(btf.type(type) instanceof BtfType.Composite tc)) {
                    return null;
                }
                if (btf != local && lm.name().isEmpty()) {
                    // An anonymous struct or union: C reaches its members by their own names, and the kernel may
                    // nest them otherwise; the next named member is looked up by name from here (libbpf likewise
                    // keeps no accessor for an anonymous member).
                    if (s == steps.length - 1) {
                        return null;
                    }
                    localType = local.resolve(lm.type());
                    continue;
                }
                BtfType.Member tm = btf == local ? lm : byName(btf, tc, lm.name());
                if (tm == null) {
                    return null;
                }
                bitOffset += tm.bitOffset();
                bitSize = tm.bitfieldSize();
                localType = local.resolve(lm.type());
                type = btf.resolve(tm.type());
                if (btf != local && !compatible(local, localType, btf, type)) {
                    return null;
                }
            } else if (lt instanceof BtfType.Array la) {
                if (!(btf.type(type) instanceof BtfType.Array ta)) {
                    return null;
                }
                if (btf != local && ta.count() != 0 && index >= ta.countUnsigned()) {
                    return null;
                }
                bitOffset += (long) index * 8 * btf.size(ta.elementType());
                localType = local.resolve(la.elementType());
                type = btf.resolve(ta.elementType());
                bitSize = 0;
            } else {
                return null;
            }
        }
        long byteSize = bitSize == 0 ? btf.size(type) : btf.size(type);
        boolean signed = btf.type(type) instanceof BtfType.Int i
                ? i.signed()
                : btf.type(type) instanceof BtfType.Enumeration e && e.signed();
        return new Field(bitOffset, bitSize, byteSize, signed, type);
    }

    /** A member by name, looking into anonymous struct/union members as C does. */
    private static BtfType.Member byName(Btf btf, BtfType.Composite c, String name) {
        for (BtfType.Member m : c.members()) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        for (BtfType.Member m : c.members()) {
            if (m.name().isEmpty() && btf.type(btf.resolve(m.type())) instanceof BtfType.Composite inner) {
                BtfType.Member found = byName(btf, inner, name);
                if (found != null) {
                    return new BtfType.Member(
                            found.nameOffset(),
                            found.name(),
                            found.type(),
                            m.bitOffset() + found.bitOffset(),
                            found.bitfieldSize(),
                            0);
                }
            }
        }
        return null;
    }

    /** Field types are compatible when their kinds agree (ints and enums of any size, pointers, composites). */
    private static boolean compatible(Btf a, int ta, Btf b, int tb) {
        BtfKind ka = a.kind(ta);
        BtfKind kb = b.kind(tb);
        boolean intLike = (ka == BtfKind.INT || ka == BtfKind.ENUM || ka == BtfKind.ENUM64)
                && (kb == BtfKind.INT || kb == BtfKind.ENUM || kb == BtfKind.ENUM64);
        boolean composite = (ka == BtfKind.STRUCT || ka == BtfKind.UNION || ka == BtfKind.FWD)
                && (kb == BtfKind.STRUCT || kb == BtfKind.UNION);
        return intLike || composite || ka == kb;
    }

    private static long fieldValue(BtfExt.CoreReloKind kind, Field f, Btf btf) throws BtfException {
        if (f.bitSize() == 0) {
            return switch (kind) {
                case FIELD_BYTE_OFFSET -> f.bitOffset() / 8;
                case FIELD_BYTE_SIZE -> f.byteSize();
                case FIELD_EXISTS -> 1;
                case FIELD_SIGNED -> f.signed() ? 1 : 0;
                case FIELD_LSHIFT_U64 -> 64 - 8 * f.byteSize();
                case FIELD_RSHIFT_U64 -> 64 - 8 * f.byteSize();
                default -> throw new IllegalStateException(kind.toString());
            };
        }
        // A bitfield is read by loading the smallest naturally aligned power-of-two span that holds it.
        long size = f.byteSize();
        long byteOffset = f.bitOffset() / 8 / size * size;
        while (f.bitOffset() + f.bitSize() - byteOffset * 8 > size * 8) {
            if (size >= 8) {
                throw new BtfException(btf.source(), f.type(), "bitfield too wide to relocate");
            }
            size *= 2;
            byteOffset = f.bitOffset() / 8 / size * size;
        }
        return switch (kind) {
            case FIELD_BYTE_OFFSET -> byteOffset;
            case FIELD_BYTE_SIZE -> size;
            case FIELD_EXISTS -> 1;
            case FIELD_SIGNED -> f.signed() ? 1 : 0;
            case FIELD_LSHIFT_U64 -> 64 - (f.bitOffset() + f.bitSize() - byteOffset * 8);
            case FIELD_RSHIFT_U64 -> 64 - f.bitSize();
            default -> throw new IllegalStateException(kind.toString());
        };
    }

    private void patch(ByteBuffer insns, int at, long localValue, long targetValue, String what, boolean validate)
            throws LoadException {
        int code = Insn.code(insns, at);
        int cls = code & 0x07;
        switch (cls) {
            case 0x04, 0x07 -> { // ALU, ALU64 with an immediate
                checkOriginal(validate, Insn.imm(insns, at), localValue, what);
                Insn.imm(insns, at, (int) targetValue);
            }
            case 0x01, 0x02, 0x03 -> { // LDX, ST, STX: the offset
                checkOriginal(validate, Insn.off(insns, at), localValue, what);
                if (targetValue > Short.MAX_VALUE) {
                    throw new LoadException(
                            what + ": offset " + targetValue + " does not fit an instruction", null, null);
                }
                Insn.off(insns, at, (short) targetValue);
            }
            case 0x00 -> { // LD_IMM64
                if (code != Insn.LD_IMM64) {
                    throw new LoadException(what + ": unexpected instruction " + code, null, null);
                }
                long orig = Insn.imm64(insns, at);
                checkOriginal(validate, orig, localValue, what);
                Insn.imm64(insns, at, targetValue);
            }
            default -> throw new LoadException(what + ": cannot relocate instruction class " + cls, null, null);
        }
    }

    private static void checkOriginal(boolean validate, long actual, long expected, String what) throws LoadException {
        if (validate && actual != expected) {
            throw new LoadException(
                    what + ": the instruction holds " + actual + " where the object's BTF says " + expected,
                    null,
                    null);
        }
    }

    private static void poison(ByteBuffer insns, int at) {
        Insn.poisonCall(insns, at, POISON_HELPER);
    }
}
