package io.structops.it.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs runtime/bin/structops as a user would, capturing its exit status, stdout and stderr. */
public final class Launcher {
    public record Result(int status, String out, String err) {}

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
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("structops " + List.of(args) + " did not finish in 120 s");
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    public static Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), "", args);
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
