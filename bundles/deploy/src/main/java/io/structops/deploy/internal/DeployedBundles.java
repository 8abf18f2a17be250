package io.structops.deploy.internal;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.apache.felix.fileinstall.ArtifactListener;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bundles (jars) in the deploy directory, installed from the bytes {@link DeployTrust} read from the descriptor it
 * checked, never from the path, so a jar that is not trusted never reaches the framework. Ranked above FileInstall's
 * own bundle handling, which would read the jar by its path. {@value #ALLOW_PROPERTY}={@code false} (a framework
 * property) refuses every jar with a log line, for a runtime whose directory should only ever hold objects.
 */
@Component(
        service = {ArtifactInstaller.class, ArtifactListener.class},
        immediate = true,
        property = Constants.SERVICE_RANKING + ":Integer=" + DeployedBundles.RANKING)
public class DeployedBundles extends CheckedInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(DeployedBundles.class);
    /** Above FileInstall's own listeners (ranked 0), so that they never see what this one takes. */
    static final int RANKING = 1000;

    static final String ALLOW_PROPERTY = "structops.deploy.bundles";
    static final long MAX_BUNDLE_BYTES = 64L << 20;
    private static final String LOCATION_PREFIX = "structops-deploy:";

    private final BundleContext context;
    private final DeployLedger ledger;
    private final boolean allowed;

    @Activate
    public DeployedBundles(BundleContext context, @Reference DeployLedger ledger) {
        super("bundle", LOG);
        this.context = context;
        this.ledger = ledger;
        this.allowed = !"false"
                .equalsIgnoreCase(
                        String.valueOf(context.getProperty(ALLOW_PROPERTY)).strip());
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        shutdown();
    }

    @Override
    boolean handles(String name) {
        return name.endsWith(".jar");
    }

    @Override
    void apply(Path file) throws Exception {
        if (!allowed) {
            LOG.warn("{}: refused: bundles are not deployed from this directory ({}=false)", file, ALLOW_PROPERTY);
            ledger.record(file, "refused: bundles are not deployed from this directory (" + ALLOW_PROPERTY + "=false)");
            return;
        }
        if (!StableFile.await(file, DeployedObjects.QUIET_MILLIS, DeployedObjects.SETTLE_TIMEOUT_MILLIS)) {
            LOG.warn("{}: still changing (or gone); not installed until it is replaced again", file);
            ledger.record(file, "failed: the file did not settle");
            return;
        }
        byte[] bytes;
        try {
            bytes = DeployTrust.read(file, MAX_BUNDLE_BYTES);
        } catch (DeployTrust.UntrustedFileException e) {
            String kept = installed(file) == null ? "" : "; the installed version stays";
            LOG.error("{}: refused, not trusted: {}{}", file, e.getMessage(), kept);
            ledger.record(file, "refused, not trusted: " + e.getMessage() + kept);
            return;
        }
        Bundle bundle = installed(file);
        if (bundle == null) {
            bundle = context.installBundle(LOCATION_PREFIX + file, new ByteArrayInputStream(bytes));
            LOG.info("{}: installed bundle {} {}", file, bundle.getSymbolicName(), bundle.getVersion());
        } else {
            bundle.update(new ByteArrayInputStream(bytes));
            refresh(bundle);
            LOG.info("{}: updated bundle {} to {}", file, bundle.getSymbolicName(), bundle.getVersion());
        }
        if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
            bundle.start();
        }
        ledger.record(file, "installed bundle " + bundle.getSymbolicName() + " " + bundle.getVersion());
    }

    @Override
    void remove(Path file) throws Exception {
        ledger.forget(file);
        Bundle bundle = installed(file);
        if (bundle != null) {
            bundle.uninstall();
            refresh(bundle);
            LOG.info("{}: removed; uninstalled bundle {}", file, bundle.getSymbolicName());
        }
    }

    private Bundle installed(Path file) {
        return context.getBundle(LOCATION_PREFIX + file);
    }

    /** Bundles wired to the old revision move to the new one (or let go of an uninstalled one). */
    private void refresh(Bundle bundle) {
        context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION)
                .adapt(FrameworkWiring.class)
                .refreshBundles(List.of(bundle));
    }
}
