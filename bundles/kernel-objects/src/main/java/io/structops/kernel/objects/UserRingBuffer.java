package io.structops.kernel.objects;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The producer side of a user ring buffer ({@code BPF_MAP_TYPE_USER_RINGBUF}): records written here are drained by
 * a program with {@code bpf_user_ringbuf_drain}, in order. Its pages are mapped into this process. One writer at a
 * time: thread-safe, as submissions are serialised.
 */
@ProviderType
public interface UserRingBuffer extends AutoCloseable {

    MapInfo info();

    /**
     * Writes one record and makes it visible to programs. False when the buffer has no room for it now (programs
     * have not drained enough yet); a record larger than the buffer can ever hold is refused.
     */
    boolean submit(byte[] record) throws KernelObjectException;

    /** Unmaps the buffer and closes the descriptor. */
    @Override
    void close();
}
