package io.structops.loader.internal;

import io.structops.loader.LoadException;
import io.structops.loader.LoadStatistics;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.osgi.service.component.annotations.Component;

/**
 * Counts what every loader instance (one per bundle that uses the loader) did, so that a scrape sees the whole
 * runtime. Registered under its own class as well, which is how the loader instances find it.
 */
@Component(service = {LoadStatistics.class, LoadHistory.class})
public class LoadHistory implements LoadStatistics {
    private final Map<Failure, LongAdder> failures = new ConcurrentHashMap<>();
    private final Map<String, Map<String, LongAdder>> swaps = new ConcurrentHashMap<>();

    /** A failed operation ({@code load}, {@code swap}, {@code adopt}, {@code read}). */
    void failed(String operation, LoadException e) {
        String step = e.step().isEmpty() ? "unnamed" : e.step();
        String errno = e.errno().isEmpty() ? "none" : e.errno();
        failures.computeIfAbsent(new Failure(operation, step, errno), f -> new LongAdder())
                .increment();
    }

    /** A swap of a map of {@code struct} that ended as {@code outcome} ({@code done}, {@code failed}). */
    void swapped(String struct, String outcome) {
        swaps.computeIfAbsent(struct, s -> new ConcurrentHashMap<>())
                .computeIfAbsent(outcome, o -> new LongAdder())
                .increment();
    }

    @Override
    public Map<Failure, Long> failures() {
        Map<Failure, Long> out = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        failures.forEach((f, n) -> out.put(f, n.sum()));
        return out;
    }

    @Override
    public Map<String, Map<String, Long>> swaps() {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        swaps.forEach((struct, byOutcome) -> {
            Map<String, Long> counts = new TreeMap<>();
            byOutcome.forEach((o, n) -> counts.put(o, n.sum()));
            out.put(struct, counts);
        });
        return out;
    }
}
