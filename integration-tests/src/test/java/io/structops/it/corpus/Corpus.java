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
import java.util.Optional;

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

    /**
     * A difference the corpus records as known ("# known OBJECT:MAP: why" in integration-tests/corpus/objects), or
     * known only when structops' failure names its sign ("# known OBJECT:MAP (SIGN): why"): any other failure of that
     * map is a difference like any other.
     */
    record Known(String sign, String why) {
        /** The entry as corpus.sh passes it on: what follows "# known OBJECT:MAP". */
        static Optional<Known> parse(String entry) {
            if (entry == null || entry.isBlank()) {
                return Optional.empty();
            }
            if (entry.startsWith(" (") && entry.contains("): ")) {
                int end = entry.indexOf("): ");
                return Optional.of(new Known(
                        entry.substring(2, end), entry.substring(end + 3).strip()));
            }
            return Optional.of(new Known("", entry.replaceFirst("^:", "").strip()));
        }

        /** Why, if this is the difference structops' words show. */
        Optional<String> of(String said) {
            return sign.isEmpty() || said.contains(sign) ? Optional.of(why) : Optional.empty();
        }
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
     * loaded and ran or showed their known difference.
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
            String said = v.getOrDefault(key + ":structops", "")
                    + v.getOrDefault(key + ":dump", "")
                    + v.getOrDefault(key + ":unload", "")
                    + v.getOrDefault(key + ":run", "");
            Optional<String> known = Known.parse(v.get(key + ":known")).flatMap(k -> k.of(said));
            if (known.isPresent() && !outcome.endsWith("same=yes")) {
                System.out.println("COMPAT " + key + " known difference: " + known.get() + "; structops said: " + said);
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
        // A known difference that showed was exercised all the same: it counts towards the corpus having run.
        assertTrue(
                running + knownDifferences >= minRunning,
                "only " + running + " maps of the corpus ran on " + where + " (and " + knownDifferences
                        + " showed a known difference): " + v);
    }
}
