package io.structops.loader;

import io.structops.syscall.BpfException;
import io.structops.syscall.Errno;

/**
 * A load that failed; nothing of it stays in the kernel. The message names the object, the map or program, the step
 * and the cause (with the errno for a kernel refusal); {@link #log()} holds the verifier's log for a rejection.
 * {@link #step()} and {@link #errno()} say the same for a program to count (metrics by cause).
 */
public class LoadException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String log;
    private final String step;

    public LoadException(String message, String log, Throwable cause) {
        this(message, log, cause, "");
    }

    private LoadException(String message, String log, Throwable cause, String step) {
        super(message, cause);
        this.log = log == null ? "" : log;
        this.step = step;
    }

    /** The verifier's (or BTF checker's) log, empty if the failure had none. */
    public String log() {
        return log;
    }

    /**
     * The loader's step that failed ({@code read}, {@code load programs}, {@code attach}, {@code swap} ...), empty
     * when it was not named.
     */
    public String step() {
        return step;
    }

    /** This failure as in the named step; the innermost step stays when one was named already. */
    public LoadException at(String step) {
        if (!this.step.isEmpty()) {
            return this;
        }
        LoadException e = new LoadException(getMessage(), log, getCause(), step);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The kernel's refusal behind the failure by its errno name ({@code EACCES}), empty if the kernel refused none. */
    public String errno() {
        for (Throwable t = getCause(); t != null; t = t.getCause()) {
            if (t instanceof BpfException b) {
                return Errno.name(b.errno());
            }
        }
        return "";
    }
}
