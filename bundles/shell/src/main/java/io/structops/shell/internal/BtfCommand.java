package io.structops.shell.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfReader;
import io.structops.elf.BpfObject;
import io.structops.elf.BpfObjectReader;
import io.structops.kernel.btf.KernelBtf;
import io.structops.syscall.files.OpenFile;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** {@code structops:btf dump FILE [--format raw|c] [--type NAME]}. */
@Component(
        service = BtfCommand.class,
        property = {"osgi.command.scope=structops", "osgi.command.function=btf"})
public class BtfCommand {

    @Reference
    private BpfObjectReader objects;

    @Reference
    private BtfReader btfReader;

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile KernelBtf kernel;

    /** For Declarative Services, which injects the fields. */
    public BtfCommand() {}

    /** Without a framework (a one-shot command's fast path); {@code kernel} may be null. */
    public BtfCommand(BpfObjectReader objects, BtfReader btfReader, KernelBtf kernel) {
        this.objects = objects;
        this.btfReader = btfReader;
        this.kernel = kernel;
    }

    @Descriptor("dump the BTF of an ELF object or a raw BTF file, as bpftool's raw format or as C")
    public void btf(
            @Descriptor("raw (bpftool's 'format raw', the default) or c")
                    @Parameter(names = "--format", absentValue = "raw")
                    String format,
            @Descriptor("only this type (and, for c, what it needs)") @Parameter(names = "--type", absentValue = "")
                    String type,
            @Descriptor("dump") String action,
            @Descriptor("ELF object (.BTF section) or raw BTF file; /sys/kernel/btf/<module> is split on vmlinux")
                    String file)
            throws Exception {
        if (!action.equals("dump")) {
            throw new CommandFailure("unknown action '" + action + "'; the btf command knows 'dump'", null);
        }
        if (!format.equals("raw") && !format.equals("c")) {
            throw new CommandFailure("unknown format '" + format + "'; use raw or c", null);
        }
        Btf btf = load(file);
        int[] ids;
        if (!type.isEmpty()) {
            ids = Arrays.stream(btf.idsByName(type))
                    .filter(id -> id >= btf.firstId())
                    .toArray();
            if (ids.length == 0) {
                throw new CommandFailure(file + ": no type named '" + type + "'", null);
            }
            if (format.equals("c")) {
                ids = new int[] {preferred(btf, ids)};
            }
        } else if (format.equals("c")) {
            ids = IntStream.range(btf.firstId(), btf.typeCount())
                    .filter(id -> switch (btf.kind(id)) {
                        case STRUCT, UNION, ENUM, ENUM64, TYPEDEF ->
                            !btf.name(id).isEmpty();
                        default -> false;
                    })
                    .toArray();
        } else {
            ids = null;
        }
        PrintStream out = System.out;
        if (format.equals("raw")) {
            if (ids == null) {
                btf.dumpRaw(out);
            } else {
                btf.dumpRaw(ids, out);
            }
        } else {
            btf.dumpC(ids, out);
        }
        out.flush();
    }

    /** For C, a name shared by several types means the struct/union/enum/typedef rather than a function. */
    private static int preferred(Btf btf, int[] ids) {
        for (BtfKind k : new BtfKind[] {BtfKind.STRUCT, BtfKind.UNION, BtfKind.ENUM, BtfKind.ENUM64, BtfKind.TYPEDEF}) {
            for (int id : ids) {
                if (btf.kind(id) == k) {
                    return id;
                }
            }
        }
        return ids[0];
    }

    /** The running kernel's own BTF file, which the kernel-BTF provider reads (and the kernel checked). */
    private static final Path RUNNING_VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    private Btf load(String file) throws Exception {
        Path path = Path.of(file);
        KernelBtf running = kernel;
        if (path.toAbsolutePath().normalize().equals(RUNNING_VMLINUX) && running != null && running.isRunningKernel()) {
            return running.vmlinux();
        }
        byte[] bytes;
        try (OpenFile open = OpenFile.open(path)) {
            bytes = open.readAll(BtfReader.MAX_FILE_BYTES);
        } catch (NoSuchFileException e) {
            throw new CommandFailure(file + ": no such file", e);
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + e.getMessage(), e);
        }
        if (bytes.length >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F') {
            BpfObject object = objects.read(file, bytes);
            return btfReader
                    .read(object)
                    .orElseThrow(() -> new CommandFailure(
                            file + ": the object has no .BTF " + "section (compile with clang -g)", null));
        }
        Path abs = path.toAbsolutePath().normalize();
        if (abs.startsWith("/sys/kernel/btf") && !abs.getFileName().toString().equals("vmlinux")) {
            KernelBtf k = kernel;
            if (k == null) {
                throw new BtfException(file, "module BTF needs vmlinux's BTF as its base, and none is available");
            }
            return btfReader.readSplit(file, MemorySegment.ofArray(bytes), k.vmlinux());
        }
        return btfReader.read(file, MemorySegment.ofArray(bytes));
    }
}
