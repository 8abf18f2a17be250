package io.structops.kernvdata.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfNames;
import io.structops.btf.BtfType;
import io.structops.elf.BpfObject;
import io.structops.elf.StructOpsSlot;
import io.structops.elf.StructOpsVariable;
import io.structops.kernel.btf.KernelBtf;
import io.structops.kernel.btf.StructOpsType;
import io.structops.kernvdata.KernVdataBuilder;
import io.structops.kernvdata.KernVdataException;
import io.structops.kernvdata.StructOpsMatch;
import io.structops.kernvdata.StructOpsPlan;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Component;

/** Copies data members by name into the kernel's layout and records where program descriptors go. */
@Component(service = KernVdataBuilder.class)
public class KernVdataBuilderComponent implements KernVdataBuilder {

    @Override
    public StructOpsPlan plan(BpfObject object, Btf btf, StructOpsVariable variable, KernelBtf kernel)
            throws KernVdataException {
        String where = object.name() + ": struct_ops '" + variable.name() + "'";
        if (object.elf().byteOrder() != ByteOrder.nativeOrder()) {
            throw new KernVdataException(where + ": the object is "
                    + object.elf().byteOrder() + " but this kernel is " + ByteOrder.nativeOrder());
        }
        try {
            int userType = userType(btf, variable, where);
            String typeName = BtfNames.withoutFlavour(btf.name(userType));
            Optional<StructOpsType> offered = kernel.structOpsType(typeName);
            if (offered.isEmpty()) {
                throw new KernVdataException(where + ": the kernel has no struct_ops type '" + typeName
                        + "' (no bpf_struct_ops_" + typeName + " in vmlinux or a module's BTF)");
            }
            Matching match = new Matching(
                    where,
                    btf,
                    variable,
                    offered.get(),
                    kernel.btf(offered.get().module()).orElseThrow(),
                    typeName);
            for (BtfType.Member m : btf.members(userType)) {
                if (!m.name().isEmpty()) {
                    match.member(m);
                }
            }
            match.slots.sort((a, b) -> Integer.compare(a.memberIndex(), b.memberIndex()));
            return new StructOpsPlan(variable.name(), match.kt, match.value, match.slots, match.ignored);
        } catch (BtfException e) {
            throw new KernVdataException(where + ": " + e.getMessage(), e);
        }
    }

    @Override
    public StructOpsMatch match(BpfObject object, Btf btf, StructOpsVariable variable, KernelBtf kernel)
            throws KernVdataException {
        String where = object.name() + ": struct_ops '" + variable.name() + "'";
        try {
            int userType = userType(btf, variable, where);
            String typeName = BtfNames.withoutFlavour(btf.name(userType));
            Optional<StructOpsType> offered = kernel.structOpsType(typeName);
            if (offered.isEmpty()) {
                return new StructOpsMatch(typeName, false, null, List.of(), List.of());
            }
            Matching match = new Matching(
                    where,
                    btf,
                    variable,
                    offered.get(),
                    kernel.btf(offered.get().module()).orElseThrow(),
                    typeName);
            List<String> rejected = new ArrayList<>();
            for (BtfType.Member m : btf.members(userType)) {
                if (m.name().isEmpty()) {
                    continue;
                }
                try {
                    match.member(m);
                } catch (KernVdataException refused) {
                    rejected.add(m.name());
                }
            }
            return new StructOpsMatch(typeName, true, offered.get().module(), rejected, match.ignored);
        } catch (BtfException e) {
            throw new KernVdataException(where + ": " + e.getMessage(), e);
        }
    }

    /** One variable matched member by member with the kernel's struct, into its value and program slots. */
    private static final class Matching {
        final String where;
        final Btf btf;
        final StructOpsVariable variable;
        final StructOpsType kt;
        final Btf kbtf;
        final String typeName;
        final List<BtfType.Member> kernelMembers;
        final byte[] user;
        final byte[] value;
        final List<StructOpsPlan.Slot> slots = new ArrayList<>();
        final List<String> ignored = new ArrayList<>();

        Matching(String where, Btf btf, StructOpsVariable variable, StructOpsType kt, Btf kbtf, String typeName) {
            this.where = where;
            this.btf = btf;
            this.variable = variable;
            this.kt = kt;
            this.kbtf = kbtf;
            this.typeName = typeName;
            this.kernelMembers = kbtf.members(kt.typeId());
            this.user = variable.initialValue();
            this.value = new byte[(int) kt.valueSize()];
        }

