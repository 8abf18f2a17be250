package io.structops.shell.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfNames;
import io.structops.btf.BtfType;
import io.structops.elf.BpfObject;
import io.structops.elf.StructOpsSlot;
import io.structops.elf.StructOpsVariable;
import io.structops.kernel.btf.KernelBtf;
import io.structops.kernel.objects.BtfValues;
import io.structops.kernvdata.KernVdataBuilder;
import io.structops.kernvdata.KernVdataException;
import io.structops.kernvdata.StructOpsMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A struct_ops variable seen through BTF: its C type, its initialised members by name, and what the kernel (when its
 * BTF is at hand) would make of them.
 */
final class StructOpsTypes {
    private StructOpsTypes() {}

    /** One initialised member: a function pointer bound to a program, or data with its value. */
    record Member(String name, long offset, boolean function, String program, String value, long size) {}

    /** What the kernel offers for the variable's type. */
    record KernelView(boolean offered, String module, List<String> rejected, List<String> ignored) {}

    record Description(String type, List<Member> members, KernelView kernel) {}

    static Optional<Description> describe(
            BpfObject object, StructOpsVariable v, Btf btf, KernelBtf kernel, KernVdataBuilder vdata)
            throws BtfException {
        Optional<Integer> typeId = variableType(v, btf);
        if (typeId.isEmpty()) {
            return Optional.empty();
        }
        int id = btf.resolve(typeId.get());
        if (btf.kind(id) != BtfKind.STRUCT) {
            throw new BtfException(
                    btf.source(), id, "struct_ops variable '" + v.name() + "' is a " + btf.kind(id) + ", not a struct");
        }
        String type = BtfNames.withoutFlavour(btf.name(id));
        byte[] value = v.initialValue();
        List<Member> members = new ArrayList<>();
        for (BtfType.Member m : btf.members(id)) {
            long off = m.byteOffset();
            Optional<StructOpsSlot> slot =
                    v.slots().stream().filter(s -> s.offset() == off).findFirst();
            if (slot.isPresent() && btf.isFunctionPointer(m.type())) {
                members.add(new Member(m.name(), off, true, slot.get().program().name(), null, 8));
                continue;
            }
            if (m.isBitfield()) {
                continue;
            }
            long size = btf.size(m.type());
            if (off + size > value.length || BtfValues.isZero(value, (int) off, (int) size)) {
                continue;
            }
            members.add(new Member(
                    m.name(),
                    off,
                    false,
                    null,
                    Values.text(BtfValues.decode(btf, m.type(), value, (int) off, (int) size)),
                    size));
        }
        return Optional.of(new Description(type, members, kernelView(object, v, btf, kernel, vdata)));
    }

    /**
     * What the running kernel would make of the variable, as kern_vdata matches it when loading: null without the
     * kernel's BTF or the builder.
     */
    private static KernelView kernelView(
            BpfObject object, StructOpsVariable v, Btf btf, KernelBtf kernel, KernVdataBuilder vdata) {
        if (kernel == null || vdata == null) {
            return null;
        }
        try {
            StructOpsMatch m = vdata.match(object, btf, v, kernel);
            return new KernelView(m.offered(), m.module(), m.rejected(), m.ignored());
        } catch (KernVdataException e) {
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
}
