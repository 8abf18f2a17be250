package io.structops.shell.internal;

import io.structops.deploy.DeployDirectory;
import io.structops.loader.LoadedMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code deployed}: the deploy directory's objects and what became of each. Present while the deploy bundle is. */
@Component(service = DeployCommands.class, property = {
        "osgi.command.scope=structops",
        "osgi.command.function=deployed"
})
public class DeployCommands {
    @Reference
    private DeployDirectory directory;

    @Descriptor("list the objects of the deploy directory: file, attached maps, and the outcome of the last attempt")
    public String deployed(
            @Descriptor("print JSON instead of a table")
            @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (DeployDirectory.Deployment d : directory.deployments()) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("file", d.file().toString());
            j.put("maps", d.object().map(o -> o.maps().stream().map(LoadedMap::name).toList()).orElse(List.of()));
            j.put("outcome", d.outcome());
            j.put("attempts", d.attempts());
            out.add(j);
        }
        if (json) {
            return Json.write(out);
        }
        if (out.isEmpty()) {
            return "no objects in the deploy directory\n";
        }
        Table t = new Table("FILE", "MAPS", "ATTEMPTS", "OUTCOME");
        for (Map<String, Object> j : out) {
            @SuppressWarnings("unchecked")
            List<String> maps = (List<String>) j.get("maps");
            t.row(j.get("file"), maps.isEmpty() ? "-" : String.join(",", maps), j.get("attempts"),
                    j.get("outcome"));
        }
        StringBuilder sb = new StringBuilder();
        t.appendTo(sb, "");
        return sb.toString();
    }
}
