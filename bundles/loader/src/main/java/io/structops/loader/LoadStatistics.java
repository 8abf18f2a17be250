package io.structops.loader;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What the runtime's loads came to since it started, for metrics: failures by step and cause, and swaps by struct
 * and outcome. A service; thread-safe; counts only grow.
 */
@ProviderType
public interface LoadStatistics {

    /**
     * A kind of failure.
     *
     * @param operation {@code load}, {@code swap}, {@code adopt} or {@code read}
     * @param step the loader's step that failed ({@link LoadException#step()}), {@code unnamed} when none was named
     * @param errno the kernel's refusal by errno name, {@code none} when the kernel refused nothing
     */
    record Failure(String operation, String step, String errno) {}

    /** Failed loads, swaps, adoptions and reads, by kind. */
    Map<Failure, Long> failures();

    /** Swaps by struct and outcome ({@code done} or {@code failed}): struct to outcome to count. */
    Map<String, Map<String, Long>> swaps();
}
