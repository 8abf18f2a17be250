package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import io.structops.handler.HandlerException;
import io.structops.handler.Preparation;
import io.structops.handler.StructOps;
import io.structops.kernvdata.StructOpsPlan;
import io.structops.loader.LoadOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One struct_ops map's {@link Preparation}: globals and array sizes a handler gives go into {@code defaults} and
 * {@code arrayDefaults} (unless the user gave them), integer members into a copy of the plan's value.
 */
final class Prepared implements Preparation {
    private final StructOps ops;
    private final Btf kernelBtf;
    private final Set<String> globals;
    private final Map<String, String> userGlobals;
    private final Map<String, String> defaults;
    private final Map<String, Integer> userArrays;
    private final Map<String, Integer> arrayDefaults;
    private final StructOpsPlan plan;
    private final byte[] value;
    private boolean changed;

    Prepared(
            StructOps ops,
            StructOpsPlan plan,
            Btf kernelBtf,
            Set<String> globals,
            LoadOptions user,
            Map<String, String> defaults,
            Map<String, Integer> arrayDefaults) {
        this.ops = ops;
        this.plan = plan;
        this.kernelBtf = kernelBtf;
        this.globals = globals;
        this.userGlobals = user.globals();
        this.defaults = defaults;
        this.userArrays = user.arrays();
        this.arrayDefaults = arrayDefaults;
        this.value = plan.value();
    }

    @Override
    public StructOps ops() {
        return ops;
    }

    @Override
    public Set<String> globals() {
        return globals;
    }

    @Override
    public void global(String name, String text) throws HandlerException {
        if (!globals.contains(name)) {
            throw new HandlerException("the object has no global variable " + name);
        }
        if (!userGlobals.containsKey(name)) {
            defaults.put(name, text);
        }
    }

    @Override
    public void array(String name, int elements) throws HandlerException {
        if (!globals.contains(name)) {
            throw new HandlerException("the object has no global variable " + name);
        }
        if (!userArrays.containsKey(name)) {
            arrayDefaults.put(name, elements);
        }
    }

    @Override
    public void member(String name, long v) throws HandlerException {
        Optional<BtfType.Member> m =
                TypedValues.member(kernelBtf, plan.kernelType().typeId(), name);
        int type = m.isEmpty() ? 0 : kernelBtf.resolve(m.get().type());
        if (m.isEmpty()
                || (kernelBtf.kind(type) != BtfKind.INT
                        && kernelBtf.kind(type) != BtfKind.ENUM
                        && kernelBtf.kind(type) != BtfKind.ENUM64)) {
            throw new HandlerException("the kernel's " + plan.kernelType().name() + " has no integer member " + name);
        }
        int at = (int) (plan.kernelType().dataOffset() + m.get().byteOffset());
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        long size;
        try {
            size = kernelBtf.size(type);
        } catch (BtfException e) {
            throw new HandlerException("member " + name + ": " + e.getMessage());
        }
        switch ((int) size) {
            case 1 -> b.put(at, (byte) v);
            case 2 -> b.putShort(at, (short) v);
            case 4 -> b.putInt(at, (int) v);
            default -> b.putLong(at, v);
        }
        changed = true;
    }

    /** The plan with the members the handler set; the same plan if it set none. */
    StructOpsPlan plan() {
        return changed
                ? new StructOpsPlan(plan.variable(), plan.kernelType(), value, plan.slots(), plan.ignoredMembers())
                : plan;
    }
}
