package io.structops.deploy.internal;

import io.structops.deploy.DeployDirectory;
import io.structops.deploy.internal.DeployTrust.UntrustedFileException;
import io.structops.loader.Adoption;
import io.structops.loader.LoadException;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.ObjectSpec;
import io.structops.loader.PinDirectory;
import io.structops.loader.StructOpsLoader;
import io.structops.loader.StructOpsRegistry;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.apache.felix.fileinstall.ArtifactListener;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BPF objects in FileInstall's directory: a file dropped there is loaded and attached, a replaced one swapped in, a
 * removed one detached; the {@code NAME.cfg} beside {@code NAME.bpf.o} carries its {@link DeployOptions} (FileInstall
 * turns it into a ConfigAdmin configuration; a change to it redeploys the object). Every file is read from the
 * descriptor {@link DeployTrust} checked; jars are {@link DeployedBundles}', .cfg files {@link DeployedConfigurations}'. On stop, what this directory attached is detached in reverse order, except pinned links.
 */
@Component(
        service = {DeployDirectory.class, ArtifactInstaller.class, ArtifactListener.class, ConfigurationListener.class},
        immediate = true,
        property = Constants.SERVICE_RANKING + ":Integer=" + DeployedBundles.RANKING)
public class DeployedObjects implements DeployDirectory, ArtifactInstaller, ConfigurationListener {
    private static final Logger LOG = LoggerFactory.getLogger(DeployedObjects.class);
    static final String FILENAME = "felix.fileinstall.filename";
    /** How long a file must stay unchanged before it is read, and how long to wait for that at most. */
    static final long QUIET_MILLIS = 300;

    static final long SETTLE_TIMEOUT_MILLIS = 30_000;
    /** How long to wait for FileInstall to turn a .cfg already beside the object into a configuration. */
    static final long CONFIG_WAIT_MILLIS = 5_000;
    /** The largest object the directory reads (counted as read): real BPF objects are well under a few MB. */
    static final long MAX_OBJECT_BYTES = 256L << 20;

    private final StructOpsLoader loader;
    private final StructOpsRegistry registry;
    private final ConfigurationAdmin configAdmin;

    /** One deployed file: what it loaded (null if its last attempt failed) and its parse, to restore it. */
    private record Deployed(Path file, LoadedObject object, ObjectSpec spec, DeployOptions options) {}

    private final DeployLedger ledger;
    /** The framework property naming the directory FileInstall watches. */
    static final String DEPLOY_DIR = "felix.fileinstall.dir";
    /** What the directory attached, recorded where it outlives this runtime; empty without a bpffs. */
    private final Optional<DeployJournal> journal;
    /** The directory FileInstall watches, or null outside a runtime that has one. */
    private final Path directory;

    private void outcome(Path file, String text) {
        ledger.record(file, text);
    }

    /** Every file the directory acted on: its objects with what they attached, then its bundles and configurations. */
    @Override
    public synchronized List<Deployment> deployments() {
        List<Deployment> all = new ArrayList<>();
        for (Deployed d : deployed.values()) {
            DeployLedger.Entry e = ledger.get(d.file());
            all.add(new Deployment(
                    d.file(), Optional.ofNullable(d.object()).filter(LoadedObject::isOpen), e.outcome(), e.attempts()));
        }
        for (DeployLedger.Entry e : ledger.entries()) {
            if (!deployed.containsKey(e.file())) {
                all.add(new Deployment(e.file(), Optional.empty(), e.outcome(), e.attempts()));
            }
        }
        return all;
    }

    @Override
    public List<Path> waiting() {
        if (directory == null) {
            return List.of();
        }
        Set<Path> done = new HashSet<>();
        deployments().forEach(d -> done.add(d.file()));
        try (Stream<Path> files = Files.list(directory)) {
            // Links too (a ConfigMap holds only links): a link the trust check refuses is reported as failed.
            return files.filter(f -> canHandle(f.toFile()) && Files.isRegularFile(f))
                    .map(f -> f.toAbsolutePath().normalize())
                    .filter(f -> !done.contains(f))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of(); // the directory is gone: nothing is waiting in it
        }
    }

    private final Map<Path, Deployed> deployed = new LinkedHashMap<>();

    /** Deployments run one at a time on a thread of their own, in the order FileInstall reported the files. */
    private final DeployWorker worker = new DeployWorker("structops-deploy", LOG, this);

    private void submit(Path file, String step, DeployWorker.Step work) {
        worker.submit(file, step, work);
    }

