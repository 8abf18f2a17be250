package io.structops.loader.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs a tool (bpftool, the libbpf peer) for a test. Its output is read and closed here, and it gets no input pipe:
 * the JDK would otherwise close a finished process's pipes itself, moments after waitFor() returns, inside whichever
 * test runs next, and the tests that count this process's descriptors would see them go.
 */
final class Processes {
    record Result(int status, String output) {}

    private Processes() {}

    /** The tool's status and its standard output, with its standard error too if {@code withErrors}. */
    static Result run(List<String> command, boolean withErrors) throws IOException, InterruptedException {
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (withErrors) {
            pb.redirectErrorStream(true);
        } else {
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        Process p = pb.start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return new Result(p.waitFor(), output);
    }
}
