package io.structops.it.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.deploy.DeployDirectory;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedObject;
import io.structops.loader.StructOpsLoader;
import io.structops.loader.StructOpsRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.test.common.annotation.InjectBundleContext;

/**
 * Each of the project's bundles stopped and started again, and those that can be without restarting this test's own
 * bundle also updated (and the framework refreshed, as an administrator does), while three congestion controls are
 * attached in three ways: one loaded by an API caller (this test) and kept to itself, one handed to the runtime's
 * registry (as the shell does), one from the deploy directory. After every step the kernel and the runtime must
 * agree: an algorithm is attached exactly when whoever holds it still says so (the caller's object is open, the
 * registry lists it, the deploy directory lists it). Nothing may stay attached with no one to see or detach it.
 */
@Tag("kernel")
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs the kernel: root")
class BundleLifecycleInFrameworkTest {
    static final List<String> BUNDLES = List.of(
            "io.structops.shell",
            "io.structops.handler.tcpcc",
            "io.structops.deploy",
            "io.structops.kernvdata",
            "io.structops.btf",
            "io.structops.elf",
            "io.structops.kernel.btf",
            "io.structops.syscall",
            "io.structops.loader");
    static final String CALLER = "structops_fixed"; // tcp_cc_link.bpf.o
    static final String REGISTERED = "structops_kfunc"; // tcp_cc_kfunc.bpf.o
    static final String DEPLOYED = "so_legacy"; // tcp_cc_legacy.bpf.o

    @InjectBundleContext
    BundleContext context;

