package io.structops.observability.internal;

import io.structops.deploy.DeployDirectory.Deployment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the deploy directory is attached as configured: every object file in it acted on, every file's last attempt
 * succeeded, and every object file's object attached. The reasons it is not, one line per file.
 */
final class Readiness {
    private Readiness() {}

    static List<String> notReady(List<Deployment> deployments, List<Path> waiting) {
        List<String> reasons = new ArrayList<>();
        for (Path file : waiting) {
            reasons.add(file + ": not deployed yet");
        }
        for (Deployment d : deployments) {
            if (!d.succeeded()) {
                reasons.add(d.file() + ": " + d.outcome());
            } else if (d.objectFile() && d.object().isEmpty()) {
                reasons.add(d.file() + ": not attached (" + d.outcome() + ")");
            }
        }
        return reasons;
    }
}
