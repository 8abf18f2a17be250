package io.structops.btf.internal;

import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * bpftool's {@code btf dump ... format raw}, line for line and byte for byte. It reads each type's words where they
 * lie and copies names from the string section as bytes, as bpftool's printf does: decoding every type into
 * records and every name into a String cost a one-shot dump of vmlinux most of its time. Output goes out in chunks
 * that end at a line's end: straight to an {@link OutputStream} (a PrintStream, say), else decoded for an
 * {@link Appendable}.
 */
final class RawDump {
    private static final int CHUNK = 1 << 16;
    private static final byte[][] LABELS = new byte[32][];

    static {
        for (int k = 0; k < LABELS.length; k++) {
            // The parser refuses a kind number BtfKind does not know; bpftool would print UNKNOWN.
            BtfKind kind = BtfKind.of(k);
            LABELS[k] = (kind == null ? "UNKNOWN" : kind.label()).getBytes(StandardCharsets.US_ASCII);
        }
    }

    private final RawBtf btf;
    private final Appendable out;
    private byte[] buf = new byte[CHUNK * 2];
    private int len;

    RawDump(RawBtf btf, Appendable out) {
        this.btf = btf;
        this.out = out;
    }

    void dumpAll() throws IOException {
        for (int id = btf.firstId(); id < btf.typeCount(); id++) {
            dump(id);
            if (len > CHUNK) {
                flush();
            }
        }
        flush();
    }

    void dump(int[] ids) throws IOException {
        for (int id : ids) {
            dump(id);
            if (len > CHUNK) {
                flush();
            }
        }
        flush();
    }

    private void flush() throws IOException {
        if (out instanceof OutputStream stream) {
            stream.write(buf, 0, len);
        } else {
            out.append(new String(buf, 0, len, StandardCharsets.UTF_8));
        }
        len = 0;
    }

    private void dump(int id) {
        RawBtf o = btf.owner(id);
        long p = o.at(id);
        int info = o.u32(p + 4);
        int kind = (info >>> 24) & 0x1f;
        boolean kflag = info < 0;
        int vlen = info & 0xffff;
        int sizeOrType = o.u32(p + 8);
        long t = p + RawBtf.TYPE_HEADER;
        put('[').dec(id)
                .ascii("] ")
                .put(LABELS[kind])
                .ascii(" '")
                .name(o, o.u32(p))
                .put('\'');
        switch (kind) {
            case RawBtf.K_INT -> {
                int v = o.u32(t);
                ascii(" size=").udec(sizeOrType).ascii(" bits_offset=").dec((v >>> 16) & 0xff);
                ascii(" nr_bits=").dec(v & 0xff).ascii(" encoding=").ascii(encoding((v >>> 24) & 0x0f));
            }
            case RawBtf.K_PTR,
                    RawBtf.K_TYPEDEF,
                    RawBtf.K_VOLATILE,
                    RawBtf.K_CONST,
                    RawBtf.K_RESTRICT,
                    RawBtf.K_TYPE_TAG -> ascii(" type_id=").udec(sizeOrType);
            case RawBtf.K_ARRAY ->
                ascii(" type_id=")
                        .udec(o.u32(t))
                        .ascii(" index_type_id=")
                        .udec(o.u32(t + 4))
                        .ascii(" nr_elems=")
                        .udec(o.u32(t + 8));
            case RawBtf.K_STRUCT, RawBtf.K_UNION -> members(o, t, vlen, kflag, sizeOrType);
            case RawBtf.K_ENUM, RawBtf.K_ENUM64 -> values(o, t, vlen, kflag, sizeOrType, kind == RawBtf.K_ENUM64);
            case RawBtf.K_FWD -> ascii(" fwd_kind=").ascii(kflag ? "union" : "struct");
            case RawBtf.K_FUNC ->
                ascii(" type_id=").udec(sizeOrType).ascii(" linkage=").ascii(funcLinkage(vlen));
            case RawBtf.K_FUNC_PROTO -> {
                ascii(" ret_type_id=").udec(sizeOrType).ascii(" vlen=").dec(vlen);
                for (long q = t; q < t + 8L * vlen; q += 8) {
                    ascii("\n\t'").name(o, o.u32(q)).ascii("' type_id=").udec(o.u32(q + 4));
                }
            }
            case RawBtf.K_VAR ->
                ascii(" type_id=").udec(sizeOrType).ascii(", linkage=").ascii(varLinkage(o.u32(t)));
            case RawBtf.K_DATASEC -> variables(o, t, vlen, sizeOrType);
            case RawBtf.K_FLOAT -> ascii(" size=").udec(sizeOrType);
            case RawBtf.K_DECL_TAG ->
                ascii(" type_id=").udec(sizeOrType).ascii(" component_idx=").dec(o.u32(t));
            default -> {}
        }
        put('\n');
    }

