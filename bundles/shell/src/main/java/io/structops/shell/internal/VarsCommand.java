package io.structops.shell.internal;

import io.structops.kernel.objects.KernelMaps;
import io.structops.kernel.objects.KernelStructOps;
import io.structops.kernel.objects.MapInfo;
import io.structops.kernel.objects.Value;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code vars NAME|ID}: the running values of an object's global variables, read from the kernel's global data maps
 * and named through the BTF the kernel holds for them. NAME|ID is a struct_ops map (all the globals of the object
 * it came from) or one global data map.
 */
@Component(
        service = VarsCommand.class,
        property = {"osgi.command.scope=structops", "osgi.command.function=vars"})
public class VarsCommand {

    @Reference
    private KernelMaps maps;

    @Reference
    private KernelStructOps structOps;

    @Descriptor("show the running values of an object's global variables (.data, .rodata, .bss)")
    public String vars(
            @Descriptor("print JSON instead of a table")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json,
            @Descriptor("struct_ops map or global data map, by name or id") String nameOrId)
            throws Exception {
        MapInfo target = StructOpsCommands.kernel(() -> maps.find(nameOrId));
        Map<String, Map<String, Value>> globals = StructOpsCommands.kernel(() -> structOps.globals(target));
        if (json) {
            return Json.write(globals);
        }
        Map<String, Map<String, Object>> text = new LinkedHashMap<>();
        globals.forEach((section, vars) -> {
            Map<String, Object> shown = new LinkedHashMap<>();
            vars.forEach((name, v) -> shown.put(name, Values.text(v)));
            text.put(section, shown);
        });
        return TextFormat.vars(text);
    }
}
