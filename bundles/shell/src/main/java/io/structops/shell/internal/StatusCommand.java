package io.structops.shell.internal;

import io.structops.kernel.btf.KernelBtf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** {@code structops:status [--json]}: what this kernel and this process can do. */
@Component(
        service = StatusCommand.class,
        property = {"osgi.command.scope=structops", "osgi.command.function=status"})
public class StatusCommand {
    /** Capability bits from linux/capability.h. */
    static final Map<String, Integer> CAPABILITIES =
            Map.of("CAP_NET_ADMIN", 12, "CAP_SYS_ADMIN", 21, "CAP_PERFMON", 38, "CAP_BPF", 39);

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile KernelBtf kernel;

    /** For Declarative Services, which sets the kernel's BTF when a provider comes. */
    public StatusCommand() {}

    /** Without a framework (a one-shot command's fast path): this kernel's BTF, or null for none. */
    public StatusCommand(KernelBtf kernel) {
        this.kernel = kernel;
    }

    @Descriptor("show the kernel release, its BTF, the struct_ops types it offers and the privileges held")
    public String status(
            @Descriptor("print JSON instead of text")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json) {
        Status status = collect();
        return json ? Json.write(status) : TextFormat.status(status);
    }

    /** {@code status}' result. */
    record Status(
            String kernel,
            boolean btf,
            String btfSource,
            List<TypeOut> structOpsTypes,
            String structOpsError,
            String schedExt,
            Map<String, Boolean> capabilities) {}

    /** A struct_ops type the kernel offers. */
    record TypeOut(String name, String module, long valueSize) {}

    Status collect() {
        KernelBtf k = kernel;
        List<TypeOut> types = List.of();
        String error = null;
        if (k == null) {
            error = "no kernel BTF provider";
        } else {
            try {
                types = k.structOpsTypes().stream()
                        .map(t -> new TypeOut(t.name(), t.module(), t.valueSize()))
                        .toList();
            } catch (Exception e) {
                error = CommandRunnerComponent.oneLine(e);
            }
        }
        return new Status(
                read(Path.of("/proc/sys/kernel/osrelease")),
                Files.exists(Path.of("/sys/kernel/btf/vmlinux")),
                k == null ? null : k.source(),
                types,
                error,
                Files.isDirectory(Path.of("/sys/kernel/sched_ext"))
                        ? read(Path.of("/sys/kernel/sched_ext/state"))
                        : null,
                capabilities());
    }

    static Map<String, Boolean> capabilities() {
        long effective = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    effective = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            effective = 0;
        }
        Map<String, Boolean> caps = new LinkedHashMap<>();
        for (String name : List.of("CAP_BPF", "CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_PERFMON")) {
            caps.put(name, (effective & (1L << CAPABILITIES.get(name))) != 0);
        }
        return caps;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return null;
        }
    }
}
