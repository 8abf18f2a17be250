package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfNames;
import io.structops.elf.BpfExtern;
import io.structops.elf.BpfObject;
import io.structops.kernel.btf.KernelBtf;
import io.structops.loader.LoadException;
import io.structops.syscall.Bpf;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The kernel functions an object names, found in vmlinux's BTF or else in a module's. A call to a module's function
 * names its BTF id in the module's split BTF and, in the instruction's offset, the slot of fd_array that holds a
 * descriptor of that module's BTF object; slot 0 stands for vmlinux and is never read. Slots are handed out in the
 * order of the externs' names, first come first served, which is the order libbpf gives them, so that the two
 * loaders' instructions stay comparable. One instance serves one load or one inspection.
 */
final class KernelFunctions {

    /**
     * A kernel function.
     *
     * @param module {@code vmlinux} or the module whose BTF holds it
     * @param slot its module's fd_array slot; 0 for vmlinux
     */
    record Kfunc(String name, String module, int btfId, int slot) {}

    private final Map<String, Kfunc> byName = new LinkedHashMap<>();
    private final List<String> modules = new ArrayList<>();
    private final List<String> externOrder = new ArrayList<>();
    private final Map<String, String> mismatched = new LinkedHashMap<>();

    private KernelFunctions() {}

    /** Resolves every non-kconfig extern of the object that its BTF does not declare as a variable. */
    static KernelFunctions of(BpfObject object, Btf localBtf, KernelBtf kernel) throws BtfException {
        KernelFunctions f = new KernelFunctions();
        List<String> names = new ArrayList<>();
        for (BpfExtern e : object.externs()) {
            if (!e.kconfig() && !isVariable(localBtf, e.name())) {
                names.add(e.name());
            }
        }
        names.sort(null);
        // libbpf's order of externs: kconfig ones first, then the rest by name.
        List<String> rest = new ArrayList<>();
        for (BpfExtern e : object.externs()) {
            (e.kconfig() ? f.externOrder : rest).add(e.name());
        }
        rest.sort(null);
        f.externOrder.addAll(rest);
        Btf vmlinux = kernel.vmlinux();
        List<String> kernelModules = null;
        for (String name : names) {
            String plain = BtfNames.withoutFlavour(name);
            int id = vmlinux.find(plain, BtfKind.FUNC).orElse(-1);
            if (id > 0) {
                if (f.matches(localBtf, name, vmlinux, id, "vmlinux")) {
                    f.byName.put(name, new Kfunc(name, "vmlinux", id, 0));
                }
                continue;
            }
            if (kernelModules == null) {
                kernelModules = kernel.modules();
            }
            for (String m : kernelModules) {
                Optional<Btf> btf = kernel.module(m);
                if (btf.isEmpty()) {
                    continue;
                }
                // The module's own types only: a split BTF also answers for the vmlinux ids beneath it.
                int mid = -1;
                for (int candidate : btf.get().idsByName(plain)) {
                    if (candidate >= btf.get().firstId() && btf.get().kind(candidate) == BtfKind.FUNC) {
                        mid = candidate;
                        break;
                    }
                }
                if (mid > 0 && !f.matches(localBtf, name, btf.get(), mid, m)) {
                    break;
                }
                if (mid > 0) {
                    int slot = f.modules.indexOf(m);
                    if (slot < 0) {
                        f.modules.add(m);
                        slot = f.modules.size() - 1;
                    }
                    f.byName.put(name, new Kfunc(name, m, mid, slot + 1));
                    break;
                }
            }
        }
        return f;
    }

    /**
     * Whether the object's declaration of {@code name} matches the kernel's function {@code id} in {@code btf}
     * (KfuncPrototypes); if not, the extern stays unresolved, and why is kept for the load's error.
     */
    private boolean matches(Btf localBtf, String name, Btf btf, int id, String where) {
        OptionalInt local = localBtf.find(name, BtfKind.FUNC);
        if (local.isEmpty() || KfuncPrototypes.match(localBtf, local.getAsInt(), btf, id)) {
            return true;
        }
        mismatched.put(
                name,
                "the object declares it with parameters or a return type that do not match " + btf.name(id) + " in "
                        + where);
        return false;
    }

    /** Why this extern has no kernel function: none of its name, or one its declaration does not match. */
    String whyMissing(String name) {
        return mismatched.getOrDefault(name, "no FUNC of that name in the BTF of vmlinux or of a loaded module");
    }

    static boolean isVariable(Btf localBtf, String name) {
        for (int id : localBtf.idsByName(name)) {
            if (localBtf.kind(id) == BtfKind.VAR) {
                return true;
            }
        }
        return false;
    }

    /** An extern's index in libbpf's order of the object's externs (kconfig first, then by name). */
    int externIndex(String name) {
        return Math.max(0, externOrder.indexOf(name));
    }

    /** The function of this extern name, if the kernel has it. */
    Optional<Kfunc> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Modules whose functions the object calls, in slot order (the first is slot 1). */
    List<String> modules() {
        return List.copyOf(modules);
    }

    /**
     * fd_array for these functions: descriptors of their modules' BTF objects in their slots, and after them those of
     * {@code others} (modules whose variables the programs read). Programs keep the modules they use referenced once
     * loaded, so the descriptors are closed after the loads.
     */
    ModuleBtfs open(Bpf bpf, List<String> others, String where) throws LoadException {
        return ModuleBtfs.open(bpf, modules, others, where);
    }
}
