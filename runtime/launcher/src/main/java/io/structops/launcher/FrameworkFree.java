package io.structops.launcher;

import io.structops.btf.internal.BtfReaderComponent;
import io.structops.elf.internal.BpfObjectReaderComponent;
import io.structops.kernel.btf.internal.RunningKernelBtf;
import io.structops.kernel.objects.internal.KernelProgramsComponent;
import io.structops.kernel.objects.internal.KernelStructOpsComponent;
import io.structops.shell.CommandRunner;
import io.structops.shell.internal.BtfCommand;
import io.structops.shell.internal.CommandRunnerComponent;
import io.structops.shell.internal.KernelMapCommands;
import io.structops.shell.internal.StatusCommand;
import io.structops.syscall.internal.BpfSyscalls;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;

/**
 * A one-shot command that only reads the kernel or a file ({@code list}, {@code dump}, {@code status}, {@code btf}),
 * run without a framework: the same command components and the same {@link CommandRunner} as in the runtime, made
 * here with their constructors instead of by Declarative Services, under a Gogo command processor of their own. A
 * fresh runtime holds no object, so nothing else would change what such a command prints; Felix, SCR and the
 * bundles' start are most of a one-shot command's time, and this path skips them.
 *
 * <p>This class is the one place outside the bundles that names their implementation classes: it wires what the
 * bundles' component descriptions wire, for these commands only. A usage error comes back as {@link #TO_FRAMEWORK},
 * and the launcher runs the command in the framework, which prints the command's usage (Gogo's help lives there).
 */
final class FrameworkFree {
    /** The commands this path runs. */
    static final Set<String> COMMANDS = Set.of("list", "dump", "status", "btf");
    /** Run it in the framework instead. */
    static final int TO_FRAMEWORK = -1;

    private static final String SCOPE = "structops";

    private FrameworkFree() {}

    /** Whether this path runs the command of these arguments. */
    static boolean runs(String[] args) {
        return args.length > 0 && COMMANDS.contains(args[0]);
    }

    /**
     * Runs the command: its output on {@code out}, a failure as one line on {@code err}. Returns its exit status, or
     * {@link #TO_FRAMEWORK} for a usage error, with nothing written to {@code err}.
     */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Phases phases) {
        ThreadIOImpl threadIO = new ThreadIOImpl();
        threadIO.start();
        BtfReaderComponent btfReader = new BtfReaderComponent();
        RunningKernelBtf kernel = RunningKernelBtf.shortLived(btfReader);
        try {
            BpfSyscalls bpf = new BpfSyscalls();
            KernelStructOpsComponent structOps =
                    new KernelStructOpsComponent(bpf, btfReader, kernel, new KernelProgramsComponent(bpf, btfReader));
            CommandProcessorImpl processor = new CommandProcessorImpl(threadIO);
            KernelMapCommands maps = new KernelMapCommands(structOps);
            processor.addCommand(SCOPE, maps, "list");
            processor.addCommand(SCOPE, maps, "dump");
            processor.addCommand(SCOPE, new StatusCommand(kernel), "status");
            processor.addCommand(SCOPE, new BtfCommand(new BpfObjectReaderComponent(), btfReader, kernel), "btf");
            phases.done("components");
            // A failure is one short line: held back until the status says it is not a usage error.
            ByteArrayOutputStream failure = new ByteArrayOutputStream();
            int status;
            try (PrintStream failureStream = new PrintStream(failure, true, StandardCharsets.UTF_8)) {
                status = new CommandRunnerComponent(processor).run(List.of(args), in, out, failureStream);
            }
            phases.done("command");
            if (status == CommandRunner.USAGE) {
                return TO_FRAMEWORK;
            }
            err.print(failure.toString(StandardCharsets.UTF_8));
            err.flush();
            return status;
        } finally {
            kernel.release();
            threadIO.stop();
        }
    }

    /**
     * The commands of this path once each, their output dropped: run by runtime/bin/build's training run, so that
     * the ahead-of-time cache holds this path's classes besides the framework's.
     */
    static void train() {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        for (String[] command :
                List.of(new String[] {"status"}, new String[] {"list"}, new String[] {"list", "--json"}, new String[] {
                    "btf", "dump", "/sys/kernel/btf/vmlinux", "--format", "raw", "--type", "task_struct"
                })) {
            try {
                run(command, InputStream.nullInputStream(), nowhere, nowhere, new Phases(false));
            } catch (RuntimeException e) {
                // A machine without BTF or privileges trains on what did run; the framework's run still follows.
            }
        }
    }
}
