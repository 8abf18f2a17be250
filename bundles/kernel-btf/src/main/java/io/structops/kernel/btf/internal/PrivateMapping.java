package io.structops.kernel.btf.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Maps a file read-only and private with mmap(2). sysfs's BTF files refuse shared mappings, which is all
 * FileChannel.map offers for a read-only channel, so the call is made through FFM. Where the kernel refuses a
 * mapping too, the file is read into the heap instead.
 */
final class PrivateMapping {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int PROT_READ = 1;
    private static final int MAP_PRIVATE = 2;

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        OPEN = linker.downcallHandle(
                libc.find("open").orElseThrow(),
                FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2));
        CLOSE = linker.downcallHandle(
                libc.find("close").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        MMAP = linker.downcallHandle(
                libc.find("mmap").orElseThrow(),
                FunctionDescriptor.of(
                        ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_LONG));
        MUNMAP = linker.downcallHandle(
                libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }

    private PrivateMapping() {}

    /** The file's bytes, mapped for as long as {@code arena} is open (or on the heap if mapping is refused). */
    static MemorySegment map(Path file, Arena arena) throws IOException {
        long size = Files.size(file);
        if (size == 0) {
            return MemorySegment.ofArray(Files.readAllBytes(file));
        }
        MemorySegment mapped = tryMap(file, size, arena);
        return mapped != null ? mapped : MemorySegment.ofArray(Files.readAllBytes(file));
    }

    private static MemorySegment tryMap(Path file, long size, Arena arena) {
        try (Arena temp = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(temp.allocateFrom(file.toString()), O_RDONLY | O_CLOEXEC, 0);
            if (fd < 0) {
                return null;
            }
            try {
                MemorySegment addr =
                        (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ, MAP_PRIVATE, fd, 0L);
                if (addr.address() == -1L) {
                    return null;
                }
                return addr.reinterpret(size, arena, PrivateMapping::unmap);
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (Throwable t) {
            return null;
        }
    }

    private static void unmap(MemorySegment segment) {
        try {
            int ignored = (int) MUNMAP.invokeExact(segment, segment.byteSize());
        } catch (Throwable t) {
            // the address space goes with the process; nothing else to do
        }
    }
}
