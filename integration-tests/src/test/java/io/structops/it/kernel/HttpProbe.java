package io.structops.it.kernel;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** GETs from a runtime's endpoints on loopback, as a probe or a scraper does, for the tests of --http. */
final class HttpProbe {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpProbe() {}

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A request of another method, for the refusal of anything but GET. */
    static int status(int port, String path, String method) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .method(method, HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /**
     * Polls until {@code path} answers {@code status} (a refused connection counts as not yet), for up to 120 s; the
     * last answer. On a timeout the error ends with {@code context} (the service's log).
     */
    static HttpResponse<String> await(int port, String path, int status, Supplier<String> context) throws Exception {
        HttpResponse<String> last = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            try {
                last = get(port, path);
                if (last.statusCode() == status) {
                    return last;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError(path + " did not answer " + status + "; last: "
                + (last == null ? "no answer" : last.statusCode() + " " + last.body()) + "\n" + context.get());
    }
}
