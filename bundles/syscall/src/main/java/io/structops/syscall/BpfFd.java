package io.structops.syscall;

/**
 * A file descriptor that refers to a BPF object (program, map, link, BTF), owned by whoever holds this: closed
 * exactly once, by {@link #close()}. Thread-safe.
 */
public interface BpfFd extends AutoCloseable {

    /** The descriptor's number; an {@link IllegalStateException} once closed. */
    int value();

    boolean isOpen();

    /** What the descriptor refers to, for messages: {@code map structops_fixed}. */
    String description();

    /** Closes the descriptor; later calls do nothing. */
    @Override
    void close();
}
