package io.structops.kernel.btf;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A kernel's BTF: by default the running kernel's ({@code /sys/kernel/btf}), or a file named in configuration for
 * offline work. Parsed once and shared. Where several are registered, the highest service ranking wins.
 */
@ProviderType
public interface KernelBtf {

    /** Where the BTF comes from: {@code /sys/kernel/btf/vmlinux} or a file's path. */
    String source();

    /** True when this is the running kernel's BTF. */
    boolean isRunningKernel();

    /** vmlinux's BTF, parsed on first use. */
    Btf vmlinux() throws BtfException;

    /** Names of the modules with BTF, sorted. */
    List<String> modules();

    /** A module's split BTF on top of vmlinux, parsed on first use. */
    Optional<Btf> module(String name) throws BtfException;

    /**
     * The BTF a kernel type named by its home lives in: vmlinux's for {@code "vmlinux"}, else the module's; empty if
     * no module of that name has BTF (it was unloaded, say).
     */
    default Optional<Btf> btf(String vmlinuxOrModule) throws BtfException {
        return vmlinuxOrModule.equals("vmlinux") ? Optional.of(vmlinux()) : module(vmlinuxOrModule);
    }

    /** Every {@code bpf_struct_ops_<name>} wrapper in vmlinux and in the modules. */
    List<StructOpsType> structOpsTypes() throws BtfException;

    /** The struct_ops type of this name, searching vmlinux then modules. */
    default Optional<StructOpsType> structOpsType(String name) throws BtfException {
        return structOpsTypes().stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
