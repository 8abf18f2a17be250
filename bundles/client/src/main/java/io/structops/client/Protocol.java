package io.structops.client;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a client and the service say over the command socket. The client sends {@link #MAGIC}, the number of
 * arguments and each argument (a length and UTF-8 bytes); the service answers with frames, each a type byte, a length
 * and a payload: {@link #ACCEPTED} (empty) says the command runs, so that a client never runs it again itself when
 * the service goes away afterwards; {@link #OUT} and {@link #ERR} carry the command's output as it is written, {@link #EXIT} its exit
 * status (four bytes) and ends the exchange. Small and fixed, so that a client and a service of different builds
 * refuse each other plainly rather than misread.
 */
public final class Protocol {
    /** Sent first by the client; a service that does not know it closes the connection. */
    public static final int MAGIC = 0x534f4331; // "SOC1"

    public static final byte ACCEPTED = 'A';
    public static final byte OUT = 'O';
    public static final byte ERR = 'E';
    public static final byte EXIT = 'X';
    /** No argument or frame is larger: a forged length must not size an allocation. */
    public static final int MAX_LENGTH = 1 << 20;

    public static final int MAX_ARGUMENTS = 4096;

    private Protocol() {}

    public static void writeRequest(DataOutputStream out, List<String> args) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(args.size());
        for (String a : args) {
            byte[] b = a.getBytes(StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
        }
        out.flush();
    }

    /** The arguments a client sent; an IOException for anything else. */
    public static List<String> readRequest(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not a structops client");
        }
        int n = in.readInt();
        if (n < 0 || n > MAX_ARGUMENTS) {
            throw new IOException(n + " arguments");
        }
        List<String> args = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            args.add(new String(payload(in), StandardCharsets.UTF_8));
        }
        return args;
    }

    public static void writeFrame(DataOutputStream out, byte type, byte[] payload, int offset, int length)
            throws IOException {
        out.writeByte(type);
        out.writeInt(length);
        out.write(payload, offset, length);
        out.flush();
    }

    public static void writeExit(DataOutputStream out, int status) throws IOException {
        out.writeByte(EXIT);
        out.writeInt(4);
        out.writeInt(status);
        out.flush();
    }

    /** One frame: its type, and its payload. */
    public record Frame(byte type, byte[] payload) {}

    /** The next frame; EOFException when the service closed the connection. */
    public static Frame readFrame(DataInputStream in) throws IOException {
        byte type = in.readByte();
        return new Frame(type, payload(in));
    }

    private static byte[] payload(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_LENGTH) {
            throw new IOException("a frame of " + length + " bytes");
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return b;
    }
}
