package io.structops.loader.internal;

import io.structops.loader.LoadException;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.util.List;
import java.util.Optional;

/**
 * Descriptors of kernel modules' BTF objects, slot {@code i} holding the {@code i}-th module named (from 1; slot 0
 * stands for vmlinux, whose BTF needs no descriptor), closed together. The kernel names a BTF object only by id, so
 * they are found by walking the BTF ids and asking each kernel BTF object its name.
 */
final class ModuleBtfs implements AutoCloseable {
    private final BpfFd[] fds;

    private ModuleBtfs(int slots) {
        fds = new BpfFd[slots];
    }

    static ModuleBtfs open(Bpf bpf, List<String> modules, String where) throws LoadException {
        ModuleBtfs opened = new ModuleBtfs(modules.size() + 1);
        if (modules.isEmpty()) {
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
                int slot = info.kernelBtf() ? modules.indexOf(info.name()) + 1 : 0;
                if (slot > 0 && opened.fds[slot] == null) {
                    opened.fds[slot] = fd.get();
                } else {
                    fd.get().close();
                }
            }
            for (int slot = 1; slot < opened.fds.length; slot++) {
                if (opened.fds[slot] == null) {
                    throw new LoadException(where + ": module " + modules.get(slot - 1) + ": its BTF is in"
                            + " /sys/kernel/btf but the kernel lists no BTF object of that name (was it unloaded?)",
                            null, null);
                }
            }
            done = true;
            return opened;
        } catch (BpfException e) {
            throw new LoadException(where + ": find the BTF objects of modules " + modules + ": " + e.getMessage(),
                    null, e);
        } finally {
            if (!done) {
                opened.close();
            }
        }
    }

    /** fd_array as PROG_LOAD takes it, or null if no module is named. */
    int[] fdArray() {
        if (fds.length == 1) {
            return null;
        }
        int[] a = new int[fds.length];
        for (int i = 1; i < fds.length; i++) {
            a[i] = fds[i].value();
        }
        return a;
    }

    /** The descriptor in a slot; 0 for slot 0 (vmlinux). */
    int fd(int slot) {
        return slot == 0 ? 0 : fds[slot].value();
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
