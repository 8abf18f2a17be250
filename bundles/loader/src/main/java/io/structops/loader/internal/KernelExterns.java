package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import io.structops.elf.BpfExtern;
import io.structops.elf.BpfObject;
import io.structops.elf.ElfSymbol;
import io.structops.kernel.btf.KernelBtf;
import io.structops.loader.LoadException;
import io.structops.loader.Resolutions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * What an object's externs other than kfuncs resolve to on the running kernel: {@code .kconfig} values (the kernel
 * version, {@code CONFIG_*} from the kernel's own config) laid out as the BTF the kernel holds says, and
 * {@code __ksym} variables (typed ones by the BTF id of their VAR in vmlinux or else in a module, typeless ones by
 * kallsyms address). One instance serves one load; the kernel's config and symbol table are read at most once, and
 * only when an extern needs them.
 */
final class KernelExterns {
    static final String KCONFIG = ".kconfig";
    static final Path PROC_CONFIG = Path.of("/proc/config.gz");
    static final Path KALLSYMS = Path.of("/proc/kallsyms");

    /**
     * A ksym variable: typed ones carry the BTF id of its VAR and the BTF that holds it ({@code vmlinux} or a
     * module's), typeless ones the kernel address.
     */
    record Ksym(String name, boolean typed, int btfId, String module, long address) {
        boolean inModule() {
            return typed && !module.equals("vmlinux");
        }
    }

    private final BpfObject object;
    private final Btf original;
    private final Btf asLoaded;
    private final KernelBtf kernel;
    private final Path kconfigFile;
    private final Path kallsymsFile;
    private final String release;
    private Map<String, String> config;
    private Map<String, Long> kallsyms;
    private final Map<String, Optional<Ksym>> typedVariables = new HashMap<>();

    /**
     * @param original the object's BTF as compiled (it says which ksyms are typeless)
     * @param asLoaded the BTF handed to the kernel (it says where each kconfig value lies)
     */
    KernelExterns(BpfObject object, Btf original, Btf asLoaded, KernelBtf kernel) {
        this(object, original, asLoaded, kernel, PROC_CONFIG, KALLSYMS, kernelRelease());
    }

    KernelExterns(
            BpfObject object,
            Btf original,
            Btf asLoaded,
            KernelBtf kernel,
            Path kconfigFile,
            Path kallsymsFile,
            String release) {
        this.object = object;
        this.original = original;
        this.asLoaded = asLoaded;
        this.kernel = kernel;
        this.kconfigFile = kconfigFile;
        this.kallsymsFile = kallsymsFile;
        this.release = release;
    }

    private static String kernelRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** The {@code .kconfig} DATASEC, if the object has kconfig externs. */
    Optional<BtfType.Datasec> kconfigSection() {
        int id = asLoaded.find(KCONFIG, BtfKind.DATASEC).orElse(0);
        return id == 0 ? Optional.empty() : Optional.of((BtfType.Datasec) asLoaded.type(id));
    }

    /** The offset of a kconfig extern in the {@code .kconfig} map's value, if it is one. */
    OptionalLong kconfigOffset(String name) {
        for (BtfType.VarInfo vi : kconfigSection().map(BtfType.Datasec::vars).orElse(List.of())) {
            if (asLoaded.type(vi.type()).name().equals(name)) {
                return OptionalLong.of(vi.offset());
            }
        }
        return OptionalLong.empty();
    }

    /** The initial value of the {@code .kconfig} map: every extern's value on this kernel, or zero if weak. */
    byte[] kconfigValue() throws LoadException {
        BtfType.Datasec d = kconfigSection().orElseThrow();
        byte[] value = new byte[d.size()];
        for (BtfType.VarInfo vi : d.vars()) {
            BtfType.Var var = (BtfType.Var) asLoaded.type(vi.type());
            String where = object.name() + ": kconfig extern " + var.name();
            Optional<String> text = kconfigText(var.name(), where);
            if (text.isEmpty()) {
                if (!isWeak(var.name())) {
                    throw new LoadException(
                            where + ": this kernel's config (" + kconfigSource()
                                    + ") does not set it; declare it __weak to read 0 instead",
                            null,
                            null);
                }
                continue;
            }
            byte[] bytes = GlobalValues.encode(
                    asLoaded,
                    var.type(),
                    typed(var.type(), text.get(), where),
                    (int) vi.size(),
                    ByteOrder.nativeOrder(),
                    where + "=" + text.get());
            System.arraycopy(bytes, 0, value, (int) vi.offset(), bytes.length);
        }
        return value;
    }

