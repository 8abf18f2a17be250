package io.structops.kernel.objects;

import java.time.Duration;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The consumer side of a BPF ring buffer ({@code BPF_MAP_TYPE_RINGBUF}): its pages mapped into this process, records
 * read in the order programs submitted them, discarded ones skipped, each record's space given back to the kernel
 * once it was handed over. Records are the bytes a program wrote; type them with {@link BtfValues#decode} and a type
 * of the object that made the buffer ({@link KernelMaps#objectBtf}).
 *
 * <p>One reader at a time: {@link #poll} and {@link #publisher} are not to be used together.
 */
@ProviderType
public interface RingBuffer extends AutoCloseable {

    MapInfo info();

    /**
     * Hands every record there is now to {@code consumer}, in order; if there is none, waits up to {@code timeout}
     * for some (woken by the kernel, not by polling). Returns how many were handed over.
     */
    int poll(Duration timeout, Consumer<byte[]> consumer) throws KernelObjectException;

    /**
     * Whether a program still uses the buffer. When the object that made it is unloaded its programs go, and only
     * readers keep the map: nothing will be written to it again.
     */
    boolean hasProducers() throws KernelObjectException;

    /**
     * The records as they come, on a thread of this reader's, until it is closed or the object that made the buffer
     * is unloaded (then the publisher completes). A slow subscriber holds the buffer back: programs then find it
     * full, as with any consumer that does not keep up.
     */
    Flow.Publisher<byte[]> publisher();

    /** Unmaps the buffer and closes the descriptor; a publisher completes. */
    @Override
    void close();
}
