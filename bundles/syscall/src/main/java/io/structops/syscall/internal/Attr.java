package io.structops.syscall.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A zeroed {@code union bpf_attr} (or info struct) of one command's size, written field by field at the offsets of
 * the kernel's UAPI header. The kernel refuses non-zero bytes it does not know, so the size is the command's own.
 */
final class Attr {
    final MemorySegment seg;
    private final Arena arena;

    Attr(Arena arena, long size) {
        this.arena = arena;
        this.seg = arena.allocate(size, 8);
    }

    Attr u32(long offset, int value) {
        seg.set(ValueLayout.JAVA_INT, offset, value);
        return this;
    }

    Attr u64(long offset, long value) {
        seg.set(ValueLayout.JAVA_LONG, offset, value);
        return this;
    }

    /** A pointer field: the address of bytes copied into the call's arena (0 for null or empty). */
    Attr ptr(long offset, byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return u64(offset, 0);
        }
        MemorySegment copy = arena.allocate(bytes.length, 8);
        copy.copyFrom(MemorySegment.ofArray(bytes));
        return u64(offset, copy.address());
    }

    Attr ptr(long offset, MemorySegment target) {
        return u64(offset, target.address());
    }

    /** A NUL-terminated C string field pointer. */
    Attr cstring(long offset, String s) {
        return ptr(offset, arena.allocateFrom(s));
    }

    /** An inline name (map_name, prog_name): at most 15 bytes the kernel accepts, NUL-terminated. */
    Attr name(long offset, String name) {
        if (name == null) {
            return this;
        }
        byte[] bytes = sanitize(name).getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, offset, Math.min(15, bytes.length));
        return this;
    }

    /** The kernel takes only letters, digits, '_' and '.' in object names. */
    static String sanitize(String name) {
        StringBuilder sb = new StringBuilder();
        for (char c : name.toCharArray()) {
            sb.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.' ? c : '_');
        }
        return sb.length() > 15 ? sb.substring(0, 15) : sb.toString();
    }

    int getU32(long offset) {
        return seg.get(ValueLayout.JAVA_INT, offset);
    }

    long getU64(long offset) {
        return seg.get(ValueLayout.JAVA_LONG, offset);
    }

    String getName(long offset, int max) {
        byte[] b = seg.asSlice(offset, max).toArray(ValueLayout.JAVA_BYTE);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }
}