    private <T> Optional<T> service(Class<T> type) {
        ServiceReference<T> ref = context.getServiceReference(type);
        return ref == null ? Optional.empty() : Optional.ofNullable(context.getService(ref));
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + bsn);
    }

    private Path example(String name) {
        return examples.resolve(name);
    }

    private Path deployed() {
        return deployDir.resolve("lifecycle.bpf.o");
    }

    private Path deployDir;
    private Path examples;

    /** The three attachments; what this test holds of them. */
    private final class Holders {
        ServiceObjects<StructOpsLoader> loaderObjects;
        StructOpsLoader loader;
        LoadedObject callers;
        LoadedObject registered;

        void attach() throws Exception {
            HandlerLifecycleInFrameworkTest.await(
                    "the loader is back",
                    () -> service(StructOpsLoader.class).isPresent()
                            && service(StructOpsRegistry.class).isPresent()
                            && service(DeployDirectory.class).isPresent());
            loaderObjects = context.getServiceObjects(context.getServiceReference(StructOpsLoader.class));
            loader = loaderObjects.getService();
            callers = loader.load(example("tcp_cc_link.bpf.o"), LoadOptions.defaults());
            registered = loader.load(example("tcp_cc_kfunc.bpf.o"), LoadOptions.defaults());
            service(StructOpsRegistry.class).orElseThrow().add(registered);
            Path temp = deployed().resolveSibling(".lifecycle.bpf.o.part");
            Files.createDirectories(temp.getParent());
            Files.copy(example("tcp_cc_legacy.bpf.o"), temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, deployed(), StandardCopyOption.ATOMIC_MOVE);
            HandlerLifecycleInFrameworkTest.await(
                    "all three attached", () -> available(CALLER) && available(REGISTERED) && available(DEPLOYED));
        }

        /** The kernel agrees with whoever holds each attachment; returns what is attached, for the record. */
        String check(String after) throws Exception {
            // The kernel frees what was detached asynchronously; give it a moment, then compare.
            List<String> problems = new ArrayList<>();
            long deadline = System.nanoTime() + 10_000_000_000L;
            do {
                problems.clear();
                boolean registryHolds = service(StructOpsRegistry.class)
                        .map(r -> r.objects().contains(registered))
                        .orElse(false);
                boolean directoryHolds = service(DeployDirectory.class)
                        .map(d -> d.deployments().stream()
                                .anyMatch(x -> x.file()
                                                .equals(deployed()
                                                        .toAbsolutePath()
                                                        .normalize())
                                        && x.object().isPresent()))
                        .orElse(false);
                agree(
                        problems,
                        CALLER,
                        callers.isOpen(),
                        "the caller's object is " + (callers.isOpen() ? "open" : "closed"));
                agree(
                        problems,
                        REGISTERED,
                        registryHolds,
                        "the registry " + (registryHolds ? "lists" : "does not list") + " it");
                agree(
                        problems,
                        DEPLOYED,
                        directoryHolds,
                        "the deploy directory " + (directoryHolds ? "lists" : "does not list") + " it");
                if (problems.isEmpty()) {
                    break;
                }
                Thread.sleep(50);
            } while (System.nanoTime() < deadline);
            assertEquals(List.of(), problems, after);
            return (available(CALLER) ? CALLER + " " : "")
                    + (available(REGISTERED) ? REGISTERED + " " : "")
                    + (available(DEPLOYED) ? DEPLOYED : "");
        }

        private void agree(List<String> problems, String cc, boolean held, String holder) {
            if (available(cc) != held) {
                problems.add(cc + " is " + (available(cc) ? "attached" : "not attached") + " but " + holder);
            }
        }

        /** Detaches whatever is left, through whoever holds it. */
        void clear() throws Exception {
            Files.deleteIfExists(deployed());
            if (callers != null) {
                callers.close();
            }
            service(StructOpsRegistry.class).ifPresent(r -> {
                if (r.objects().contains(registered)) {
                    r.unload(registered);
                }
            });
            if (registered != null) {
                registered.close();
            }
            if (loaderObjects != null) {
                try {
                    loaderObjects.ungetService(loader);
                } catch (IllegalStateException | IllegalArgumentException e) {
                    // that loader instance is gone already
                }
            }
            HandlerLifecycleInFrameworkTest.await(
                    "nothing attached", () -> !available(CALLER) && !available(REGISTERED) && !available(DEPLOYED));
        }
    }

    static boolean available(String cc) {
        return HandlerLifecycleInFrameworkTest.available(cc);
    }

    private void refresh(Bundle b) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        assertTrue(done.await(60, TimeUnit.SECONDS), "refresh of " + b.getSymbolicName());
    }

    @Test
    void everyBundleStopsStartsAndUpdatesWithNothingAttachedUnseen() throws Exception {
        deployDir = Path.of(context.getProperty("felix.fileinstall.dir"));
        examples = Path.of(context.getProperty("structops.examples"));
        List<String> record = new ArrayList<>();
        List<String> updated = new ArrayList<>();
        int steps = 0;
        for (String bsn : BUNDLES) {
            Holders h = new Holders();
            h.attach();
            try {
                Bundle b = bundle(bsn);
                b.stop();
                String stopped = h.check("after stopping " + bsn);
                steps++;
                b.start();
                h.check("after starting " + bsn + " again");
                steps++;
                // An update takes a refresh to take effect, and a refresh restarts every bundle wired to the updated
                // one: where that would restart this test's own bundle, the update is left to the other tests.
                boolean updatable = !context.getBundle(0)
                        .adapt(FrameworkWiring.class)
                        .getDependencyClosure(List.of(b))
                        .contains(context.getBundle());
                if (updatable) {
                    b.update();
                    refresh(b);
                    h.check("after updating " + bsn + " and refreshing");
                    steps++;
                    updated.add(bsn);
                }
                record.add(bsn + " stopped: " + (stopped.isBlank() ? "nothing" : stopped.trim()) + " attached");
            } finally {
                h.clear();
            }
        }
        System.out.println("LIFECYCLE: " + BUNDLES.size() + " bundles stopped and started, " + updated + " also updated"
                + " and refreshed (" + steps + " steps), the kernel and the runtime agreeing after each; "
                + String.join("; ", record));
    }
}
