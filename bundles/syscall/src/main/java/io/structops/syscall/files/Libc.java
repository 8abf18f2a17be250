package io.structops.syscall.files;

import io.structops.syscall.internal.Syscall;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The libc calls {@link OpenFile} makes: open, statx (whose layout, unlike struct stat's, is the same on every
 * architecture), read, fstatfs and close (mmap is the bundle's {@code Syscall}'s). A negative return is minus the errno, which the linker captured at
 * the call.
 */
final class Libc {
    static final int O_RDONLY = 0;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;
    static final int O_PATH = 010000000;
    /** O_NOFOLLOW: arm64 and powerpc have their own value, the others asm-generic's. */
    static final int O_NOFOLLOW = switch (System.getProperty("os.arch")) {
        case "aarch64", "ppc64le", "ppc64" -> 0100000;
        default -> 0400000;
    };

    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final long STATX_SIZE = 256;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** struct statfs: f_flags after ten 8-byte fields, on every 64-bit Linux; ST_RDONLY is its bit 0. */
    private static final long STATFS_SIZE = 120;

    private static final long STATFS_FLAGS = 80;
    private static final long ST_RDONLY = 1;
    private static final Linker.Option ERRNO_CAPTURED = Linker.Option.captureCallState("errno");

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor, options);
    }

    // Each downcall costs a few milliseconds to link: each group is linked when a command first needs it.
    private static final class Opening {
        static final MethodHandle OPEN = downcall(
                "open",
                FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2),
                ERRNO_CAPTURED);
        static final MethodHandle STATX = downcall(
                "statx",
                FunctionDescriptor.of(
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS),
                ERRNO_CAPTURED);
    }

    private static final class Reading {
        static final MethodHandle READ = downcall(
                "read",
                FunctionDescriptor.of(
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                ERRNO_CAPTURED);
    }

    private static final class Mounts {
        static final MethodHandle FSTATFS = downcall(
                "fstatfs",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                ERRNO_CAPTURED);
    }

    /** Whether the file system {@code fd} is on is mounted read-only. */
    static boolean readOnlyMount(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(STATFS_SIZE, 8);
            int r = (int) Mounts.FSTATFS.invokeExact(capture, fd, buf);
            if (r < 0) {
                throw new IOException("fstatfs: errno " + (int) ERRNO.get(capture, 0L));
            }
            return (buf.get(ValueLayout.JAVA_LONG, STATFS_FLAGS) & ST_RDONLY) != 0;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("fstatfs(2) could not be called", t);
        }
    }

    private Libc() {}

    static int open(Path path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            int fd = (int) Opening.OPEN.invokeExact(capture, arena.allocateFrom(path.toString()), flags, 0);
            return fd >= 0 ? fd : -(int) ERRNO.get(capture, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("open(2) could not be called", t);
        }
    }

    static FileStatus fstatx(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(STATX_SIZE, 8);
            int r = (int) Opening.STATX.invokeExact(
                    capture, fd, arena.allocateFrom(""), AT_EMPTY_PATH, STATX_BASIC_STATS, buf);
            if (r < 0) {
                throw new IOException("statx: errno " + (int) ERRNO.get(capture, 0L));
            }
            int mode = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT, 28));
            long device = ((long) buf.get(ValueLayout.JAVA_INT, 136) << 32)
                    | Integer.toUnsignedLong(buf.get(ValueLayout.JAVA_INT, 140));
            return new FileStatus(
                    FileStatus.Kind.of(mode),
                    mode & 07777,
                    buf.get(ValueLayout.JAVA_INT, 20),
                    buf.get(ValueLayout.JAVA_INT, 24),
                    buf.get(ValueLayout.JAVA_LONG, 40),
                    device,
                    buf.get(ValueLayout.JAVA_LONG, 32));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("statx(2) could not be called", t);
        }
    }

    static long read(int fd, MemorySegment into, long count) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            long n = (long) Reading.READ.invokeExact(capture, fd, into, count);
            return n >= 0 ? n : -(long) (int) ERRNO.get(capture, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("read(2) could not be called", t);
        }
    }

    static void close(int fd) {
        Syscall.close(fd);
    }
}
