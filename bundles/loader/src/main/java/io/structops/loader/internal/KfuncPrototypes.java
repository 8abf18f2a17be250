package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import java.util.List;

/**
 * Whether an object's declaration of a kernel function matches the kernel's, by libbpf's rule for kfunc externs:
 * the same number of parameters, and each parameter and the return type of a compatible kind once typedefs and
 * modifiers are skipped (any two integers that are not bitfields, any two enums, structs or unions by kind, pointers
 * and arrays by what they hold, function prototypes in turn, two levels deep). A weak declaration that does not match
 * is left unresolved, which is how sched_ext's compat headers pick between a kernel function's old and new
 * signatures under one name; a strong one fails the load. One difference from libbpf 1.5: a struct the object only
 * declares ({@code struct sock;}, a FWD) matches the kernel's struct, as the verifier, which checks calls against
 * the kernel's BTF, accepts (libbpf refuses such a declaration, "func_proto incompatible with vmlinux").
 */
final class KfuncPrototypes {
    /** How deep prototypes nest in parameters before a match is refused (libbpf's limit). */
    private static final int PROTO_LEVELS = 2;
    /** How long a chain of pointers and arrays is followed (libbpf's limit). */
    private static final int DEPTH = 32;

    private KfuncPrototypes() {}

    /** Whether the local FUNC {@code localFunc} and the kernel's FUNC {@code kernelFunc} match. */
    static boolean match(Btf local, int localFunc, Btf kernel, int kernelFunc) {
        if (!(local.type(localFunc) instanceof BtfType.Func l)
                || !(kernel.type(kernelFunc) instanceof BtfType.Func k)) {
            return false;
        }
        return compatible(local, l.proto(), kernel, k.proto(), PROTO_LEVELS);
    }

    private static boolean compatible(Btf local, int localId, Btf kernel, int kernelId, int levels) {
        int l = localId;
        int k = kernelId;
        for (int depth = 0; depth < DEPTH; depth++) {
            l = local.resolve(l);
            k = kernel.resolve(k);
            BtfKind lk = local.kind(l);
            BtfKind kk = kernel.kind(k);
            if (lk != kk && !(isEnum(lk) && isEnum(kk)) && !(lk == BtfKind.FWD && isComposite(kk))) {
                return false;
            }
            switch (lk) {
                case VOID, STRUCT, UNION, ENUM, ENUM64, FWD -> {
                    return true;
                }
                case INT -> {
                    return ((BtfType.Int) local.type(l)).bitOffset() == 0
                            && ((BtfType.Int) kernel.type(k)).bitOffset() == 0;
                }
                case PTR -> {
                    l = ((BtfType.Reference) local.type(l)).type();
                    k = ((BtfType.Reference) kernel.type(k)).type();
                }
                case ARRAY -> {
                    l = ((BtfType.Array) local.type(l)).elementType();
                    k = ((BtfType.Array) kernel.type(k)).elementType();
                }
                case FUNC_PROTO -> {
                    BtfType.FuncProto lp = (BtfType.FuncProto) local.type(l);
                    BtfType.FuncProto kp = (BtfType.FuncProto) kernel.type(k);
                    if (!parametersMatch(local, lp.params(), kernel, kp.params(), levels)) {
                        return false;
                    }
                    l = lp.returnType();
                    k = kp.returnType();
                }
                default -> {
                    return false;
                }
            }
        }
        return false;
    }

    private static boolean parametersMatch(
            Btf local, List<BtfType.Param> lp, Btf kernel, List<BtfType.Param> kp, int levels) {
        if (lp.size() != kp.size()) {
            return false;
        }
        for (int i = 0; i < lp.size(); i++) {
            if (levels <= 0
                    || !compatible(local, lp.get(i).type(), kernel, kp.get(i).type(), levels - 1)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isComposite(BtfKind kind) {
        return kind == BtfKind.STRUCT || kind == BtfKind.UNION;
    }

    private static boolean isEnum(BtfKind kind) {
        return kind == BtfKind.ENUM || kind == BtfKind.ENUM64;
    }
}
