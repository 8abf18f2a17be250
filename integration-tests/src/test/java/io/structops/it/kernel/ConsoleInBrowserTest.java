package io.structops.it.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.it.cli.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Felix Web Console's structops page in a real browser (Debian's Chromium, headless): with the runtime's token
 * it loads with no console error, shows the deployed object's map, and its chart of the map's figures updates while
 * connections use the algorithm; a screenshot is kept in target/. Without the token (or with the console's stock
 * admin/admin) nothing is served; the page's actions (unload, swap) need the token and the action header, and are
 * logged with who asked.
 */
@Tag("kernel")
class ConsoleInBrowserTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String TOKEN = "console-test-token-0123456789";
    private static final String MAP = "structops_state";

    @Test
    void thePageShowsTheMapItsChartMovesAndItsActionsNeedTheToken() throws Exception {
        Path dir = Files.createTempDirectory("structops-console");
        Path deploy = Files.createDirectories(dir.resolve("deploy"));
        Files.copy(Launcher.example("tcp_cc_state.bpf.o"), deploy.resolve("state.bpf.o"));
        Path token = dir.resolve("token");
        Files.writeString(token, TOKEN + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        int port = HttpProbe.freePort();
        ProcessBuilder pb = new ProcessBuilder(
                        Launcher.script().toString(),
                        "--http",
                        "127.0.0.1:" + port,
                        "--token-file",
                        token.toString(),
                        "--deploy",
                        deploy.toString(),
                        "--no-shell")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("log.txt").toFile());
        pb.environment()
                .put("STRUCTOPS_SOCKET", dir.resolve("run/structops.sock").toString());
        Process service = pb.start();
        String page = "http://127.0.0.1:" + port + "/system/console/structops";
        try {
            HttpProbe.await(port, "/readyz", 200, () -> log(dir));
            assertEquals(401, status(page, null));
            assertEquals(401, status(page, basic("admin", "admin")));
            assertEquals(200, status(page, basic("ops", TOKEN)));

            Path dom = dir.resolve("dom.html");
            Path console = dir.resolve("chromium.log");
            AtomicBoolean traffic = new AtomicBoolean(true);
            Path tool = StructOpsOnKernelTest.trafficTool(dir);
            Thread connections = Thread.ofPlatform().start(() -> connectionsUntil(tool, traffic));
            try {
                chromium(
                        dir,
                        List.of("--dump-dom"),
                        "http://ops:" + TOKEN + "@127.0.0.1:" + port + "/system/console/structops",
                        dom,
                        console);
            } finally {
                traffic.set(false);
                connections.join();
            }
            String html = Files.readString(dom);
            assertTrue(html.contains(">" + MAP + "<"), "the map is on the page: " + html);
            Matcher updates = Pattern.compile("data-updates=\"(\\d+)\"").matcher(html);
            assertTrue(updates.find() && Integer.parseInt(updates.group(1)) >= 3, "the chart updated: " + html);
            Matcher acked = Pattern.compile("counters\\.acked_calls (\\d+)").matcher(html);
            assertTrue(acked.find() && Long.parseLong(acked.group(1)) > 0, "its counter moved: " + html);
            assertEquals(List.of(), consoleErrors(console));

            Path screenshot = Path.of("target", "console.png").toAbsolutePath();
            Files.deleteIfExists(screenshot);
            chromium(
                    dir,
                    List.of("--screenshot=" + screenshot, "--window-size=1280,1100"),
                    "http://ops:" + TOKEN + "@127.0.0.1:" + port + "/system/console/structops",
                    dir.resolve("shot.out"),
                    dir.resolve("shot.log"));
            assertTrue(Files.size(screenshot) > 10_000, "a screenshot of the page: " + screenshot);

            // Actions: the token and the action header, or nothing happens.
            assertEquals(401, post(page + "/unload", null, "map=" + MAP, true).statusCode());
            assertEquals(
                    403,
                    post(page + "/unload", basic("ops", TOKEN), "map=" + MAP, false)
                            .statusCode());
            assertEquals(
                    400,
                    post(page + "/unload", basic("ops", TOKEN), "map=x%3By", true)
                            .statusCode());
            // A form another site posts with the operator's credentials, to the stock console's pages too.
            assertEquals(
                    403,
                    post(page + "/unload", basic("ops", TOKEN), "map=" + MAP, true, "http://elsewhere.test")
                            .statusCode());
            assertEquals(
                    403,
                    post(
                                    "http://127.0.0.1:" + port + "/system/console/bundles",
                                    basic("ops", TOKEN),
                                    "action=install",
                                    false,
                                    "http://elsewhere.test")
                            .statusCode());
            HttpResponse<String> swapped =
                    swap(page + "/swap", Files.readAllBytes(Launcher.example("tcp_cc_state.bpf.o")));
            assertEquals(200, swapped.statusCode(), swapped.body());
            assertTrue(
                    log(dir).contains("console: ops from 127.0.0.1 swaps " + MAP + " to an uploaded object"), log(dir));
            HttpResponse<String> unloaded = post(page + "/unload", basic("ops", TOKEN), "map=" + MAP, true);
            assertEquals(200, unloaded.statusCode(), unloaded.body());
            assertTrue(log(dir).contains("console: ops from 127.0.0.1 unloads " + MAP), log(dir));
            assertFalse(run("bpftool", "struct_ops", "list").contains(MAP));
        } finally {
            service.destroy();
            assertTrue(service.waitFor(60, TimeUnit.SECONDS));
        }
    }

    /** Headless Chromium on {@code url}: its output (the DOM for --dump-dom) to {@code out}, its log to {@code log}. */
    private static void chromium(Path dir, List<String> options, String url, Path out, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--user-data-dir=" + dir.resolve("chromium-profile"),
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=8000"));
        command.addAll(options);
        command.add(url);
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(log.toFile())
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        assertEquals(0, p.exitValue(), Files.readString(log));
    }

    /**
     * What the page wrote to the browser's console that is not the console's own jQuery Migrate greeting: errors,
     * warnings, failed loads.
     */
    private static List<String> consoleErrors(Path log) throws IOException {
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains(":CONSOLE") || l.contains("Uncaught") || l.contains("Failed to load"))
                .filter(l -> !l.contains("JQMIGRATE: Migrate is installed"))
                .toList();
    }

    /** Connections with the page's algorithm, so that its counters move while the browser watches. */
    private static void connectionsUntil(Path tool, AtomicBoolean go) {
        while (go.get()) {
            try {
                run(tool.toString(), MAP, "1048576");
                Thread.sleep(300);
            } catch (Exception e) {
                return;
            }
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static int status(String url, String authorization) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static HttpResponse<String> post(String url, String authorization, String form, boolean actionHeader)
            throws Exception {
        return post(url, authorization, form, actionHeader, null);
    }

    private static HttpResponse<String> post(
            String url, String authorization, String form, boolean actionHeader, String origin) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        if (actionHeader) {
            r.header("X-Structops-Action", "1");
        }
        if (origin != null) {
            r.header("Origin", origin);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The page's swap form as a browser sends it: multipart, the map and the object file. */
    private static HttpResponse<String> swap(String url, byte[] object) throws Exception {
        String boundary = "structops-test-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n" + MAP + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"object\";"
                        + " filename=\"state.bpf.o\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(object);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(60))
                        .header("Authorization", basic("ops", TOKEN))
                        .header("X-Structops-Action", "1")
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("log.txt"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }
}
