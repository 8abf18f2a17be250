package io.structops.handler;

/** A handler's refusal: the message says what is wrong with the struct_ops map, in the user's terms. */
public class HandlerException extends Exception {
    private static final long serialVersionUID = 1L;

    public HandlerException(String message) {
        super(message);
    }

    public HandlerException(String message, Throwable cause) {
        super(message, cause);
    }
}
