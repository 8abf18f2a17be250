package io.structops.example.flowreport;

import io.structops.kernel.objects.KernelMap;
import io.structops.kernel.objects.KernelMaps;
import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.KernelStructOps;
import io.structops.kernel.objects.MapInfo;
import io.structops.kernel.objects.StructOpsMap;
import io.structops.kernel.objects.Value;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user-space half of {@code tcp_cc_report.bpf.o}: every few seconds, each flow in the congestion control's
 * {@code flow_stats} hash map is posted as an OSGi event on {@value #TOPIC}, its key's and value's members as the
 * event's properties ({@code local_port}, {@code remote_port}, {@code acked}, {@code phase}, ...) plus {@code map},
 * the struct_ops map it came from. Written against structops' exported API only ({@code io.structops.kernel.objects}),
 * as any host bundle would be; configured through ConfigAdmin PID {@value #PID}.
 */
@Component(configurationPid = FlowReporter.PID)
public class FlowReporter {
    static final String PID = "io.structops.example.flowreport";
    static final String TOPIC = "io/structops/flowreport/FLOW";
    private static final Logger LOG = LoggerFactory.getLogger(FlowReporter.class);

    /** What to report, and how often. */
    public @interface Config {
        /** The struct_ops map of the congestion control, by name or id. */
        String map() default "structops_report";

        /** Its hash map of flows, by the name the object gives it. */
        String flows() default "flow_stats";

        long interval_seconds() default 5;
    }

    private final KernelStructOps structOps;
    private final KernelMaps maps;
    private final EventAdmin events;
    private final Config config;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("flow report").unstarted(r));

    @Activate
    public FlowReporter(
            @Reference KernelStructOps structOps,
            @Reference KernelMaps maps,
            @Reference EventAdmin events,
            Config config) {
        this.structOps = structOps;
        this.maps = maps;
        this.events = events;
        this.config = config;
        long every = Math.max(1, config.interval_seconds());
        timer.scheduleWithFixedDelay(this::reportQuietly, 0, every, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
    }

    private void reportQuietly() {
        try {
            int n = report();
            LOG.debug("{}: {} flows reported", config.map(), n);
        } catch (KernelObjectException e) {
            // Not loaded yet, or unloaded meanwhile: nothing to report this time.
            LOG.debug("{}: no report: {}", config.map(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("{}: report failed: {}", config.map(), e.toString());
        }
    }

    /** Posts one event per flow; returns how many. */
    int report() throws KernelObjectException {
        StructOpsMap cc = structOps.find(config.map());
        Optional<MapInfo> flows = flowsOf(cc);
        if (flows.isEmpty()) {
            return 0;
        }
        int n = 0;
        try (KernelMap map = maps.open(flows.get().id())) {
            for (KernelMap.Entry e : map.entries()) {
                Map<String, Object> properties = new LinkedHashMap<>();
                properties.put("map", cc.name());
                flatten(map.decodeKey(e.key()), properties);
                flatten(map.decodeValue(e.values().get(0)), properties);
                events.postEvent(new Event(TOPIC, properties));
                n++;
            }
        }
        return n;
    }

    /** The flows map among the maps the congestion control's programs use. */
    private Optional<MapInfo> flowsOf(StructOpsMap cc) throws KernelObjectException {
        Set<Integer> used = new HashSet<>();
        structOps.value(cc).programs().values().forEach(p -> used.addAll(p.mapIds()));
        return maps.list().stream()
                .filter(m -> used.contains(m.id()) && m.name().equals(config.flows()))
                .findFirst();
    }

    /** A struct's members as event properties: numbers as Long, enums by name, text as String. */
    private static void flatten(Value v, Map<String, Object> out) {
        if (!(v instanceof Value.Struct s)) {
            return;
        }
        s.fields().forEach((name, field) -> {
            switch (field) {
                case Value.Int i -> out.put(name, i.value().longValue());
                case Value.Enum en -> out.put(name, en.name().isEmpty() ? Long.toString(en.value()) : en.name());
                case Value.Text t -> out.put(name, t.value());
                case Value.Bool b -> out.put(name, b.value());
                default -> {
                    // Nested structs and arrays are not properties an event filter could use.
                }
            }
        });
    }
}
