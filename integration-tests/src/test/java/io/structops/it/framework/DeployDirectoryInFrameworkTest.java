package io.structops.it.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.deploy.DeployDirectory;
import io.structops.loader.LoadedMap;
import io.structops.syscall.Bpf;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * Objects dropped into, replaced in and removed from FileInstall's directory, as a user does it: written under a
 * temporary name and renamed into place.
 */
@Tag("kernel")
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs the kernel: root")
class DeployDirectoryInFrameworkTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService
    DeployDirectory directory;

    private Path deployDir() throws Exception {
        Path dir = Path.of(context.getProperty("felix.fileinstall.dir"));
        Files.createDirectories(dir);
        return dir;
    }

    private Path example(String name) {
        return Path.of(context.getProperty("structops.examples"), name);
    }

    /** Writes {@code content} as {@code target} the way deploy tools do: a temporary name, then a rename. */
    static void put(Path target, byte[] content) throws Exception {
        Path temp = target.resolveSibling("." + target.getFileName() + ".part");
        Files.write(temp, content);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(25);
        }
    }

    private Optional<DeployDirectory.Deployment> deployment(Path file) {
        return directory.deployments().stream()
                .filter(d -> d.file().equals(file.toAbsolutePath().normalize()))
                .findFirst();
    }

    private int attempts(Path file) {
        return deployment(file).map(DeployDirectory.Deployment::attempts).orElse(0);
    }

    private LoadedMap attached(Path file) {
        return deployment(file)
                .flatMap(DeployDirectory.Deployment::object)
                .map(o -> o.maps().get(0))
                .orElse(null);
    }

    private void awaitAttempt(Path file, int attempt) throws InterruptedException {
        await(
                file.getFileName() + " processed " + attempt + " time(s) (" + deployment(file) + ")",
                () -> attempts(file) >= attempt);
    }

    private String command(CommandProcessor processor, String line) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(out, true)) {
            CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), ps, ps);
            Object result = session.execute(line);
            session.close();
            return String.valueOf(result);
        }
    }

    @AfterEach
    void emptyTheDirectory() throws Exception {
        try (var files = Files.list(deployDir())) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        await("the directory has no deployments", () -> directory.deployments().isEmpty());
    }

    @Test
    void optionsBesideAnObjectReachItsGlobalsAndAChangeRedeploysIt(@InjectService CommandProcessor processor)
            throws Exception {
        Path dir = deployDir();
        Path object = dir.resolve("state.bpf.o");
        put(dir.resolve("state.cfg"), "set.window = 12\nset.generation = 9\n".getBytes(StandardCharsets.UTF_8));
        put(object, Files.readAllBytes(example("tcp_cc_state.bpf.o")));
        awaitAttempt(object, 1);
        LoadedMap first = attached(object);
        assertTrue(first != null, String.valueOf(deployment(object)));
        String vars = command(processor, "structops:vars --json " + first.name());
        assertTrue(vars.contains("\"window\": 12") && vars.contains("\"generation\": 9"), vars);

        put(dir.resolve("state.cfg"), "set.window = 14\nconflict = refuse\n".getBytes(StandardCharsets.UTF_8));
        awaitAttempt(object, 2);
        LoadedMap second = attached(object);
        assertEquals(first.linkId(), second.linkId(), "the new options were swapped in on the same link");
        assertTrue(second.mapId() != first.mapId());
        vars = command(processor, "structops:vars --json " + second.name());
        assertTrue(vars.contains("\"window\": 14"), vars);

        Files.delete(object);
        await("state.bpf.o is gone", () -> deployment(object).isEmpty());
        assertFalse(HandlerLifecycleInFrameworkTest.available("structops_state"));
    }

    @Test
    void aReplacedFileSwapsUnderLoadAndAFailedOneKeepsTheOld(@TempDir Path temp) throws Exception {
        Path tool = temp.resolve("tcp_traffic");
        Process cc = new ProcessBuilder(
                        "gcc",
                        "-O2",
                        "-o",
                        tool.toString(),
                        example("..")
                                .resolve("kernel")
                                .resolve("tcp_traffic.c")
                                .normalize()
                                .toString())
                .inheritIO()
                .start();
        assertEquals(0, cc.waitFor());
        Path object = deployDir().resolve("cc.bpf.o");
        put(object, Files.readAllBytes(example("tcp_cc_link.bpf.o")));
        awaitAttempt(object, 1);
        LoadedMap first = attached(object);
        assertTrue(
                first != null && HandlerLifecycleInFrameworkTest.available("structops_fixed"),
                String.valueOf(deployment(object)));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger samples = new AtomicInteger();
        AtomicInteger missing = new AtomicInteger();
        AtomicInteger transfers = new AtomicInteger();
        List<String> refused = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                samples.incrementAndGet();
                if (!HandlerLifecycleInFrameworkTest.available("structops_fixed")) {
                    missing.incrementAndGet();
                }
            }
        });
        Thread load = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                try {
                    Process p = new ProcessBuilder(tool.toString(), "structops_fixed", "1048576")
                            .redirectErrorStream(true)
                            .start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                    if (p.waitFor() == 0) {
                        transfers.incrementAndGet();
                    } else {
                        refused.add(out);
                    }
                } catch (Exception e) {
                    return;
                }
            }
        });
        try {
            put(object, Files.readAllBytes(example("tcp_cc_link_broken.bpf.o")));
            awaitAttempt(object, 2);
            assertTrue(
                    deployment(object).orElseThrow().outcome().startsWith("failed: ")
                            && deployment(object).orElseThrow().outcome().endsWith("the attached version stays"),
                    deployment(object).orElseThrow().outcome());
            assertEquals(first, attached(object), "the verifier refused the new file; the old one stays");

            put(object, Files.readAllBytes(example("tcp_cc_link_v2.bpf.o")));
            awaitAttempt(object, 3);
            LoadedMap second = attached(object);
            assertTrue(
                    deployment(object).orElseThrow().outcome().startsWith("swapped in, no gap"),
                    deployment(object).orElseThrow().outcome());
            assertEquals(first.linkId(), second.linkId());
            assertTrue(second.mapId() != first.mapId());
            await("traffic ran after the swap", () -> transfers.get() >= 3);
        } finally {
            stop.set(true);
            sampler.join();
            load.join();
        }
        assertEquals(0, missing.get(), "samples without structops_fixed, of " + samples.get());
        System.out.println("deploy directory swap under load: " + samples.get() + " samples, " + transfers.get()
                + " transfers of 1 MiB, structops_fixed never missing; connections refused: " + refused);
        Files.delete(object);
        await("cc.bpf.o is gone", () -> deployment(object).isEmpty());
        assertFalse(HandlerLifecycleInFrameworkTest.available("structops_fixed"));
    }

    @Test
    void aHandlerBundleDroppedInIsInstalledAndGoesWithItsFile(
            @InjectService io.structops.handler.StructOpsHandlers handlers) throws Exception {
        org.osgi.framework.Bundle shipped = HandlerLifecycleInFrameworkTest.handlerBundle(context);
        String location = shipped.getLocation();
        byte[] jar = HandlerLifecycleInFrameworkTest.handlerJar(context);
        shipped.uninstall();
        try {
            await(
                    "no tcp handler",
                    () -> handlers.handlerFor(HandlerLifecycleInFrameworkTest.STRUCT)
                            .isEmpty());
            Path dropped = deployDir().resolve("tcp-handler.jar");
            put(dropped, jar);
            await(
                    "the dropped handler bundle is in charge",
                    () -> handlers.handlerFor(HandlerLifecycleInFrameworkTest.STRUCT)
                            .isPresent());
            Files.delete(dropped);
            await(
                    "the removed handler bundle is gone",
                    () -> handlers.handlerFor(HandlerLifecycleInFrameworkTest.STRUCT)
                            .isEmpty());
        } finally {
            await(
                    "FileInstall uninstalled the dropped bundle",
                    () -> java.util.Arrays.stream(context.getBundles())
                            .noneMatch(
                                    b -> HandlerLifecycleInFrameworkTest.HANDLER_BUNDLE.equals(b.getSymbolicName())));
            context.getBundle(0).getBundleContext().installBundle(location).start();
        }
        await(
                "the shipped handler is back",
                () -> handlers.handlerFor(HandlerLifecycleInFrameworkTest.STRUCT)
                        .isPresent());
    }

    /**
     * Writes {@code content} as {@code target}, owned by {@code uid} with {@code mode}, as an attacker or a careless
     * admin would leave it: owner and mode are set under the temporary name, so the directory never sees it otherwise.
     */
    static void putAs(Path target, byte[] content, int uid, String mode) throws Exception {
        Path temp = target.resolveSibling("." + target.getFileName() + ".part");
        Files.write(temp, content);
        Files.setAttribute(temp, "unix:uid", uid);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(mode));
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private String awaitOutcome(Path file, String expected) throws InterruptedException {
        await(
                file.getFileName() + "'s outcome says '" + expected + "' (" + deployment(file) + ")",
                () -> deployment(file).map(d -> d.outcome().contains(expected)).orElse(false));
        return deployment(file).orElseThrow().outcome();
    }

    @Test
    void filesNotPlacedByRootOrTheRuntimeAreRefusedWithTheReasonAndNothingOfThemIsUsed() throws Exception {
        Path dir = deployDir();
        int nobody = 65534;
        // A bundle anyone could have written: never installed, so none of its code runs.
        Path jar = dir.resolve("evil.jar");
        putAs(jar, HandlerLifecycleInFrameworkTest.handlerJar(context), nobody, "rw-rw-rw-");
        String jarOutcome = awaitOutcome(jar, "refused, not trusted: it is owned by uid 65534");
        assertEquals(null, context.getBundle("structops-deploy:" + jar), jarOutcome);
        // Options anyone could have written, beside a trusted object: neither applied nor the object deployed
        // without them.
        Path object = dir.resolve("state.bpf.o");
        putAs(dir.resolve("state.cfg"), "set.window = 99\n".getBytes(StandardCharsets.UTF_8), nobody, "rw-rw-rw-");
        put(object, Files.readAllBytes(example("tcp_cc_state.bpf.o")));
        String objectOutcome = awaitOutcome(object, "its options file state.cfg is refused, not trusted");
        assertEquals(null, attached(object), objectOutcome);
        awaitOutcome(dir.resolve("state.cfg"), "refused, not trusted: it is owned by uid 65534");
        // A root-owned file that everyone may write, and a link (to a trusted object): refused as what they are.
        Path writable = dir.resolve("writable.bpf.o");
        putAs(writable, Files.readAllBytes(example("tcp_cc_link.bpf.o")), 0, "rw-rw-rw-");
        awaitOutcome(writable, "it is writable by everyone (rw-rw-rw-)");
        Path link = dir.resolve("link.bpf.o");
        Files.createSymbolicLink(link, example("tcp_cc_link.bpf.o"));
        awaitOutcome(link, "it is a symbolic link");
        assertEquals(null, attached(writable));
        assertEquals(null, attached(link));
        assertFalse(HandlerLifecycleInFrameworkTest.available("structops_fixed"));
    }

    @Test
    void aPinOutsideBpffsIsRefusedBeforeAnythingChangesAndTheRunningVersionStays() throws Exception {
        Path dir = deployDir();
        Path object = dir.resolve("state.bpf.o");
        put(object, Files.readAllBytes(example("tcp_cc_state.bpf.o")));
        awaitAttempt(object, 1);
        LoadedMap running = attached(object);
        assertTrue(running != null, String.valueOf(deployment(object)));
        Path outside = Path.of("/etc/structops-pin-test");
        put(dir.resolve("state.cfg"), ("pin = " + outside + "\n").getBytes(StandardCharsets.UTF_8));
        String outcome = awaitOutcome(object, "is refused: pin = /etc/structops-pin-test is not on a BPF file system");
        assertTrue(outcome.endsWith("the attached version stays"), outcome);
        assertEquals(running.mapId(), attached(object).mapId(), "the running version is untouched");
        assertFalse(Files.exists(outside), "nothing is made outside bpffs");
        put(dir.resolve("state.cfg"), "pin = ../../..\n".getBytes(StandardCharsets.UTF_8));
        awaitOutcome(object, "pin = ../../.. is not an absolute path");
        assertEquals(running.mapId(), attached(object).mapId());
    }

    @Test
    void addAndRemoveCyclesLeaveNothingBehind(@InjectService Bpf bpf) throws Exception {
        Path object = deployDir().resolve("cycle.bpf.o");
        byte[] content = Files.readAllBytes(example("tcp_cc_maps.bpf.o"));
        Set<Integer> programs = new HashSet<>(bpf.ids(Bpf.ObjectType.PROG));
        Set<Integer> maps = new HashSet<>(bpf.ids(Bpf.ObjectType.MAP));
        int fds = bpf.openDescriptorCount();
        int cycles = 30;
        for (int i = 0; i < cycles; i++) {
            put(object, content);
            awaitAttempt(object, 1);
            assertTrue(attached(object) != null, String.valueOf(deployment(object)));
            Files.delete(object);
            await("cycle.bpf.o is gone", () -> deployment(object).isEmpty());
        }
        await(
                "the kernel dropped every program and map of the cycles",
                () -> programs.containsAll(ids(bpf, Bpf.ObjectType.PROG))
                        && maps.containsAll(ids(bpf, Bpf.ObjectType.MAP)));
        assertEquals(fds, bpf.openDescriptorCount(), "descriptors open in this process");
        System.out.println("deploy directory: " + cycles + " add/remove cycles of tcp_cc_maps.bpf.o; descriptors " + fds
                + " before and after, no program or map left");
    }

    private static List<Integer> ids(Bpf bpf, Bpf.ObjectType type) {
        try {
            return bpf.ids(type);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
