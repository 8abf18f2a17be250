package io.structops.kernel.objects.internal;

import io.structops.btf.BtfReader;
import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.KernelPrograms;
import io.structops.kernel.objects.ProgramInfo;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import io.structops.syscall.Errno;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@link KernelPrograms} through bpf(2). */
@Component(service = KernelPrograms.class)
public class KernelProgramsComponent implements KernelPrograms {
    private final Bpf bpf;
    private final BtfReader btfReader;

    @Activate
    public KernelProgramsComponent(@Reference Bpf bpf, @Reference BtfReader btfReader) {
        this.bpf = bpf;
        this.btfReader = btfReader;
    }

    @Override
    public Optional<ProgramInfo> program(int id) throws KernelObjectException {
        try {
            Optional<BpfFd> fd = bpf.fdById(Bpf.ObjectType.PROG, id);
            if (fd.isEmpty()) {
                return Optional.empty();
            }
            try (BpfFd prog = fd.get()) {
                Bpf.ProgInfo info = bpf.progInfo(prog);
                int func = bpf.mainFuncTypeId(prog);
                String name =
                        func == 0 ? info.name() : btfName(info.btfId(), func).orElse(info.name());
                return Optional.of(new ProgramInfo(
                        info.id(), name, info.tag(), info.runCount(), info.runTimeNs(), bpf.progMapIds(prog)));
            }
        } catch (BpfException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw new KernelObjectException("program " + id + ": info: " + e.getMessage(), e);
        }
    }

    /**
     * The name of type {@code typeId} in BTF object {@code btfId}: a program's main function, whose name the kernel
     * does not cut to 15 characters.
     */
    private Optional<String> btfName(int btfId, int typeId) {
        return BtfObjects.read(bpf, btfReader, btfId).map(b -> b.name(typeId)).filter(n -> !n.isEmpty());
    }

    @Override
    public AutoCloseable enableStats() throws KernelObjectException {
        try {
            BpfFd stats = bpf.enableStats();
            return stats::close;
        } catch (BpfException e) {
            throw new KernelObjectException("run-time statistics: " + e.getMessage(), e);
        }
    }
}
