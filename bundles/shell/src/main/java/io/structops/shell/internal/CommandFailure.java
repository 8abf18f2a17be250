package io.structops.shell.internal;

/** A command failed for a reason the user can act on; its message is printed as one line, without a stack trace. */
final class CommandFailure extends Exception {
    private static final long serialVersionUID = 1L;

    CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
