package io.structops.loader;

/**
 * A load that failed; nothing of it stays in the kernel. The message names the object, the map or program, the step
 * and the cause (with the errno for a kernel refusal); {@link #log()} holds the verifier's log for a rejection.
 */
public class LoadException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String log;

    public LoadException(String message, String log, Throwable cause) {
        super(message, cause);
        this.log = log == null ? "" : log;
    }

    /** The verifier's (or BTF checker's) log, empty if the failure had none. */
    public String log() {
        return log;
    }
}
