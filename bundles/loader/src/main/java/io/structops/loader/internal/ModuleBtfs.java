package io.structops.loader.internal;

import io.structops.loader.LoadException;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Descriptors of kernel modules' BTF objects, slot {@code i} holding the {@code i}-th module named (from 1; slot 0
 * stands for vmlinux, whose BTF needs no descriptor), and after the slots those of further modules that need a
 * descriptor but no slot (modules whose variables an {@code ld_imm64} names), closed together. The kernel names a
 * BTF object only by id, so they are found by walking the BTF ids and asking each kernel BTF object its name.
 */
final class ModuleBtfs implements AutoCloseable {
    private final BpfFd[] fds;
    private final List<String> names;
    private final int slots;

    private ModuleBtfs(List<String> names, int slots) {
        this.names = names;
        this.slots = slots;
        fds = new BpfFd[names.size() + 1];
    }

    static ModuleBtfs open(Bpf bpf, List<String> modules, String where) throws LoadException {
        return open(bpf, modules, List.of(), where);
    }

    /**
     * @param modules the modules that get fd_array slots, in slot order
     * @param others further modules to open, if not among {@code modules}
     */
    static ModuleBtfs open(Bpf bpf, List<String> modules, List<String> others, String where) throws LoadException {
        List<String> all = new ArrayList<>(modules);
        others.stream().filter(m -> !all.contains(m)).forEach(all::add);
        ModuleBtfs opened = new ModuleBtfs(List.copyOf(all), modules.size());
        if (all.isEmpty()) {
            return opened;
        }
        boolean done = false;
        try {
            for (int id : bpf.ids(Bpf.ObjectType.BTF)) {
                Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.BTF, id);
                if (fd.isEmpty()) {
                    continue;
                }
                Bpf.BtfInfo info = bpf.btfInfo(fd.get());
                int slot = info.kernelBtf() ? all.indexOf(info.name()) + 1 : 0;
                if (slot > 0 && opened.fds[slot] == null) {
                    opened.fds[slot] = fd.get();
                } else {
                    fd.get().close();
                }
            }
            for (int slot = 1; slot < opened.fds.length; slot++) {
                if (opened.fds[slot] == null) {
                    throw new LoadException(
                            where + ": module " + all.get(slot - 1) + ": its BTF is in"
                                    + " /sys/kernel/btf but the kernel lists no BTF object of that name (was it unloaded?)",
                            null,
                            null);
                }
            }
            done = true;
            return opened;
        } catch (BpfException e) {
            throw new LoadException(
                    where + ": find the BTF objects of modules " + all + ": " + e.getMessage(), null, e);
        } finally {
            if (!done) {
                opened.close();
            }
        }
    }

    /** fd_array as PROG_LOAD takes it, or null if no module has a slot. */
    int[] fdArray() {
        if (slots == 0) {
            return null;
        }
        int[] a = new int[slots + 1];
        for (int i = 1; i <= slots; i++) {
            a[i] = fds[i].value();
        }
        return a;
    }

    /** The descriptor in a slot; 0 for slot 0 (vmlinux). */
    int fd(int slot) {
        return slot == 0 ? 0 : fds[slot].value();
    }

    /** The descriptor of a module's BTF object; the module must be one this was opened for. */
    int fd(String module) {
        return fds[names.indexOf(module) + 1].value();
    }

    /** Hands the descriptors over to {@code owner}, which then closes them; this one no longer does. */
    void handTo(Loaded owner) {
        for (int i = 1; i < fds.length; i++) {
            owner.own(fds[i]);
            fds[i] = null;
        }
    }

    @Override
    public void close() {
        for (BpfFd fd : fds) {
            if (fd != null) {
                fd.close();
            }
        }
    }
}
