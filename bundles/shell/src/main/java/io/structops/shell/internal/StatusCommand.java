package io.structops.shell.internal;

import io.structops.kernel.btf.KernelBtf;
import io.structops.kernel.btf.StructOpsType;
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
@Component(service = StatusCommand.class, property = {
        "osgi.command.scope=structops",
        "osgi.command.function=status"
})
public class StatusCommand {
    /** Capability bits from linux/capability.h. */
    static final Map<String, Integer> CAPABILITIES = Map.of("CAP_NET_ADMIN", 12, "CAP_SYS_ADMIN", 21,
            "CAP_PERFMON", 38, "CAP_BPF", 39);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile KernelBtf kernel;

    @Descriptor("show the kernel release, its BTF, the struct_ops types it offers and the privileges held")
    public String status(
            @Descriptor("print JSON instead of text")
            @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json) {
        Map<String, Object> status = collect();
        return json ? Json.write(status) : text(status);
    }

    Map<String, Object> collect() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("kernel", read(Path.of("/proc/sys/kernel/osrelease")));
        s.put("btf", Files.exists(Path.of("/sys/kernel/btf/vmlinux")));
        KernelBtf k = kernel;
        s.put("btfSource", k == null ? null : k.source());
        Object types;
        String error = null;
        if (k == null) {
            types = List.of();
            error = "no kernel BTF provider";
        } else {
            try {
                types = k.structOpsTypes().stream().map(StatusCommand::type).toList();
            } catch (Exception e) {
                types = List.of();
                error = CommandLineMain.oneLine(e);
            }
        }
        s.put("structOpsTypes", types);
        s.put("structOpsError", error);
        s.put("schedExt", Files.isDirectory(Path.of("/sys/kernel/sched_ext"))
                ? read(Path.of("/sys/kernel/sched_ext/state")) : null);
        s.put("capabilities", capabilities());
        return s;
    }

    private static Map<String, Object> type(StructOpsType t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", t.name());
        m.put("module", t.module());
        m.put("valueSize", t.valueSize());
        return m;
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

    @SuppressWarnings("unchecked")
    private static String text(Map<String, Object> s) {
        StringBuilder sb = new StringBuilder();
        sb.append("kernel        ").append(s.get("kernel")).append('\n');
        sb.append("BTF           ").append(Boolean.TRUE.equals(s.get("btf")) ? "yes (/sys/kernel/btf/vmlinux)"
                : "no: this kernel was built without CONFIG_DEBUG_INFO_BTF; struct_ops cannot be loaded").append('\n');
        if (s.get("btfSource") != null && !"/sys/kernel/btf/vmlinux".equals(s.get("btfSource"))) {
            sb.append("BTF source    ").append(s.get("btfSource")).append(" (configured)\n");
        }
        sb.append("sched_ext     ").append(s.get("schedExt") == null ? "not in this kernel" : s.get("schedExt"))
                .append('\n');
        sb.append("privileges   ");
        ((Map<String, Boolean>) s.get("capabilities")).forEach((k, v) -> sb.append(' ').append(k).append(v ? "" : "(missing)"));
        sb.append('\n');
        Table t = new Table("STRUCT_OPS TYPE", "MODULE", "VALUE SIZE");
        for (Map<String, Object> type : (List<Map<String, Object>>) s.get("structOpsTypes")) {
            t.row(type.get("name"), type.get("module"), type.get("valueSize"));
        }
        sb.append('\n');
        if (t.isEmpty()) {
            sb.append("struct_ops types: none found").append(s.get("structOpsError") == null ? ""
                    : " (" + s.get("structOpsError") + ")").append('\n');
        } else {
            t.appendTo(sb, "");
        }
        return sb.toString();
    }
}
