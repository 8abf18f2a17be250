package io.structops.it.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.handler.StructOpsHandlers;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.StructOpsLoader;
import io.structops.loader.StructOpsRegistry;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * A handler bundle updated, uninstalled and installed again while a congestion control it manages is attached and
 * carries traffic: the kernel object never goes away; only who manages it changes.
 */
@Tag("kernel")
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs the kernel: root")
class HandlerLifecycleInFrameworkTest {
    static final String STRUCT = "tcp_congestion_ops";
    static final String HANDLER_BUNDLE = "io.structops.handler.tcpcc";
    static final Path AVAILABLE = Path.of("/proc/sys/net/ipv4/tcp_available_congestion_control");

    @InjectBundleContext
    BundleContext context;

    /** The tcp handler bundle the framework was started with. */
    static Bundle handlerBundle(BundleContext context) {
        for (Bundle b : context.getBundles()) {
            if (HANDLER_BUNDLE.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no " + HANDLER_BUNDLE + " installed");
    }

    /** The tcp handler bundle's jar, as a user would drop it into a deploy directory. */
    static byte[] handlerJar(BundleContext context) throws Exception {
        String location = handlerBundle(context).getLocation();
        try (var in = new URI(location.replaceFirst("^reference:", "")).toURL().openStream()) {
            return in.readAllBytes();
        } catch (IllegalArgumentException | URISyntaxException e) {
            return Files.readAllBytes(Path.of(location));
        }
    }

    static boolean available(String cc) {
        try {
            return List.of(Files.readString(AVAILABLE).trim().split("\\s+")).contains(cc);
        } catch (Exception e) {
            return false;
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Sends bytes over loopback TCP with the given congestion control (integration-tests/kernel/tcp_traffic.c). */
    String traffic(Path tool, String cc) throws Exception {
        Process p = new ProcessBuilder(tool.toString(), cc, "262144")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    private Bundle handlerBundle() {
        for (Bundle b : context.getBundles()) {
            if (HANDLER_BUNDLE.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    @Test
    void handlerBundleComesAndGoesWhileItsObjectStaysAttached(
            @TempDir Path dir,
            @InjectService StructOpsLoader loader,
            @InjectService StructOpsRegistry registry,
            @InjectService StructOpsHandlers handlers)
            throws Exception {
        Path examples = Path.of(context.getProperty("structops.examples"));
        Path tool = dir.resolve("tcp_traffic");
        Process cc = new ProcessBuilder(
                        "gcc",
                        "-O2",
                        "-o",
                        tool.toString(),
                        examples.resolveSibling("kernel")
                                .resolve("tcp_traffic.c")
                                .toString())
                .inheritIO()
                .start();
        assertEquals(0, cc.waitFor());

        Bundle handler = handlerBundle();
        String location = handler.getLocation();
        LoadedObject object = loader.load(examples.resolve("tcp_cc_link.bpf.o"), LoadOptions.defaults());
        registry.add(object);
        LoadedMap map = object.maps().get(0);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger samples = new AtomicInteger();
        AtomicInteger missing = new AtomicInteger();
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                samples.incrementAndGet();
                if (!available("structops_fixed")) {
                    missing.incrementAndGet();
                }
            }
        });
        try {
            assertEquals(
                    HANDLER_BUNDLE, handlers.handlerFor(STRUCT).orElseThrow().bundle());
            assertEquals(
                    "structops_fixed",
                    handlers.status(object, map).orElseThrow().get("algorithm"));
            assertEquals("structops_fixed 262144", traffic(tool, "structops_fixed"));

            long before = handlers.handlerFor(STRUCT).orElseThrow().serviceId();
            handler.update();
            await(
                    "the updated handler is in charge",
                    () -> handlers.handlerFor(STRUCT)
                            .filter(h -> h.serviceId() != before)
                            .isPresent());
            assertEquals("structops_fixed 262144", traffic(tool, "structops_fixed"));
            assertTrue(handlers.status(object, map).isPresent(), "managed by the updated handler");

            handler.uninstall();
            await("no handler is in charge", () -> handlers.handlerFor(STRUCT).isEmpty());
            assertTrue(object.isOpen());
            assertTrue(handlers.status(object, map).isEmpty(), "unmanaged while no handler is installed");
            assertEquals("structops_fixed 262144", traffic(tool, "structops_fixed"));

            // Through the system bundle: osgi-test uninstalls what the test's own context installed when it ends.
            handler = context.getBundle(0).getBundleContext().installBundle(location);
            handler.start();
            await(
                    "the reinstalled handler is in charge",
                    () -> handlers.handlerFor(STRUCT).isPresent());
            assertEquals(true, handlers.status(object, map).orElseThrow().get("available"));
            assertEquals("structops_fixed 262144", traffic(tool, "structops_fixed"));
        } finally {
            stop.set(true);
            sampler.join();
            registry.unload(object);
            if (handlerBundle() == null) {
                context.getBundle(0).getBundleContext().installBundle(location).start();
            }
        }
        assertFalse(available("structops_fixed"));
        assertEquals(0, missing.get(), "samples in which structops_fixed was missing, of " + samples.get());
        System.out.println("handler lifecycle: update, uninstall, install with structops_fixed attached; "
                + samples.get() + " samples of tcp_available_congestion_control, none without it");
    }
}
