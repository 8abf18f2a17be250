package io.structops.syscall.files;

import io.structops.syscall.Errno;
import io.structops.syscall.internal.Syscall;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * A file opened read-only without blocking (a FIFO does not hang the open), following symbolic links or, where the
 * path itself must be checked, refusing them as links. {@link #status()} describes the open descriptor, so a check made on it holds for
 * what {@link #readAll(long)} reads even if the path is renamed or replaced in between; reads stop at a limit that
 * counts the bytes actually read, so a device or a growing file cannot exhaust memory.
 */
public final class OpenFile implements AutoCloseable {
    private final Path path;
    private final int fd;
    private final FileStatus status;
    private boolean closed;

    private OpenFile(Path path, int fd, FileStatus status) {
        this.path = path;
        this.fd = fd;
        this.status = status;
    }

    /** Opens {@code path} for reading, following symbolic links; a missing file or a refused open names the path. */
    public static OpenFile open(Path path) throws IOException {
        return open(path, 0);
    }

    /** Opens {@code path} itself for reading: a symbolic link is refused as one. */
    public static OpenFile openNoFollow(Path path) throws IOException {
        return open(path, Libc.O_NOFOLLOW);
    }

    private static OpenFile open(Path path, int extraFlags) throws IOException {
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC | extraFlags);
        if (fd < 0) {
            throw failure(path, -fd);
        }
        try {
            return new OpenFile(path, fd, Libc.fstatx(fd));
        } catch (IOException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /**
     * Opens {@code path} itself or, when it is a symbolic link, the file it leads to if that lies inside the link's
     * own directory (as in a Kubernetes ConfigMap or Secret mount: {@code NAME -> ..data/NAME}); a link leading out
     * of it, or nowhere, is refused. The descriptor's {@link #path()} is where it leads.
     */
    public static OpenFile openWithin(Path path) throws IOException {
        try {
            return openNoFollow(path);
        } catch (IOException e) {
            if (e.getMessage() == null || !e.getMessage().endsWith("is a symbolic link")) {
                throw e;
            }
        }
        return openNoFollow(linkedWithin(path));
    }

    /** Where the link {@code path} leads, when that is inside its own directory. */
    public static Path linkedWithin(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent().toRealPath();
        Path target;
        try {
            target = path.toRealPath();
        } catch (IOException e) {
            throw new IOException("it is a symbolic link that leads nowhere (" + e.getMessage() + ")");
        }
        if (!target.startsWith(dir) || target.equals(dir)) {
            throw new IOException("it is a symbolic link to " + target + ", outside its directory " + dir);
        }
        return target;
    }

    /** What {@code path} itself is (a link is described as a link), without opening it for reading. */
    public static FileStatus statusOf(Path path) throws IOException {
        return onPath(path, Libc::fstatx);
    }

    /** Whether {@code path} itself (a link is not followed) lies on a file system mounted read-only. */
    public static boolean onReadOnlyMount(Path path) throws IOException {
        return onPath(path, Libc::readOnlyMount);
    }

    private interface PathQuery<T> {
        T ask(int fd) throws IOException;
    }

    /** Asks about {@code path} itself through an O_PATH descriptor, which reads nothing and follows no link. */
    private static <T> T onPath(Path path, PathQuery<T> query) throws IOException {
        int fd = Libc.open(path, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException(path + ": " + Errno.describe(-fd));
        }
        try {
            return query.ask(fd);
        } finally {
            Libc.close(fd);
        }
    }

    private static IOException failure(Path path, int errno) {
        if (errno == Errno.ELOOP) {
            return new IOException(path + ": is a symbolic link");
        }
        if (errno == Errno.ENOENT) {
            return new NoSuchFileException(path.toString(), null, "no such file");
        }
        return new IOException(path + ": " + Errno.describe(errno));
    }

    public Path path() {
        return path;
    }

    /** The open descriptor's type, owner, mode and size, as the kernel has them. */
    public FileStatus status() {
        return status;
    }

    /**
     * The whole file, if it is a regular file of at most {@code limit} bytes; more than that, counted as read, is
     * refused (a file that grows while it is read included).
     */
    public byte[] readAll(long limit) throws IOException {
        if (status.kind() != FileStatus.Kind.REGULAR) {
            throw new IOException(path + ": is " + status.kind().description() + ", not a regular file");
        }
        if (status.size() > limit) {
            throw new IOException(path + ": " + status.size() + " bytes, more than the " + limit + " allowed");
        }
        byte[] buffer = new byte[(int) Math.min(limit + 1, Math.max(status.size() + 1, 4096))];
        int length = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(64 * 1024);
            while (true) {
                long n = Libc.read(fd, chunk, chunk.byteSize());
                if (n < 0) {
                    throw new IOException(path + ": read: " + Errno.describe((int) -n));
                }
                if (n == 0) {
                    return Arrays.copyOf(buffer, length);
                }
                if (length + n > limit) {
                    throw new IOException(path + ": more than the " + limit + " bytes allowed");
                }
                if (length + n > buffer.length) {
                    buffer = Arrays.copyOf(buffer, (int) Math.min(limit + 1, Math.max(buffer.length * 2L, length + n)));
                }
                MemorySegment.copy(chunk, 0, MemorySegment.ofArray(buffer), length, n);
                length += (int) n;
            }
        }
    }

    /**
     * The whole file mapped read-only and private ({@code mmap(MAP_PRIVATE)}) for as long as {@code arena} is open,
     * or empty where the kernel will not map it (or the file is empty). sysfs's BTF files take only private mappings,
     * which {@code FileChannel.map} cannot make for a read-only channel. The mapping outlives this descriptor.
     */
    public Optional<MemorySegment> mapPrivate(Arena arena) {
        if (status.kind() != FileStatus.Kind.REGULAR || status.size() <= 0) {
            return Optional.empty();
        }
        return Optional.ofNullable(Syscall.mapPrivate(fd, status.size(), arena));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }
}
