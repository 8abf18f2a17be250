package io.structops.shell.internal;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM, SIGINT and SIGHUP stop the framework instead of ending the JVM at once, so that components deactivate and
 * detach what the runtime holds. Installed only while the runtime's own main thread runs the service or the shell
 * (never in a host that embeds the bundles), and the JVM's handlers are put back when it returns. A signal handler,
 * not a shutdown hook: hooks run after the framework could still have been stopped cleanly.
 */
final class TerminationSignals implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TerminationSignals.class);
    private static final String[] NAMES = {"TERM", "INT", "HUP"};

    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    private TerminationSignals() {}

    /** Runs {@code stop} on the first of the signals; returns a handle that restores the JVM's handlers. */
    static AutoCloseable install(Runnable stop) {
        TerminationSignals t = new TerminationSignals();
        try {
            for (String name : NAMES) {
                Signal s = new Signal(name);
                SignalHandler old = Signal.handle(s, sig -> {
                    LOG.info(
                            "SIG{} received; stopping: what the runtime attached is detached unless pinned",
                            sig.getName());
                    Thread.ofPlatform().name("structops-stop").start(stop);
                });
                t.signals.add(s);
                t.previous.add(old);
            }
        } catch (IllegalArgumentException | NoClassDefFoundError e) {
            // No sun.misc (an unusual host) or a signal the JVM reserves: the JVM's own handling stays.
            LOG.debug("termination signals not handled: {}", e.toString());
        }
        return t;
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            try {
                Signal.handle(signals.get(i), previous.get(i));
            } catch (IllegalArgumentException e) {
                LOG.debug("could not restore SIG{}: {}", signals.get(i).getName(), e.toString());
            }
        }
    }
}
