package io.structops.syscall.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.syscall.Bpf;
import io.structops.syscall.BpfCommand;
import io.structops.syscall.BpfConstants;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** bpf(2) on this machine's kernel, for real: these tests need CAP_BPF, which CI has. */
@Tag("kernel")
class KernelCallsTest {
    private final BpfSyscalls bpf = new BpfSyscalls();

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    private BpfFd array(String name, int entries) throws BpfException {
        return bpf.mapCreate(
                new Bpf.MapCreate(BpfConstants.MAP_TYPE_ARRAY, name, 4, 8, entries, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void arrayMapLifecycle() throws Exception {
        int before = bpf.openDescriptorCount();
        try (BpfFd map = array("structops_test", 4)) {
            bpf.mapUpdate(map, u32(2), u64(0x1122334455667788L), BpfConstants.ANY);
            assertArrayEquals(
                    u64(0x1122334455667788L), bpf.mapLookup(map, u32(2), 8).orElseThrow());
            Bpf.MapInfo info = bpf.mapInfo(map);
            assertEquals(BpfConstants.MAP_TYPE_ARRAY, info.type());
            assertEquals("structops_test", info.name());
            assertEquals(4, info.maxEntries());
            assertTrue(bpf.ids(Bpf.ObjectType.MAP).contains(info.id()));
            try (BpfFd again = bpf.fdById(Bpf.ObjectType.MAP, info.id()).orElseThrow()) {
                assertEquals(info.id(), bpf.mapInfo(again).id());
            }
            bpf.mapFreeze(map);
            BpfException e =
                    assertThrows(BpfException.class, () -> bpf.mapUpdate(map, u32(1), u64(1), BpfConstants.ANY));
            assertEquals("EPERM", e.errnoName());
            assertTrue(
                    e.getMessage().startsWith("BPF_MAP_UPDATE_ELEM (map structops_test) failed: EPERM"),
                    e.getMessage());
        }
        assertEquals(before, bpf.openDescriptorCount(), "every descriptor was closed");
    }

    @Test
    void mmapableMapsAreReadLiveThroughAReadOnlyMapping() throws Exception {
        int before = bpf.openDescriptorCount();
        try (BpfFd map = bpf.mapCreate(new Bpf.MapCreate(
                        BpfConstants.MAP_TYPE_ARRAY, "structops_mmap", 4, 8, 1, 1 << 10, 0, 0, 0, 0, 0, 0, 0, 0));
                java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment view = bpf.mapMmapReadOnly(map, 8, arena);
            bpf.mapUpdate(map, u32(0), u64(41), BpfConstants.ANY);
            assertEquals(41, view.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
            // Shared, not a copy: a later update shows through the same mapping.
            bpf.mapUpdate(map, u32(0), u64(42), BpfConstants.ANY);
            assertEquals(42, view.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
            // Writing through a PROT_READ mapping would crash the JVM; the segment refuses writes instead.
            assertTrue(view.isReadOnly());
            assertThrows(
                    IllegalArgumentException.class, () -> view.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 1L));
        }
        try (BpfFd plain = array("structops_nommap", 1);
                java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> bpf.mapMmapReadOnly(plain, 8, arena));
            assertTrue(e.getMessage().startsWith("mmap of map structops_nommap: EINVAL"), e.getMessage());
        }
        assertEquals(before, bpf.openDescriptorCount());
    }

    @Test
    void descriptorsCloseExactlyOnce() throws Exception {
        BpfFd map = array("once", 1);
        map.close();
        map.close();
        assertFalse(map.isOpen());
        assertThrows(IllegalStateException.class, map::value);
    }

    @Test
    void pinAndGetBack() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "structops-test");
        Path pin = dir.resolve("map");
        try (BpfFd map = array("pinned", 1)) {
            bpf.objPin(map, pin);
            try (BpfFd got = bpf.objGet(pin)) {
                assertEquals(bpf.mapInfo(map).id(), bpf.mapInfo(got).id());
            }
        } finally {
            Files.deleteIfExists(pin);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void programLoadsAndRejectionsCarryTheVerifierLog() throws Exception {
        // socket filter: r0 = 0; exit
        byte[] ok = {(byte) 0xb7, 0, 0, 0, 0, 0, 0, 0, (byte) 0x95, 0, 0, 0, 0, 0, 0, 0};
        try (BpfFd prog =
                bpf.progLoad(new Bpf.ProgLoad(1, "structops_ok", ok, "GPL", 0, 0, 0, 0, 0, 0, null, 0, null, null))) {
            assertEquals("structops_ok", bpf.progInfo(prog).name());
        }
        // exit without setting r0
        byte[] bad = {(byte) 0x95, 0, 0, 0, 0, 0, 0, 0};
        BpfException e = assertThrows(
                BpfException.class,
                () -> bpf.progLoad(
                        new Bpf.ProgLoad(1, "structops_bad", bad, "GPL", 0, 0, 0, 0, 0, 0, null, 0, null, null)));
        assertEquals(BpfCommand.PROG_LOAD, e.command());
        assertEquals("EACCES", e.errnoName());
        assertTrue(e.log().contains("R0 !read_ok"), e.log());
    }

    @Test
    void badBtfIsRefusedWithTheKernelsLog() {
        byte[] garbage = new byte[64];
        garbage[0] = (byte) 0x9f;
        garbage[1] = (byte) 0xeb;
        garbage[2] = 1;
        garbage[4] = 24;
        BpfException e = assertThrows(BpfException.class, () -> bpf.btfLoad(garbage, "garbage"));
        assertEquals(BpfCommand.BTF_LOAD, e.command());
        assertEquals("EINVAL", e.errnoName());
        assertFalse(e.log().isEmpty(), "the kernel's BTF log explains the refusal");
    }
}
