package io.structops.kernvdata;

/** A struct_ops variable the kernel cannot take; the message names the variable, the member and the problem. */
public class KernVdataException extends Exception {
    private static final long serialVersionUID = 1L;

    public KernVdataException(String message) {
        super(message);
    }

    public KernVdataException(String message, Throwable cause) {
        super(message, cause);
    }
}