    /** Kconfig's y/m/n and quoted strings, as the text {@link GlobalValues} types for the variable. */
    private String typed(int type, String text, String where) throws LoadException {
        BtfType t = asLoaded.type(asLoaded.resolve(type));
        boolean tristate = text.equals("y") || text.equals("m") || text.equals("n");
        if (t instanceof BtfType.Int i && (i.encoding() & BtfType.Int.BOOL) != 0) {
            if (text.equals("m")) {
                throw new LoadException(
                        where + ": is a module (m), which a bool cannot hold; declare it as a" + " tristate enum",
                        null,
                        null);
            }
            return text.equals("y") ? "true" : text.equals("n") ? "false" : text;
        }
        if (t instanceof BtfType.Int i && i.size() == 1 && tristate) {
            return Integer.toString(text.charAt(0));
        }
        if (t instanceof BtfType.Enumeration && tristate) {
            return text.equals("y") ? "1" : text.equals("m") ? "2" : "0";
        }
        if (t instanceof BtfType.Array) {
            if (text.length() < 2 || !text.startsWith("\"") || !text.endsWith("\"")) {
                throw new LoadException(where + ": " + text + " is not a string", null, null);
            }
            return text.substring(1, text.length() - 1);
        }
        if (tristate) {
            throw new LoadException(
                    where + ": the value '" + text + "' needs a bool, char or tristate enum", null, null);
        }
        return text;
    }

    private Optional<String> kconfigText(String name, String where) throws LoadException {
        switch (name) {
            case "LINUX_KERNEL_VERSION" -> {
                String[] parts = release.split("[^0-9]+");
                if (parts.length < 3) {
                    throw new LoadException(
                            where + ": cannot read a version from kernel release '" + release + "'", null, null);
                }
                long v = (Long.parseLong(parts[0]) << 16)
                        | (Long.parseLong(parts[1]) << 8)
                        | Math.min(255, Long.parseLong(parts[2]));
                return Optional.of(Long.toString(v));
            }
            // Both hold on every kernel with struct_ops (x86-64 has had syscall wrappers since 4.17).
            case "LINUX_HAS_BPF_COOKIE", "LINUX_HAS_SYSCALL_WRAPPER" -> {
                return Optional.of("y");
            }
            default -> {
                if (!name.startsWith("CONFIG_")) {
                    throw new LoadException(
                            where + ": unknown kconfig extern (only LINUX_KERNEL_VERSION,"
                                    + " LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER and CONFIG_* are known)",
                            null,
                            null);
                }
                return Optional.ofNullable(config(where).get(name));
            }
        }
    }

    private Path kconfigPath() {
        Path boot = Path.of("/boot/config-" + release);
        return Files.isReadable(kconfigFile) || !Files.isReadable(boot) ? kconfigFile : boot;
    }

    private String kconfigSource() {
        return kconfigPath().toString();
    }

    private Map<String, String> config(String where) throws LoadException {
        if (config != null) {
            return config;
        }
        Path file = kconfigPath();
        Map<String, String> values = new HashMap<>();
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                int eq = line.indexOf('=');
                if (line.startsWith("CONFIG_") && eq > 0) {
                    values.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        } catch (IOException e) {
            throw new LoadException(
                    where + ": cannot read the kernel's config: " + file + ": " + e.getMessage()
                            + " (neither /proc/config.gz nor /boot/config-" + release + " is readable)",
                    null,
                    e);
        }
        config = values;
        return values;
    }

    /** A ksym variable declared by the object, resolved on this kernel; empty if it is weak and missing. */
    Optional<Ksym> ksym(String name, String where) throws LoadException {
        if (isTyped(name)) {
            Optional<Ksym> found = typedVariable(name, where);
            if (found.isEmpty() && !isWeak(name)) {
                throw new LoadException(
                        where + ": kernel variable '" + name + "' is not in the BTF of vmlinux or of a"
                                + " loaded module (their BTF describes per-CPU variables only; declare it 'const void' to take"
                                + " its address from kallsyms)",
                        null,
                        null);
            }
            return found;
        }
        Long address = kallsyms(where).get(name);
        if (address == null) {
            if (isWeak(name)) {
                return Optional.empty();
            }
            throw new LoadException(where + ": kernel symbol '" + name + "' is not in " + kallsymsFile, null, null);
        }
        return Optional.of(new Ksym(name, false, 0, "vmlinux", address));
    }

    /** A typed ksym's VAR: vmlinux's, or else the first loaded module's own (libbpf's order). */
    private Optional<Ksym> typedVariable(String name, String where) throws LoadException {
        Optional<Ksym> known = typedVariables.get(name);
        if (known == null) {
            known = findTypedVariable(name, where);
            typedVariables.put(name, known);
        }
        return known;
    }

    private Optional<Ksym> findTypedVariable(String name, String where) throws LoadException {
        try {
            int id = kernel.vmlinux().find(name, BtfKind.VAR).orElse(-1);
            if (id > 0) {
                return Optional.of(new Ksym(name, true, id, "vmlinux", 0));
            }
            for (String m : kernel.modules()) {
                Optional<Btf> btf = kernel.module(m);
                if (btf.isEmpty()) {
                    continue;
                }
                // The module's own types only: a split BTF also answers for the vmlinux ids beneath it.
                for (int candidate : btf.get().idsByName(name)) {
                    if (candidate >= btf.get().firstId() && btf.get().kind(candidate) == BtfKind.VAR) {
                        return Optional.of(new Ksym(name, true, candidate, m, 0));
                    }
                }
            }
            return Optional.empty();
        } catch (BtfException e) {
            throw new LoadException(where + ": kernel BTF: " + e.getMessage(), null, e);
        }
    }

