package io.structops.kernel.btf.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfReader;
import io.structops.btf.BtfType;
import io.structops.kernel.btf.KernelBtf;
import io.structops.kernel.btf.StructOpsType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * BTF read from a vmlinux file and a directory of module BTF files, each parsed once on first use and kept mapped
 * until {@link #close()}. Modules come and go while the runtime runs: a module's BTF is parsed again when its file
 * is no longer the one parsed (a module reloaded gets new type ids), and the struct_ops types are collected again
 * when the set of modules changes.
 */
public final class KernelBtfSource implements KernelBtf, AutoCloseable {
    static final String WRAPPER_PREFIX = "bpf_struct_ops_";

    private final BtfReader reader;
    private final Path vmlinuxFile;
    private final Path modulesDir;
    private final boolean running;
    private final boolean mapFiles;
    private final Arena arena = Arena.ofShared();
    private final Map<String, Parsed> modules = new ConcurrentHashMap<>();
    private volatile Btf vmlinux;
    private volatile Collected structOps;

    /** A module's BTF and the identity of the file it came from. */
    private record Parsed(Object file, Btf btf) {}

    /** The struct_ops types found in vmlinux and in the modules as they were then. */
    private record Collected(List<Object> modules, List<StructOpsType> types) {}

    KernelBtfSource(BtfReader reader, Path vmlinuxFile, Path modulesDir, boolean running) {
        this(reader, vmlinuxFile, modulesDir, running, true);
    }

    private KernelBtfSource(BtfReader reader, Path vmlinuxFile, Path modulesDir, boolean running, boolean mapFiles) {
        this.reader = reader;
        this.vmlinuxFile = vmlinuxFile;
        this.modulesDir = modulesDir;
        this.running = running;
        this.mapFiles = mapFiles;
    }

    /**
     * The running kernel's BTF without a framework (tests, benchmarks, fuzzers): what the DS component offers, from
     * {@code /sys/kernel/btf}.
     */
    public static KernelBtfSource running(BtfReader reader) {
        Path sysfs = Path.of("/sys/kernel/btf");
        return new KernelBtfSource(reader, sysfs.resolve("vmlinux"), sysfs, true);
    }

    /**
     * The running kernel's BTF for a process that ends in a moment (a one-shot command without a framework): its
     * files are read into the heap rather than mapped, since setting up a mapping (the FFM calls it makes) costs such
     * a process more than the few megabytes of heap; a runtime that keeps running maps them, off its heap.
     */
    public static KernelBtfSource runningShortLived(BtfReader reader) {
        Path sysfs = Path.of("/sys/kernel/btf");
        return new KernelBtfSource(reader, sysfs.resolve("vmlinux"), sysfs, true, false);
    }

    @Override
    public String source() {
        return vmlinuxFile.toString();
    }

    @Override
    public boolean isRunningKernel() {
        return running;
    }

    @Override
    public Btf vmlinux() throws BtfException {
        Btf b = vmlinux;
        if (b == null) {
            synchronized (this) {
                b = vmlinux;
                if (b == null) {
                    // The running kernel verified its own BTF at boot; a file named in configuration is checked fully.
                    MemorySegment bytes = mapped(vmlinuxFile, "vmlinux");
                    vmlinux = b =
                            running ? reader.readKernelVerified("vmlinux", bytes, null) : reader.read("vmlinux", bytes);
                }
            }
        }
        return b;
    }

    private MemorySegment mapped(Path file, String what) throws BtfException {
        try {
            // The kernel's own files under /sys/kernel/btf, when read: no descriptor checks to make there.
            return mapFiles ? PrivateMapping.map(file, arena) : MemorySegment.ofArray(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new BtfException(
                    file.toString(),
                    "no " + what + " BTF here"
                            + (running ? " (the kernel was built without CONFIG_DEBUG_INFO_BTF)" : ""));
        } catch (IOException e) {
            throw new BtfException(file.toString(), "cannot read: " + e.getMessage());
        }
    }

    @Override
    public List<String> modules() {
        if (modulesDir == null || !Files.isDirectory(modulesDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(modulesDir)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals(vmlinuxFile.getFileName().toString()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public Optional<Btf> module(String name) throws BtfException {
        if (modulesDir == null || name.contains("/") || !modules().contains(name)) {
            return Optional.empty();
        }
        Path file = modulesDir.resolve(name);
        Object key = identity(file);
        Parsed p = modules.get(name);
        if (p == null || !p.file().equals(key)) {
            synchronized (this) {
                p = modules.get(name);
                if (p == null || !p.file().equals(key)) {
                    MemorySegment bytes = mapped(file, "module " + name);
                    Btf b = running
                            ? reader.readKernelVerified(name, bytes, vmlinux())
                            : reader.readSplit(name, bytes, vmlinux());
                    p = new Parsed(key, b);
                    modules.put(name, p);
                }
            }
        }
        return Optional.of(p.btf());
    }

    /**
     * What tells one file of a module's BTF from the next: sysfs gives a reloaded module's file a new inode. A
     * file without a key (a file system that has none) is told apart by its modification time and size.
     */
    private static Object identity(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.fileKey() != null ? List.of(a.fileKey(), a.size()) : List.of(a.lastModifiedTime(), a.size());
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public List<StructOpsType> structOpsTypes() throws BtfException {
        List<Object> now = new ArrayList<>();
        for (String m : modules()) {
            now.add(List.of(m, identity(modulesDir.resolve(m))));
        }
        Collected c = structOps;
        if (c == null || !c.modules().equals(now)) {
            List<StructOpsType> found = new ArrayList<>();
            collect(vmlinux(), "vmlinux", found);
            for (String m : modules()) {
                Optional<Btf> b = module(m);
                if (b.isPresent()) {
                    collect(b.get(), m, found);
                }
            }
            structOps = c = new Collected(now, List.copyOf(found));
        }
        return c.types();
    }

    private static void collect(Btf btf, String module, List<StructOpsType> into) throws BtfException {
        for (int id = btf.firstId(); id < btf.typeCount(); id++) {
            if (btf.kind(id) != BtfKind.STRUCT) {
                continue;
            }
            String name = btf.name(id);
            if (!name.startsWith(WRAPPER_PREFIX) || name.length() == WRAPPER_PREFIX.length()) {
                continue;
            }
            BtfType.Composite wrapper = (BtfType.Composite) btf.type(id);
            Optional<BtfType.Member> data = wrapper.member("data");
            if (data.isEmpty()) {
                continue;
            }
            int ops = btf.resolve(data.get().type());
            String opsName = name.substring(WRAPPER_PREFIX.length());
            // Kernel-internal structs share the prefix (bpf_struct_ops_map, _value, ...): a wrapper's data is the
            // ops struct of the same name.
            if (btf.kind(ops) != BtfKind.STRUCT || !btf.name(ops).equals(opsName)) {
                continue;
            }
            into.add(new StructOpsType(
                    name.substring(WRAPPER_PREFIX.length()),
                    module,
                    ops,
                    id,
                    Integer.toUnsignedLong(wrapper.size()),
                    data.get().byteOffset()));
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
