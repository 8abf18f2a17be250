package io.structops.shell.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfNames;
import io.structops.btf.BtfType;
import io.structops.elf.StructOpsSlot;
import io.structops.elf.StructOpsVariable;
import io.structops.kernel.btf.KernelBtf;
import io.structops.kernel.btf.StructOpsType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A struct_ops variable seen through BTF: its C type, its initialised members by name, and what the kernel (when its
 * BTF is at hand) would make of them.
 */
final class StructOpsTypes {
    private StructOpsTypes() {
    }

    /** One initialised member: a function pointer bound to a program, or data with its value. */
    record Member(String name, long offset, boolean function, String program, String value, long size) {
    }

    /** What the kernel offers for the variable's type. */
    record KernelView(boolean offered, String module, List<String> rejected, List<String> ignored) {
    }

    record Description(String type, List<Member> members, KernelView kernel) {
    }

    static Optional<Description> describe(StructOpsVariable v, Btf btf, ByteOrder order, KernelBtf kernel)
            throws BtfException {
        Optional<Integer> typeId = variableType(v, btf);
        if (typeId.isEmpty()) {
            return Optional.empty();
        }
        int id = btf.resolve(typeId.get());
        if (btf.kind(id) != BtfKind.STRUCT) {
            throw new BtfException(btf.source(), id, "struct_ops variable '" + v.name() + "' is a " + btf.kind(id)
                    + ", not a struct");
        }
        String type = BtfNames.withoutFlavour(btf.name(id));
        byte[] value = v.initialValue();
        List<Member> members = new ArrayList<>();
        for (BtfType.Member m : btf.members(id)) {
            long off = m.byteOffset();
            Optional<StructOpsSlot> slot = v.slots().stream().filter(s -> s.offset() == off).findFirst();
            if (slot.isPresent() && btf.isFunctionPointer(m.type())) {
                members.add(new Member(m.name(), off, true, slot.get().program().name(), null, 8));
                continue;
            }
            if (m.isBitfield()) {
                continue;
            }
            long size = btf.size(m.type());
            if (off + size > value.length || allZero(value, (int) off, (int) size)) {
                continue;
            }
            members.add(new Member(m.name(), off, false, null, format(btf, m.type(), value, (int) off, (int) size,
                    order), size));
        }
        return Optional.of(new Description(type, members, kernelView(type, btf, id, members, kernel)));
    }

    private static KernelView kernelView(String type, Btf btf, int id, List<Member> set, KernelBtf kernel) {
        if (kernel == null) {
            return null;
        }
        try {
            Optional<StructOpsType> offered = kernel.structOpsType(type);
            if (offered.isEmpty()) {
                return new KernelView(false, null, List.of(), List.of());
            }
            Btf kbtf = kernel.btf(offered.get().module()).orElseThrow();
            List<String> kernelMembers = kbtf.members(offered.get().typeId()).stream().map(BtfType.Member::name)
                    .toList();
            List<String> rejected = new ArrayList<>();
            List<String> ignored = new ArrayList<>();
            for (BtfType.Member m : btf.members(id)) {
                if (m.name().isEmpty() || kernelMembers.contains(m.name())) {
                    continue;
                }
                if (set.stream().anyMatch(s -> s.name().equals(m.name()))) {
                    rejected.add(m.name());
                } else {
                    ignored.add(m.name());
                }
            }
            return new KernelView(true, offered.get().module(), rejected, ignored);
        } catch (BtfException e) {
            return null;
        }
    }

    private static Optional<Integer> variableType(StructOpsVariable v, Btf btf) {
        for (int id : btf.idsByName(v.name())) {
            if (btf.kind(id) == BtfKind.VAR) {
                return Optional.of(((BtfType.Var) btf.type(id)).type());
            }
        }
        return Optional.empty();
    }