    /**
     * The modules (not vmlinux) whose BTF holds one of the object's typed ksym variables, sorted: an
     * {@code ld_imm64} of such a variable carries a descriptor of that module's BTF object.
     */
    List<String> variableModules() throws LoadException {
        TreeSet<String> modules = new TreeSet<>();
        for (BpfExtern e : object.externs()) {
            if (!e.kconfig() && KernelFunctions.isVariable(original, e.name()) && isTyped(e.name())) {
                Optional<Ksym> k = typedVariable(e.name(), object.name() + ": extern " + e.name());
                if (k.isPresent() && k.get().inModule()) {
                    modules.add(k.get().module());
                }
            }
        }
        return List.copyOf(modules);
    }

    /** What one extern resolves to here, or why a load would fail on it; never throws for the kernel's answer. */
    Resolutions.Extern describe(String name, boolean weak, boolean kconfig, KernelFunctions functions) {
        String where = object.name() + ": extern " + name;
        String kind = kconfig ? "kconfig" : isFunction(name) ? "kfunc" : "ksym";
        try {
            if (kconfig) {
                Optional<String> text = kconfigText(name, where);
                return text.isPresent()
                        ? new Resolutions.Extern(name, kind, weak, true, text.get())
                        : new Resolutions.Extern(
                                name,
                                kind,
                                weak,
                                false,
                                "not set in " + kconfigSource() + (weak ? ": reads 0" : ": a load fails"));
            }
            if (kind.equals("kfunc")) {
                Optional<KernelFunctions.Kfunc> f = functions.find(name);
                if (f.isEmpty()) {
                    return new Resolutions.Extern(
                            name,
                            kind,
                            weak,
                            false,
                            "unresolved: " + functions.whyMissing(name)
                                    + (weak ? ": calls are neutralised, its address reads 0" : ": a load fails"));
                }
                return new Resolutions.Extern(
                        name,
                        kind,
                        weak,
                        true,
                        f.get().slot() == 0
                                ? "FUNC [" + f.get().btfId() + "] in vmlinux BTF"
                                : "FUNC [" + f.get().btfId() + "] in module "
                                        + f.get().module() + "'s BTF, fd_array["
                                        + f.get().slot() + "]");
            }
            Optional<Ksym> k = ksym(name, where);
            if (k.isEmpty()) {
                return new Resolutions.Extern(name, kind, weak, false, "not in this kernel: reads 0");
            }
            return new Resolutions.Extern(
                    name,
                    kind,
                    weak,
                    true,
                    k.get().typed()
                            ? "VAR [" + k.get().btfId() + "] in "
                                    + (k.get().inModule() ? "module " + k.get().module() + "'s BTF" : "vmlinux BTF")
                            : String.format("0x%x in %s", k.get().address(), kallsymsFile));
        } catch (LoadException e) {
            String message = e.getMessage();
            return new Resolutions.Extern(
                    name,
                    kind,
                    weak,
                    false,
                    message.startsWith(where + ": ") ? message.substring(where.length() + 2) : message);
        }
    }

    private boolean isFunction(String name) {
        for (int id : original.idsByName(name)) {
            if (original.kind(id) == BtfKind.FUNC) {
                return true;
            }
        }
        return false;
    }

    /** Whether the object declared the ksym with a type (not {@code void}), in the BTF it was compiled with. */
    private boolean isTyped(String name) {
        for (int id : original.idsByName(name)) {
            if (original.type(id) instanceof BtfType.Var v) {
                return v.type() != 0 && original.resolve(v.type()) != 0;
            }
        }
        return false;
    }

    private Map<String, Long> kallsyms(String where) throws LoadException {
        if (kallsyms != null) {
            return kallsyms;
        }
        Map<String, Long> symbols = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(kallsymsFile, StandardCharsets.US_ASCII)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                // "ffffffff81000000 T _stext [module]": the first address of a name wins, as for the kernel.
                int a = line.indexOf(' ');
                int b = line.indexOf(' ', a + 1);
                if (a < 0 || b < 0) {
                    continue;
                }
                int c = line.indexOf('\t', b + 1);
                String name = c < 0 ? line.substring(b + 1) : line.substring(b + 1, c);
                symbols.putIfAbsent(name, Long.parseUnsignedLong(line.substring(0, a), 16));
            }
        } catch (IOException | NumberFormatException e) {
            throw new LoadException(where + ": cannot read " + kallsymsFile + ": " + e.getMessage(), null, e);
        }
        if (!symbols.isEmpty() && symbols.values().stream().allMatch(v -> v == 0)) {
            throw new LoadException(
                    where + ": " + kallsymsFile + " shows no addresses (kernel.kptr_restrict, or" + " not root)",
                    null,
                    null);
        }
        kallsyms = symbols;
        return symbols;
    }

    private boolean isWeak(String name) {
        for (ElfSymbol s : object.elf().symbols()) {
            if (s.name().equals(name) && s.isUndefined()) {
                return s.isWeak();
            }
        }
        return false;
    }
}
