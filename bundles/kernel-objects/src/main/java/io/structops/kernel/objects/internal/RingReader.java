package io.structops.kernel.objects.internal;

import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.MapInfo;
import io.structops.kernel.objects.RingBuffer;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.function.Consumer;

/**
 * A ring buffer mapped as the kernel lays it out: a consumer page (the consumer position, which only user space
 * writes), then a producer page (the producer position) and the data pages, mapped twice in a row so that a record
 * that wraps around the end is still contiguous. Each record starts with an 8-byte header: its length, with a busy
 * bit while the program still writes it and a discard bit if it gave the space up.
 */
final class RingReader implements RingBuffer {
    static final int BUSY = 1 << 31;
    static final int DISCARD = 1 << 30;
    static final int HEADER = 8;
    /** How long one wait lasts, so that close and interruption are noticed soon. */
    static final int WAIT_SLICE_MILLIS = 100;
    /** How often a publisher asks whether any program still uses the buffer. */
    static final long PRODUCER_CHECK_NANOS = 1_000_000_000L;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final Bpf bpf;
    private final BpfFd fd;
    private final MapInfo info;
    private final Arena arena;
    private final MemorySegment consumer;
    private final MemorySegment producer;
    private final MemorySegment data;
    private final long mask;
    private volatile boolean open = true;
    private SubmissionPublisher<byte[]> publisher;

    RingReader(Bpf bpf, BpfFd fd, MapInfo info) throws KernelObjectException {
        this.bpf = bpf;
        this.fd = fd;
        this.info = info;
        RingPages pages = RingPages.map(bpf, fd, info, false);
        arena = pages.arena();
        consumer = pages.consumer();
        producer = pages.producer();
        data = pages.data();
        mask = pages.size() - 1;
    }

    @Override
    public MapInfo info() {
        return info;
    }

    @Override
    public synchronized int poll(Duration timeout, Consumer<byte[]> handler) throws KernelObjectException {
        requireOpen();
        int n = consume(handler);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (n == 0 && open && !Thread.currentThread().isInterrupted()) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                break;
            }
            try {
                bpf.mapPoll(fd, (int) Math.min(left, WAIT_SLICE_MILLIS));
            } catch (IOException e) {
                throw new KernelObjectException("ring buffer " + info.name() + ": wait: " + e.getMessage(), e);
            }
            n = consume(handler);
        }
        return n;
    }

    private void requireOpen() throws KernelObjectException {
        if (!open) {
            throw new KernelObjectException("ring buffer " + info.name() + ": closed", null);
        }
    }

    /** Every committed record from the consumer position on; stops at one still being written. */
    private int consume(Consumer<byte[]> handler) {
        int n = 0;
        long cons = (long) LONG.getAcquire(consumer, 0L);
        long prod = (long) LONG.getAcquire(producer, 0L);
        while (cons < prod) {
            int header = (int) INT.getAcquire(data, cons & mask);
            if ((header & BUSY) != 0) {
                break;
            }
            int length = header & ~(BUSY | DISCARD);
            if ((header & DISCARD) == 0) {
                handler.accept(data.asSlice((cons + HEADER) & mask, length).toArray(ValueLayout.JAVA_BYTE));
                n++;
            }
            cons += (length + HEADER + 7) & ~7L;
            // The space is the kernel's again as soon as the position passes it.
            LONG.setRelease(consumer, 0L, cons);
        }
        return n;
    }

    @Override
    public boolean hasProducers() throws KernelObjectException {
        try {
            for (int id : bpf.ids(Bpf.ObjectType.PROG)) {
                Optional<BpfFd> prog = bpf.fdById(Bpf.ObjectType.PROG, id);
                if (prog.isPresent()) {
                    try (BpfFd p = prog.get()) {
                        if (bpf.progMapIds(p).contains(info.id())) {
                            return true;
                        }
                    }
                }
            }
            return false;
        } catch (BpfException e) {
            throw new KernelObjectException("ring buffer " + info.name() + ": its programs: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized Flow.Publisher<byte[]> publisher() {
        if (publisher == null) {
            publisher = new SubmissionPublisher<>();
            Thread.ofVirtual().name("ring buffer " + info.name()).start(this::publish);
        }
        return publisher;
    }

    private void publish() {
        SubmissionPublisher<byte[]> p = publisher;
        try {
            long nextCheck = System.nanoTime();
            while (open) {
                poll(Duration.ofMillis(WAIT_SLICE_MILLIS), p::submit);
                if (System.nanoTime() - nextCheck > 0) {
                    nextCheck = System.nanoTime() + PRODUCER_CHECK_NANOS;
                    if (!hasProducers()) {
                        poll(Duration.ZERO, p::submit); // what was written before the programs went
                        break;
                    }
                }
            }
            p.close();
        } catch (KernelObjectException | RuntimeException e) {
            if (open) {
                p.closeExceptionally(e);
            } else {
                p.close();
            }
        }
    }

    @Override
    public void close() {
        open = false;
        synchronized (this) {
            if (arena.scope().isAlive()) {
                arena.close();
                fd.close();
            }
        }
    }
}
