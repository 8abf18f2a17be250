package io.structops.handler.qdisc.internal;

import io.structops.syscall.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A NETLINK_ROUTE socket through FFM, for the traffic-control requests the qdisc handler makes: list the qdiscs of
 * every device with their statistics ({@code RTM_GETQDISC}), create or replace one ({@code RTM_NEWQDISC}), delete
 * one ({@code RTM_DELQDISC}). Every change asks for an acknowledgement with extended ack, so that a refusal comes
 * back with the kernel's own words ({@code "Specified qdisc kind is unknown"}). One request at a time: the socket
 * is not shared between threads.
 */
final class Rtnetlink implements AutoCloseable {
    static final int RTM_NEWQDISC = 36;
    static final int RTM_DELQDISC = 37;
    static final int RTM_GETQDISC = 38;

    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int NETLINK_ROUTE = 0;
    private static final int SOL_NETLINK = 270;
    private static final int NETLINK_EXT_ACK = 11;

    private static final int NLM_F_REQUEST = 0x1;
    private static final int NLM_F_ACK = 0x4;
    private static final int NLM_F_DUMP = 0x300;
    private static final int NLM_F_REPLACE = 0x100;
    private static final int NLM_F_CREATE = 0x400;
    private static final int NLM_F_CAPPED = 0x100;
    private static final int NLM_F_ACK_TLVS = 0x200;
    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    private static final int NLMSGERR_ATTR_MSG = 1;
    private static final int HEADER = 16;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle SEND;
    private static final MethodHandle RECV;
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        ValueLayout i = ValueLayout.JAVA_INT;
        ValueLayout l = ValueLayout.JAVA_LONG;
        ValueLayout p = ValueLayout.ADDRESS;
        SOCKET = linker.downcallHandle(libc.find("socket").orElseThrow(), FunctionDescriptor.of(i, i, i, i), errno);
        SETSOCKOPT = linker.downcallHandle(
                libc.find("setsockopt").orElseThrow(), FunctionDescriptor.of(i, i, i, i, p, i), errno);
        SEND = linker.downcallHandle(libc.find("send").orElseThrow(), FunctionDescriptor.of(l, i, p, l, i), errno);
        RECV = linker.downcallHandle(libc.find("recv").orElseThrow(), FunctionDescriptor.of(l, i, p, l, i), errno);
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(i, i));
    }

    private final int fd;
    private int sequence;

    private Rtnetlink(int fd) {
        this.fd = fd;
    }

    /** A new socket; extended ack is asked for where the kernel has it (since 4.12), and done without otherwise. */
    static Rtnetlink open() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(capture, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
            if (fd < 0) {
                throw failure("socket(AF_NETLINK, NETLINK_ROUTE)", (int) ERRNO.get(capture, 0L));
            }
            MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
            int ignored = (int) SETSOCKOPT.invokeExact(capture, fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 4);
            return new Rtnetlink(fd);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("socket(2) could not be called", t);
        }
    }

    /** Every qdisc of every device, with its statistics, as {@code tc -s qdisc show} lists them. */
    List<Qdisc> qdiscs() throws IOException {
        List<Qdisc> all = new ArrayList<>();
        for (ByteBuffer reply : exchange("RTM_GETQDISC", request(RTM_GETQDISC, NLM_F_DUMP, 0, 0, 0, null, null))) {
            all.add(Qdisc.parse(reply, HEADER));
        }
        return all;
    }

    /**
     * Puts a qdisc of {@code kind} on device {@code ifindex} at {@code parent}, replacing what is there in one step
     * (the kernel grafts the new qdisc in place of the old, so the device is never without one). {@code options},
     * if not null, is the TCA_OPTIONS payload to give it (a qdisc's own parameters, as a dump returned them).
     */
    void replace(String device, int ifindex, int parent, int handle, String kind, byte[] options) throws IOException {
        exchange(
                "RTM_NEWQDISC " + kind + " on " + device,
                request(
                        RTM_NEWQDISC,
                        NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK,
                        ifindex,
                        parent,
                        handle,
                        kind,
                        options));
    }

    /** Deletes the qdisc at {@code parent} of device {@code ifindex}; at the root the kernel puts its default back. */
    void delete(String device, int ifindex, int parent, int handle) throws IOException {
        exchange("RTM_DELQDISC on " + device, request(RTM_DELQDISC, NLM_F_ACK, ifindex, parent, handle, null, null));
    }

    /** A request: the netlink header, a {@code struct tcmsg}, and the kind and options attributes if given. */
    private ByteBuffer request(int type, int flags, int ifindex, int parent, int handle, String kind, byte[] options) {
        // Header and tcmsg, then each attribute's 4-byte header and payload with up to 3 bytes of padding.
        int size = HEADER + 20 + (kind == null ? 0 : kind.length() + 8) + (options == null ? 0 : options.length + 8);
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        b.putInt(0).putShort((short) type).putShort((short) (NLM_F_REQUEST | flags));
        b.putInt(++sequence).putInt(0);
        b.put((byte) 0).put((byte) 0).putShort((short) 0); // tcm_family AF_UNSPEC and padding
        b.putInt(ifindex).putInt(handle).putInt(parent).putInt(0);
        if (kind != null) {
            byte[] text = (kind + "\0").getBytes(StandardCharsets.US_ASCII);
            Qdisc.attribute(b, Qdisc.TCA_KIND, text);
        }
        if (options != null) {
            Qdisc.attribute(b, Qdisc.TCA_OPTIONS, options);
        }
        b.putInt(0, b.position());
        return b.flip();
    }

    /**
     * Sends {@code request} and reads the replies until its acknowledgement or, for a dump, its end: the messages
     * of a dump are returned; a refusal is an IOException naming {@code what}, the errno and the kernel's message.
     */
    private List<ByteBuffer> exchange(String what, ByteBuffer request) throws IOException {
        int seq = request.getInt(8);
        boolean dump = (request.getShort(6) & NLM_F_DUMP) == NLM_F_DUMP;
        List<ByteBuffer> messages = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            MemorySegment out = arena.allocate(request.remaining());
            out.copyFrom(MemorySegment.ofBuffer(request));
            long sent = (long) SEND.invokeExact(capture, fd, out, out.byteSize(), 0);
            if (sent < 0) {
                throw failure(what + ": send", (int) ERRNO.get(capture, 0L));
            }
            MemorySegment in = arena.allocate(64 * 1024);
            while (true) {
                long n = (long) RECV.invokeExact(capture, fd, in, in.byteSize(), 0);
                if (n < 0) {
                    int errno = (int) ERRNO.get(capture, 0L);
                    if (errno == Errno.EINTR) {
                        continue;
                    }
                    throw failure(what + ": recv", errno);
                }
                ByteBuffer replies = ByteBuffer.wrap(in.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE))
                        .order(ByteOrder.nativeOrder());
                for (int at = 0; at + HEADER <= n; ) {
                    int length = replies.getInt(at);
                    int type = replies.getShort(at + 4) & 0xffff;
                    if (length < HEADER || at + length > n) {
                        throw new IOException(what + ": a malformed netlink reply");
                    }
                    ByteBuffer message = replies.slice(at, length).order(ByteOrder.nativeOrder());
                    at += (length + 3) & ~3;
                    if (message.getInt(8) != seq) {
                        continue; // not ours (a late reply to an interrupted request)
                    }
                    if (type == NLMSG_DONE) {
                        return messages;
                    }
                    if (type == NLMSG_ERROR) {
                        refusal(what, message);
                        if (!dump) {
                            return messages;
                        }
                    } else {
                        messages.add(message);
                    }
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("send(2)/recv(2) could not be called", t);
        }
    }

    /** An NLMSG_ERROR: nothing if it acknowledges (error 0), else the refusal with the kernel's extended ack. */
    private static void refusal(String what, ByteBuffer message) throws IOException {
        int error = -message.getInt(HEADER);
        if (error == 0) {
            return;
        }
        int flags = message.getShort(6) & 0xffff;
        String text = "";
        if ((flags & NLM_F_ACK_TLVS) != 0) {
            // After the error code comes the request's header, and its payload unless the kernel capped it.
            int echoed = (flags & NLM_F_CAPPED) != 0 ? HEADER : message.getInt(HEADER + 4);
            int at = HEADER + 4 + ((echoed + 3) & ~3);
            ByteBuffer said = Qdisc.attributes(message, at).get(NLMSGERR_ATTR_MSG);
            text = said == null ? "" : Qdisc.text(said);
        }
        throw new IOException(what + ": " + Errno.name(error) + " (" + Errno.describe(error) + ")"
                + (text.isEmpty() ? "" : ": " + text));
    }

    private static IOException failure(String what, int errno) {
        return new IOException(what + ": " + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
    }

    @Override
    public void close() {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close(2) could not be called", t);
        }
    }
}
