package io.structops.deploy.internal;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * What became of each file the deploy directory acted on (objects, bundles, configurations): the last outcome in
 * words and how many times the file was processed, in the order the files came. Shared by the directory's handlers
 * within this bundle; {@code deployed} shows it.
 */
@Component(service = DeployLedger.class)
public class DeployLedger {
    /** A file's last outcome and how many times it was processed. */
    record Entry(Path file, String outcome, int attempts) {}

    private final Map<Path, Entry> entries = new LinkedHashMap<>();

    synchronized void record(Path file, String outcome) {
        Entry previous = entries.get(file);
        entries.put(file, new Entry(file, outcome, previous == null ? 1 : previous.attempts() + 1));
    }

    synchronized void forget(Path file) {
        entries.remove(file);
    }

    synchronized Entry get(Path file) {
        return entries.getOrDefault(file, new Entry(file, "", 0));
    }

    synchronized List<Entry> entries() {
        return List.copyOf(entries.values());
    }
}
