package io.structops.handler.qdisc.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One qdisc as an {@code RTM_GETQDISC} dump describes it: where it is (device, handle, parent), its kind, its own
 * parameters as the kernel encodes them (TCA_OPTIONS, kept whole so that the qdisc can be put back as it was) and
 * its statistics, the figures {@code tc -s qdisc show} prints.
 *
 * @param options the TCA_OPTIONS payload, or null if the qdisc has none
 */
record Qdisc(int ifindex, int handle, int parent, String kind, byte[] options, Stats stats) {
    static final int TCA_KIND = 1;
    static final int TCA_OPTIONS = 2;
    static final int TCA_STATS2 = 7;
    static final int TCA_STATS_BASIC = 1;
    static final int TCA_STATS_QUEUE = 3;
    static final int TCA_STATS_PKT64 = 8;

    /** TC_H_ROOT: a qdisc whose parent is the device itself. */
    static final int ROOT = 0xffffffff;

    /** The counters of {@code struct gnet_stats_basic} and {@code struct gnet_stats_queue}. */
    record Stats(long bytes, long packets, long drops, long overlimits, long requeues, long backlog, long qlen) {
        static final Stats NONE = new Stats(0, 0, 0, 0, 0, 0, 0);
    }

    boolean atRoot() {
        return parent == ROOT;
    }

    /** Parses one RTM_NEWQDISC message of a dump; its {@code struct tcmsg} starts at {@code at}. */
    static Qdisc parse(ByteBuffer message, int at) {
        int ifindex = message.getInt(at + 4);
        int handle = message.getInt(at + 8);
        int parent = message.getInt(at + 12);
        Map<Integer, ByteBuffer> attributes = attributes(message, at + 20);
        String kind = attributes.containsKey(TCA_KIND) ? text(attributes.get(TCA_KIND)) : "";
        byte[] options = null;
        if (attributes.containsKey(TCA_OPTIONS)) {
            ByteBuffer o = attributes.get(TCA_OPTIONS);
            options = new byte[o.remaining()];
            o.duplicate().get(options);
        }
        Stats stats = attributes.containsKey(TCA_STATS2) ? stats(attributes.get(TCA_STATS2)) : Stats.NONE;
        return new Qdisc(ifindex, handle, parent, kind, options, stats);
    }

    private static Stats stats(ByteBuffer nested) {
        Map<Integer, ByteBuffer> s = attributes(nested, 0);
        long bytes = 0;
        long packets = 0;
        ByteBuffer basic = s.get(TCA_STATS_BASIC);
        if (basic != null && basic.remaining() >= 12) {
            bytes = basic.getLong(0);
            packets = Integer.toUnsignedLong(basic.getInt(8));
        }
        ByteBuffer packets64 = s.get(TCA_STATS_PKT64);
        if (packets64 != null && packets64.remaining() >= 8) {
            packets = packets64.getLong(0);
        }
        ByteBuffer q = s.get(TCA_STATS_QUEUE);
        if (q == null || q.remaining() < 20) {
            return new Stats(bytes, packets, 0, 0, 0, 0, 0);
        }
        return new Stats(
                bytes,
                packets,
                Integer.toUnsignedLong(q.getInt(8)),
                Integer.toUnsignedLong(q.getInt(16)),
                Integer.toUnsignedLong(q.getInt(12)),
                Integer.toUnsignedLong(q.getInt(4)),
                Integer.toUnsignedLong(q.getInt(0)));
    }

    /** The attributes ({@code struct rtattr}/{@code nlattr}: length, type, payload, 4-aligned) from {@code at}. */
    static Map<Integer, ByteBuffer> attributes(ByteBuffer b, int at) {
        Map<Integer, ByteBuffer> found = new LinkedHashMap<>();
        int end = b.limit();
        while (at + 4 <= end) {
            int length = b.getShort(at) & 0xffff;
            int type = b.getShort(at + 2) & 0x3fff; // without NLA_F_NESTED and NLA_F_NET_BYTEORDER
            if (length < 4 || at + length > end) {
                break;
            }
            found.putIfAbsent(type, b.slice(at + 4, length - 4).order(ByteOrder.nativeOrder()));
            at += (length + 3) & ~3;
        }
        return found;
    }

    /** Appends an attribute to {@code b}, padded to 4 bytes. */
    static void attribute(ByteBuffer b, int type, byte[] payload) {
        b.putShort((short) (4 + payload.length)).putShort((short) type).put(payload);
        while (b.position() % 4 != 0) {
            b.put((byte) 0);
        }
    }

    /** A NUL-terminated string attribute. */
    static String text(ByteBuffer payload) {
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** A handle as tc writes it: {@code 1:}, {@code 1:2}, {@code root}. */
    static String handleText(int handle) {
        if (handle == ROOT) {
            return "root";
        }
        int major = handle >>> 16;
        int minor = handle & 0xffff;
        return Integer.toHexString(major) + ":" + (minor == 0 ? "" : Integer.toHexString(minor));
    }

    /**
     * A handle as tc takes it: {@code root}, {@code MAJOR:} or {@code MAJOR:MINOR}, both hexadecimal as in tc.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static int parseHandle(String text) {
        String t = text.strip();
        if (t.equals("root")) {
            return ROOT;
        }
        int colon = t.indexOf(':');
        if (colon <= 0 || t.indexOf(':', colon + 1) >= 0) {
            throw new IllegalArgumentException("'" + text + "' is not a handle (root, MAJOR: or MAJOR:MINOR, in hex)");
        }
        try {
            int major = Integer.parseInt(t.substring(0, colon), 16);
            String m = t.substring(colon + 1);
            int minor = m.isEmpty() ? 0 : Integer.parseInt(m, 16);
            if (major <= 0 || major > 0xffff || minor < 0 || minor > 0xffff) {
                throw new IllegalArgumentException(
                        "'" + text + "': each part of a handle is 1 to ffff (minor 0 to ffff)");
            }
            return (major << 16) | minor;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a handle (root, MAJOR: or MAJOR:MINOR, in hex)");
        }
    }
}
