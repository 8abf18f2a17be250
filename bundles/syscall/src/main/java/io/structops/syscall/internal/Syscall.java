package io.structops.syscall.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The raw calls: {@code syscall(SYS_bpf, cmd, attr, size)} and {@code close(fd)}, each with errno captured by the
 * linker (errno read after the call returns could already belong to another call the JVM made).
 */
final class Syscall {
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
    private static final MethodHandle SYSCALL;
    private static final MethodHandle CLOSE;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    static final int PROT_READ = 1;
    static final int MAP_SHARED = 1;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        SYSCALL = linker.downcallHandle(libc.find("syscall").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
        MMAP = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                Linker.Option.captureCallState("errno"));
        MUNMAP = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }

    private Syscall() {
    }

    /** A call's result: the return value, and errno when it is negative. */
    record Result(long value, int errno) {
        boolean failed() {
            return value < 0;
        }
    }

    static Result bpf(int command, MemorySegment attr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            long r = (long) SYSCALL.invokeExact(capture, SYS_BPF, command, attr, (int) attr.byteSize());
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
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment capture = temp.allocate(CAPTURE);
            MemorySegment addr = (MemorySegment) MMAP.invokeExact(capture, MemorySegment.NULL, size, PROT_READ,
                    MAP_SHARED, fd, 0L);
            if (addr.address() == -1L) {
                return new Result(-1, (int) ERRNO.get(capture, 0L));
            }
            // Read-only in Java too: a write through a PROT_READ mapping would be a SIGSEGV, not an exception.
            out[0] = addr.reinterpret(size, arena, Syscall::unmap).asReadOnly();
            return new Result(0, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap(2) could not be called", t);
        }
    }

    private static void unmap(MemorySegment segment) {
        try {
            int ignored = (int) MUNMAP.invokeExact(segment, segment.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException("munmap(2) could not be called", t);
        }
    }

    static int close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            int r = (int) CLOSE.invokeExact(capture, fd);
            return r < 0 ? (int) ERRNO.get(capture, 0L) : 0;
        } catch (Throwable t) {
            throw new IllegalStateException("close(2) could not be called", t);
        }
    }
}
