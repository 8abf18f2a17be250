package io.structops.it.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs runtime/bin/structops as a user would, capturing its exit status, stdout and stderr. */
public final class Launcher {
    public record Result(int status, String out, String err) {}

    /** Standard input for a service or shell started by a test: nothing to read. */
    public static final ProcessBuilder.Redirect NO_INPUT = ProcessBuilder.Redirect.from(new File("/dev/null"));

    public static Path script() {
        return Path.of(System.getProperty("structops.launcher"));
    }

    public static Path example(String name) {
        return Path.of(System.getProperty("structops.examples"), name);
    }

    public static Result run(Map<String, String> env, String stdin, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(script().toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        var out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        var err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("structops " + List.of(args) + " did not finish in 120 s");
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    public static Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), "", args);
    }

    /**
     * Hands each further line of a running service's output to {@code lines} on a thread of its own, until the output
     * ends: the JDK closes the stream of a process that has exited, which ends the reading too.
     */
    public static void drain(BufferedReader output, Consumer<String> lines) {
        Thread.ofVirtual().start(() -> {
            try {
                output.lines().forEach(lines);
            } catch (UncheckedIOException e) {
                // closed when the process ended
            }
        });
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
