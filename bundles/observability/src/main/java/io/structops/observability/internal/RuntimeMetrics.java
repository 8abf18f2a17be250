package io.structops.observability.internal;

import io.structops.deploy.DeployDirectory;
import io.structops.deploy.DeployDirectory.Deployment;
import io.structops.handler.StructOpsHandlers;
import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.KernelPrograms;
import io.structops.kernel.objects.KernelStructOps;
import io.structops.kernel.objects.StructOpsMap;
import io.structops.loader.LoadStatistics;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.ProgramRuns;
import io.structops.loader.StructOpsRegistry;
import java.time.Duration;
import java.time.Instant;
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
    private final KernelPrograms programs;
    private final LoadStatistics loads;
    private final Optional<DeployDirectory> deploy;
    private final boolean statsOn;

    /** {@code statsOn}: the kernel counts program runs now (this runtime holds them on, or the sysctl is set). */
    RuntimeMetrics(
            StructOpsRegistry registry,
            StructOpsHandlers handlers,
            KernelStructOps kernel,
            KernelPrograms programs,
            LoadStatistics loads,
            Optional<DeployDirectory> deploy,
            boolean statsOn) {
        this.registry = registry;
        this.handlers = handlers;
        this.kernel = kernel;
        this.programs = programs;
        this.loads = loads;
        this.deploy = deploy;
        this.statsOn = statsOn;
    }

    String scrape() {
        PrometheusText text = new PrometheusText();
        heldMaps(text);
        programStats(text);
        kernelMaps(text);
        structStates(text);
        loadOutcomes(text);
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
                "structops_map_attached_seconds",
                "gauge",
                "How long the map has been attached by this runtime (since its load, swap or adoption).");
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
                o.attachedSince(m.name())
                        .ifPresent(since -> text.sample(
                                "structops_map_attached_seconds",
                                PrometheusText.labels("map", m.name()),
                                Duration.between(since, Instant.now()).toNanos() / 1e9));
                o.swapGap(m.name())
                        .ifPresent(gap -> text.sample(
                                "structops_map_swap_gap_seconds",
                                PrometheusText.labels("map", m.name()),
                                gap.toNanos() / 1e9));
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
                case Number n ->
                    text.sample(
                            "structops_map_status", PrometheusText.labels("map", map, "key", name), n.doubleValue());
                case Boolean b ->
                    text.sample("structops_map_status", PrometheusText.labels("map", map, "key", name), b ? 1 : 0);
                case Map<?, ?> nested -> statusSamples(text, map, name + ".", nested);
                case null, default -> {}
            }
        });
    }

    /**
     * The kernel's run counts and times of each held map's programs. The kernel counts only while statistics are on
     * ({@code structops_program_stats_enabled}), so both are counters that stand still otherwise.
     */
    private void programStats(PrometheusText text) {
        text.family(
                "structops_program_stats_enabled",
                "gauge",
                "1 while the kernel counts program runs (the runtime holds BPF_ENABLE_STATS, or"
                        + " kernel.bpf_stats_enabled is 1).");
        text.sample("structops_program_stats_enabled", Map.of(), statsOn ? 1 : 0);
        text.family(
                "structops_program_runs_total",
                "counter",
                "How often a held map's program ran while the kernel counted.");
        text.family(
                "structops_program_run_seconds_total",
                "counter",
                "How long a held map's program ran in all while the kernel counted.");
        for (LoadedObject o : registry.objects()) {
            for (LoadedMap m : o.maps()) {
                m.programIds().forEach((member, id) -> programSamples(text, o, m.name(), member, id));
            }
        }
    }

    /**
     * A program's figures: through the object's own descriptor where it holds one (no CAP_SYS_ADMIN needed, as for a
     * non-root service), else by id; none when neither can be read, rather than wrong ones.
     */
    private void programSamples(PrometheusText text, LoadedObject o, String map, String member, int id) {
        Optional<ProgramRuns> runs = o.programRuns(id);
        if (runs.isEmpty()) {
            try {
                runs = programs.program(id).map(p -> new ProgramRuns(id, p.runCount(), p.runTimeNs()));
            } catch (KernelObjectException e) {
                return;
            }
        }
        runs.ifPresent(r -> {
            Map<String, String> labels =
                    PrometheusText.labels("map", map, "member", member, "program_id", Integer.toString(id));
            text.sample("structops_program_runs_total", labels, r.runCount());
            text.sample("structops_program_run_seconds_total", labels, r.runTimeNs() / 1e9);
        });
    }

    /**
     * What each handler says of its struct on this machine (tcp: the algorithms offered and the default; sched_ext:
     * its state and scheduler): numbers as values, words as an info sample with the word as a label.
     */
    private void structStates(PrometheusText text) {
        text.family(
                "structops_struct_state",
                "gauge",
                "A number or yes/no value a handler reads of its struct on this machine, held map or not.");
        text.family(
                "structops_struct_state_info",
                "gauge",
                "A word a handler reads of its struct on this machine (sched_ext state, tcp default and available"
                        + " algorithms), as the value label.");
        handlers.kernelStates()
                .forEach((struct, state) -> state.forEach((key, value) -> {
                    switch (value) {
                        case Number n ->
                            text.sample(
                                    "structops_struct_state",
                                    PrometheusText.labels("struct", struct, "key", key),
                                    n.doubleValue());
                        case Boolean b ->
                            text.sample(
                                    "structops_struct_state",
                                    PrometheusText.labels("struct", struct, "key", key),
                                    b ? 1 : 0);
                        case List<?> words -> words.forEach(w -> stateWord(text, struct, key, w));
                        case null -> {}
                        default -> stateWord(text, struct, key, value);
                    }
                }));
    }

    private static void stateWord(PrometheusText text, String struct, String key, Object word) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("struct", struct);
        labels.put("key", key);
        labels.put("value", String.valueOf(word));
        text.sample("structops_struct_state_info", labels, 1);
    }

    /** Failed loads by operation, step and errno, and swaps by struct and outcome, since the runtime started. */
    private void loadOutcomes(PrometheusText text) {
        text.family(
                "structops_load_failures_total",
                "counter",
                "Loads, swaps, adoptions and reads that failed, by the loader's step and the kernel's errno (none when"
                        + " the kernel refused nothing).");
        loads.failures().forEach((f, n) -> {
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put("operation", f.operation());
            labels.put("step", f.step());
            labels.put("errno", f.errno());
            text.sample("structops_load_failures_total", labels, n);
        });
        text.family("structops_swaps_total", "counter", "Swaps of a held map to a new object, by struct and outcome.");
        loads.swaps()
                .forEach((struct, byOutcome) -> byOutcome.forEach((outcome, n) -> text.sample(
                        "structops_swaps_total", PrometheusText.labels("struct", struct, "outcome", outcome), n)));
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
        byStruct.forEach((struct, n) ->
                text.sample("structops_kernel_struct_ops_maps", PrometheusText.labels("struct", struct), n));
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
        byResult.forEach(
                (result, n) -> text.sample("structops_deploy_files", PrometheusText.labels("result", result), n));
    }
}
