package io.structops.launcher;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.connect.ConnectContent;
import org.osgi.framework.connect.ConnectModule;
import org.osgi.framework.connect.ModuleConnector;

/**
 * OSGi Connect for the runtime's own bundles: each is a jar on the JVM's class path, installed under its file URI, and
 * its classes come from the application class loader. That loader is one of the JVM's built-in ones, so the
 * ahead-of-time cache (JEP 483) holds the bundles' classes as well as the JDK's; bundle class loaders of their own
 * would keep them out of it. Manifests, entries and DS descriptors are read from the jar as usual. Any other location
 * (a bundle dropped in the deploy directory) is installed by the framework the ordinary way.
 */
final class ClassPathBundles implements ModuleConnector {
    private final Map<String, Path> byLocation;
    /** Each jar's manifest headers, read once: the launcher's choice of what to install and the framework use them. */
    private final Map<Path, Map<String, String>> headers = new ConcurrentHashMap<>();

    ClassPathBundles(List<Path> bundles) {
        this.byLocation = bundles.stream().collect(Collectors.toUnmodifiableMap(ClassPathBundles::location, p -> p));
    }

    /** The bundle's symbolic name, without its directives. */
    String symbolicName(Path jar) {
        String name = headers(jar).getOrDefault("Bundle-SymbolicName", "");
        int semicolon = name.indexOf(';');
        return (semicolon < 0 ? name : name.substring(0, semicolon)).strip();
    }

    private Map<String, String> headers(Path jar) {
        return headers.computeIfAbsent(jar, j -> {
            try (JarFile file = new JarFile(j.toFile(), false)) {
                Manifest manifest = file.getManifest();
                Map<String, String> h = new LinkedHashMap<>();
                if (manifest != null) {
                    manifest.getMainAttributes().forEach((k, v) -> h.put(k.toString(), v.toString()));
                }
                return Map.copyOf(h);
            } catch (IOException e) {
                throw new UncheckedIOException(j + ": " + e.getMessage(), e);
            }
        });
    }

    static String location(Path jar) {
        return jar.toUri().toString();
    }

    @Override
    public void initialize(File storage, Map<String, String> configuration) {}

    @Override
    public Optional<ConnectModule> connect(String location) {
        Path jar = byLocation.get(location);
        return jar == null ? Optional.empty() : Optional.of(() -> new JarContent(jar, headers(jar)));
    }

    @Override
    public Optional<BundleActivator> newBundleActivator() {
        return Optional.empty();
    }

    /** One bundle jar, opened while the framework has the bundle open. */
    private static final class JarContent implements ConnectContent {
        private final Path path;
        private final Map<String, String> headers;
        private JarFile jar;

        JarContent(Path path, Map<String, String> headers) {
            this.path = path;
            this.headers = headers;
        }

        @Override
        public Optional<Map<String, String>> getHeaders() {
            return Optional.of(headers); // read once, by the launcher, not again by the framework
        }

        @Override
        public Iterable<String> getEntries() throws IOException {
            return Collections.list(jar().entries()).stream()
                    .map(JarEntry::getName)
                    .toList();
        }

        @Override
        public Optional<ConnectEntry> getEntry(String name) {
            JarEntry entry = jar().getJarEntry(name);
            return entry == null ? Optional.empty() : Optional.of(new Entry(jar(), entry));
        }

        @Override
        public Optional<ClassLoader> getClassLoader() {
            return Optional.of(ClassPathBundles.class.getClassLoader());
        }

        @Override
        public synchronized void open() throws IOException {
            if (jar == null) {
                jar = new JarFile(path.toFile());
            }
        }

        @Override
        public synchronized void close() throws IOException {
            if (jar != null) {
                jar.close();
                jar = null;
            }
        }

        private synchronized JarFile jar() {
            if (jar == null) {
                try {
                    open();
                } catch (IOException e) {
                    throw new UncheckedIOException(path + ": " + e.getMessage(), e);
                }
            }
            return jar;
        }
    }

    private record Entry(JarFile jar, JarEntry entry) implements ConnectContent.ConnectEntry {
        @Override
        public String getName() {
            return entry.getName();
        }

        @Override
        public long getContentLength() {
            return entry.getSize();
        }

        @Override
        public long getLastModified() {
            return entry.getTime();
        }

        @Override
        public InputStream getInputStream() throws IOException {
            return jar.getInputStream(entry);
        }
    }
}
