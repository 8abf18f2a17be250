package io.structops.kernel.btf.internal;

import io.structops.btf.BtfReader;
import io.structops.syscall.files.OpenFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A BTF file's bytes off the heap: mapped read-only and private ({@link OpenFile#mapPrivate}, as sysfs's BTF files
 * require), or read into the heap where the kernel will not map the file.
 */
final class PrivateMapping {
    private PrivateMapping() {}

    /** The file's bytes, mapped for as long as {@code arena} is open (or on the heap if mapping is refused). */
    static MemorySegment map(Path file, Arena arena) throws IOException {
        try (OpenFile open = OpenFile.open(file)) {
            Optional<MemorySegment> mapped = open.mapPrivate(arena);
            return mapped.isPresent() ? mapped.get() : MemorySegment.ofArray(open.readAll(BtfReader.MAX_FILE_BYTES));
        }
    }
}
