package io.structops.btf.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Type ids of one kind by name: an open-addressing table of ids keyed by a hash of the name's bytes in the string
 * section. Names are compared in place, so the index costs one int per slot and no strings are created to build it.
 * Built on the first lookup of its kind, from the kinds array, so a lookup of a struct never pays for the 50,000
 * function names of vmlinux.
 */
final class NameIndex {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private final RawBtf btf;
    private final int[] slots;
    private final int mask;

    NameIndex(RawBtf btf, int kind) {
        this.btf = btf;
        int first = btf.firstId;
        int count = btf.offsets.length;
        byte[] kinds = btf.kinds;
        int[] nameOffs = btf.nameOffs;
        int named = btf.kindCounts[kind];
        int capacity = Integer.highestOneBit(Math.max(4, named * 2 - 1)) << 1;
        slots = new int[capacity];
        mask = capacity - 1;
        for (int i = 0; i < count; i++) {
            if (kinds[i] != kind) {
                continue;
            }
            int id = first + i;
            int off = nameOffs[i];
            if (off == 0) {
                continue;
            }
            // A split BTF's type may be named by its base's string (a module's struct whose name vmlinux also
            // uses somewhere): the name is hashed where it lies.
            RawBtf owner = btf.stringOwner(off);
            int h = hash(owner.seg, owner.stringPosition(off), owner.strStart + owner.strLen);
            int s = h & mask;
            while (slots[s] != 0) {
                s = (s + 1) & mask;
            }
            slots[s] = id;
        }
    }

    int[] lookup(String name) {
        if (name.isEmpty() || slots.length == 0) {
            return new int[0];
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment key = MemorySegment.ofArray(Arrays.copyOf(bytes, bytes.length + 8));
        int h = hash(key, 0, key.byteSize());
        int[] found = new int[4];
        int n = 0;
        for (int s = h & mask; slots[s] != 0; s = (s + 1) & mask) {
            int id = slots[s];
            int off = btf.nameOff(id);
            RawBtf owner = btf.stringOwner(off);
            if (equalsAt(owner, owner.stringPosition(off), bytes)) {
                if (n == found.length) {
                    found = Arrays.copyOf(found, n * 2);
                }
                found[n++] = id;
            }
        }
        int[] result = Arrays.copyOf(found, n);
        Arrays.sort(result);
        return result;
    }

    private static boolean equalsAt(RawBtf owner, long pos, byte[] bytes) {
        long end = owner.strStart + owner.strLen;
        if (pos + bytes.length >= end) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (owner.seg.get(ValueLayout.JAVA_BYTE, pos + i) != bytes[i]) {
                return false;
            }
        }
        return owner.seg.get(ValueLayout.JAVA_BYTE, pos + bytes.length) == 0;
    }

    /**
     * Hashes the NUL-terminated string at {@code pos}, eight bytes at a time where the segment allows; the bytes
     * after the terminator are masked off so the hash depends on the string alone.
     */
    static int hash(MemorySegment seg, long pos, long limit) {
        long h = 0x9E3779B97F4A7C15L;
        while (pos + 8 <= limit) {
            long v = seg.get(LONG, pos);
            long zero = (v - ONES) & ~v & HIGHS;
            if (zero != 0) {
                int bytes = Long.numberOfTrailingZeros(zero) >>> 3;
                if (bytes > 0) {
                    h = mix(h, v & (-1L >>> (64 - 8 * bytes)));
                }
                return fold(h);
            }
            h = mix(h, v);
            pos += 8;
        }
        long v = 0;
        int shift = 0;
        byte b;
        while (pos < limit && (b = seg.get(ValueLayout.JAVA_BYTE, pos)) != 0) {
            v |= (b & 0xffL) << shift;
            shift += 8;
            pos++;
        }
        if (shift > 0) {
            h = mix(h, v);
        }
        return fold(h);
    }

    private static long mix(long h, long v) {
        h ^= v;
        h *= 0xff51afd7ed558ccdL;
        return h ^ (h >>> 32);
    }

    private static int fold(long h) {
        h *= 0xc4ceb9fe1a85ec53L;
        return (int) (h ^ (h >>> 29));
    }
}
