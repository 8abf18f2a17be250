package io.structops.shell;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Runs one structops command in this runtime as the command line would ({@code list --json}): the same result
 * records and the same one formatter, so that whatever hands a command over (the command socket, a console page)
 * shows what a terminal shows. Arguments are passed literally, never parsed as Gogo script. A service; thread-safe.
 */
@ProviderType
public interface CommandRunner {
    int OK = 0;
    int FAILED = 1;
    int USAGE = 2;

    /**
     * Runs {@code args} (the command's name first): its output on {@code out}, a failure as one line on {@code err}
     * naming the command. Returns the exit status ({@link #OK}, {@link #FAILED}, {@link #USAGE}).
     */
    int run(List<String> args, InputStream in, PrintStream out, PrintStream err);
}
