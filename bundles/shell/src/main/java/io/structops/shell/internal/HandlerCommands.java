package io.structops.shell.internal;

import io.structops.handler.StructOpsHandlers;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.StructOpsRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code handlers}: which bundle handles which kernel struct now, and which attached maps it manages. */
@Component(
        service = HandlerCommands.class,
        property = {"osgi.command.scope=structops", "osgi.command.function=handlers"})
public class HandlerCommands {
    @Reference
    private StructOpsHandlers handlers;

    @Reference
    private StructOpsRegistry registry;

    @Descriptor("list the struct_ops handlers: struct, bundle, version, and the attached maps each manages; structs"
            + " this runtime holds maps of but no handler handles are listed as unmanaged")
    public String handlers(
            @Descriptor("print JSON instead of a table")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json) {
        Map<String, List<String>> managed = new LinkedHashMap<>();
        for (LoadedObject o : registry.objects()) {
            for (LoadedMap m : o.maps()) {
                managed.computeIfAbsent(m.type(), k -> new ArrayList<>()).add(m.name());
            }
        }
        TreeSet<String> structs = new TreeSet<>(managed.keySet());
        handlers.handlers().forEach(h -> structs.add(h.struct()));
        List<HandlerOut> out = new ArrayList<>();
        for (String struct : structs) {
            var h = handlers.handlerFor(struct);
            out.add(new HandlerOut(
                    struct,
                    h.map(StructOpsHandlers.Handler::bundle).orElse(null),
                    h.map(StructOpsHandlers.Handler::version).orElse(null),
                    managed.getOrDefault(struct, List.of())));
        }
        return json ? Json.write(out) : TextFormat.handlers(out);
    }

    /** One struct: its handler's bundle and version (null when unmanaged), and the attached maps of it. */
    record HandlerOut(String struct, String bundle, String version, List<String> maps) {}
}