    private static boolean allZero(byte[] b, int from, int len) {
        for (int i = from; i < from + len; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Integers as numbers, enums by enumerator, char arrays as strings, anything else as hex. */
    static String format(Btf btf, int type, byte[] value, int off, int size, ByteOrder order) {
        int r = btf.resolve(type);
        BtfType t = btf.type(r);
        ByteBuffer b = ByteBuffer.wrap(value, off, size).order(order);
        if ((t instanceof BtfType.Int || t instanceof BtfType.Enumeration) && (size == 1 || size == 2 || size == 4
                || size == 8)) {
            long n = switch (size) {
                case 1 -> b.get(off);
                case 2 -> b.getShort(off);
                case 4 -> b.getInt(off);
                default -> b.getLong(off);
            };
            boolean signed = t instanceof BtfType.Int i ? i.signed() : ((BtfType.Enumeration) t).signed();
            if (!signed && size < 8) {
                n &= (1L << (8 * size)) - 1;
            }
            if (t instanceof BtfType.Enumeration e) {
                for (BtfType.EnumValue ev : e.values()) {
                    if (ev.value() == n) {
                        return ev.name();
                    }
                }
            }
            return signed || size < 8 ? Long.toString(n) : Long.toUnsignedString(n);
        }
        if (t instanceof BtfType.Array a && btf.type(btf.resolve(a.elementType())) instanceof BtfType.Int e
                && e.size() == 1) {
            int end = off;
            while (end < off + size && value[end] != 0) {
                end++;
            }
            return "\"" + new String(value, off, end - off, StandardCharsets.UTF_8) + "\"";
        }
        StringBuilder hex = new StringBuilder("0x");
        for (int i = off; i < off + size; i++) {
            hex.append(String.format("%02x", value[i]));
        }
        return hex.toString();
    }

    /** Arrays longer than this are shown by their first elements and a count, as a table cell must stay readable. */
    static final int MAX_ELEMENTS = 256;

    /**
     * A value typed through BTF, as bpftool's map dump shows it: integers and enums as {@link #format} gives them,
     * structs and unions as their members by name (bitfields included), arrays as lists, a {@code char} array as
     * text only when it holds text (printable up to its NUL, zeros after), anything else as hex.
     */
    static Object value(Btf btf, int type, byte[] bytes, int off, int size, ByteOrder order) {
        try {
            return typed(btf, type, bytes, off, size, order);
        } catch (BtfException | RuntimeException e) {
            return "?";
        }
    }

    private static Object typed(Btf btf, int type, byte[] bytes, int off, int size, ByteOrder order)
            throws BtfException {
        BtfType t = btf.type(btf.resolve(type));
        if (off < 0 || size < 0 || off + size > bytes.length) {
            return "?";
        }
        if (t instanceof BtfType.Composite c) {
            Map<String, Object> members = new LinkedHashMap<>();
            for (BtfType.Member m : c.members()) {
                members.put(m.name().isEmpty() ? "(anonymous)" : m.name(), member(btf, m, bytes, off, size, order));
            }
            return members;
        }
        if (t instanceof BtfType.Array a) {
            int elementType = btf.resolve(a.elementType());
            int element = (int) btf.size(elementType);
            if (element == 1 && btf.type(elementType) instanceof BtfType.Int && isText(bytes, off, size)) {
                return format(btf, type, bytes, off, size, order);
            }
            List<Object> list = new ArrayList<>();
            long count = a.countUnsigned();
            for (int i = 0; element > 0 && i < count && i < MAX_ELEMENTS; i++) {
                list.add(typed(btf, elementType, bytes, off + i * element, element, order));
            }
            if (count > MAX_ELEMENTS) {
                list.add("... " + (count - MAX_ELEMENTS) + " more");
            }
            return list;
        }
        return format(btf, type, bytes, off, size, order);
    }

    private static Object member(Btf btf, BtfType.Member m, byte[] bytes, int off, int size, ByteOrder order)
            throws BtfException {
        int at = off + (int) (m.bitOffset() / 8);
        if (!m.isBitfield()) {
            int memberSize = (int) Math.min(btf.size(m.type()), Math.max(0, off + size - at));
            return typed(btf, m.type(), bytes, at, memberSize, order);
        }
        // A bitfield: its bits, little-endian as on the machines structops runs on.
        long bits = 0;
        int first = (int) (m.bitOffset() / 8);
        int last = (int) ((m.bitOffset() + m.bitfieldSize() - 1) / 8);
        for (int i = last; i >= first; i--) {
            bits = (bits << 8) | (bytes[off + i] & 0xff);
        }
        bits >>>= m.bitOffset() % 8;
        return Long.toString(m.bitfieldSize() >= 64 ? bits : bits & ((1L << m.bitfieldSize()) - 1));
    }

    /** Printable characters up to a NUL, and nothing but NULs after it (a byte buffer is not text). */
    static boolean isText(byte[] bytes, int off, int size) {
        int end = off;
        while (end < off + size && bytes[end] != 0) {
            int c = bytes[end] & 0xff;
            if (c < 0x20 && c != '\n' && c != '\t' || c == 0x7f) {
                return false;
            }
            end++;
        }
        for (int i = end; i < off + size; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    static Map<String, Object> kernelJson(KernelView k) {
        if (k == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("offered", k.offered());
        m.put("module", k.module());
        m.put("rejectedMembers", k.rejected());
        m.put("ignoredMembers", k.ignored());
        return m;
    }
}
