package io.structops.observability.internal;

import io.structops.deploy.DeployDirectory;
import io.structops.deploy.DeployDirectory.Deployment;
import io.structops.handler.StructOpsHandlers;
import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.KernelStructOps;
import io.structops.kernel.objects.StructOpsMap;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.StructOpsRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The runtime's state as Prometheus metrics, read when scraped: the struct_ops maps this runtime holds (an info
 * metric each, with the last swap's gap), every struct_ops map in the kernel by struct, and the deploy directory's
 * files by the result of their last attempt. Names follow Prometheus's conventions: the {@code structops_} prefix,
 * base units, {@code _total} for counters, {@code _info} for a labelled constant 1.
 */
final class RuntimeMetrics {
    private final StructOpsRegistry registry;
    private final StructOpsHandlers handlers;
    private final KernelStructOps kernel;
    private final Optional<DeployDirectory> deploy;

    RuntimeMetrics(
            StructOpsRegistry registry,
            StructOpsHandlers handlers,
            KernelStructOps kernel,
            Optional<DeployDirectory> deploy) {
        this.registry = registry;
        this.handlers = handlers;
        this.kernel = kernel;
        this.deploy = deploy;
    }

    String scrape() {
        PrometheusText text = new PrometheusText();
        heldMaps(text);
        kernelMaps(text);
        deploy.ifPresent(d -> deployFiles(text, d.deployments()));
        return text.toString();
    }

    private void heldMaps(PrometheusText text) {
        text.family(
                "structops_map_info",
                "gauge",
                "A struct_ops map this runtime holds attached: its object, struct, name, ids and handler.");
        text.family(
                "structops_map_swap_gap_seconds",
                "gauge",
                "How long the map's last swap left no map of its struct attached (0 for a link updated in place).");
        text.family(
                "structops_map_status",
                "gauge",
                "The numbers and yes/no values of a held map's handler status (tcp: available, default; sched_ext:"
                        + " its state; an object's integer counters under counters.NAME), as list shows them.");
        for (LoadedObject o : registry.objects()) {
            for (LoadedMap m : o.maps()) {
                Map<String, String> labels = new LinkedHashMap<>();
                labels.put("object", o.name());
                labels.put("struct", m.type());
                labels.put("map", m.name());
                labels.put("map_id", Integer.toString(m.mapId()));
                labels.put("link_id", Integer.toString(m.linkId()));
                labels.put(
                        "handler",
                        handlers.handlerFor(m.type())
                                .map(StructOpsHandlers.Handler::bundle)
                                .orElse(""));
                text.sample("structops_map_info", labels, 1);
                handlers.status(o, m).ifPresent(status -> statusSamples(text, m.name(), "", status));
                o.swapGap(m.name())
                        .ifPresent(gap -> text.sample(
                                "structops_map_swap_gap_seconds", Map.of("map", m.name()), gap.toNanos() / 1e9));
            }
        }
    }

    /**
     * A handler's status as samples: numbers as they are, booleans as 1 and 0, nested maps under dotted keys; text
     * (names, states in words) stays in {@code list}.
     */
    private static void statusSamples(PrometheusText text, String map, String prefix, Map<?, ?> status) {
        status.forEach((key, value) -> {
            String name = prefix + key;
            switch (value) {
                case Number n -> text.sample("structops_map_status", Map.of("map", map, "key", name), n.doubleValue());
                case Boolean b -> text.sample("structops_map_status", Map.of("map", map, "key", name), b ? 1 : 0);
                case Map<?, ?> nested -> statusSamples(text, map, name + ".", nested);
                case null, default -> {}
            }
        });
    }

    private void kernelMaps(PrometheusText text) {
        text.family(
                "structops_kernel_struct_ops_maps",
                "gauge",
                "struct_ops maps in the kernel, whoever made them, by struct.");
        Map<String, Integer> byStruct = new TreeMap<>();
        try {
            for (StructOpsMap m : kernel.list()) {
                byStruct.merge(m.struct(), 1, Integer::sum);
            }
        } catch (KernelObjectException e) {
            // An unreadable kernel list leaves the family empty; /readyz and the log say more.
            return;
        }
        byStruct.forEach((struct, n) -> text.sample("structops_kernel_struct_ops_maps", Map.of("struct", struct), n));
    }

    private static void deployFiles(PrometheusText text, List<Deployment> deployments) {
        text.family(
                "structops_deploy_files",
                "gauge",
                "Files in the deploy directory by the result of their last attempt (deployed, swapped, adopted,"
                        + " installed, applied, failed, refused).");
        Map<String, Integer> byResult = new TreeMap<>();
        for (Deployment d : deployments) {
            byResult.merge(d.result(), 1, Integer::sum);
        }
        byResult.forEach((result, n) -> text.sample("structops_deploy_files", Map.of("result", result), n));
    }
}
