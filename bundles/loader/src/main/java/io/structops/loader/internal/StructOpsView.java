package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import io.structops.handler.StructOps;
import io.structops.kernvdata.StructOpsPlan;
import io.structops.loader.LoadedMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** A struct_ops map for handlers: the planned kernel value, read through the kernel's BTF by member name. */
final class StructOpsView implements StructOps {
    private final String object;
    private final boolean linkBased;
    private final StructOpsPlan plan;
    private final Btf kernelBtf;
    private final byte[] value;
    private final Set<String> programMembers;
    private final StructOps replacing;
    private volatile LoadedMap loaded;

    StructOpsView(String object, boolean linkBased, StructOpsPlan plan, Btf kernelBtf, StructOps replacing) {
        this.object = object;
        this.linkBased = linkBased;
        this.plan = plan;
        this.kernelBtf = kernelBtf;
        this.value = plan.value();
        this.replacing = replacing;
        Set<String> members = new LinkedHashSet<>();
        for (StructOpsPlan.Slot s : plan.slots()) {
            members.add(s.member());
        }
        this.programMembers = Set.copyOf(members);
    }

    void loaded(LoadedMap map) {
        loaded = map;
    }

    @Override
    public String object() {
        return object;
    }

    @Override
    public String mapName() {
        return plan.variable();
    }

    @Override
    public String struct() {
        return plan.kernelType().name();
    }

    @Override
    public boolean linkBased() {
        return linkBased;
    }

    @Override
    public Set<String> programMembers() {
        return programMembers;
    }

    private Optional<BtfType.Member> member(String name) {
        return kernelBtf.members(plan.kernelType().typeId()).stream()
                .filter(m -> m.name().equals(name) && !m.isBitfield()).findFirst();
    }

    @Override
    public Optional<String> string(String name) {
        Optional<BtfType.Member> m = member(name);
        if (m.isEmpty()) {
            return Optional.empty();
        }
        int t = kernelBtf.resolve(m.get().type());
        if (!(kernelBtf.type(t) instanceof BtfType.Array a)
                || !(kernelBtf.type(kernelBtf.resolve(a.elementType())) instanceof BtfType.Int i) || i.size() != 1) {
            return Optional.empty();
        }
        int from = (int) (plan.kernelType().dataOffset() + m.get().byteOffset());
        int end = from;
        while (end < from + a.count() && end < value.length && value[end] != 0) {
            end++;
        }
        return Optional.of(new String(value, from, end - from, StandardCharsets.ISO_8859_1));
    }

    @Override
    public OptionalLong integer(String name) {
        Optional<BtfType.Member> m = member(name);
        if (m.isEmpty()) {
            return OptionalLong.empty();
        }
        int t = kernelBtf.resolve(m.get().type());
        BtfKind kind = kernelBtf.kind(t);
        if (kind != BtfKind.INT && kind != BtfKind.ENUM && kind != BtfKind.ENUM64) {
            return OptionalLong.empty();
        }
        boolean signed = kernelBtf.type(t) instanceof BtfType.Int i ? i.signed()
                : kernelBtf.type(t) instanceof BtfType.Enumeration e && e.signed();
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        int at = (int) (plan.kernelType().dataOffset() + m.get().byteOffset());
        long v;
        try {
            v = switch ((int) kernelBtf.size(t)) {
                case 1 -> signed ? b.get(at) : Byte.toUnsignedLong(b.get(at));
                case 2 -> signed ? b.getShort(at) : Short.toUnsignedLong(b.getShort(at));
                case 4 -> signed ? b.getInt(at) : Integer.toUnsignedLong(b.getInt(at));
                case 8 -> b.getLong(at);
                default -> throw new IllegalStateException();
            };
        } catch (RuntimeException | io.structops.btf.BtfException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(v);
    }

    @Override
    public Optional<LoadedMap> loaded() {
        return Optional.ofNullable(loaded);
    }

    @Override
    public Optional<StructOps> replacing() {
        return Optional.ofNullable(replacing);
    }

    @Override
    public String toString() {
        return struct() + " " + mapName() + " from " + object;
    }
}
