package io.structops.shell.internal;

import io.structops.shell.CommandRunner;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
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

    private final CommandProcessor processor;

    /**
     * Over Gogo's command processor: the framework's, which holds every registered command; or, on a one-shot
     * command's fast path without a framework, one that holds only the commands that path offers.
     */
    @Activate
    public CommandRunnerComponent(@Reference CommandProcessor processor) {
        this.processor = processor;
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
        CommandSession session = processor.createSession(in, out, err);
        try {
            if (!hasCommand(session, command)) {
                err.println("structops: unknown command '" + command + "'; 'structops help' lists them");
                return USAGE;
            }
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

    private static boolean hasCommand(CommandSession session, String function) {
        return function.matches("[A-Za-z][A-Za-z0-9_-]*") && commands(session).contains(function);
    }

    /** The structops commands the session's processor knows (Gogo lists them as SCOPE:FUNCTION). */
    private static TreeSet<String> commands(CommandSession session) {
        TreeSet<String> names = new TreeSet<>();
        if (session.get(".commands") instanceof Collection<?> all) {
            for (Object c : all) {
                String name = String.valueOf(c);
                if (name.startsWith(SCOPE + ":")) {
                    names.add(name.substring(SCOPE.length() + 1));
                }
            }
        }
        return names;
    }

    private String usage() {
        TreeSet<String> commands;
        CommandSession session = processor.createSession(
                InputStream.nullInputStream(), OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
        try {
            commands = commands(session);
        } finally {
            session.close();
        }
        StringBuilder sb = new StringBuilder();
        sb.append("usage: structops                      interactive shell (commands in scope 'structops')\n");
        sb.append("       structops COMMAND [ARGS...]    run one command and exit with its status\n");
        sb.append("       structops --deploy DIR --no-shell   run headless, deploying from DIR\n\n");
        sb.append("commands:\n");
        for (String c : commands) {
            sb.append("  ").append(c).append('\n');
        }
        sb.append("\n'help COMMAND' in the shell describes a command's arguments.\n");
        return sb.toString();
    }
}
