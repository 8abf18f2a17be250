package io.structops.kernel.btf.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PrivateMappingTest {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    @Test
    void sysfsRefusesSharedMappingsButMapsPrivately() throws Exception {
        // The reason this class exists: the JDK's read-only mapping is MAP_SHARED, which sysfs refuses.
        boolean sharedRefused;
        try (FileChannel ch = FileChannel.open(VMLINUX)) {
            ch.map(FileChannel.MapMode.READ_ONLY, 0, Files.size(VMLINUX));
            sharedRefused = false;
        } catch (java.io.IOException e) {
            sharedRefused = true;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = PrivateMapping.map(VMLINUX, arena);
            assertTrue(seg.isNative(), "mapped, not read into the heap");
            assertArrayEquals(Files.readAllBytes(VMLINUX), seg.toArray(ValueLayout.JAVA_BYTE));
        }
        System.out.println("FileChannel.map on sysfs vmlinux " + (sharedRefused ? "refused" : "accepted"));
    }

    @Test
    void regularFilesMapToo(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("x");
        Files.write(f, new byte[] {1, 2, 3});
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = PrivateMapping.map(f, arena);
            assertArrayEquals(new byte[] {1, 2, 3}, seg.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
