package io.structops.it.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.it.cli.Launcher;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The OCI image ({@code mvn -Pimage}, runtime/image/build-image) run as Kubernetes would run it on a node, by a real
 * container runtime (runc) from its own unpacked filesystem, with this machine's kernel: as the image's non-root user
 * with the DaemonSet's capabilities in its bounding set, bpffs and the node's network, and its deploy directory a
 * ConfigMap as the kubelet mounts one (a read-only directory of links through {@code ..data}). It attaches the
 * object, serves {@code /readyz}; a ConfigMap update (the kubelet's atomic switch of {@code ..data}) becomes a swap;
 * stopping the container detaches.
 */
@Tag("kernel")
class ImageOnKernelTest {
    /** The image's user, as runtime/image/build-image makes it. */
    private static final int IMAGE_UID = 10001;

    @Test
    void theImageAttachesFromAConfigMapServesReadinessAndSwapsOnAnUpdate() throws Exception {
        Path layout = Path.of(System.getProperty("structops.image"));
        assertTrue(
                Files.isDirectory(layout),
                layout + " is missing: build the image with mvn -Pimage install (integration-tests/bin/test-all does)");
        Path work = Files.createTempDirectory("structops-image");
        Path bundle = work.resolve("bundle");
        run("umoci", "unpack", "--image", layout + ":structops", bundle.toString());
        Path configMap = Files.createDirectory(work.resolve("configmap"));
        Path journal = Path.of(
                "/sys/fs/bpf/structops-image-test-" + ProcessHandle.current().pid());
        String id = "structops-test-" + ProcessHandle.current().pid();
        int port = HttpProbe.freePort();
        run("mount", "-t", "tmpfs", "-o", "mode=0777", "structops-configmap", configMap.toString());
        try {
            configMapVersion(configMap, "..2026_12_05_12_00_00.1", "tcp_cc_link.bpf.o");
            Files.createDirectories(journal);
            run("chown", IMAGE_UID + ":" + IMAGE_UID, journal.toString());
            asTheNodeRunsIt(bundle, configMap, journal, port);
            Process container = new ProcessBuilder("runc", "run", "--bundle", bundle.toString(), id)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(work.resolve("out.txt").toFile())
                    .redirectError(work.resolve("log.txt").toFile())
                    .start();
            try {
                assertEquals(
                        "ready\n",
                        HttpProbe.await(port, "/readyz", 200, () -> log(work)).body());
                String metrics = HttpProbe.get(port, "/metrics").body();
                assertTrue(
                        metrics.contains("structops_map_info{object=\"/etc/structops/deploy/link.bpf.o\","
                                + "struct=\"tcp_congestion_ops\",map=\"structops_fixed\""),
                        metrics);
                assertTrue(bpftoolStructOps().contains("structops_fixed"));
                runsAsTheImageUserWithItsCapabilities(id);
                programRunsWithoutSysAdmin(work, port);

                // A rollout: the ConfigMap gets the new object, and the kubelet switches ..data to it.
                configMapVersion(configMap, "..2026_12_05_12_05_00.2", "tcp_cc_link_v2.bpf.o");
                String swapped = awaitMetrics(
                        work, port, "structops_swaps_total{struct=\"tcp_congestion_ops\",outcome=\"done\"} 1");
                assertTrue(swapped.contains("structops_deploy_files{result=\"swapped\"} 1"), swapped);
                assertEquals("ready\n", HttpProbe.get(port, "/readyz").body());
            } finally {
                new ProcessBuilder("runc", "kill", id, "TERM").start().waitFor();
                boolean ended = container.waitFor(60, TimeUnit.SECONDS);
                new ProcessBuilder("runc", "delete", "--force", id).start().waitFor();
                assertTrue(ended, "the container did not stop on SIGTERM: " + log(work));
            }
            assertFalse(bpftoolStructOps().contains("structops_fixed"), "stopping the container detaches");
        } finally {
            new ProcessBuilder("umount", configMap.toString()).start().waitFor();
            new ProcessBuilder("rm", "-rf", journal.toString(), work.toString())
                    .start()
                    .waitFor();
        }
    }

    /**
     * Program statistics of a service without CAP_SYS_ADMIN (which lookups by id need): read through the object's own
     * descriptors. The kernel counts while the node's sysctl says so (enabling them itself needs CAP_SYS_ADMIN too),
     * so the sysctl is on for the check and back as it was after.
     */
    private static void programRunsWithoutSysAdmin(Path work, int port) throws Exception {
        Path sysctl = Path.of("/proc/sys/kernel/bpf_stats_enabled");
        String was = Files.readString(sysctl).strip();
        Files.writeString(sysctl, "1");
        try {
            run(StructOpsOnKernelTest.trafficTool(work).toString(), "structops_fixed", "1048576");
            String metrics = HttpProbe.get(port, "/metrics").body();
            assertTrue(
                    metrics.lines()
                            .anyMatch(l -> l.startsWith("structops_program_runs_total{map=\"structops_fixed\"")
                                    && !l.endsWith(" 0")),
                    metrics);
        } finally {
            Files.writeString(sysctl, was);
        }
    }

    /**
     * Writes a ConfigMap version as the kubelet's atomic writer does: the files in a new timestamped directory, a
     * link {@code ..data} to it switched by a rename, a link per file through {@code ..data}, the old version gone.
     * The mount is writable only meanwhile.
     */
    private static void configMapVersion(Path configMap, String version, String example) throws Exception {
        if (Files.exists(configMap.resolve("..data"), LinkOption.NOFOLLOW_LINKS)) {
            run("mount", "-o", "remount,rw", configMap.toString());
        }
        Path previous = Files.exists(configMap.resolve("..data"))
                ? configMap.resolve("..data").toRealPath()
                : null;
        Path dir = Files.createDirectory(configMap.resolve(version));
        Files.copy(Launcher.example(example), dir.resolve("link.bpf.o"));
        Files.createSymbolicLink(configMap.resolve("..data_tmp"), Path.of(version));
        Files.move(configMap.resolve("..data_tmp"), configMap.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        if (!Files.exists(configMap.resolve("link.bpf.o"), LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(configMap.resolve("link.bpf.o"), Path.of("..data/link.bpf.o"));
        }
        if (previous != null) {
            run("rm", "-rf", previous.toString());
        }
        run("mount", "-o", "remount,ro", configMap.toString());
    }

    /**
     * The unpacked image's runtime config, changed as the DaemonSet (runtime/kubernetes) asks a node to run it: the
     * node's network, the three capabilities in the bounding set (the image's java holds them as file capabilities
     * for its non-root user, so no_new_privs is off: allowPrivilegeEscalation), bpffs with the journal's directory,
     * the ConfigMap read-only as the deploy directory, a writable /tmp, and the endpoints on loopback.
     */
    private static void asTheNodeRunsIt(Path bundle, Path configMap, Path journal, int port) throws Exception {
        run(
                "/usr/bin/python3",
                "-c",
                "import json, sys\n"
                        + "path, configmap, journal, port = sys.argv[1:]\n"
                        + "c = json.load(open(path))\n"
                        + "p = c['process']\n"
                        + "p['args'] = p['args'][:1] + ['--http', '127.0.0.1:' + port] + p['args'][1:]\n"
                        + "p['terminal'] = False\n"
                        + "p['noNewPrivileges'] = False\n"
                        + "p['capabilities']['bounding'] = sorted(set(p['capabilities']['bounding'])"
                        + " | {'CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN'})\n"
                        + "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network']\n"
                        + "c['mounts'] += [\n"
                        + "  {'destination': '/sys/fs/bpf', 'type': 'bind', 'source': '/sys/fs/bpf',"
                        + " 'options': ['rbind', 'rw']},\n"
                        + "  {'destination': '/sys/fs/bpf/structops', 'type': 'bind', 'source': journal,"
                        + " 'options': ['bind', 'rw']},\n"
                        + "  {'destination': '/etc/structops/deploy', 'type': 'bind', 'source': configmap,"
                        + " 'options': ['rbind', 'ro']},\n"
                        + "  {'destination': '/tmp', 'type': 'tmpfs', 'source': 'tmpfs',"
                        + " 'options': ['nosuid', 'nodev', 'mode=1777']}]\n"
                        + "json.dump(c, open(path, 'w'), indent=1)\n",
                bundle.resolve("config.json").toString(),
                configMap.toString(),
                journal.toString(),
                Integer.toString(port));
    }

    /** The container's java runs as the image's user, with CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN and no more. */
    private static void runsAsTheImageUserWithItsCapabilities(String id) throws Exception {
        String state = run("runc", "state", id);
        long init = Long.parseLong(state.replaceAll("(?s).*\"pid\": *(\\d+).*", "$1"));
        long java = ProcessHandle.of(init)
                .orElseThrow()
                .descendants()
                .filter(p -> p.info().command().orElse("").endsWith("/java"))
                .findFirst()
                .orElseThrow()
                .pid();
        List<String> status = Files.readAllLines(Path.of("/proc/" + java + "/status"));
        String uids =
                status.stream().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
        assertTrue(uids.matches("Uid:\\s+" + IMAGE_UID + "\\s+" + IMAGE_UID + "\\s.*"), uids);
        long effective = Long.parseUnsignedLong(
                status.stream()
                        .filter(l -> l.startsWith("CapEff:"))
                        .findFirst()
                        .orElseThrow()
                        .substring(7)
                        .strip(),
                16);
        assertEquals((1L << 39) | (1L << 38) | (1L << 12), effective, Long.toHexString(effective));
    }

    private static String awaitMetrics(Path work, int port, String line) throws Exception {
        String metrics = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            metrics = HttpProbe.get(port, "/metrics").body();
            if (metrics.lines().anyMatch(line::equals)) {
                return metrics;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no line " + line + " in\n" + metrics + "\n" + log(work));
    }

    private static String log(Path work) {
        try {
            return Files.readString(work.resolve("log.txt"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String bpftoolStructOps() throws Exception {
        return run("bpftool", "struct_ops", "list");
    }

    private static String run(String... command) throws Exception {
        List<String> c = new ArrayList<>(List.of(command));
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }
}
