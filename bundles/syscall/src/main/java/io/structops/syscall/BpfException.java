package io.structops.syscall;

/**
 * A bpf(2) command the kernel refused. The message names the command, the errno by name and its meaning, and what
 * was being done; {@link #log()} holds the verifier's or the BTF checker's log when there is one.
 */
public class BpfException extends Exception {
    private static final long serialVersionUID = 1L;

    private final BpfCommand command;
    private final int errno;
    private final String log;

    public BpfException(BpfCommand command, int errno, String context, String log) {
        super("BPF_" + command.name() + (context == null || context.isEmpty() ? "" : " (" + context + ")")
                + " failed: " + Errno.name(errno) + " (" + Errno.describe(errno) + ")"
                + (errno == Errno.EPERM ? Capabilities.explainEperm() : ""));
        this.command = command;
        this.errno = errno;
        this.log = log == null ? "" : log;
    }

    public BpfCommand command() {
        return command;
    }

    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code EACCES}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The kernel's log (verifier or BTF), empty when none was asked for or none was written. */
    public String log() {
        return log;
    }
}