    @Activate
    public DeployedObjects(
            @Reference StructOpsLoader loader,
            @Reference StructOpsRegistry registry,
            @Reference ConfigurationAdmin configAdmin,
            @Reference DeployLedger ledger,
            BundleContext context) {
        this.ledger = ledger;
        this.loader = loader;
        this.registry = registry;
        this.configAdmin = configAdmin;
        this.journal = DeployJournal.open(context.getProperty(DEPLOY_DIR), loader);
        String dir = context.getProperty(DEPLOY_DIR);
        this.directory = dir == null ? null : Path.of(dir).toAbsolutePath().normalize();
        // First on the worker, before any file of the directory: what an earlier runtime attached for files that
        // are gone is detached.
        journal.ifPresent(j -> worker.submit(Path.of(context.getProperty(DEPLOY_DIR)), "sweep", j::sweep));
    }

    @Override
    public boolean canHandle(File artifact) {
        String name = artifact.getName();
        return DeployDirectory.isObjectFile(name) && !StableFile.temporary(name);
    }

    /** {@code NAME.cfg} for {@code NAME.bpf.o} or {@code NAME.o}. */
    static Path optionsFile(Path object) {
        String name = object.getFileName().toString();
        String base = name.substring(0, name.length() - 2);
        if (base.endsWith(".bpf")) {
            base = base.substring(0, base.length() - 4);
        }
        return object.resolveSibling(base + ".cfg");
    }

    /**
     * The options for {@code object}: its .cfg's configuration, waited for briefly if the file is there first. A .cfg
     * that is there but not trusted refuses the object: deployed without the options its owner wrote, it could run
     * unpinned or with other values.
     */
    DeployOptions options(Path object) throws InterruptedException, LoadException {
        Path cfg = optionsFile(object).toAbsolutePath().normalize();
        if (Files.exists(cfg, LinkOption.NOFOLLOW_LINKS)) {
            try {
                DeployTrust.read(cfg, DeployedConfigurations.MAX_CFG_BYTES);
            } catch (UntrustedFileException e) {
                throw new LoadException(
                        "its options file " + cfg.getFileName() + " is refused, not trusted: " + e.getMessage(),
                        null,
                        e);
            } catch (IOException e) {
                LOG.debug("{}: {}", cfg, e.toString()); // gone since: the object runs with the defaults
            }
        }
        long deadline = System.currentTimeMillis() + CONFIG_WAIT_MILLIS;
        do {
            Optional<Configuration> c = configurationOf(cfg);
            if (c.isPresent() && c.get().getProperties() != null) {
                DeployOptions o = DeployOptions.from(c.get().getProperties());
                for (String problem : o.problems()) {
                    LOG.warn("{}: {}: ignored", cfg, problem);
                }
                // A pin that would be refused later is refused now, before anything changes.
                Optional<String> pin = o.pin().flatMap(PinDirectory::problem);
                if (pin.isPresent()) {
                    throw new LoadException(
                            "its options file " + cfg.getFileName() + " is refused: pin = " + pin.get(), null, null);
                }
                LOG.info("{}: options from {}: {}", object.getFileName(), cfg.getFileName(), o.describe());
                return o;
            }
            if (!Files.exists(cfg)) {
                return DeployOptions.DEFAULTS;
            }
            Thread.sleep(100);
        } while (System.currentTimeMillis() < deadline);
        LOG.warn(
                "{}: no configuration appeared for it (is FileInstall handling .cfg files?); deploying {} with"
                        + " defaults",
                cfg,
                object.getFileName());
        return DeployOptions.DEFAULTS;
    }

    private Optional<Configuration> configurationOf(Path cfg) {
        try {
            Configuration[] all = configAdmin.listConfigurations("(" + FILENAME + "=*)");
            for (Configuration c : all == null ? new Configuration[0] : all) {
                Object name =
                        c.getProperties() == null ? null : c.getProperties().get(FILENAME);
                if (name != null && cfg.equals(pathOf(name.toString()))) {
                    return Optional.of(c);
                }
            }
        } catch (Exception e) {
            LOG.warn("cannot list configurations: {}", e.toString());
        }
        return Optional.empty();
    }

