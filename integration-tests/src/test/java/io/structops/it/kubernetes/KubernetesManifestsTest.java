package io.structops.it.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.it.cli.Launcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * runtime/kubernetes checked offline: kubectl renders each variant (kustomize, no cluster), and every document of it
 * passes the Kubernetes API's schema (the npm package kubernetes-models) and what the image and the launcher expect
 * of the DaemonSet (integration-tests/kubernetes/validate.mjs). The rollout command of the README makes a ConfigMap
 * that passes too; a DaemonSet that breaks a rule is refused, so the check is seen to bite.
 */
class KubernetesManifestsTest {
    private static final Path ROOT = Path.of(System.getProperty("structops.launcher"))
            .toAbsolutePath()
            .getParent()
            .getParent()
            .getParent();
    private static final Path MANIFESTS = ROOT.resolve("runtime/kubernetes");
    private static Path checker;

    @TempDir
    Path work;

    /** The checker and its two npm packages, installed once into the cache (the npm registry is reached once). */
    @BeforeAll
    static void installChecker() throws Exception {
        Path source = ROOT.resolve("integration-tests/kubernetes");
        String cacheRoot = System.getenv("STRUCTOPS_CACHE");
        Path cache = (cacheRoot != null
                        ? Path.of(cacheRoot)
                        : Path.of(System.getProperty("user.home"), ".cache/structops"))
                .resolve("kubernetes-check");
        Files.createDirectories(cache);
        Path packageJson = cache.resolve("package.json");
        boolean stale = !Files.exists(cache.resolve("node_modules"))
                || !Files.exists(packageJson)
                || Files.mismatch(packageJson, source.resolve("package.json")) != -1;
        Files.copy(source.resolve("package.json"), packageJson, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(source.resolve("validate.mjs"), cache.resolve("validate.mjs"), StandardCopyOption.REPLACE_EXISTING);
        if (stale) {
            run(cache, "npm", "install", "--no-audit", "--no-fund", "--silent");
        }
        checker = cache.resolve("validate.mjs");
    }

    @Test
    void bothVariantsRenderAndPass() throws Exception {
        for (String variant : List.of("base", "sched-ext")) {
            Path rendered = work.resolve(variant + ".yaml");
            Files.writeString(
                    rendered,
                    run(work, "kubectl", "kustomize", MANIFESTS.resolve(variant).toString()));
            String out = check(rendered);
            assertTrue(
                    out.contains("ok Namespace structops")
                            && out.contains("ok ConfigMap structops-deploy")
                            && out.contains("ok DaemonSet structops"),
                    variant + ": " + out);
        }
    }

    @Test
    void theRolloutCommandMakesAConfigMapOfTheObjects() throws Exception {
        Path configMap = work.resolve("configmap.yaml");
        Files.writeString(
                configMap,
                run(
                        work,
                        "kubectl",
                        "create",
                        "configmap",
                        "structops-deploy",
                        "-n",
                        "structops",
                        "--from-file=link.bpf.o=" + Launcher.example("tcp_cc_link.bpf.o"),
                        "--dry-run=client",
                        "-o",
                        "yaml"));
        assertTrue(Files.readString(configMap).contains("binaryData:\n  link.bpf.o: f0VMRg"));
        assertTrue(check(configMap).contains("ok ConfigMap structops-deploy"));
    }

    @Test
    void aDaemonSetThatBreaksARuleIsRefused() throws Exception {
        String daemonSet = Files.readString(MANIFESTS.resolve("base/daemonset.yaml"));
        Path broken = work.resolve("broken.yaml");
        Files.writeString(
                broken,
                daemonSet
                        .replace("add: [\"BPF\", \"PERFMON\", \"NET_ADMIN\"]", "add: [\"BPF\", \"SYS_ADMIN\"]")
                        .replace("containerPort: 9464", "containerPort: \"metrics\""));
        Process p = new ProcessBuilder("node", checker.toString(), broken.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), out);
        assertTrue(out.contains("containerPort must be integer"), out);
        assertTrue(out.contains("add exactly those and allow privilege escalation"), out);
    }

    private static String check(Path file) throws Exception {
        return run(file.getParent(), "node", checker.toString(), file.toString());
    }

    /** The command's output (what it writes to stderr kept apart, and shown if it fails). */
    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Path err = Files.createTempFile("structops-kubernetes", ".err");
        try {
            Process p = new ProcessBuilder(new ArrayList<>(List.of(command)))
                    .directory(dir.toFile())
                    .redirectError(err.toFile())
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out + Files.readString(err));
            return out;
        } finally {
            Files.delete(err);
        }
    }
}