        /** One member of the object's struct: ignored, a program slot, or data copied to the kernel's offset. */
        void member(BtfType.Member m) throws KernVdataException, BtfException {
            String member = m.name();
            long off = m.byteOffset();
            Optional<StructOpsSlot> bound =
                    variable.slots().stream().filter(s -> s.offset() == off).findFirst();
            boolean userFn = btf.isFunctionPointer(m.type());
            long size = userFn ? 8 : btf.size(m.type());
            if (!userFn && (off < 0 || size < 0 || off + size > user.length)) {
                // The BTF describes a bigger struct than the section holds for the variable: a malformed object.
                throw new KernVdataException(where + ": member '" + member + "' (" + size + " bytes at offset " + off
                        + ") lies outside the variable's " + user.length + " bytes of data");
            }
            boolean set = bound.isPresent() || !allZero(user, off, size);
            int index = indexOf(kernelMembers, member);
            if (index < 0) {
                if (set) {
                    throw new KernVdataException(where + ": member '" + member + "' is set, but the kernel's struct "
                            + typeName + " has no such member");
                }
                ignored.add(member);
                return;
            }
            BtfType.Member km = kernelMembers.get(index);
            boolean kernelFn = kbtf.isFunctionPointer(km.type());
            if (userFn != kernelFn) {
                throw new KernVdataException(where + ": member '" + member + "' is "
                        + (userFn ? "a function pointer" : "data (" + typeName(btf, m.type()) + ")")
                        + " in the object but "
                        + (kernelFn ? "a function pointer" : "data (" + typeName(kbtf, km.type()) + ")")
                        + " in the kernel");
            }
            long kernelOff = kt.dataOffset() + km.byteOffset();
            if (userFn && bound.isPresent()) {
                slots.add(new StructOpsPlan.Slot(
                        member, index, kernelOff, bound.get().program().name()));
            } else if (!userFn && set) {
                copy(m, km, off, size, kernelOff);
            }
        }

        /** A data member set in the object: same kind and size in the kernel, copied to the kernel's offset. */
        private void copy(BtfType.Member m, BtfType.Member km, long off, long size, long kernelOff)
                throws KernVdataException, BtfException {
            String member = m.name();
            if (m.isBitfield() || km.isBitfield()) {
                throw new KernVdataException(where + ": member '" + member + "' is a bitfield; bitfields of "
                        + "struct_ops values are not supported");
            }
            long kernelSize = kbtf.size(km.type());
            BtfKind userKind = btf.kind(btf.resolve(m.type()));
            BtfKind kernelKind = kbtf.kind(kbtf.resolve(km.type()));
            if (kernelSize != size || userKind != kernelKind) {
                throw new KernVdataException(where + ": member '" + member + "' is " + typeName(btf, m.type()) + " ("
                        + size + " bytes) in the object but " + typeName(kbtf, km.type()) + " (" + kernelSize
                        + " bytes) in the kernel");
            }
            if (kernelOff + size > value.length) {
                throw new KernVdataException(
                        where + ": member '" + member + "' lies outside the kernel's " + value.length + "-byte value");
            }
            System.arraycopy(user, (int) off, value, (int) kernelOff, (int) size);
        }
    }

    private static int userType(Btf btf, StructOpsVariable variable, String where) throws KernVdataException {
        for (int id : btf.idsByName(variable.name())) {
            if (btf.kind(id) == BtfKind.VAR) {
                int t = btf.resolve(((BtfType.Var) btf.type(id)).type());
                if (btf.kind(t) != BtfKind.STRUCT) {
                    throw new KernVdataException(where + ": the variable is a " + btf.kind(t) + ", not a struct");
                }
                return t;
            }
        }
        throw new KernVdataException(where + ": the object's BTF has no VAR for it (compile with clang -g)");
    }

    private static int indexOf(List<BtfType.Member> members, String name) {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean allZero(byte[] b, long from, long len) {
        for (long i = from; i < from + len && i < b.length; i++) {
            if (b[(int) i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** A C-like name for messages: {@code u32}, {@code char[16]}, {@code struct foo}. */
    static String typeName(Btf btf, int id) {
        BtfType t = btf.type(id);
        return switch (t) {
            case BtfType.Array a -> typeName(btf, a.elementType()) + "[" + a.countUnsigned() + "]";
            case BtfType.Composite c ->
                (c.kind() == BtfKind.UNION ? "union " : "struct ") + (c.isAnonymous() ? "(anon)" : c.name());
            case BtfType.Enumeration e -> "enum " + (e.isAnonymous() ? "(anon)" : e.name());
            case BtfType.Reference r when r.kind() == BtfKind.PTR -> typeName(btf, r.type()) + " *";
            case BtfType.Reference r when r.kind() != BtfKind.TYPEDEF -> typeName(btf, r.type());
            case BtfType.Void v -> "void";
            default -> t.name().isEmpty() ? t.kind().name().toLowerCase() : t.name();
        };
    }
}
