package io.structops.launcher;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.connect.ConnectFrameworkFactory;
import org.osgi.framework.launch.Framework;
import org.osgi.util.tracker.ServiceTracker;

/**
 * {@code java -cp 'runtime/target/lib/*' io.structops.launcher.Launcher [ARGS...]}: starts Felix with the bundles
 * structops.bndrun resolved, served from the class path ({@link ClassPathBundles}), and runs the shell's main-thread
 * service with the arguments, as bnd's launcher does: a service with {@code launcher.arguments} carries them and the
 * {@code Callable} registered with {@code main.thread=true} runs on this thread. One command exits with its status
 * once it returns; the shell and the service stop the framework first. A one-shot command that only reads runs
 * without a framework ({@link FrameworkFree}).
 */
public final class Launcher {
    /** Set by runtime/bin/structops for one command: it exits as the command returns, with its status. */
    static final String ONE_COMMAND = "structops.oneCommand";
    /** Set by runtime/bin/structops when it was given --http: the HTTP bundles start. */
    static final String HTTP = "structops.http";
    /** Set (to true) to have each start-up phase's time written to stderr: where a command's time goes. */
    static final String TIMING = "structops.launcher.timing";
    /**
     * Set by runtime/bin/structops for the ahead-of-time cache's training run: the framework-free commands run first
     * (output dropped), then the command given in the framework, so that the cache holds both paths' classes.
     */
    static final String TRAINING = "structops.launcher.training";
    /** Set (to true) to run a one-shot command in the framework even when it could run without: for comparisons. */
    static final String FRAMEWORK = "structops.launcher.framework";
    /** The runtime could not start: a missing file, a bundle that would not resolve, no main thread. */
    static final int FAILED_TO_START = 3;

    private static final long MAIN_THREAD_WAIT_SECONDS = 300;
    private static final long STOP_WAIT_MILLIS = 60_000;

    private Launcher() {}

    public static void main(String[] args) {
        int status;
        try {
            status = run(args);
        } catch (Exception e) {
            System.err.println("structops: the runtime did not start: " + e.getMessage());
            status = FAILED_TO_START;
        }
        System.exit(status);
    }

    private static int run(String[] args) throws Exception {
        boolean oneCommand = Boolean.getBoolean(ONE_COMMAND);
        Phases phases = new Phases(Boolean.getBoolean(TIMING));
        if (Boolean.getBoolean(TRAINING)) {
            FrameworkFree.train();
        } else if (oneCommand && FrameworkFree.runs(args) && !Boolean.getBoolean(FRAMEWORK)) {
            PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
            PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
            int status = FrameworkFree.run(args, System.in, out, err, phases);
            phases.done("without framework");
            if (status != FrameworkFree.TO_FRAMEWORK) {
                return status;
            }
        }
        return runFramework(args, oneCommand, phases);
    }

    private static int runFramework(String[] args, boolean oneCommand, Phases phases) throws Exception {
        Path lib = Path.of(Launcher.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .getParent();
        RunSpec spec = RunSpec.read(lib);
        spec.publishAsSystemProperties();
        String storage = System.getProperty(
                Constants.FRAMEWORK_STORAGE, lib.resolve("framework").toString());
        ClassPathBundles connector = new ClassPathBundles(spec.bundles());
        boolean http = Boolean.getBoolean(HTTP);
        Framework framework = ServiceLoader.load(ConnectFrameworkFactory.class)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi Connect framework on the class path"))
                .newFramework(spec.frameworkConfiguration(storage), connector);
        phases.done("new framework");
        framework.init();
        phases.done("init");
        BundleContext context = framework.getBundleContext();
        Hashtable<String, Object> arguments = new Hashtable<>();
        arguments.put("launcher.arguments", args);
        context.registerService(Object.class, new Object(), arguments);
        List<Bundle> bundles = install(context, spec, connector, http);
        phases.done("install");
        framework.start();
        for (Bundle b : bundles) {
            if (spec.starts(b.getSymbolicName(), oneCommand, http)) {
                start(b);
                phases.bundle(b.getSymbolicName());
            }
        }
        phases.done("start bundles");
        int status = runMainThread(context);
        phases.done("main thread");
        if (!oneCommand) {
            // The shell returned (or the service saw the framework stop): stop it, so that what it holds is detached.
            framework.stop();
            framework.waitForStop(STOP_WAIT_MILLIS);
            phases.done("stop");
        }
        return status;
    }

    /** Every bundle of the run but, without --http, the HTTP ones: nothing else uses them, and they would not start. */
    private static List<Bundle> install(BundleContext context, RunSpec spec, ClassPathBundles connector, boolean http)
            throws BundleException {
        List<Bundle> bundles = new ArrayList<>();
        for (Path jar : spec.bundles()) {
            if (spec.installs(connector.symbolicName(jar), http)) {
                bundles.add(context.installBundle(ClassPathBundles.location(jar)));
            }
        }
        return bundles;
    }

    private static void start(Bundle bundle) {
        if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
            return;
        }
        try {
            bundle.start();
        } catch (BundleException e) {
            // As bnd's launcher: reported, and the rest still start (the shell says what it then lacks).
            System.err.println("structops: bundle " + bundle.getSymbolicName() + " did not start: " + e.getMessage());
        }
    }

    private static int runMainThread(BundleContext context) throws Exception {
        ServiceTracker<Callable<?>, Callable<?>> tracker = new ServiceTracker<>(
                context,
                FrameworkUtil.createFilter("(&(objectClass=java.util.concurrent.Callable)(main.thread=true))"),
                null);
        tracker.open();
        try {
            Callable<?> main = tracker.waitForService(TimeUnit.SECONDS.toMillis(MAIN_THREAD_WAIT_SECONDS));
            if (main == null) {
                throw new IllegalStateException(
                        "no command line after " + MAIN_THREAD_WAIT_SECONDS + " s (the shell bundle did not start)");
            }
            return main.call() instanceof Integer i ? i : 0;
        } finally {
            tracker.close();
        }
    }
}
