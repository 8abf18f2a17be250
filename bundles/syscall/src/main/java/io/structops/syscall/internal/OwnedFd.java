package io.structops.syscall.internal;

import io.structops.syscall.BpfFd;
import java.util.concurrent.atomic.AtomicBoolean;

/** A descriptor closed exactly once: the first close wins, later ones and concurrent ones do nothing. */
final class OwnedFd implements BpfFd {
    private final int fd;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    OwnedFd(int fd, String description) {
        this.fd = fd;
        this.description = description;
    }

    @Override
    public int value() {
        if (closed.get()) {
            throw new IllegalStateException(description + ": descriptor " + fd + " is closed");
        }
        return fd;
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Syscall.close(fd);
        }
    }

    @Override
    public String toString() {
        return description + " (fd " + fd + (closed.get() ? ", closed)" : ")");
    }
}
