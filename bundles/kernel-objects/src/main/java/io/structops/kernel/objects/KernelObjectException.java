package io.structops.kernel.objects;

/** A kernel object could not be found, read or changed; the message names the object, the step and the cause. */
public class KernelObjectException extends Exception {
    private static final long serialVersionUID = 1L;

    public KernelObjectException(String message, Throwable cause) {
        super(message, cause);
    }
}
