package io.structops.syscall.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The raw calls: {@code syscall(SYS_bpf, cmd, attr, size)} and {@code close(fd)}, each with errno captured by the
 * linker (errno read after the call returns could already belong to another call the JVM made).
 */
public final class Syscall {
    static final long SYS_BPF = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 321;
        case "aarch64" -> 280;
        case "riscv64" -> 280;
        case "s390x" -> 351;
        case "ppc64le" -> 361;
        default -> throw new ExceptionInInitializerError("bpf(2) number unknown for " + System.getProperty("os.arch"));
    };

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_CAPTURED = Linker.Option.captureCallState("errno");
    // Each downcall costs a few milliseconds to link on first use: every one sits in a holder class of its own (below),
    // linked when a command first needs it; a one-shot `list` pays for bpf(2) and close(2), `status` for mmap(2).
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final short POLLIN = 1;
    static final int MAP_SHARED = 1;
    static final int MAP_PRIVATE = 2;
    static final int MAP_FIXED_NOREPLACE = 0x100000;

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor, options);
    }

    private static final class Calling {
        static final MethodHandle SYSCALL = downcall(
                "syscall",
                FunctionDescriptor.of(
                        ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(1),
                ERRNO_CAPTURED);
    }

    private static final class Closing {
        static final MethodHandle CLOSE =
                downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), ERRNO_CAPTURED);
    }

    private static final class Mapping {
        static final MethodHandle MMAP = downcall(
                "mmap",
                FunctionDescriptor.of(
                        ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_LONG),
                ERRNO_CAPTURED);
        static final MethodHandle MUNMAP = downcall(
                "munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }

    private static final class Paging {
        static final MethodHandle GETPAGESIZE = downcall("getpagesize", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

    private static final class Polling {
        static final MethodHandle POLL = downcall(
                "poll",
                FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                ERRNO_CAPTURED);
    }

    private Syscall() {}

    /** A call's result: the return value, and errno when it is negative. */
    record Result(long value, int errno) {
        boolean failed() {
            return value < 0;
        }
    }

    static Result bpf(int command, MemorySegment attr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            long r = (long) Calling.SYSCALL.invokeExact(capture, SYS_BPF, command, attr, (int) attr.byteSize());
            return new Result(r, r < 0 ? (int) ERRNO.get(capture, 0L) : 0);
        } catch (Throwable t) {
            throw new IllegalStateException("bpf(2) could not be called", t);
        }
    }

    /**
     * mmap(2) of {@code size} bytes of {@code fd}, read-only and shared, unmapped when {@code arena} closes; the
     * result's value is 0 and the segment set on success, or -1 with errno.
     */
    static Result mmapReadOnly(int fd, long size, Arena arena, MemorySegment[] out) {
        return mmap(fd, 0, size, false, arena, out);
    }

    /** As {@link #mmapReadOnly}, from {@code offset} (a multiple of the page size), and writable if asked. */
    static Result mmap(int fd, long offset, long size, boolean writable, Arena arena, MemorySegment[] out) {
        return mmap(fd, 0, offset, size, writable, arena, out);
    }

    /**
     * As {@link #mmap(int, long, long, boolean, Arena, MemorySegment[])}, at {@code address} when it is not 0; an
     * existing mapping there is never replaced (MAP_FIXED_NOREPLACE fails with EEXIST instead).
     */
    static Result mmap(
            int fd, long address, long offset, long size, boolean writable, Arena arena, MemorySegment[] out) {
        return map(fd, address, offset, size, writable, MAP_SHARED, arena, out);
    }

    /**
     * The whole of a file of {@code size} bytes, read-only and private (sysfs's BTF files take no other mapping),
     * unmapped when {@code arena} closes; the mapped segment, or null when the kernel refuses. For the bundle's file
     * reader ({@code io.structops.syscall.files.OpenFile}): this class holds the bundle's one mmap.
     */
    public static MemorySegment mapPrivate(int fd, long size, Arena arena) {
        MemorySegment[] out = new MemorySegment[1];
        return map(fd, 0, 0, size, false, MAP_PRIVATE, arena, out).failed() ? null : out[0];
    }

    private static Result map(
            int fd,
            long address,
            long offset,
            long size,
            boolean writable,
            int sharing,
            Arena arena,
            MemorySegment[] out) {
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment capture = temp.allocate(CAPTURE);
            MemorySegment addr = (MemorySegment) Mapping.MMAP.invokeExact(
                    capture,
                    MemorySegment.ofAddress(address),
                    size,
                    writable ? PROT_READ | PROT_WRITE : PROT_READ,
                    sharing | (address != 0 ? MAP_FIXED_NOREPLACE : 0),
                    fd,
                    offset);
            if (addr.address() == -1L) {
                return new Result(-1, (int) ERRNO.get(capture, 0L));
            }
            // Read-only in Java too: a write through a PROT_READ mapping would be a SIGSEGV, not an exception.
            MemorySegment mapped = addr.reinterpret(size, arena, Syscall::unmap);
            out[0] = writable ? mapped : mapped.asReadOnly();
            return new Result(0, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap(2) could not be called", t);
        }
    }

    static int pageSize() {
        try {
            return (int) Paging.GETPAGESIZE.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("getpagesize(3) could not be called", t);
        }
    }

    /** poll(2) of one descriptor for input: 1 when readable, 0 on timeout, -1 with errno. */
    static Result pollIn(int fd, int timeoutMillis) {
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment capture = temp.allocate(CAPTURE);
            MemorySegment pollfd = temp.allocate(8, 4);
            pollfd.set(ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            int r = (int) Polling.POLL.invokeExact(capture, pollfd, 1L, timeoutMillis);
            return new Result(r, r < 0 ? (int) ERRNO.get(capture, 0L) : 0);
        } catch (Throwable t) {
            throw new IllegalStateException("poll(2) could not be called", t);
        }
    }

    private static void unmap(MemorySegment segment) {
        try {
            int ignored = (int) Mapping.MUNMAP.invokeExact(segment, segment.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException("munmap(2) could not be called", t);
        }
    }

    /** close(2); 0, or the errno. The bundle's one close, its file reader's too. */
    public static int close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            int r = (int) Closing.CLOSE.invokeExact(capture, fd);
            return r < 0 ? (int) ERRNO.get(capture, 0L) : 0;
        } catch (Throwable t) {
            throw new IllegalStateException("close(2) could not be called", t);
        }
    }
}
