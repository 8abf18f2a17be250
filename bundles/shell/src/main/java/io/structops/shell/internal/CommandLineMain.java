package io.structops.shell.internal;

import io.structops.loader.StructOpsRegistry;
import io.structops.shell.CommandRunner;
import io.structops.syscall.process.ParentDeath;
import java.io.BufferedReader;
import java.io.Console;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's main thread, as the bnd launcher calls it: with no argument an interactive Gogo shell; with
 * {@code --deploy DIR}/{@code --no-shell} a headless service that runs until the framework stops; otherwise one
 * structops command whose status becomes the process's exit status.
 * <p>
 * The launcher runs the first {@code main.thread} service it sees, so this one is published only where the runtime
 * asks for it (framework property {@value #ENABLE_PROPERTY}); an OSGi host that embeds structops, or a test
 * framework whose tester is the main thread, is left alone.
 */
@Component(immediate = true)
public class CommandLineMain implements Callable<Integer> {
    static final String ENABLE_PROPERTY = "structops.main";
    /** Set by runtime/bin/structops: its own PID, which this JVM follows. */
    static final String LAUNCHER_PID_PROPERTY = "structops.launcher.pid";
    /** Set by runtime/bin/structops when it made a temporary state directory, which it removes unless killed. */
    static final String TEMPORARY_STATE_PROPERTY = "structops.state.temporary";
    /** Set by runtime/bin/structops for the service and the shell: where to listen for one-shot commands. */
    static final String SOCKET_PROPERTY = "structops.socket";

    private static final Logger LOG = LoggerFactory.getLogger(CommandLineMain.class);

    // Gogo's ThreadIO replaces System.out/err with per-thread streams that forward to the session's streams; a
    // session built on them would write into itself. The process's own descriptors are what a terminal sees.
    private static final InputStream STDIN = new FileInputStream(FileDescriptor.in);
    private static final PrintStream STDOUT = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
    private static final PrintStream STDERR = new PrintStream(new FileOutputStream(FileDescriptor.err), true);

    @Reference
    private CommandProcessor processor;

    @Reference
    private StructOpsRegistry registry;

    @Reference
    private CommandRunnerComponent commands;

    @Reference(service = Object.class, target = "(launcher.arguments=*)")
    private ServiceReference<Object> launcher;

    private BundleContext context;
    private ServiceRegistration<?> registration;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        if (Boolean.parseBoolean(context.getProperty(ENABLE_PROPERTY))) {
            followLauncher(context.getProperty(LAUNCHER_PID_PROPERTY));
            Dictionary<String, Object> props = new Hashtable<>();
            props.put("main.thread", Boolean.TRUE);
            registration = context.registerService(Callable.class, this, props);
        }
    }

    /**
     * The launcher script runs this JVM as its child; if it is killed (kill -9 of the PID a supervisor or {@code $!}
     * holds), the kernel sends this JVM SIGTERM, which stops the framework as a SIGTERM to the launcher would.
     */
    private void followLauncher(String launcherPid) {
        if (launcherPid == null || !launcherPid.matches("\\d+")) {
            return;
        }
        removeStateIfOrphaned(Long.parseLong(launcherPid), context.getProperty(TEMPORARY_STATE_PROPERTY));
        if (!ParentDeath.signalOnParentDeath(Long.parseLong(launcherPid), ParentDeath.SIGTERM)) {
            LOG.warn("the launcher (pid {}) is gone; stopping", launcherPid);
            Thread.ofPlatform().name("structops-stop").start(this::stopFramework);
        }
    }

    /**
     * The launcher removes the temporary state directory it made when the runtime ends; if the launcher was killed
     * first, nobody would, so the runtime does as it exits (the framework has stopped by then).
     */
    private static void removeStateIfOrphaned(long launcherPid, String state) {
        if (state == null || !Path.of(state).isAbsolute()) {
            return;
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            if (ProcessHandle.of(launcherPid).map(ProcessHandle::isAlive).orElse(false)) {
                return;
            }
            try (Stream<Path> all = Files.walk(Path.of(state))) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                // nothing more to do on the way out
            }
        }));
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
    }

    @Override
    public Integer call() throws Exception {
        Object raw = launcher.getProperty("launcher.arguments");
        List<String> args = raw instanceof String[] a ? List.of(a) : List.of();
        if (args.isEmpty()) {
            return interactive();
        }
        // Launcher options count only in first position; anywhere else they are the command's arguments.
        if (args.get(0).equals("--no-shell") || args.get(0).equals("--deploy")) {
            return headless(args);
        }
        if (args.get(0).startsWith("-")
                && !args.get(0).equals("--help")
                && !args.get(0).equals("-h")) {
            STDERR.println("structops: unknown option '" + args.get(0) + "'; 'structops help' lists the forms");
            return CommandRunner.USAGE;
        }
        return oneShot(args, STDOUT, STDERR);
    }

    private int interactive() throws Exception {
        Console console = System.console();
        if (console == null || !console.isTerminal()) {
            return lines();
        }
        CommandSession session = processor.createSession(STDIN, STDOUT, STDERR);
        try (AutoCloseable signals = TerminationSignals.install(this::stopFramework);
                AutoCloseable socket = commandSocket()) {
            // gosh's stock login profile sets SCOPE to 'gogo:*' and adds java.lang.System's methods as commands, so
            // that `load FILE` would call System.load. Our commands come first instead, then Gogo's, then the rest.
            session.put("SCOPE", CommandRunnerComponent.SCOPE + ":gogo:*");
            session.put("prompt", "structops> ");
            session.execute("e = { $exception printStackTrace }");
            // gosh runs the console on this thread and returns when the user exits; the launcher then stops Felix.
            session.execute("gogo:gosh --noshutdown");
        } finally {
            session.close();
        }
        return CommandRunner.OK;
    }

    /**
     * The shell fed by a pipe or a file, as a script feeds it: each line one command, no prompt and no echo (so that
     * only what the commands print reaches stdout), a failure as one line on stderr as a one-shot command reports it,
     * then the next line. Ends at end of input, or when a command stops the framework.
     */
    private int lines() throws Exception {
        BlockingQueue<Optional<String>> input = readLines(STDIN);
        CommandSession session = processor.createSession(STDIN, STDOUT, STDERR);
        try (AutoCloseable signals = TerminationSignals.install(this::stopFramework);
                AutoCloseable socket = commandSocket()) {
            session.put("SCOPE", CommandRunnerComponent.SCOPE + ":gogo:*");
            while (running()) {
                // Polled, not read directly: a signal or `stop 0` stops the framework while the input stays open.
                Optional<String> line = input.poll(200, TimeUnit.MILLISECONDS);
                if (line == null) {
                    continue;
                }
                if (line.isEmpty()) {
                    break;
                }
                String command = line.get().strip();
                if (!command.isEmpty() && !command.startsWith("#")) {
                    commands.execute(session, command, STDOUT, STDERR);
                }
            }
        } finally {
            session.close();
        }
        return CommandRunner.OK;
    }

    /** The lines of {@code in}, read on a daemon thread; an empty value marks the end of input. */
    private static BlockingQueue<Optional<String>> readLines(InputStream in) {
        BlockingQueue<Optional<String>> lines = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("structops-stdin").start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.add(Optional.of(line));
                }
            } catch (IOException e) {
                LOG.warn("standard input: {}", e.toString());
            }
            lines.add(Optional.empty());
        });
        return lines;
    }

    private boolean running() {
        return (context.getBundle(0).getState() & (Bundle.STARTING | Bundle.ACTIVE)) != 0;
    }

    private int headless(List<String> args) throws Exception {
        String dir = context.getProperty("felix.fileinstall.dir");
        LOG.info("structops running headless; deploy directory {}", dir);
        try (AutoCloseable signals = TerminationSignals.install(this::stopFramework);
                AutoCloseable socket = commandSocket()) {
            ((Framework) context.getBundle(0)).waitForStop(0);
        }
        LOG.info("structops stopped");
        return CommandRunner.OK;
    }

    private void stopFramework() {
        try {
            context.getBundle(0).stop();
        } catch (Exception e) {
            LOG.error("could not stop the framework: {}", e.toString());
        }
    }

    int oneShot(List<String> args, PrintStream out, PrintStream err) {
        try {
            return commands.run(args, STDIN, out, err);
        } finally {
            // A one-shot command leaves the kernel as bpftool would: pinned links and legacy maps stay, unpinned
            // links end as the process does. The service modes detach what they hold when they stop instead.
            registry.releaseAll();
        }
    }

    /**
     * In the service modes, one-shot commands of this user can be handed to this runtime over the socket the launcher
     * names ({@value #SOCKET_PROPERTY}); they then see and keep what this runtime holds.
     */
    private AutoCloseable commandSocket() {
        String path = context.getProperty(SOCKET_PROPERTY);
        if (path == null || path.isEmpty()) {
            return () -> {};
        }
        InputStream none = InputStream.nullInputStream();
        Optional<CommandSocket> socket =
                CommandSocket.open(Path.of(path), (args, out, err) -> commands.run(args, none, out, err));
        return socket.isPresent() ? socket.get() : () -> {};
    }
}
