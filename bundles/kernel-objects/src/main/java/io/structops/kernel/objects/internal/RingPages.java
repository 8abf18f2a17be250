package io.structops.kernel.objects.internal;

import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.MapInfo;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfFd;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A ring buffer's pages as the kernel lays them out for user space: the consumer position page, then the producer
 * position page and the data, mapped twice in a row so that a record wrapping around the end is contiguous. Which
 * side may write which page depends on the direction: a reader writes the consumer position, a user ring buffer's
 * writer the producer position and the data. Unmapped when {@link #arena} closes.
 */
record RingPages(Arena arena, MemorySegment consumer, MemorySegment producer, MemorySegment data, long size) {

    static RingPages map(Bpf bpf, BpfFd fd, MapInfo info, boolean userProducer) throws KernelObjectException {
        Arena arena = Arena.ofShared();
        int page = bpf.pageSize();
        long size = info.maxEntries();
        try {
            MemorySegment consumer = bpf.mapMmap(fd, 0, page, !userProducer, arena);
            MemorySegment producer = bpf.mapMmap(fd, page, page + 2 * size, userProducer, arena);
            return new RingPages(arena, consumer, producer, producer.asSlice(page), size);
        } catch (IOException e) {
            arena.close();
            throw new KernelObjectException(
                    (userProducer ? "user ring buffer " : "ring buffer ") + info.name() + ": map: " + e.getMessage(),
                    e);
        }
    }
}
