package io.structops.deploy.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Optional;
import java.util.Properties;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.apache.felix.fileinstall.ArtifactListener;
import org.osgi.framework.Constants;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code .cfg} files in the deploy directory become ConfigAdmin configurations, as FileInstall would make them
 * ({@code NAME.cfg} the PID NAME, {@code FACTORY-NAME.cfg} a named factory configuration, the file's URI in
 * {@value DeployedObjects#FILENAME}), but from the bytes {@link DeployTrust} read from the descriptor it checked.
 * Values are taken as written: no {@code ${...}} substitution of framework or system properties. Ranked above
 * FileInstall's own configuration handling, which would read the file by its path. {@code .config} files (FileInstall's
 * typed format) are refused with a log line.
 */
@Component(
        service = {ArtifactInstaller.class, ArtifactListener.class},
        immediate = true,
        property = Constants.SERVICE_RANKING + ":Integer=" + DeployedBundles.RANKING)
public class DeployedConfigurations extends CheckedInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(DeployedConfigurations.class);
    static final long MAX_CFG_BYTES = 1L << 20;

    private final ConfigurationAdmin configAdmin;
    private final DeployLedger ledger;

    @Activate
    public DeployedConfigurations(@Reference ConfigurationAdmin configAdmin, @Reference DeployLedger ledger) {
        super("configuration", LOG);
        this.configAdmin = configAdmin;
        this.ledger = ledger;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        shutdown();
    }

    @Override
    boolean handles(String name) {
        return name.endsWith(".cfg") || name.endsWith(".config");
    }

    @Override
    void apply(Path file) throws Exception {
        if (file.getFileName().toString().endsWith(".config")) {
            LOG.warn("{}: refused: the deploy directory takes .cfg files (key = value), not .config", file);
            ledger.record(file, "refused: the deploy directory takes .cfg files (key = value), not .config");
            return;
        }
        Dictionary<String, Object> properties;
        try {
            properties = read(file, DeployTrust.read(file, MAX_CFG_BYTES));
        } catch (DeployTrust.UntrustedFileException e) {
            String kept = find(file).isPresent() ? "; the configuration it made before stays" : "";
            LOG.error("{}: refused, not trusted: {}{}", file, e.getMessage(), kept);
            ledger.record(file, "refused, not trusted: " + e.getMessage() + kept);
            return;
        }
        Configuration c = find(file).orElse(null);
        if (c == null) {
            String[] pid = pid(file);
            c = pid[1] == null
                    ? configAdmin.getConfiguration(pid[0], "?")
                    : configAdmin.getFactoryConfiguration(pid[0], pid[1], "?");
        }
        if (c.updateIfDifferent(properties)) {
            LOG.info("{}: configuration {} applied", file, c.getPid());
        }
        ledger.record(file, "applied as configuration " + c.getPid());
    }

    /** The file's properties, each value a string, with its URI under {@value DeployedObjects#FILENAME}. */
    static Dictionary<String, Object> read(Path file, byte[] bytes) throws IOException {
        Properties p = new Properties();
        p.load(new ByteArrayInputStream(bytes));
        Dictionary<String, Object> d = new Hashtable<>();
        for (String key : p.stringPropertyNames()) {
            d.put(key, p.getProperty(key).strip());
        }
        d.put(DeployedObjects.FILENAME, file.toUri().toString());
        return d;
    }

    /** FileInstall's naming: {@code NAME.cfg} is PID NAME; {@code FACTORY-NAME.cfg} the factory PID and a name. */
    static String[] pid(Path file) {
        String base = file.getFileName().toString().replaceFirst("\\.cfg$", "");
        int dash = base.indexOf('-');
        return dash > 0 ? new String[] {base.substring(0, dash), base.substring(dash + 1)} : new String[] {base, null};
    }

    private Optional<Configuration> find(Path file) throws Exception {
        Configuration[] all = configAdmin.listConfigurations(
                "(" + DeployedObjects.FILENAME + "=" + escape(file.toUri().toString()) + ")");
        return all == null || all.length == 0 ? Optional.empty() : Optional.of(all[0]);
    }

    private static String escape(String value) {
        return value.replace("\\", "\\5c")
                .replace("*", "\\2a")
                .replace("(", "\\28")
                .replace(")", "\\29");
    }

    @Override
    void remove(Path file) throws Exception {
        ledger.forget(file);
        Optional<Configuration> c = find(file);
        if (c.isPresent()) {
            String pid = c.get().getPid();
            c.get().delete();
            LOG.info("{}: removed; configuration {} deleted", file, pid);
        }
    }
}
