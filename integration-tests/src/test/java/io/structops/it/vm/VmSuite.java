package io.structops.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.it.corpus.Corpus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One boot of Debian sid's cloud kernel under QEMU (integration-tests/vm/vm-run) for every VM test: the guest runs
 * integration-tests/vm/guest/suite.sh, which drives one structops runtime through all scenarios and leaves each
 * scenario's {@code KEY=VALUE} results in {@code integration-tests/target/vm-suite/out/SCENARIO.txt}. The first test
 * class to ask boots the VM; the others (Surefire runs them in the same JVM) read what it left, and a failed boot
 * fails each of them with vm-run's report of where it stopped.
 */
final class VmSuite {
    private static Outcome outcome;

    private record Outcome(Path out, String report, AssertionError failure) {}

    private VmSuite() {}

    static Path repository() {
        return Path.of(System.getProperty("structops.examples")).getParent().getParent();
    }

    /** A scenario's results; a value with no key is absent. Fails if the VM run failed. */
    static Map<String, String> scenario(String name) throws Exception {
        Outcome o = boot();
        if (o.failure() != null) {
            throw o.failure();
        }
        return Corpus.results(o.out().resolve(name + ".txt"));
    }

    /** What vm-run printed, for assertion messages. */
    static String report() throws Exception {
        return boot().report();
    }

    /** The failures a scenario's runtime commands printed ({@code KEY_error} results) are exactly the expected ones. */
    static void assertOnlyExpectedErrors(Map<String, String> v, Set<String> expected) throws Exception {
        for (Map.Entry<String, String> e : v.entrySet()) {
            if (e.getKey().endsWith("_error")
                    && !expected.contains(e.getKey())
                    && !e.getKey().startsWith("rmmod_")) {
                throw new AssertionError(
                        "unexpected failure of '" + e.getKey() + "': " + e.getValue() + "\n" + report());
            }
        }
        for (String key : expected) {
            assertTrue(v.containsKey(key), "expected a failure " + key + ": " + v);
        }
        for (Map.Entry<String, String> e : v.entrySet()) {
            if (e.getKey().endsWith("log_errors")) {
                assertEquals("", e.getValue(), "ERROR lines in the runtime's log: " + report());
            }
        }
    }

    private static synchronized Outcome boot() throws Exception {
        if (outcome == null) {
            outcome = run();
        }
        return outcome;
    }

    private static Outcome run() throws Exception {
        Path root = repository();
        Path work = root.resolve("integration-tests/target/vm-suite");
        Path out = work.resolve("out");
        Files.createDirectories(out);
        Path kernel = Corpus.lastLine(Corpus.tool(List.of(script(root, "vm/fetch-kernel"))));
        Path module = Corpus.lastLine(Corpus.tool(List.of(script(root, "vm/build-module"), kernel.toString())));
        Path corpus = Corpus.lastLine(Corpus.tool(List.of(script(root, "corpus/build"), "vm", kernel.toString())));
        Path traffic = work.resolve("tcp_traffic");
        Corpus.tool(List.of("gcc", "-O2", script(root, "kernel/tcp_traffic.c"), "-o", traffic.toString()));
        Path peer = work.resolve("libbpf_insns");
        Corpus.tool(List.of(script(root, "kernel/build-libbpf-insns.sh"), peer.toString()));
        List<String> command = new ArrayList<>(List.of(
                root.resolve("integration-tests/vm/vm-run").toString(),
                "--out",
                out.toString(),
                "--",
                "sh",
                "integration-tests/vm/guest/suite.sh",
                kernel.resolve("modules").toString(),
                module.toString(),
                traffic.toString(),
                peer.toString(),
                corpus.toString()));
        // No time limit here: vm-run ends a VM that makes no progress and says in which step.
        Process p = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .start();
        String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        System.out.print(report);
        AssertionError failure = status == 0
                ? null
                : new AssertionError("the VM suite failed (vm-run status " + status + "):\n" + report);
        return new Outcome(out, report, failure);
    }

    private static String script(Path root, String name) {
        return root.resolve("integration-tests").resolve(name).toString();
    }
}
