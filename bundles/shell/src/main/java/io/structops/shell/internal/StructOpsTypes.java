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
import io.structops.kernel.objects.BtfValues;
import java.util.ArrayList;
import java.util.List;
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

    static Optional<Description> describe(StructOpsVariable v, Btf btf, KernelBtf kernel)
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
            members.add(new Member(m.name(), off, false, null, Values.text(BtfValues.decode(btf, m.type(), value,
                    (int) off, (int) size)), size));
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
}
