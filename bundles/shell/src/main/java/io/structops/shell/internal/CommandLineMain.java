package io.structops.shell.internal;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's main thread, as the bnd launcher calls it: with no argument an interactive Gogo shell; with
 * {@code --deploy DIR}/{@code --no-shell} a headless service that runs until the framework stops; otherwise one
 * structops command whose status becomes the process's exit status. Only present where a launcher publishes its
 * command line ({@code launcher.arguments}); an OSGi host that embeds structops has no use for it.
 */
@Component(service = Callable.class, property = "main.thread=true")
public class CommandLineMain implements Callable<Integer> {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final String SCOPE = "structops";

    private static final Logger LOG = LoggerFactory.getLogger(CommandLineMain.class);

    @Reference
    private CommandProcessor processor;

    @Reference(service = Object.class, target = "(launcher.arguments=*)")
    private ServiceReference<Object> launcher;

    private BundleContext context;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        Object raw = launcher.getProperty("launcher.arguments");
        List<String> args = raw instanceof String[] a ? List.of(a) : List.of();
        if (args.isEmpty()) {
            return interactive();
        }
        if (args.contains("--no-shell") || args.get(0).equals("--deploy")) {
            return headless(args);
        }
        return oneShot(args, System.out, System.err);
    }

    private int interactive() throws Exception {
        CommandSession session = processor.createSession(System.in, System.out, System.err);
        try {
            // gosh runs the console on this thread and returns when the user exits; the launcher then stops Felix.
            session.execute("gogo:gosh --login --noshutdown");
        } finally {
            session.close();
        }
        return OK;
    }

    private int headless(List<String> args) throws InterruptedException {
        String dir = context.getProperty("felix.fileinstall.dir");
        LOG.info("structops running headless; deploy directory {}", dir);
        ((Framework) context.getBundle(0)).waitForStop(0);
        return OK;
    }

    int oneShot(List<String> args, PrintStream out, PrintStream err) {
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        if (command.equals("help") || command.equals("--help") || command.equals("-h")) {
            out.print(usage());
            return OK;
        }
        if (!hasCommand(command)) {
            err.println("structops: unknown command '" + command + "'; 'structops help' lists them");
            return USAGE;
        }
        CommandSession session = processor.createSession(System.in, out, err);
        try {
            Object result = session.execute(SCOPE + ":" + command + commandLine(rest));
            if (result != null) {
                String text = result instanceof CharSequence cs ? cs.toString()
                        : String.valueOf(session.format(result, org.apache.felix.service.command.Converter.INSPECT));
                out.print(text.endsWith("\n") ? text : text + "\n");
            }
            out.flush();
            return OK;
        } catch (IllegalArgumentException e) {
            // Gogo found no overload of the command for these arguments.
            err.println("structops " + command + ": bad arguments " + rest + "; 'structops help' shows usage");
            LOG.debug("argument coercion failed", e);
            return USAGE;
        } catch (Exception e) {
            err.println("structops " + command + ": " + oneLine(e));
            LOG.debug("command failed", e);
            return FAILED;
        } finally {
            session.close();
        }
    }

    /** Quotes each argument so that Gogo passes it through literally. */
    static String commandLine(List<String> args) {
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            sb.append(' ');
            if (!a.isEmpty() && a.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_./=:,+@%".indexOf(c) >= 0)) {
                sb.append(a);
            } else if (a.indexOf('\'') < 0) {
                sb.append('\'').append(a).append('\'');
            } else {
                sb.append('"');
                for (char c : a.toCharArray()) {
                    if (c == '"' || c == '\\' || c == '$') {
                        sb.append('\\');
                    }
                    sb.append(c);
                }
                sb.append('"');
            }
        }
        return sb.toString();
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            message = e.getClass().getSimpleName();
        }
        return message.replace('\n', ' ');
    }

    private boolean hasCommand(String function) {
        if (!function.matches("[A-Za-z][A-Za-z0-9_-]*")) {
            return false;
        }
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null,
                    "(&(osgi.command.scope=" + SCOPE + ")(osgi.command.function=" + function + "))");
            return refs != null && refs.length > 0;
        } catch (InvalidSyntaxException e) {
            return false;
        }
    }

    private String usage() {
        TreeMap<String, String> commands = new TreeMap<>();
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null,
                    "(osgi.command.scope=" + SCOPE + ")");
            for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
                Object f = ref.getProperty("osgi.command.function");
                List<String> names = f instanceof String[] a ? Arrays.asList(a) : List.of(String.valueOf(f));
                for (String n : names) {
                    commands.put(n, "");
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder sb = new StringBuilder();
        sb.append("usage: structops                      interactive shell (commands in scope 'structops')\n");
        sb.append("       structops COMMAND [ARGS...]    run one command and exit with its status\n");
        sb.append("       structops --deploy DIR --no-shell   run headless, deploying from DIR\n\n");
        sb.append("commands:\n");
        for (String c : new ArrayList<>(commands.keySet())) {
            sb.append("  ").append(c).append('\n');
        }
        sb.append("\n'help COMMAND' in the shell describes a command's arguments.\n");
        return sb.toString();
    }
}
