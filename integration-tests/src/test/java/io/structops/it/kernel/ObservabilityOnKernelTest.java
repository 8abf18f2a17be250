package io.structops.it.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.it.cli.Launcher;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
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

    private static Process service(Path dir, String... launcherOptions) throws Exception {
        Path deploy = dir.resolve("deploy");
        List<String> command = new ArrayList<>();
        command.add(Launcher.script().toString());
        command.addAll(List.of(launcherOptions));
        command.addAll(List.of("--deploy", deploy.toString(), "--no-shell"));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("log.txt").toFile());
        pb.environment()
                .put("STRUCTOPS_SOCKET", dir.resolve("run/structops.sock").toString());
        return pb.start();
    }

    @Test
    void healthReadinessAndMetricsFollowTheDeployDirectory() throws Exception {
        Path dir = Files.createTempDirectory("structops-http");
        Path deploy = Files.createDirectories(dir.resolve("deploy"));
        Files.copy(Launcher.example("tcp_cc_link.bpf.o"), deploy.resolve("link.bpf.o"));
        int port = HttpProbe.freePort();
        Process service = service(dir, "--http", "127.0.0.1:" + port, "--program-stats");
        try {
            assertEquals(
                    "ok\n",
                    HttpProbe.await(port, "/healthz", 200, () -> log(dir)).body());
            assertEquals(
                    "ready\n",
                    HttpProbe.await(port, "/readyz", 200, () -> log(dir)).body());

            HttpResponse<String> metrics = HttpProbe.get(port, "/metrics");
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
            assertTrue(
                    parsed.contains("structops_map_attached_seconds gauge structops_map_attached_seconds"
                            + " map=structops_fixed "),
                    parsed);
            // What the tcp handler reads of the machine, whoever loaded what: the default as sysctl says it.
            String defaultAlgorithm = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_congestion_control"))
                    .strip();
            assertTrue(
                    parsed.contains("structops_struct_state_info gauge structops_struct_state_info key=default"
                            + " struct=tcp_congestion_ops value=" + defaultAlgorithm + " 1.0"),
                    parsed);
            assertTrue(
                    parsed.contains("structops_struct_state_info gauge structops_struct_state_info key=available"
                            + " struct=tcp_congestion_ops value=structops_fixed 1.0"),
                    parsed);

            // Program statistics are on (--program-stats): a connection using the algorithm makes its programs run.
            assertTrue(
                    parsed.contains("structops_program_stats_enabled gauge structops_program_stats_enabled  1.0"),
                    parsed);
            run(StructOpsOnKernelTest.trafficTool(dir).toString(), "structops_fixed", "1048576");
            String counted = parse(dir, HttpProbe.get(port, "/metrics").body());
            assertTrue(programRuns(counted, "structops_fixed") > 0, counted);

            // A file that cannot be deployed (its map's name is taken): not ready, and the body says which and why.
            Files.copy(Launcher.example("tcp_cc_link_v2.bpf.o"), deploy.resolve("again.bpf.o"));
            HttpResponse<String> notReady = HttpProbe.await(port, "/readyz", 503, () -> log(dir));
            assertTrue(notReady.body().contains(deploy.resolve("again.bpf.o").toString()), notReady.body());
            Files.delete(deploy.resolve("again.bpf.o"));
            HttpProbe.await(port, "/readyz", 200, () -> log(dir));
            // One the verifier rejects: counted by the loader's step and the kernel's errno.
            Files.copy(Launcher.example("tcp_cc_reject.bpf.o"), deploy.resolve("reject.bpf.o"));
            awaitMetric(dir, port, "structops_load_failures_total errno=EACCES operation=load step=load programs 1.0");
            Files.delete(deploy.resolve("reject.bpf.o"));
            HttpProbe.await(port, "/readyz", 200, () -> log(dir));

            // A new version under the file's name: the deploy directory swaps, and the swap is counted.
            Path next = dir.resolve("next.bpf.o");
            Files.copy(Launcher.example("tcp_cc_link_v2.bpf.o"), next);
            Files.move(next, deploy.resolve("link.bpf.o"), StandardCopyOption.REPLACE_EXISTING);
            String swapped = awaitMetric(dir, port, "structops_swaps_total outcome=done struct=tcp_congestion_ops 1.0");
            assertTrue(
                    swapped.contains("structops_deploy_files gauge structops_deploy_files result=swapped 1.0"),
                    swapped);

            // Read-only: nothing but GET.
            assertEquals(405, HttpProbe.status(port, "/metrics", "POST"));
        } finally {
            service.destroy();
            assertTrue(service.waitFor(60, TimeUnit.SECONDS));
        }
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("log.txt"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
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
    void beyondLoopbackIsRefusedWithoutAToken() throws Exception {
        Launcher.Result r = Launcher.run(Map.of(), "", "--http", "0.0.0.0:9464", "--no-shell");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("beyond loopback (127.0.0.1, ::1, localhost) only with --token-file"), r.err());
        Launcher.Result oneCommand = Launcher.run(Map.of(), "", "--http", "9464", "list");
        assertEquals(2, oneCommand.status());
        assertTrue(oneCommand.err().contains("--http is for the shell and the service"), oneCommand.err());
    }

    /**
     * Bound beyond loopback with a token: a client in a network namespace of the test's own (a veth pair) gets the
     * probes without it, and the metrics only with it (the token file's own checks: BearerTokenTest).
     */
    @Test
    void beyondLoopbackTheMetricsNeedTheToken() throws Exception {
        Path dir = Files.createTempDirectory("structops-http");
        Files.createDirectories(dir.resolve("deploy"));
        Path tokenFile = dir.resolve("token");
        String token = "s3cret-token-for-the-test-0123";
        Files.writeString(tokenFile, token + "\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        int port = HttpProbe.freePort();
        try (TestNamespace ns = TestNamespace.create()) {
            Process service =
                    service(dir, "--http", ns.hostAddress() + ":" + port, "--token-file", tokenFile.toString());
            try {
                String base = "http://" + ns.hostAddress() + ":" + port;
                assertEquals("200 ok", ns.fetch(base + "/healthz", null));
                assertEquals("200 ready", ns.fetch(base + "/readyz", null));
                assertTrue(ns.fetch(base + "/metrics", null).startsWith("401 "));
                assertTrue(ns.fetch(base + "/metrics", "wrong-token-0123456789").startsWith("401 "));
                assertTrue(ns.fetch(base + "/metrics", token).contains("structops_map_info"));
            } finally {
                service.destroy();
                assertTrue(service.waitFor(60, TimeUnit.SECONDS));
            }
        }
    }

    /** A network namespace joined to this one by a veth pair, for a client that is not on loopback. */
    private record TestNamespace(String name) implements AutoCloseable {
        static TestNamespace create() throws Exception {
            String name = "so-http-" + ProcessHandle.current().pid() % 100000;
            run("ip", "netns", "add", name);
            TestNamespace ns = new TestNamespace(name);
            try {
                run("ip", "link", "add", "soh0", "type", "veth", "peer", "name", "soh1");
                run("ip", "link", "set", "soh1", "netns", name);
                run("ip", "addr", "add", "10.231.77.1/30", "dev", "soh0");
                run("ip", "link", "set", "soh0", "up");
                run("ip", "-n", name, "addr", "add", "10.231.77.2/30", "dev", "soh1");
                run("ip", "-n", name, "link", "set", "soh1", "up");
                return ns;
            } catch (Exception | AssertionError e) {
                ns.close();
                throw e;
            }
        }

        String hostAddress() {
            return "10.231.77.1";
        }

        /**
         * "STATUS FIRST-LINE" of a GET from inside the namespace, with the token if given; a refused connection or a
         * 404 (the endpoint not registered yet) is tried again for up to 90 s, as the service starts.
         */
        String fetch(String url, String token) throws Exception {
            return run(
                            "ip",
                            "netns",
                            "exec",
                            name,
                            "/usr/bin/python3",
                            "-c",
                            "import sys, time, urllib.request, urllib.error\n"
                                    + "r = urllib.request.Request(sys.argv[1])\n"
                                    + "if sys.argv[2]: r.add_header('Authorization', 'Bearer ' + sys.argv[2])\n"
                                    + "deadline = time.time() + 90\n"
                                    + "while True:\n"
                                    + "    try:\n"
                                    + "        f = urllib.request.urlopen(r, timeout=10); code = f.status; break\n"
                                    + "    except urllib.error.HTTPError as e:\n"
                                    + "        f = e; code = e.code\n"
                                    + "        if code != 404 or time.time() > deadline: break\n"
                                    + "        time.sleep(0.2)\n"
                                    + "    except urllib.error.URLError:\n"
                                    + "        if time.time() > deadline: raise\n"
                                    + "        time.sleep(0.2)\n"
                                    + "print(code, f.read().decode().splitlines()[0] if code != 200 or"
                                    + " not sys.argv[1].endswith('/metrics') else 'structops_map_info')\n",
                            url,
                            token == null ? "" : token)
                    .strip();
        }

        @Override
        public void close() throws Exception {
            new ProcessBuilder("ip", "link", "del", "soh0").start().waitFor();
            run("ip", "netns", "del", name);
        }
    }

    /** The runs counted of a map's programs, summed. */
    private static double programRuns(String parsed, String map) {
        return parsed.lines()
                .filter(l -> l.startsWith("structops_program_runs counter structops_program_runs_total ")
                        && l.contains(" map=" + map + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Scrapes until a parsed sample line ends with {@code sample}; the last scrape. */
    private static String awaitMetric(Path dir, int port, String sample) throws Exception {
        String parsed = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            parsed = parse(dir, HttpProbe.get(port, "/metrics").body());
            if (parsed.lines().anyMatch(l -> l.endsWith(sample))) {
                return parsed;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no sample " + sample + " in\n" + parsed);
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
