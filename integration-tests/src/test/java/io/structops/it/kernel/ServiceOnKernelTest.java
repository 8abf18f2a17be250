package io.structops.it.kernel;

import static io.structops.it.kernel.StructOpsOnKernelTest.available;
import static io.structops.it.kernel.StructOpsOnKernelTest.awaitGone;
import static io.structops.it.kernel.StructOpsOnKernelTest.programIds;
import static io.structops.it.kernel.StructOpsOnKernelTest.removePins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.structops.it.cli.Launcher;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime as a service: a deploy directory, then SIGTERM. */
@Tag("kernel")
class ServiceOnKernelTest {

    /** Reads the service's log until each of {@code markers} has appeared in some line. */
    static void awaitLog(BufferedReader err, List<String> seen, String... markers) throws Exception {
        String line;
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!List.of(markers).stream().allMatch(m -> seen.stream().anyMatch(l -> l.contains(m)))) {
            if (!err.ready()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            "the service did not log " + List.of(markers) + " in 120 s:\n" + String.join("\n", seen));
                }
                Thread.sleep(50);
                continue;
            }
            if ((line = err.readLine()) == null) {
                throw new AssertionError(
                        "the service ended before logging " + List.of(markers) + ":\n" + String.join("\n", seen));
            }
            seen.add(line);
            if (line.contains("not deployed")) {
                throw new AssertionError(line);
            }
        }
    }

    /** Index of the first log line containing {@code marker}. */
    static int at(List<String> log, String marker) {
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).contains(marker)) {
                return i;
            }
        }
        return -1;
    }

    /** A deploy directory with a legacy map, a link, and a link pinned through its .cfg in {@code pins}. */
    static Path deployThree(Path dir, Path pins) throws Exception {
        Path deploy = dir.resolve("deploy");
        Files.createDirectories(deploy);
        Files.copy(Launcher.example("tcp_cc_legacy.bpf.o"), deploy.resolve("legacy.bpf.o"));
        Files.copy(Launcher.example("tcp_cc_link.bpf.o"), deploy.resolve("link.bpf.o"));
        Files.writeString(deploy.resolve("kfunc.cfg"), "pin = " + pins + "\n");
        Path temp = deploy.resolve(".kfunc.bpf.o.part");
        Files.copy(Launcher.example("tcp_cc_kfunc.bpf.o"), temp);
        Files.move(temp, deploy.resolve("kfunc.bpf.o"), StandardCopyOption.ATOMIC_MOVE);
        return deploy;
    }

    /** The runtime as a service on {@code deploy}, headless, its log on the process's stderr. */
    static Process startService(Path deploy) throws Exception {
        return new ProcessBuilder(Launcher.script().toString(), "--deploy", deploy.toString(), "--no-shell")
                .redirectInput(Launcher.NO_INPUT)
                .start();
    }

    /**
     * Removes what the deploy directory's journal recorded on the bpffs (DeployJournal): a test's directory goes
     * away with the test, and its records would otherwise keep what they pin.
     */
    static void removeJournal(Path deploy) throws Exception {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                .digest(deploy.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
        Path journal = Path.of(
                "/sys/fs/bpf/structops/deploy-" + java.util.HexFormat.of().formatHex(digest, 0, 8));
        if (Files.isDirectory(journal)) {
            removePins(journal);
        }
    }

    static void cleanUp(Path pins, Path deploy) throws Exception {
        removeJournal(deploy);
        if (available("structops_kfunc")) {
            Launcher.run("unload", "structops_kfunc");
        }
        if (available("so_legacy")) {
            Launcher.run("unload", "structops_legac");
        }
        removePins(pins);
    }

    @Test
    void sigtermDetachesWhatTheServiceAttachedExceptPinnedLinks(@TempDir Path dir) throws Exception {
        Set<Integer> before = programIds();
        Path pins = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "structops-it");
        // One legacy map (unregistered on stop), one link (detached on stop), one pinned link (stays).
        Path deploy = deployThree(dir, pins);
        try {
            List<String> log = new ArrayList<>();
            Process p = runUntilSigterm(deploy, pins, log);
            checkStop(log, p);
        } finally {
            cleanUp(pins, deploy);
        }
        awaitGone(before);
    }

    /**
     * SIGKILL gives the runtime no chance to detach: what survives is what the kernel keeps without a process, the
     * pinned link and the legacy registration (which has no owner to die, as with bpftool or libbpf); the unpinned
     * link goes with the process's descriptors.
     */
    @Test
    void sigkillLeavesOnlyWhatTheKernelKeepsWithoutTheProcess(@TempDir Path dir) throws Exception {
        Set<Integer> before = programIds();
        Path pins = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "structops-it");
        Path deploy = deployThree(dir, pins);
        try {
            Process p = startService(deploy);
            List<String> log = new ArrayList<>();
            try (BufferedReader err = reader(p)) {
                awaitLog(err, log, "legacy.bpf.o: deployed", "link.bpf.o: deployed", "kfunc.bpf.o: deployed");
                kill(p);
            }
            // The kernel releases the dead process's descriptors as it reaps it; the link detaches with them.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (available("structops_fixed") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            String all = String.join("\n", log);
            assertFalse(available("structops_fixed"), "the unpinned link went with the process:\n" + all);
            assertTrue(available("structops_kfunc"), "the pinned link stays:\n" + all);
            assertTrue(available("so_legacy"), "the legacy registration stays until unloaded:\n" + all);
            assertEquals(0, Launcher.run("unload", "structops_kfunc").status());
            // The kernel keeps the map as structops_legac (15 characters); the variable's full name finds it too.
            Launcher.Result unload = Launcher.run("unload", "structops_legacy");
            assertEquals(0, unload.status(), unload.toString());
            assertFalse(available("structops_kfunc") || available("so_legacy"));
            System.out.println("SIGKILL: the unpinned link detached with the process; the pinned link and the legacy"
                    + " registration stayed until `structops unload`");
        } finally {
            cleanUp(pins, deploy);
        }
        awaitGone(before);
    }

    /**
     * A restarted service takes back what the killed one left attached, with no detach: the pinned link and the
     * legacy registration keep their map ids and are listed as adopted; the unpinned link, gone with the process,
     * is deployed anew. From then on they are managed: removing the legacy object's file detaches it.
     */
    @Test
    void restartAdoptsWhatTheKilledServiceLeftAttached(@TempDir Path dir) throws Exception {
        Set<Integer> before = programIds();
        Path pins = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "structops-it");
        Path deploy = deployThree(dir, pins);
        try {
            List<String> log = new ArrayList<>();
            Process p = startService(deploy);
            BufferedReader err = reader(p);
            awaitLog(err, log, "legacy.bpf.o: deployed", "link.bpf.o: deployed", "kfunc.bpf.o: deployed");
            Map<String, Integer> ids = structOpsMapIds();
            kill(p);
            List<String> again = new ArrayList<>();
            Process restarted = startService(deploy);
            BufferedReader err2 = reader(restarted);
            awaitLog(err2, again, "legacy.bpf.o: adopted", "kfunc.bpf.o: adopted", "link.bpf.o: deployed");
            Map<String, Integer> now = structOpsMapIds();
            // The kernel names the legacy map structops_legac (15 characters); its algorithm is so_legacy.
            assertTrue(ids.containsKey("structops_legac"), ids.toString());
            assertEquals(ids.get("structops_legac"), now.get("structops_legac"), "the legacy map was kept");
            assertEquals(ids.get("structops_kfunc"), now.get("structops_kfunc"), "the pinned link's map was kept");
            Files.delete(deploy.resolve("legacy.bpf.o"));
            awaitLog(err2, again, "legacy.bpf.o: removed");
            assertFalse(available("so_legacy"), "an adopted map is managed: removing its file detaches it");
            restarted.toHandle().destroy();
            assertTrue(restarted.waitFor(60, TimeUnit.SECONDS));
            assertTrue(available("structops_kfunc"), "the adopted pinned link stays pinned on stop");
            System.out.println("RESTART: adopted the pinned link (map id " + now.get("structops_kfunc")
                    + ") and the legacy registration (map id " + now.get("structops_legac")
                    + ") the killed service left");
        } finally {
            cleanUp(pins, deploy);
        }
        awaitGone(before);
    }

    /**
     * What the killed service left attached but the file no longer matches (a new version arrived while it was
     * down) is replaced through a swap: the pinned link moves to the new version's map, never detached.
     */
    @Test
    void restartSwapsASurvivorTheFileNoLongerMatches(@TempDir Path dir) throws Exception {
        Set<Integer> before = programIds();
        Path pins = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "structops-it");
        Path deploy = Files.createDirectories(dir.resolve("deploy"));
        try {
            Files.writeString(deploy.resolve("fixed.cfg"), "pin = " + pins + "\n");
            Files.copy(Launcher.example("tcp_cc_link.bpf.o"), deploy.resolve("fixed.bpf.o"));
            List<String> log = new ArrayList<>();
            Process p = startService(deploy);
            awaitLog(reader(p), log, "fixed.bpf.o: deployed");
            int linkMap = structOpsMapIds().get("structops_fixed");
            kill(p);
            Files.copy(
                    Launcher.example("tcp_cc_link_v2.bpf.o"),
                    deploy.resolve("fixed.bpf.o"),
                    StandardCopyOption.REPLACE_EXISTING);
            List<String> again = new ArrayList<>();
            Process restarted = startService(deploy);
            awaitLog(reader(restarted), again, "was left attached by an earlier run, but", "fixed.bpf.o: swapped in");
            assertTrue(available("structops_fixed"));
            assertTrue(structOpsMapIds().get("structops_fixed") != linkMap, "the new version's map is attached");
            restarted.toHandle().destroy();
            assertTrue(restarted.waitFor(60, TimeUnit.SECONDS));
            assertTrue(available("structops_fixed"), "the pinned link stays on stop:\n" + String.join("\n", again));
        } finally {
            if (available("structops_fixed")) {
                Launcher.run("unload", "structops_fixed");
            }
            removePins(pins);
            removeJournal(deploy);
        }
        awaitGone(before);
    }

    static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
    }

    /** SIGKILL to the service's JVM and its launcher, and waits until both are gone. */
    static void kill(Process p) throws Exception {
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.add(p.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle h : all) {
            h.onExit().get(60, TimeUnit.SECONDS);
        }
    }

    /** The kernel's struct_ops maps, by (kernel) name. */
    static Map<String, Integer> structOpsMapIds() throws Exception {
        Map<String, Integer> ids = new HashMap<>();
        for (JsonNode m : StructOpsOnKernelTest.bpftool("map", "show")) {
            if (m.path("type").asText().equals("struct_ops")) {
                ids.put(m.path("name").asText(), m.path("id").asInt());
            }
        }
        return ids;
    }

    /** Starts the service on {@code deploy}, waits for its three objects, sends SIGTERM and reads its log to the end. */
    private static Process runUntilSigterm(Path deploy, Path pins, List<String> log) throws Exception {
        Process p = startService(deploy);
        try (BufferedReader err =
                new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            awaitLog(
                    err,
                    log,
                    "legacy.bpf.o: deployed",
                    "link.bpf.o: deployed",
                    "kfunc.bpf.o: deployed",
                    "kfunc.bpf.o: options from kfunc.cfg: pin=" + pins);
            assertTrue(available("so_legacy") && available("structops_fixed") && available("structops_kfunc"));
            assertFalse(log.stream().anyMatch(l -> l.contains(".part")), "the temporary name was not deployed");

            p.toHandle().destroy(); // SIGTERM to the launcher, which passes it on; our end of its pipes stays open
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the service stopped after SIGTERM");
            String line;
            while ((line = err.readLine()) != null) {
                log.add(line);
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        return p;
    }

    private static void checkStop(List<String> log, Process p) throws Exception {
        String all = String.join("\n", log);
        assertEquals(0, p.exitValue(), all);
        assertTrue(all.contains("SIGTERM received"), all);
        assertFalse(available("so_legacy"), "the legacy map was unregistered on stop:\n" + all);
        assertFalse(available("structops_fixed"), "the link was detached on stop:\n" + all);
        assertTrue(available("structops_kfunc"), "the pinned link stays attached:\n" + all);
        // Stopped newest first: the reverse of the order in which they were deployed.
        List<String> files = new ArrayList<>(List.of("legacy.bpf.o", "link.bpf.o", "kfunc.bpf.o"));
        files.sort(java.util.Comparator.comparingInt(f -> at(log, f + ": deployed")));
        List<Integer> stops = files.stream()
                .map(f -> at(log, f + (f.startsWith("kfunc") ? ": released" : ": detached on stop")))
                .toList();
        assertTrue(
                stops.get(2) < stops.get(1) && stops.get(1) < stops.get(0) && stops.get(2) >= 0,
                "deployed " + files + ", stopped at log lines " + stops + ":\n" + all);
        assertEquals(0, Launcher.run("unload", "structops_kfunc").status());
        assertFalse(available("structops_kfunc"));
    }
}
