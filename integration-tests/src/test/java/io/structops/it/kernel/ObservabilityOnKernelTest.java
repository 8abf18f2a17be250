package io.structops.it.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.it.cli.Launcher;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The service started with {@code --http}: {@code /healthz}, {@code /readyz} following the deploy directory, and
 * {@code /metrics} read by Prometheus's own parser (the Python client's, Debian's python3-prometheus-client), its map
 * ids checked against bpftool's. Without {@code --http} the runtime listens on no TCP port; beyond loopback it is
 * refused.
 */
@Tag("kernel")
class ObservabilityOnKernelTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Process service(Path dir, String... launcherOptions) throws Exception {
        Path deploy = dir.resolve("deploy");
        var command = new java.util.ArrayList<String>();
        command.add(Launcher.script().toString());
        command.addAll(java.util.List.of(launcherOptions));
        command.addAll(java.util.List.of("--deploy", deploy.toString(), "--no-shell"));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("log.txt").toFile());
        pb.environment()
                .put("STRUCTOPS_SOCKET", dir.resolve("run/structops.sock").toString());
        return pb.start();
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls until {@code path} answers {@code status} (a refused connection counts as not yet); the last answer. */
    private static HttpResponse<String> await(int port, String path, int status) throws Exception {
        HttpResponse<String> last = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            try {
                last = get(port, path);
                if (last.statusCode() == status) {
                    return last;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError(path + " did not answer " + status + "; last: "
                + (last == null ? "no answer" : last.statusCode() + " " + last.body()));
    }

    @Test
    void healthReadinessAndMetricsFollowTheDeployDirectory() throws Exception {
        Path dir = Files.createTempDirectory("structops-http");
        Path deploy = Files.createDirectories(dir.resolve("deploy"));
        Files.copy(Launcher.example("tcp_cc_link.bpf.o"), deploy.resolve("link.bpf.o"));
        int port = freePort();
        Process service = service(dir, "--http", "127.0.0.1:" + port);
        try {
            assertEquals("ok\n", await(port, "/healthz", 200).body());
            assertEquals("ready\n", await(port, "/readyz", 200).body());

            HttpResponse<String> metrics = get(port, "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(
                    metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                    metrics.headers().toString());
            String parsed = parse(dir, metrics.body());
            String mapId = bpftool("struct_ops", "show", "name", "structops_fixed")
                    .replaceAll("(?s)^(\\d+):.*", "$1")
                    .strip();
            assertTrue(
                    parsed.contains("structops_map_info gauge structops_map_info handler=io.structops.handler.tcpcc"
                                    + " link_id=")
                            && parsed.contains(" map=structops_fixed map_id=" + mapId + " object="
                                    + deploy.resolve("link.bpf.o") + " struct=tcp_congestion_ops 1.0"),
                    parsed);
            assertTrue(
                    parsed.contains("structops_deploy_files gauge structops_deploy_files result=deployed 1.0"), parsed);
            assertTrue(parsed.contains("structops_kernel_struct_ops_maps gauge"), parsed);
            // The tcp handler's status, as list shows it: the algorithm is available, and not the default.
            assertTrue(
                    parsed.contains("structops_map_status gauge structops_map_status key=available map=structops_fixed"
                            + " 1.0"),
                    parsed);
            assertTrue(
                    parsed.contains(
                            "structops_map_status gauge structops_map_status key=default map=structops_fixed" + " 0.0"),
                    parsed);

            // A file that cannot be deployed (its map's name is taken): not ready, and the body says which and why.
            Files.copy(Launcher.example("tcp_cc_link_v2.bpf.o"), deploy.resolve("again.bpf.o"));
            HttpResponse<String> notReady = await(port, "/readyz", 503);
            assertTrue(notReady.body().contains(deploy.resolve("again.bpf.o").toString()), notReady.body());
            Files.delete(deploy.resolve("again.bpf.o"));
            await(port, "/readyz", 200);

            // Read-only: nothing but GET.
            assertEquals(
                    405,
                    HTTP.send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                            .POST(HttpRequest.BodyPublishers.noBody())
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode());
        } finally {
            service.destroy();
            assertTrue(service.waitFor(60, TimeUnit.SECONDS));
        }
    }

    /** Without --http, Jetty is not listening: the runtime's JVM holds no listening TCP socket. */
    @Test
    void withoutHttpNothingListens() throws Exception {
        Path dir = Files.createTempDirectory("structops-http");
        Files.createDirectories(dir.resolve("deploy"));
        Process service = service(dir);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.readString(dir.resolve("log.txt")).contains("structops running headless")) {
                assertTrue(System.nanoTime() < deadline, Files.readString(dir.resolve("log.txt")));
                Thread.sleep(100);
            }
            long jvm = service.descendants()
                    .filter(p -> p.info().commandLine().orElse("").contains("io.structops.launcher.Launcher"))
                    .findFirst()
                    .orElseThrow()
                    .pid();
            String listening = run("ss", "-Hltnp");
            assertFalse(listening.contains("pid=" + jvm + ","), listening);
        } finally {
            service.destroy();
            assertTrue(service.waitFor(60, TimeUnit.SECONDS));
        }
    }

    @Test
    void beyondLoopbackIsRefused() throws Exception {
        Launcher.Result r = Launcher.run(Map.of(), "", "--http", "0.0.0.0:9464", "--no-shell");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("only a loopback address"), r.err());
        Launcher.Result oneCommand = Launcher.run(Map.of(), "", "--http", "9464", "list");
        assertEquals(2, oneCommand.status());
        assertTrue(oneCommand.err().contains("--http is for the shell and the service"), oneCommand.err());
    }

    /** The metrics as Prometheus's Python client parses them: "NAME TYPE SAMPLE LABEL=VALUE... VALUE" per sample. */
    private static String parse(Path dir, String body) throws Exception {
        Path text = dir.resolve("metrics.txt");
        Files.writeString(text, body);
        // Debian's interpreter, where the Debian package put the client (a python3 earlier on PATH may be another).
        return run(
                "/usr/bin/python3",
                "-c",
                "import sys\n"
                        + "from prometheus_client.parser import text_string_to_metric_families\n"
                        + "for f in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
                        + "    for s in f.samples:\n"
                        + "        print(f.name, f.type, s.name,"
                        + " ' '.join(k + '=' + v for k, v in sorted(s.labels.items())), s.value)\n",
                text.toString());
    }

    private static String bpftool(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "bpftool";
        System.arraycopy(args, 0, command, 1, args.length);
        return run(command);
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }
}
