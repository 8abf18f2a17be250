package io.structops.kernel.objects.internal;

import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.MapInfo;
import io.structops.kernel.objects.UserRingBuffer;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfFd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A user ring buffer mapped as the kernel lays it out: the consumer page (the kernel's position, read-only here),
 * then the producer page and the data pages, writable, the data mapped twice in a row so that a record that wraps
 * is contiguous. A record is reserved by writing its header with the busy bit and moving the producer position,
 * then committed by clearing the bit: the kernel drains only committed records, in order.
 */
final class UserRingWriter implements UserRingBuffer {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final BpfFd fd;
    private final MapInfo info;
    private final Arena arena;
    private final MemorySegment consumer;
    private final MemorySegment producer;
    private final MemorySegment data;
    private final long size;

    UserRingWriter(Bpf bpf, BpfFd fd, MapInfo info) throws KernelObjectException {
        this.fd = fd;
        this.info = info;
        RingPages pages = RingPages.map(bpf, fd, info, true);
        arena = pages.arena();
        consumer = pages.consumer();
        producer = pages.producer();
        data = pages.data();
        size = pages.size();
    }

    @Override
    public MapInfo info() {
        return info;
    }

    @Override
    public synchronized boolean submit(byte[] record) throws KernelObjectException {
        if (!arena.scope().isAlive()) {
            throw new KernelObjectException("user ring buffer " + info.name() + ": closed", null);
        }
        long total = (record.length + RingReader.HEADER + 7) & ~7L;
        if (total > size) {
            throw new KernelObjectException(
                    "user ring buffer " + info.name() + ": a record of " + record.length + " bytes; the buffer holds "
                            + (size - RingReader.HEADER),
                    null);
        }
        long cons = (long) LONG.getAcquire(consumer, 0L);
        long prod = (long) LONG.getAcquire(producer, 0L);
        if (prod + total - cons > size) {
            return false;
        }
        long at = prod & (size - 1);
        INT.set(data, at, record.length | RingReader.BUSY);
        INT.set(data, at + 4, 0);
        LONG.setRelease(producer, 0L, prod + total);
        MemorySegment.copy(
                record, 0, data, ValueLayout.JAVA_BYTE, (at + RingReader.HEADER) & (size - 1), record.length);
        // Committed: the kernel may now hand it to a program.
        INT.setRelease(data, at, record.length);
        return true;
    }

    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
            fd.close();
        }
    }
}
