package io.structops.kernel.objects.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfReader;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/** A BTF object in the kernel by id: an object's own (standalone) BTF, as its maps and programs refer to it. */
final class BtfObjects {
    private BtfObjects() {}

    /** BTF object {@code btfId}, read; empty for 0, a BTF gone meanwhile, or one that cannot be read. */
    static Optional<Btf> read(Bpf bpf, BtfReader reader, int btfId) {
        if (btfId == 0) {
            return Optional.empty();
        }
        try {
            Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.BTF, btfId);
            if (fd.isEmpty()) {
                return Optional.empty();
            }
            try (BpfFd b = fd.get()) {
                return Optional.of(reader.read("BTF id " + btfId, MemorySegment.ofArray(bpf.btfData(b))));
            }
        } catch (BpfException | BtfException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
