package io.structops.btf.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfExt;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses {@code .BTF.ext}; section names are resolved through the object's {@code .BTF} strings. */
final class ExtParser {
    private final String source;
    private final MemorySegment seg;
    private final boolean swap;
    private final Btf btf;

    private ExtParser(String source, MemorySegment seg, Btf btf) {
        this.source = source;
        this.seg = seg;
        this.btf = btf;
        this.swap = btf.byteOrder() == ByteOrder.BIG_ENDIAN;
    }

    static BtfExt parse(String source, MemorySegment seg, Btf btf) throws BtfException {
        return new ExtParser(source, seg, btf).parse();
    }

    private interface RecordReader<T> {
        T read(long at);
    }

    private BtfExt parse() throws BtfException {
        long size = seg.byteSize();
        if (size < 24) {
            throw new BtfException(source, "header: " + size + " bytes, shorter than the 24-byte BTF.ext header");
        }
        int magic = Short.toUnsignedInt(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(btf.byteOrder()), 0));
        if (magic != RawBtf.MAGIC) {
            throw new BtfException(
                    source, String.format("header: magic 0x%04x is not 0xeb9f in the .BTF's byte order", magic));
        }
        long hdrLen = Integer.toUnsignedLong(u32(4));
        if (hdrLen < 24 || hdrLen > size) {
            throw new BtfException(source, "header: hdr_len " + hdrLen + " outside 24.." + size);
        }
        Map<String, List<BtfExt.FuncInfo>> funcs = new LinkedHashMap<>();
        Map<String, List<BtfExt.LineInfo>> lines = new LinkedHashMap<>();
        Map<String, List<BtfExt.CoreRelo>> relos = new LinkedHashMap<>();
        int funcSize = section(
                "func_info",
                hdrLen,
                8,
                8,
                funcs,
                at -> new BtfExt.FuncInfo(Integer.toUnsignedLong(u32(at)), u32(at + 4)));
        int lineSize = section(
                "line_info",
                hdrLen,
                16,
                16,
                lines,
                at -> new BtfExt.LineInfo(Integer.toUnsignedLong(u32(at)), u32(at + 4), u32(at + 8), u32(at + 12)));
        int reloSize = 0;
        if (hdrLen >= 32) {
            List<String> badKinds = new ArrayList<>();
            reloSize = section("core_relo", hdrLen, 24, 16, relos, at -> {
                int kind = u32(at + 12);
                BtfExt.CoreReloKind k = BtfExt.CoreReloKind.of(kind);
                if (k == null) {
                    badKinds.add("kind " + kind + " at instruction offset " + Integer.toUnsignedLong(u32(at)));
                }
                return new BtfExt.CoreRelo(Integer.toUnsignedLong(u32(at)), u32(at + 4), u32(at + 8), k);
            });
            if (!badKinds.isEmpty()) {
                throw new BtfException(source, "core_relo: unknown relocation " + badKinds.get(0));
            }
        }
        return new BtfExt(funcs, lines, relos, funcSize, lineSize, reloSize);
    }

    /** Reads one info section: a record size, then per code section its name, count and records. */
    private <T> int section(
            String what, long hdrLen, int headerField, int minRecord, Map<String, List<T>> into, RecordReader<T> reader)
            throws BtfException {
        long off = Integer.toUnsignedLong(u32(headerField));
        long len = Integer.toUnsignedLong(u32(headerField + 4));
        long size = seg.byteSize();
        if (len == 0) {
            return 0;
        }
        long start = hdrLen + off;
        if (start > size || len > size - start) {
            throw new BtfException(source, what + ": " + off + "+" + len + " runs past the end (" + size + " bytes)");
        }
        if (len < 4) {
            throw new BtfException(source, what + ": too short for its record size");
        }
        long recSize = Integer.toUnsignedLong(u32(start));
        if (recSize < minRecord || recSize % 4 != 0 || recSize > 1024) {
            throw new BtfException(
                    source, what + ": record size " + recSize + " (needs a multiple of 4, at least " + minRecord + ")");
        }
        long p = start + 4;
        long end = start + len;
        while (p < end) {
            if (end - p < 8) {
                throw new BtfException(source, what + ": truncated section header at offset " + (p - hdrLen));
            }
            int nameOff = u32(p);
            long count = Integer.toUnsignedLong(u32(p + 4));
            p += 8;
            if (count > (end - p) / recSize) {
                throw new BtfException(
                        source,
                        what + ": " + count + " records of " + recSize + " bytes run past the end of the section");
            }
            String name;
            try {
                name = btf.string(nameOff);
            } catch (IllegalArgumentException e) {
                throw new BtfException(
                        source,
                        what + ": section name offset " + Integer.toUnsignedString(nameOff)
                                + " is outside the .BTF string section");
            }
            List<T> list = into.computeIfAbsent(name, k -> new ArrayList<>());
            for (long i = 0; i < count; i++) {
                list.add(reader.read(p));
                p += recSize;
            }
        }
        return (int) recSize;
    }

    private int u32(long at) {
        return RawBtf.u32(seg, swap, at);
    }
}
