package io.structops.shell.internal;

import io.structops.deploy.DeployDirectory;
import io.structops.loader.LoadedMap;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * {@code deployed}: the deploy directory's objects and what became of each. A one-shot command's runtime starts no
 * deploy directory (the service's is asked through its socket), so there it says so.
 */
@Component(
        service = DeployCommands.class,
        property = {"osgi.command.scope=structops", "osgi.command.function=deployed"})
public class DeployCommands {
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile DeployDirectory directory;

    @Descriptor("list the objects of the deploy directory: file, attached maps, and the outcome of the last attempt")
    public String deployed(
            @Descriptor("print JSON instead of a table")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json)
            throws CommandFailure {
        DeployDirectory dir = directory;
        if (dir == null) {
            throw new CommandFailure(
                    "no deploy directory runs in this runtime; a service's (structops --deploy DIR --no-shell) is"
                            + " asked through its command socket",
                    null);
        }
        List<DeployedOut> out = new ArrayList<>();
        for (DeployDirectory.Deployment d : dir.deployments()) {
            out.add(new DeployedOut(
                    d.file().toString(),
                    d.object()
                            .map(o -> o.maps().stream().map(LoadedMap::name).toList())
                            .orElse(List.of()),
                    d.outcome(),
                    d.attempts()));
        }
        return json ? Json.write(out) : TextFormat.deployed(out);
    }

    /** One file of the deploy directory: the maps it attached, the outcome of its last attempt, how many so far. */
    record DeployedOut(String file, List<String> maps, String outcome, int attempts) {}
}