    private static Path pathOf(String fileName) {
        try {
            return fileName.startsWith("file:")
                    ? Path.of(URI.create(fileName)).toAbsolutePath().normalize()
                    : Path.of(fileName).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public void install(File artifact) {
        Path file = artifact.toPath().toAbsolutePath().normalize();
        submit(file, "deploy", () -> install(file));
    }

    private void install(Path file) throws Exception {
        if (!StableFile.await(file, QUIET_MILLIS, SETTLE_TIMEOUT_MILLIS)) {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                LOG.info("{}: gone before it settled; nothing to deploy", file);
                journal.ifPresent(j -> j.detachGone(file));
                return;
            }
            LOG.warn(
                    "{}: still changing (or gone) after {} s; not deployed until it is replaced again",
                    file,
                    SETTLE_TIMEOUT_MILLIS / 1000);
            deployed.put(file, new Deployed(file, null, null, DeployOptions.DEFAULTS));
            outcome(file, "failed: the file did not settle");
            return;
        }
        DeployOptions options;
        try {
            options = options(file);
        } catch (LoadException e) {
            LOG.error("{}: not deployed: {}", file, e.getMessage());
            deployed.put(file, new Deployed(file, null, null, DeployOptions.DEFAULTS));
            outcome(file, "failed: " + e.getMessage());
            return;
        }
        deploy(file, options, null);
    }

    /**
     * Loads {@code file}. A map name this runtime already holds is refused, or with {@code conflict = swap} the
     * holder's map is swapped for the new one. {@code previous} (a replaced file's) is detached first when it cannot
     * be swapped, and restored if the new file fails.
     */
    private void deploy(Path file, DeployOptions options, Deployed previous) throws Exception {
        LoadedObject object = null;
        try {
            ObjectSpec spec = open(file);
            List<String> names = spec.selected(options.loadOptions());
            LoadedObject holder = holder(file, names, options, previous);
            if (holder == null && previous == null) {
                Adopted adopted = adopt(file, spec, options);
                if (adopted.done()) {
                    return;
                }
                previous = adopted.previous();
            }
            if (previous != null && previous.object() != null && swappable(previous.object(), names)) {
                holder = previous.object();
            }
            object = holder != null
                    ? swapIn(file, holder, names.get(0), spec, options)
                    : replace(file, previous, spec, options);
            settled(
                    file,
                    object,
                    spec,
                    options,
                    holder != null ? "swapped in, " + gapText(object, names.get(0)) + ": " : "deployed: ");
        } catch (Exception e) {
            failed(file, options, previous, object, e);
        }
    }

    /** The file's bytes, read from the descriptor that passed the trust check, parsed once for every later step. */
    private ObjectSpec open(Path file) throws LoadException, IOException {
        byte[] bytes;
        try {
            bytes = DeployTrust.read(file, MAX_OBJECT_BYTES);
        } catch (UntrustedFileException e) {
            throw new LoadException("refused, not trusted: " + e.getMessage(), null, e);
        }
        return loader.open(file.toString(), bytes);
    }

    /**
     * Who already holds a map of {@code names} in this runtime (other than the file's previous version): refused,
     * or with {@code conflict = swap} the holder whose map is swapped for the new one. Null when nobody does.
     */
    private LoadedObject holder(Path file, List<String> names, DeployOptions options, Deployed previous)
            throws LoadException {
        LoadedObject holder = null;
        for (String name : names) {
            Optional<LoadedObject> owner = registry.owner(name);
            if (owner.isPresent() && (previous == null || owner.get() != previous.object())) {
                if (!options.swapOnConflict() || names.size() != 1) {
                    throw new LoadException(
                            file + ": map " + name + " is already attached by this runtime (from "
                                    + owner.get().name() + "); refused"
                                    + (names.size() == 1
                                            ? " (set conflict = swap in "
                                                    + optionsFile(file).getFileName() + " to replace it)"
                                            : ""),
                            null,
                            null);
                }
                holder = owner.get();
            }
        }
        return holder;
    }

    /** What an earlier run left of a file: taken over as it is ({@code done}), or the previous version to replace. */
    private record Adopted(boolean done, Deployed previous) {}

    private Adopted adopt(Path file, ObjectSpec spec, DeployOptions options) throws LoadException {
        Optional<Adoption> adoption = loader.adopt(spec, options.loadOptions(), options.pin());
        if (adoption.isEmpty()) {
            return new Adopted(false, null);
        }
        LoadedObject taken = adoption.get().object();
        registry.add(taken);
        if (adoption.get().difference().isEmpty()) {
            deployed.put(file, new Deployed(file, taken, spec, options));
            journal.ifPresent(j -> j.record(file, taken));
            LOG.info("{}: adopted {}, left attached by an earlier run and the same as the file", file, describe(taken));
            outcome(file, "adopted: " + describe(taken));
            return new Adopted(true, null);
        }
        LOG.info(
                "{}: {} was left attached by an earlier run, but {}; replacing it",
                file,
                describe(taken),
                adoption.get().difference().get());
        // Replaced as an earlier version of the file is: swapped where it can be, else detached first.
        return new Adopted(false, new Deployed(file, taken, null, options));
    }

    /** The held map is the one of that name, or a replaced file's only one (a new version may rename it). */
    private LoadedObject swapIn(Path file, LoadedObject holder, String name, ObjectSpec spec, DeployOptions options)
            throws LoadException {
        String held = holder.maps().stream()
                .map(LoadedMap::name)
                .filter(name::equals)
                .findFirst()
                .orElse(holder.maps().get(0).name());
        LoadedObject object = loader.swap(holder, held, spec, options.loadOptions());
        registry.replace(holder, object);
        LOG.info("{}: swapped in for {} ({}), {}", file, name, holder.name(), gapText(object, name));
        return object;
    }

    /** Loads the file, the previous version detached first; if the load fails, the previous one is restored. */
    private LoadedObject replace(Path file, Deployed previous, ObjectSpec spec, DeployOptions options)
            throws LoadException {
        long gapStart = 0;
        if (previous != null && previous.object() != null) {
            gapStart = System.nanoTime();
            registry.unload(previous.object());
        }
        LoadedObject object;
        try {
            object = loader.load(spec, options.loadOptions());
        } catch (LoadException e) {
            if (previous != null && previous.spec() != null && previous.object() != null) {
                restore(previous);
            }
            throw e;
        }
        registry.add(object);
        if (gapStart != 0) {
            LOG.info(
                    "{}: replaced by detaching the old maps and attaching the new ones; nothing was attached for {}"
                            + " us",
                    file,
                    (System.nanoTime() - gapStart) / 1000);
        }
        return object;
    }

    /** Pinned as the options say, recorded in the journal, and reported. */
    private void settled(Path file, LoadedObject object, ObjectSpec spec, DeployOptions options, String how)
            throws LoadException {
        if (options.pin().isPresent()) {
            object.pinLinks(options.pin().get());
        }
        deployed.put(file, new Deployed(file, object, spec, options));
        journal.ifPresent(j -> j.record(file, object));
        LOG.info("{}: deployed {}", file, describe(object));
        outcome(file, how + describe(object));
    }

    private void failed(Path file, DeployOptions options, Deployed previous, LoadedObject object, Exception e) {
        boolean kept = previous != null
                && previous.object() != null
                && previous.object().isOpen();
        LOG.error("{}: not deployed: {}{}", file, e.getMessage(), kept ? "; the attached version stays" : "");
        outcome(file, "failed: " + e.getMessage() + (kept ? "; the attached version stays" : ""));
        if (object != null) {
            // Loaded but not recorded (pinning failed): not left attached behind the directory's back.
            registry.unload(object);
        }
        Deployed now = deployed.get(file);
        if (now == null || now.object() == null || !now.object().isOpen()) {
            deployed.put(file, new Deployed(file, null, null, options));
            journal.ifPresent(j -> j.forget(file));
        }
    }

    private static String gapText(LoadedObject object, String map) {
        return object.swapGap(map)
                .map(d -> "detached then attached, none attached for " + d.toNanos() / 1000 + " us")
                .orElse("no gap");
    }

    /**
     * A replaced file with a single map, replacing a single link-based one, goes through the loader's swap: the new
     * object is verified before the old one lets go (and where the kernel can, the link moves with no gap).
     */
    private static boolean swappable(LoadedObject current, List<String> names) {
        List<LoadedMap> maps = current.maps();
        return names.size() == 1 && maps.size() == 1 && maps.get(0).linkBased();
    }

    /** After a failed replacement that had to detach first: the previous version is loaded again. */
    private void restore(Deployed previous) {
        try {
            LoadedObject again = loader.load(previous.spec(), previous.options().loadOptions());
            registry.add(again);
            deployed.put(previous.file(), new Deployed(previous.file(), again, previous.spec(), previous.options()));
            journal.ifPresent(j -> j.record(previous.file(), again));
            LOG.warn("{}: the replacement failed; the previous version is attached again", previous.file());
        } catch (Exception e) {
            LOG.error(
                    "{}: the replacement failed and the previous version could not be attached again: {}",
                    previous.file(),
                    e.getMessage());
        }
    }

    private static String describe(LoadedObject object) {
        StringBuilder sb = new StringBuilder();
        for (LoadedMap m : object.maps()) {
            sb.append(sb.isEmpty() ? "" : ", ")
                    .append(m.type())
                    .append(' ')
                    .append(m.name())
                    .append(" (map id ")
                    .append(m.mapId())
                    .append(m.linkBased() ? ", link id " + m.linkId() : "")
                    .append(')');
        }
        return sb.toString();
    }

    @Override
    public void update(File artifact) {
        Path file = artifact.toPath().toAbsolutePath().normalize();
        submit(file, "redeploy", () -> update(file));
    }

    private void update(Path file) throws Exception {
        if (!StableFile.await(file, QUIET_MILLIS, SETTLE_TIMEOUT_MILLIS)) {
            LOG.warn(
                    "{}: still changing (or gone) after {} s; the attached version stays",
                    file,
                    SETTLE_TIMEOUT_MILLIS / 1000);
            return;
        }
        DeployOptions options;
        try {
            options = options(file);
        } catch (LoadException e) {
            LOG.error("{}: not deployed: {}; the attached version stays", file, e.getMessage());
            outcome(file, "failed: " + e.getMessage() + "; the attached version stays");
            return;
        }
        redeploy(file, options);
    }

    private void redeploy(Path file, DeployOptions options) throws Exception {
        Deployed previous = deployed.get(file);
        if (previous == null || previous.object() == null || !previous.object().isOpen()) {
            deploy(file, options, null);
        } else {
            deploy(file, options, previous);
        }
    }

    @Override
    public void uninstall(File artifact) {
        Path file = artifact.toPath().toAbsolutePath().normalize();
        submit(file, "remove", () -> uninstall(file));
    }

    private void uninstall(Path file) {
        Deployed d = deployed.remove(file);
        ledger.forget(file);
        if (d != null && d.object() != null && d.object().isOpen()) {
            List<LoadedMap> maps = d.object().maps();
            registry.unload(d.object());
            LOG.info("{}: removed; detached {}", file, d.object().name());
            d.options().pin().ifPresent(dir -> unpin(file, dir, maps));
            journal.ifPresent(j -> j.forget(file));
        } else {
            journal.ifPresent(j -> j.detachGone(file));
        }
    }

    /** The pins of a removed object's links name detached links now; the directory made them, so it removes them. */
    private static void unpin(Path file, Path dir, List<LoadedMap> maps) {
        for (LoadedMap m : maps) {
            if (m.linkBased()) {
                try {
                    Files.deleteIfExists(dir.resolve(m.name()));
                } catch (IOException e) {
                    LOG.warn("{}: could not remove the pin {}: {}", file, dir.resolve(m.name()), e.toString());
                }
            }
        }
    }

    /**
     * A .cfg beside a deployed object changed or went away: the object is deployed again with the options it now
     * has, if they differ from those it runs with.
     */
    @Override
    public void configurationEvent(ConfigurationEvent event) {
        submit(Path.of(event.getPid()), "apply options", () -> {
            for (Deployed d : List.copyOf(deployed.values())) {
                if (!Files.exists(d.file())) {
                    continue;
                }
                DeployOptions options;
                try {
                    options = options(d.file());
                } catch (LoadException e) {
                    LOG.error("{}: options not applied: {}; it runs as before", d.file(), e.getMessage());
                    outcome(d.file(), "failed: " + e.getMessage() + "; the attached version stays");
                    continue;
                }
                if (!options.equals(d.options())) {
                    LOG.info(
                            "{}: options changed ({}); deploying again",
                            d.file(),
                            optionsFile(d.file()).getFileName());
                    redeploy(d.file(), options);
                }
            }
        });
    }

    /** Stop: what the directory attached is detached, newest first; pinned links stay, their descriptors closed. */
    @Deactivate
    void deactivate() throws InterruptedException {
        worker.shutdown();
        synchronized (this) {
            detachAll();
        }
    }

    private void detachAll() {
        List<Deployed> all = new ArrayList<>(deployed.values());
        for (int i = all.size() - 1; i >= 0; i--) {
            Deployed d = all.get(i);
            if (d.object() == null || !d.object().isOpen()) {
                continue;
            }
            if (d.options().pin().isPresent()) {
                registry.release(d.object());
                LOG.info(
                        "{}: released; its links stay attached, pinned in {}",
                        d.file(),
                        d.options().pin().get());
            } else {
                registry.unload(d.object());
                journal.ifPresent(j -> j.forget(d.file()));
                LOG.info("{}: detached on stop", d.file());
            }
        }
        deployed.clear();
    }
}
