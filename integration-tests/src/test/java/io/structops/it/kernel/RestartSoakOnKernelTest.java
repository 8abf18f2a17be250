package io.structops.it.kernel;

import static io.structops.it.kernel.ServiceOnKernelTest.kill;
import static io.structops.it.kernel.ServiceOnKernelTest.reader;
import static io.structops.it.kernel.ServiceOnKernelTest.removeJournal;
import static io.structops.it.kernel.ServiceOnKernelTest.startService;
import static io.structops.it.kernel.ServiceOnKernelTest.structOpsMapIds;
import static io.structops.it.kernel.StructOpsOnKernelTest.available;
import static io.structops.it.kernel.StructOpsOnKernelTest.awaitGone;
import static io.structops.it.kernel.StructOpsOnKernelTest.programIds;
import static io.structops.it.kernel.StructOpsOnKernelTest.removePins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.it.cli.Launcher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service SIGKILLed at random moments of deploying, replacing and removing objects (and now and then a file
 * changed while it is down), and started again each time: once it has settled, the congestion controls in the kernel are exactly those of the files in its deploy
 * directory (a pinned link, whose two versions are swapped, a legacy map and an unpinned link), whatever the kill
 * interrupted; at the end nothing is left in the kernel. Prints "SOAK kills=N adopted=N replaced=N swept=N
 * leaked=0".
 */
@Tag("kernel")
class RestartSoakOnKernelTest {
    private static final int KILLS = 40;
    /** Each file of the directory, the example it is copied from, the algorithm it registers and its map. */
    private static final List<String[]> FILES = List.of(
            new String[] {"pinned.bpf.o", "tcp_cc_link.bpf.o", "structops_fixed", "structops_fixed"},
            new String[] {"legacy.bpf.o", "tcp_cc_legacy.bpf.o", "so_legacy", "structops_legac"},
            new String[] {"kfunc.bpf.o", "tcp_cc_kfunc.bpf.o", "structops_kfunc", "structops_kfunc"});

    @Test
    void killedAtRandomTheServiceAlwaysComesBackToTheDirectory(@TempDir Path dir) throws Exception {
        Set<Integer> before = programIds();
        Path pins = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "structops-it");
        Path deploy = Files.createDirectories(dir.resolve("deploy"));
        Files.writeString(deploy.resolve("pinned.cfg"), "pin = " + pins + "\n");
        Random random = new Random(Long.getLong("structops.soak.seed", 20261205L));
        AtomicInteger adopted = new AtomicInteger();
        AtomicInteger replaced = new AtomicInteger();
        AtomicInteger swept = new AtomicInteger();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Process p = null;
        try {
            for (int kill = 0; kill < KILLS; kill++) {
                p = startService(deploy);
                drain(p, log, adopted, replaced, swept);
                awaitSettled(deploy, log);
                change(deploy, random);
                Thread.sleep(random.nextInt(1500));
                kill(p);
                if (random.nextInt(3) == 0) {
                    change(deploy, random); // while no service runs
                }
            }
            p = startService(deploy);
            drain(p, log, adopted, replaced, swept);
            awaitSettled(deploy, log);
            for (String[] f : FILES) {
                Files.deleteIfExists(deploy.resolve(f[0]));
            }
            awaitSettled(deploy, log);
            p.toHandle().destroy();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the service stopped after SIGTERM");
        } finally {
            if (p != null) {
                kill(p);
            }
            for (String[] f : FILES) {
                if (available(f[2])) {
                    Launcher.run("unload", f[3]);
                }
            }
            removePins(pins);
            removeJournal(deploy);
        }
        awaitGone(before);
        assertTrue(adopted.get() > 0, "no restart adopted anything:\n" + snapshot(log));
        System.out.println("SOAK kills=" + KILLS + " adopted=" + adopted.get() + " replaced=" + replaced.get()
                + " swept=" + swept.get() + " leaked=0");
    }

    /** One random step: a file added, replaced by its other version, or removed. */
    private static void change(Path deploy, Random random) throws IOException {
        String[] f = FILES.get(random.nextInt(FILES.size()));
        Path file = deploy.resolve(f[0]);
        if (Files.exists(file) && random.nextBoolean()) {
            Files.delete(file);
            return;
        }
        String source = f[1];
        if (f[0].equals("pinned.bpf.o") && Files.exists(file) && Files.mismatch(file, Launcher.example(source)) == -1) {
            source = "tcp_cc_link_v2.bpf.o";
        }
        Path temp = deploy.resolve("." + f[0] + ".part");
        Files.copy(Launcher.example(source), temp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Waits until the kernel's congestion controls of these files are exactly those the directory holds. */
    private static void awaitSettled(Path deploy, List<String> log) throws Exception {
        Set<String> expected = new TreeSet<>();
        for (String[] f : FILES) {
            if (Files.exists(deploy.resolve(f[0]))) {
                expected.add(f[2]);
            }
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        Set<String> now = attached();
        while (!now.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            now = attached();
        }
        List<String> lines = snapshot(log);
        assertEquals(
                expected,
                now,
                "the kernel's struct_ops maps (" + structOpsMapIds() + ") after settling:\n"
                        + String.join("\n", lines));
        for (String line : lines) {
            assertTrue(!line.contains("not deployed") && !line.contains(" ERROR "), line);
        }
    }

    /** The service's output so far: it keeps arriving on its reader thread, so a copy is taken under the list's lock. */
    private static List<String> snapshot(List<String> log) {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    private static Set<String> attached() throws Exception {
        Set<String> names = new TreeSet<>();
        for (String[] f : FILES) {
            if (available(f[2])) {
                names.add(f[2]);
            }
        }
        return names;
    }

    /**
     * Reads the service's log as it comes (so that it never blocks on a full pipe), counting what restarts did with
     * what the killed service left: adopted, replaced (the file had changed) or detached (the file had gone).
     */
    private static void drain(
            Process p, List<String> log, AtomicInteger adopted, AtomicInteger replaced, AtomicInteger swept) {
        Thread t = new Thread(
                () -> {
                    try (BufferedReader err = reader(p)) {
                        String line;
                        while ((line = err.readLine()) != null) {
                            log.add(line);
                            if (line.contains(": adopted ")) {
                                adopted.incrementAndGet();
                            } else if (line.contains("was left attached by an earlier run, but")) {
                                replaced.incrementAndGet();
                            } else if (line.contains("gone from the directory while no runtime watched it")) {
                                swept.incrementAndGet();
                            }
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                "soak log");
        t.setDaemon(true);
        t.start();
    }
}