    private void members(RawBtf o, long t, int vlen, boolean kflag, int size) {
        ascii(" size=").udec(size).ascii(" vlen=").dec(vlen);
        for (long m = t; m < t + 12L * vlen; m += 12) {
            int raw = o.u32(m + 8);
            ascii("\n\t'")
                    .name(o, o.u32(m))
                    .ascii("' type_id=")
                    .udec(o.u32(m + 4))
                    .ascii(" bits_offset=");
            if (kflag) {
                dec(raw & 0xffffff);
                if (raw >>> 24 != 0) {
                    ascii(" bitfield_size=").dec(raw >>> 24);
                }
            } else {
                udec(raw);
            }
        }
    }

    private void values(RawBtf o, long t, int vlen, boolean signed, int size, boolean wide) {
        ascii(" encoding=")
                .ascii(signed ? "SIGNED" : "UNSIGNED")
                .ascii(" size=")
                .udec(size);
        ascii(" vlen=").dec(vlen);
        int step = wide ? 12 : 8;
        for (long e = t; e < t + (long) step * vlen; e += step) {
            ascii("\n\t'").name(o, o.u32(e)).ascii("' val=");
            if (!wide) {
                int v = o.u32(e + 4);
                if (signed) {
                    dec(v);
                } else {
                    udec(v);
                }
            } else {
                long v = Integer.toUnsignedLong(o.u32(e + 4)) | (Integer.toUnsignedLong(o.u32(e + 8)) << 32);
                if (signed) {
                    dec(v).ascii("LL");
                } else {
                    ascii(Long.toUnsignedString(v)).ascii("ULL");
                }
            }
        }
    }

    private void variables(RawBtf o, long t, int vlen, int size) {
        ascii(" size=").udec(size).ascii(" vlen=").dec(vlen);
        for (long v = t; v < t + 12L * vlen; v += 12) {
            int type = o.u32(v);
            ascii("\n\ttype_id=")
                    .udec(type)
                    .ascii(" offset=")
                    .udec(o.u32(v + 4))
                    .ascii(" size=")
                    .udec(o.u32(v + 8));
            if (Integer.compareUnsigned(type, btf.typeCount()) < 0) {
                ascii(" (").put(LABELS[btf.kindNumber(type)]).ascii(" '");
                if (type == 0) {
                    ascii("(anon)");
                } else {
                    RawBtf owner = btf.owner(type);
                    name(owner, owner.nameOff(type));
                }
                ascii("')");
            }
        }
    }

    /** The string at {@code offset} as its bytes, {@code (anon)} when empty, as bpftool prints a name. */
    private RawDump name(RawBtf o, int offset) {
        RawBtf s = o.stringOwner(offset);
        long p = s.stringStart(offset);
        long end = s.strStart + s.strLen;
        int start = len;
        byte b;
        while (p < end && (b = s.data.get((int) p++)) != 0) {
            room(1);
            buf[len++] = b;
        }
        return len == start ? ascii("(anon)") : this;
    }

    private void room(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }

    private RawDump put(char c) {
        room(1);
        buf[len++] = (byte) c;
        return this;
    }

    private RawDump put(byte[] bytes) {
        room(bytes.length);
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
        return this;
    }

    /** Text known to be ASCII: the format's own words and numbers. */
    private RawDump ascii(String s) {
        room(s.length());
        for (int i = 0; i < s.length(); i++) {
            buf[len++] = (byte) s.charAt(i);
        }
        return this;
    }

    private RawDump udec(int v) {
        return dec(Integer.toUnsignedLong(v));
    }

    private RawDump dec(long v) {
        if (v == Long.MIN_VALUE) {
            return ascii(Long.toString(v));
        }
        room(20);
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long x = v; x >= 10; x /= 10) {
            digits++;
        }
        for (int i = len + digits - 1; i >= len; i--) {
            buf[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        len += digits;
        return this;
    }

    private static String encoding(int encoding) {
        return switch (encoding) {
            case 0 -> "(none)";
            case BtfType.Int.SIGNED -> "SIGNED";
            case BtfType.Int.CHAR -> "CHAR";
            case BtfType.Int.BOOL -> "BOOL";
            default -> "UNKN";
        };
    }

    private static String funcLinkage(int linkage) {
        return switch (linkage) {
            case 0 -> "static";
            case 1 -> "global";
            case 2 -> "extern";
            default -> "(unknown)";
        };
    }

    private static String varLinkage(int linkage) {
        return switch (linkage) {
            case 0 -> "static";
            case 1 -> "global";
            case 2 -> "extern";
            default -> "(unknown)";
        };
    }
}
