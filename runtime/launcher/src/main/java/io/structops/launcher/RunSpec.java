package io.structops.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.osgi.framework.Constants;

/**
 * What structops.bndrun resolved, as bnd-export wrote it into the runtime jar's {@code launcher.properties} (copied
 * beside the bundles into {@code runtime/target/lib} by the build): the bundles in start order, the packages the
 * class path exports to them, and the run properties. The bndrun stays the one place that says what runs.
 */
record RunSpec(
        List<Path> bundles,
        String systemPackages,
        Map<String, String> properties,
        Set<String> serviceOnly,
        Set<String> httpOnly) {
    static final String FILE = "launcher.properties";
    /** Bundles (symbolic names, comma-separated) started for the shell and the service but not for one command. */
    static final String SERVICE_ONLY = "structops.launcher.serviceOnly";
    /** Bundles (symbolic names, comma-separated) started only when the launcher was given --http. */
    static final String HTTP_ONLY = "structops.launcher.httpOnly";

    static RunSpec read(Path lib) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(lib.resolve(FILE))) {
            p.load(in);
        }
        List<Path> bundles = new ArrayList<>();
        for (String entry : list(p.getProperty("launch.bundles", ""))) {
            // bnd names them jar/NAME.jar inside its executable jar; the build put each beside this file.
            bundles.add(lib.resolve(Path.of(entry).getFileName()));
        }
        Map<String, String> properties = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (!key.startsWith("launch.")) {
                properties.put(key, p.getProperty(key));
            }
        }
        Set<String> serviceOnly = Set.copyOf(list(properties.getOrDefault(SERVICE_ONLY, "")));
        Set<String> httpOnly = Set.copyOf(list(properties.getOrDefault(HTTP_ONLY, "")));
        return new RunSpec(bundles, p.getProperty("launch.system.packages", ""), properties, serviceOnly, httpOnly);
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /** Whether {@code bundle} is installed in this run: an HTTP one only with --http. */
    boolean installs(String bundle, boolean http) {
        return http || !httpOnly.contains(bundle);
    }

    /** Whether {@code bundle} starts in this run: one command starts no service-only bundle, and without --http no HTTP one. */
    boolean starts(String bundle, boolean oneCommand, boolean http) {
        return !(oneCommand && serviceOnly.contains(bundle)) && (http || !httpOnly.contains(bundle));
    }

    /**
     * The framework's configuration: the run properties, where a system property of the same name (a {@code -D} of
     * the launcher script) wins, the class path's packages, and storage cleaned on first init.
     */
    Map<String, String> frameworkConfiguration(String storage) {
        Map<String, String> config = new HashMap<>();
        properties.forEach((k, v) -> config.put(k, System.getProperty(k, v)));
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, systemPackages);
        config.put(Constants.FRAMEWORK_STORAGE, storage);
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        return config;
    }

    /**
     * Run properties are also system properties unless set already: libraries on the class path (SLF4J's simple
     * logger) read their settings there, not from the framework.
     */
    void publishAsSystemProperties() {
        properties.forEach((k, v) -> {
            if (System.getProperty(k) == null) {
                System.setProperty(k, v);
            }
        });
    }
}
