package io.structops.it.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The corpus (objects from the kernel's tree, built by integration-tests/corpus/build) as the tests read it: the
 * results of integration-tests/vm/guest/corpus.sh, one "OBJECT:MAP" key per struct_ops map, printed as COMPAT lines.
 */
public final class Corpus {
    private Corpus() {}

    /** Runs a tool; its output, or an error naming it. */
    public static String tool(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), "failed: " + command);
        return out;
    }

    /** The last line a tool printed: the path a build script names after its progress. */
    public static Path lastLine(String output) {
        return Path.of(output.lines().reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no output")));
    }

    /** KEY=VALUE lines of a results file. */
    public static Map<String, String> results(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1).strip());
            }
        }
        return values;
    }

    /**
     * Prints one COMPAT line per map and a total, then fails on any map where structops and libbpf differ (with
     * both reasons) unless the corpus records the difference as known, or if fewer than {@code minRunning} maps
     * loaded and ran.
     */
    public static void assertSameAsLibbpf(String where, Map<String, String> v, int minRunning) {
        List<String> differ = new ArrayList<>();
        int maps = 0;
        int running = 0;
        int knownDifferences = 0;
        for (Map.Entry<String, String> e : v.entrySet()) {
            String key = e.getKey();
            if (!key.contains(":") || key.indexOf(':') != key.lastIndexOf(':')) {
                continue;
            }
            maps++;
            String outcome = e.getValue();
            System.out.println("COMPAT " + key + " " + outcome);
            if (outcome.contains("structops=ok")) {
                running++;
            }
            String known = v.get(key + ":known");
            if (known != null && !outcome.endsWith("same=yes")) {
                System.out.println(
                        "COMPAT " + key + " known difference: " + known + "; run: " + v.getOrDefault(key + ":run", ""));
                knownDifferences++;
            } else if (!outcome.endsWith("same=yes")) {
                differ.add(key + " " + outcome + "\n  libbpf: " + v.get(key + ":libbpf") + "\n  structops: "
                        + v.getOrDefault(key + ":structops", "") + v.getOrDefault(key + ":dump", "")
                        + v.getOrDefault(key + ":unload", "") + "\n  run: " + v.getOrDefault(key + ":run", ""));
            }
        }
        System.out.println("COMPAT " + where + " total maps=" + maps + " running=" + running + " differ="
                + differ.size() + " known=" + knownDifferences
                + (v.getOrDefault("skipped", "").isEmpty() ? "" : "; not built: " + v.get("skipped")));
        assertTrue(differ.isEmpty(), "structops and libbpf differ on " + where + ":\n" + String.join("\n", differ));
        assertTrue(running >= minRunning, "only " + running + " maps of the corpus ran on " + where + ": " + v);
    }
}
