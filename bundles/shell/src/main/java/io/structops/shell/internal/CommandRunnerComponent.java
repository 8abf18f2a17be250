package io.structops.shell.internal;

import io.structops.shell.CommandRunner;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs structops commands given as arguments, in sessions of their own: the command line's one-shot commands, the
 * command socket's, and whatever else in the runtime hands commands over ({@link CommandRunner}). Registered under
 * its own class as well, for the shell's main thread, which runs script lines through {@link #execute}.
 */
@Component(service = {CommandRunner.class, CommandRunnerComponent.class})
public class CommandRunnerComponent implements CommandRunner {
    static final String SCOPE = "structops";
    private static final Logger LOG = LoggerFactory.getLogger(CommandRunnerComponent.class);

    @Reference
    private CommandProcessor processor;

    private BundleContext context;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
    }

    /** Runs one command given as arguments ({@code list --json}); returns its exit status. */
    @Override
    public int run(List<String> args, InputStream in, PrintStream out, PrintStream err) {
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
        CommandSession session = processor.createSession(in, out, err);
        try {
            return execute(session, SCOPE + ":" + command + commandLine(rest), out, err);
        } finally {
            session.close();
        }
    }

    /**
     * Runs one command line in a session: its result on {@code out}, a failure as one line on {@code err} naming the
     * command ({@code structops load: ...}), bad arguments with the command's usage. Returns the exit status.
     */
    int execute(CommandSession session, String line, PrintStream out, PrintStream err) {
        String command = commandName(line);
        try {
            Object result = session.execute(line);
            if (result != null) {
                String text = result instanceof CharSequence cs
                        ? cs.toString()
                        : String.valueOf(session.format(result, Converter.INSPECT));
                out.print(text.endsWith("\n") ? text : text + "\n");
            }
            out.flush();
            return OK;
        } catch (IllegalArgumentException e) {
            // Gogo found no overload of the command for these arguments: show the command's own usage.
            String[] words = line.strip().split("\\s+", 2);
            err.println("structops " + command + ": bad arguments" + (words.length > 1 ? ": " + words[1] : ""));
            LOG.debug("argument coercion failed", e);
            printUsage(command, err);
            return USAGE;
        } catch (Exception e) {
            err.println("structops " + command + ": " + oneLine(e));
            LOG.debug("command failed", e);
            return FAILED;
        }
    }

    /** The command a line runs, without its scope: {@code structops:load x} and {@code load x} both give load. */
    static String commandName(String line) {
        String first = line.strip().split("\\s+", 2)[0];
        return first.substring(first.indexOf(':') + 1);
    }

    private void printUsage(String command, PrintStream err) {
        CommandSession help = processor.createSession(InputStream.nullInputStream(), err, err);
        try {
            Object usage = help.execute("felix:help " + SCOPE + ":" + command);
            if (usage != null) {
                err.println(usage);
            }
        } catch (Exception helpFailed) {
            LOG.debug("no usage for {}", command, helpFailed);
        } finally {
            help.close();
        }
    }

    /**
     * Quotes each argument so that Gogo passes it through literally: in single quotes, where nothing is special, and a
     * quote inside as {@code '\''} (Gogo, like a POSIX shell, joins the pieces; it takes no ' inside double quotes).
     */
    static String commandLine(List<String> args) {
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            sb.append(' ');
            if (!a.isEmpty() && a.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_./:,+@%".indexOf(c) >= 0)) {
                sb.append(a);
            } else {
                sb.append('\'').append(a.replace("'", "'\\''")).append('\'');
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
            ServiceReference<?>[] refs = context.getServiceReferences(
                    (String) null, "(&(osgi.command.scope=" + SCOPE + ")(osgi.command.function=" + function + "))");
            return refs != null && refs.length > 0;
        } catch (InvalidSyntaxException e) {
            return false;
        }
    }

    private String usage() {
        TreeMap<String, String> commands = new TreeMap<>();
        try {
            ServiceReference<?>[] refs =
                    context.getServiceReferences((String) null, "(osgi.command.scope=" + SCOPE + ")");
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
