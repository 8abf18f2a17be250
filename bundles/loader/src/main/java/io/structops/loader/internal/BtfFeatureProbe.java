package io.structops.loader.internal;

import io.structops.btf.BtfKind;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which BTF kinds the running kernel refuses, found by loading a tiny BTF blob that uses each (as libbpf probes),
 * so that an object's BTF can be sanitised before BPF_BTF_LOAD. Only the kinds newer than struct_ops itself are
 * probed (FLOAT 5.13, DECL_TAG 5.16, TYPE_TAG 5.17, ENUM64 6.0): a kernel with struct_ops already has FUNC, VAR and
 * DATASEC. The answer is worked out once and kept; the kernel does not change under a running runtime.
 */
final class BtfFeatureProbe {
    private static final int INT = 1;
    private static final int PTR = 2;
    private static final int STRUCT = 4;
    private static final int FLOAT = 16;
    private static final int DECL_TAG = 17;
    private static final int TYPE_TAG = 18;
    private static final int ENUM64 = 19;

    private final Bpf bpf;
    private volatile Set<BtfKind> unsupported;

    BtfFeatureProbe(Bpf bpf) {
        this.bpf = bpf;
    }

    /** The probed kinds this kernel refuses; empty on a current kernel. */
    Set<BtfKind> unsupported() {
        Set<BtfKind> known = unsupported;
        if (known == null) {
            Set<BtfKind> refused = EnumSet.noneOf(BtfKind.class);
            for (BtfKind kind : new BtfKind[] {BtfKind.FLOAT, BtfKind.DECL_TAG, BtfKind.TYPE_TAG, BtfKind.ENUM64}) {
                if (!accepts(kind)) {
                    refused.add(kind);
                }
            }
            known = Set.copyOf(refused);
            unsupported = known;
        }
        return known;
    }

    private boolean accepts(BtfKind kind) {
        try (BpfFd fd = bpf.btfLoad(blob(kind), "structops feature probe: " + kind)) {
            return true;
        } catch (BpfException e) {
            // EINVAL is the kernel not knowing the kind. Anything else (EPERM, ENOMEM) says nothing about BTF; the
            // object's own BTF_LOAD will then fail and say why.
            return !"EINVAL".equals(e.errnoName());
        }
    }

    /** [1] int, then a use of {@code kind}; strings: "", "int", "x". */
    static byte[] blob(BtfKind kind) {
        ByteBuffer t = ByteBuffer.allocate(128).order(ByteOrder.nativeOrder());
        int intName = 1;
        int x = 5;
        t.putInt(intName).putInt(INT << 24).putInt(4).putInt((1 << 24) | 32);
        switch (kind) {
            case FLOAT -> t.putInt(x).putInt(FLOAT << 24).putInt(4);
            case DECL_TAG -> {
                t.putInt(x)
                        .putInt((STRUCT << 24) | 1)
                        .putInt(4)
                        .putInt(x)
                        .putInt(1)
                        .putInt(0); // [2] struct x {int x;}
                t.putInt(x).putInt(DECL_TAG << 24).putInt(2).putInt(-1); // [3] tag "x" on [2]
            }
            case TYPE_TAG -> {
                t.putInt(x).putInt(TYPE_TAG << 24).putInt(1); // [2] tag "x" on int
                t.putInt(0).putInt(PTR << 24).putInt(2); // [3] pointer to it
            }
            case ENUM64 ->
                t.putInt(x)
                        .putInt((ENUM64 << 24) | 1)
                        .putInt(8)
                        .putInt(x)
                        .putInt(1)
                        .putInt(1);
            default -> throw new IllegalArgumentException(kind + " is not probed");
        }
        byte[] strings = "\0int\0x\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(24 + t.position() + strings.length).order(ByteOrder.nativeOrder());
        out.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24);
        out.putInt(0).putInt(t.position()).putInt(t.position()).putInt(strings.length);
        out.put(t.array(), 0, t.position()).put(strings);
        return out.array();
    }
}
