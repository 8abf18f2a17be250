package io.structops.shell.internal;

import io.structops.handler.StructOpsHandlers;
import io.structops.kernel.objects.KernelStructOps;
import io.structops.kernel.objects.StructOpsMap;
import io.structops.kernel.objects.StructOpsValue;
import io.structops.loader.StructOpsRegistry;
import io.structops.shell.internal.Held.HandlerRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code list} and {@code dump}: the kernel's struct_ops maps, owned or not, with the contract of {@code bpftool
 * struct_ops}; for a map this runtime holds, who manages it. They only read, so a one-shot command runs them without
 * a framework (the launcher's fast path) through the plain constructor.
 */
@Component(
        service = KernelMapCommands.class,
        property = {"osgi.command.scope=structops", "osgi.command.function=list", "osgi.command.function=dump"})
public class KernelMapCommands {
    private final KernelStructOps structOps;
    private final Held held;

    @Activate
    public KernelMapCommands(
            @Reference KernelStructOps structOps,
            @Reference StructOpsRegistry registry,
            @Reference StructOpsHandlers handlers) {
        this(structOps, Held.of(registry, handlers));
    }

    /** Without a framework: a runtime that holds nothing. */
    public KernelMapCommands(KernelStructOps structOps) {
        this(structOps, Held.NOTHING);
    }

    private KernelMapCommands(KernelStructOps structOps, Held held) {
        this.structOps = structOps;
        this.held = held;
    }

    /** One line of {@code list}: a struct_ops map in the kernel, and for one this runtime holds, who manages it. */
    record Listed(
            int id,
            String name,
            String type,
            Integer linkId,
            boolean owned,
            HandlerRef handler,
            Map<String, Object> status) {}

    /** {@code dump}'s result: a struct_ops map's value as the kernel holds it. */
    record Dumped(int id, String name, String type, String state, Map<String, Object> members) {}

    @Descriptor("list every struct_ops map in the kernel")
    public String list(
            @Descriptor("print JSON instead of a table")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json)
            throws Exception {
        List<Listed> maps = new ArrayList<>();
        for (StructOpsMap m : StructOpsCommands.kernel(structOps::list)) {
            maps.add(listed(m));
        }
        return json ? Json.write(maps) : TextFormat.list(maps);
    }

    private Listed listed(StructOpsMap m) {
        Optional<Held.Owned> owned = held.owned(m.id(), m.struct());
        return new Listed(
                m.id(),
                m.name(),
                m.struct(),
                m.linkId() == 0 ? null : m.linkId(),
                owned.isPresent(),
                owned.map(Held.Owned::handler).orElse(null),
                owned.map(Held.Owned::status).orElse(null));
    }

    @Descriptor("show the kernel's view of a struct_ops map's value, through BTF")
    public String dump(
            @Descriptor("print JSON instead of text")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json,
            @Descriptor("map name or id") String nameOrId)
            throws Exception {
        StructOpsValue v = StructOpsCommands.kernel(() -> structOps.value(structOps.find(nameOrId)));
        Map<String, Object> members = new LinkedHashMap<>();
        v.programs().forEach((member, p) -> members.put(member, p.name() + " (prog id " + p.id() + ")"));
        v.members().forEach((member, value) -> members.put(member, Values.text(value)));
        Dumped d = new Dumped(v.map().id(), v.map().name(), v.map().struct(), v.state(), members);
        return json ? Json.write(d) : TextFormat.dump(d);
    }
}
