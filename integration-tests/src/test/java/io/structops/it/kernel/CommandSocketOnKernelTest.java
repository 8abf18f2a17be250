package io.structops.it.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.structops.client.Client;
import io.structops.it.cli.Launcher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One-shot commands handed to a running service over its command socket, as the launcher does when a service of
 * the user listens: the same output, JSON and exit status as a standalone run, with what the service holds; and the
 * ways it can go wrong: a stale socket file, another user's service, two clients at once, a service that dies
 * mid-command, a client that goes away.
 */
@Tag("kernel")
class CommandSocketOnKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static Path socket;
    private static Process service;
    private static final List<String> LOG = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startService() throws Exception {
        dir = Files.createTempDirectory("structops-socket");
        socket = dir.resolve("run").resolve("structops.sock");
        Path deploy = Files.createDirectories(dir.resolve("deploy"));
        Files.copy(Launcher.example("tcp_cc_link.bpf.o"), deploy.resolve("link.bpf.o"));
        ProcessBuilder pb = new ProcessBuilder(
                        Launcher.script().toString(), "--deploy", deploy.toString(), "--no-shell")
                .redirectInput(Launcher.NO_INPUT);
        pb.environment().put("STRUCTOPS_SOCKET", socket.toString());
        service = pb.start();
        BufferedReader err =
                new BufferedReader(new InputStreamReader(service.getErrorStream(), StandardCharsets.UTF_8));
        ServiceOnKernelTest.awaitLog(err, LOG, "command socket " + socket, "link.bpf.o: deployed");
        Launcher.drain(err, LOG::add);
    }

    @AfterAll
    static void stopService() throws Exception {
        if (service != null && service.isAlive()) {
            service.destroy();
            service.waitFor(60, TimeUnit.SECONDS);
        }
        assertFalse(Files.exists(socket), "the service removed its socket as it stopped");
    }

    private static Launcher.Result viaService(String... args) throws Exception {
        return Launcher.run(Map.of("STRUCTOPS_SOCKET", socket.toString(), "STRUCTOPS_STANDALONE", "0"), "", args);
    }

    private static Launcher.Result standalone(String... args) throws Exception {
        return Launcher.run(Map.of("STRUCTOPS_SOCKET", socket.toString(), "STRUCTOPS_STANDALONE", "1"), "", args);
    }

    /** A standalone run with these JVM options (STRUCTOPS_JAVA_OPTS). */
    private static Launcher.Result standaloneWith(String javaOptions, String... args) throws Exception {
        return Launcher.run(
                Map.of(
                        "STRUCTOPS_SOCKET",
                        socket.toString(),
                        "STRUCTOPS_STANDALONE",
                        "1",
                        "STRUCTOPS_JAVA_OPTS",
                        javaOptions),
                "",
                args);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "status --json",
                "status",
                "dump structops_fixed --json",
                "dump structops_fixed",
                "vars structops_fixed --json",
                "maps --of structops_fixed --json",
                "dump no_such_map",
                "map nosuch x",
                "help",
                "list --bad-option"
            })
    void theServiceAnswersAsAStandaloneRunDoes(String command) throws Exception {
        String[] args = command.split(" ");
        Launcher.Result alone = standalone(args);
        Launcher.Result served = viaService(args);
        assertEquals(alone.status(), served.status(), command + ": " + alone.err() + " / " + served.err());
        assertEquals(alone.out(), served.out(), command);
        assertEquals(alone.err(), served.err(), command);
    }

    /**
     * A one-shot command that only reads runs without a framework (the launcher's FrameworkFree); forced into one, it
     * must print the same, fail the same and exit the same, usage errors included (those go to the framework).
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "list",
                "list --json",
                "status",
                "status --json",
                "dump structops_fixed",
                "dump structops_fixed --json",
                "dump no_such_map",
                "dump",
                "list --bad-option",
                "btf dump /sys/kernel/btf/vmlinux --type tcp_congestion_ops",
                "btf dump /sys/kernel/btf/vmlinux --format c --type tcp_congestion_ops",
                "btf dump EXAMPLE",
                "btf dump /no/such/file",
                "btf load EXAMPLE"
            })
    void withoutAFrameworkAsWithOne(String command) throws Exception {
        String[] args = command.replace(
                        "EXAMPLE", Launcher.example("tcp_cc_link.bpf.o").toString())
                .split(" ");
        Launcher.Result without = standalone(args);
        Launcher.Result with = standaloneWith("-Dstructops.launcher.framework=true", args);
        assertEquals(with.status(), without.status(), command + ": " + with.err() + " / " + without.err());
        assertEquals(with.out(), without.out(), command);
        assertEquals(with.err(), without.err(), command);
    }

    @Test
    void readOnlyCommandsStartNoFramework() throws Exception {
        for (String command : List.of("list", "status", "dump structops_fixed", "btf dump /sys/kernel/btf/vmlinux")) {
            Launcher.Result r = standaloneWith("-Dstructops.launcher.timing=true", command.split(" "));
            assertEquals(0, r.status(), command + ": " + r.err());
            assertTrue(r.err().contains("without framework"), command + ": " + r.err());
            assertFalse(r.err().contains("new framework"), command + " started a framework: " + r.err());
        }
    }

    @Test
    void throughTheServiceListSeesWhatItHolds() throws Exception {
        JsonNode served = find(JSON.readTree(viaService("list", "--json").out()), "structops_fixed");
        JsonNode alone = find(JSON.readTree(standalone("list", "--json").out()), "structops_fixed");
        assertTrue(served.get("owned").asBoolean(), "the service holds it: " + served);
        assertEquals(
                "io.structops.handler.tcpcc",
                served.get("handler").get("bundle").asText());
        assertFalse(alone.get("owned").asBoolean(), "a fresh runtime does not: " + alone);
    }

    private static JsonNode find(JsonNode list, String name) {
        for (JsonNode m : list) {
            if (m.get("name").asText().equals(name)) {
                return m;
            }
        }
        throw new AssertionError(name + " is not listed: " + list);
    }

    @Test
    void twoClientsAtOnceAreBothServed() throws Exception {
        CompletableFuture<Launcher.Result> a = CompletableFuture.supplyAsync(() -> call("dump", "structops_fixed"));
        CompletableFuture<Launcher.Result> b = CompletableFuture.supplyAsync(() -> call("dump", "structops_fixed"));
        assertEquals(0, a.get(120, TimeUnit.SECONDS).status());
        assertEquals(a.get().out(), b.get(120, TimeUnit.SECONDS).out());
        assertEquals(0, b.get().status());
    }

    private static Launcher.Result call(String... args) {
        try {
            return viaService(args);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aClientThatGoesAwayEndsItsCommandInTheService() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Launcher.script().toString(), "stats", "structops_fixed", "--for", "60");
        pb.environment().putAll(Map.of("STRUCTOPS_SOCKET", socket.toString(), "STRUCTOPS_STANDALONE", "0"));
        Process client = pb.start();
        Thread.sleep(1500);
        client.descendants().forEach(ProcessHandle::destroy);
        client.destroy();
        assertTrue(client.waitFor(30, TimeUnit.SECONDS));
        // The service is still there and serves the next command at once.
        Launcher.Result next = viaService("status", "--json");
        assertEquals(0, next.status(), next.err());
    }

    @Test
    void aServiceThatDiesMidCommandIsReportedNotRetried() throws Exception {
        Path other = dir.resolve("other").resolve("structops.sock");
        Path deploy = Files.createDirectories(dir.resolve("other-deploy"));
        ProcessBuilder pb = new ProcessBuilder(
                        Launcher.script().toString(), "--deploy", deploy.toString(), "--no-shell")
                .redirectInput(Launcher.NO_INPUT);
        pb.environment().put("STRUCTOPS_SOCKET", other.toString());
        Process second = pb.start();
        try {
            BufferedReader err =
                    new BufferedReader(new InputStreamReader(second.getErrorStream(), StandardCharsets.UTF_8));
            ServiceOnKernelTest.awaitLog(err, new ArrayList<>(), "command socket " + other);
            Launcher.drain(err, line -> {});
            CompletableFuture<Launcher.Result> stats = CompletableFuture.supplyAsync(() -> {
                try {
                    return Launcher.run(
                            Map.of("STRUCTOPS_SOCKET", other.toString(), "STRUCTOPS_STANDALONE", "0"),
                            "",
                            "stats",
                            "structops_fixed",
                            "--for",
                            "60");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(2000);
            second.descendants().forEach(ProcessHandle::destroyForcibly); // the service's JVM, SIGKILL
            Launcher.Result r = stats.get(60, TimeUnit.SECONDS);
            assertEquals(1, r.status(), r.out() + r.err());
            assertTrue(r.err().contains("the service ended while the command ran"), r.err());
        } finally {
            second.descendants().forEach(ProcessHandle::destroyForcibly);
            second.destroyForcibly();
        }
    }

    /** Without the client's own Java runtime (runtime/target/client-java), the JDK's java runs the client. */
    @Test
    void withoutItsOwnJavaTheClientRunsOnTheJdks() throws Exception {
        Path target = Launcher.script().toAbsolutePath().getParent().resolveSibling("target");
        Path layout = Files.createDirectories(dir.resolve("no-client-java"));
        Files.createSymbolicLink(layout.resolve("lib"), target.resolve("lib"));
        Files.createSymbolicLink(layout.resolve("structops-client.jar"), target.resolve("structops-client.jar"));
        Launcher.Result r = Launcher.run(
                Map.of(
                        "STRUCTOPS_SOCKET",
                        socket.toString(),
                        "STRUCTOPS_STANDALONE",
                        "0",
                        "STRUCTOPS_LIB",
                        layout.resolve("lib").toString()),
                "",
                "list",
                "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(find(JSON.readTree(r.out()), "structops_fixed").get("owned").asBoolean(), "served: " + r.out());
    }

    /**
     * Another user's service (here root's, asked by nobody) serves nothing: its socket is out of reach in its user's
     * own directory, and when made reachable the service refuses the peer (SO_PEERCRED). Either way the client
     * answers {@value Client#NO_SERVICE} with no output, for the launcher to run the command itself.
     */
    @Test
    void anotherUsersServiceServesNothing() throws Exception {
        Path client = forAnyone(Launcher.script().toAbsolutePath().getParent().resolveSibling("target"));
        Launcher.Result outOfReach = clientAsNobody(client);
        assertEquals(Client.NO_SERVICE, outOfReach.status(), outOfReach.err());
        assertEquals("", outOfReach.out());

        Map<Path, Set<PosixFilePermission>> modes = new LinkedHashMap<>();
        for (Path p : List.of(dir, socket.getParent(), socket)) {
            modes.put(p, Files.getPosixFilePermissions(p));
        }
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            Launcher.Result refused = clientAsNobody(client);
            assertEquals(Client.NO_SERVICE, refused.status(), refused.err());
            assertEquals("", refused.out());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (LOG.stream().noneMatch(l -> l.contains("refused a command of user nobody"))) {
                assertTrue(System.nanoTime() < deadline, "the service logged no refusal:\n" + String.join("\n", LOG));
                Thread.sleep(50);
            }
        } finally {
            modes.forEach((p, mode) -> {
                try {
                    Files.setPosixFilePermissions(p, mode);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** The client jar, copied where any user may read it. */
    private static Path forAnyone(Path target) throws IOException {
        Path open = Files.createTempDirectory(
                "structops-client", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x")); // whatever the umask
        Path jar = Files.copy(target.resolve("structops-client.jar"), open.resolve("structops-client.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        return jar;
    }

    /** The client, run as nobody (uid 65534) with the JDK's java, asking this test's service for {@code list}. */
    private static Launcher.Result clientAsNobody(Path jar) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(
                        "setpriv",
                        "--reuid=65534",
                        "--regid=65534",
                        "--clear-groups",
                        java.toString(),
                        "-cp",
                        jar.toString(),
                        Client.class.getName(),
                        socket.toString(),
                        "list")
                .redirectInput(Launcher.NO_INPUT)
                .start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the client ended");
        return new Launcher.Result(
                p.exitValue(), new String(out.join(), StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aStaleSocketFallsBackToAStandaloneRun() throws Exception {
        Path stale = dir.resolve("stale").resolve("structops.sock");
        Files.createDirectories(stale.getParent());
        try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.bind(UnixDomainSocketAddress.of(stale)); // closed at once: the file stays, nobody listens
        }
        assertTrue(Files.exists(stale));
        Launcher.Result r = Launcher.run(
                Map.of("STRUCTOPS_SOCKET", stale.toString(), "STRUCTOPS_STANDALONE", "0"), "", "list", "--json");
        assertEquals(0, r.status(), r.err());
        assertFalse(find(JSON.readTree(r.out()), "structops_fixed").get("owned").asBoolean(), "run standalone");
    }
}
