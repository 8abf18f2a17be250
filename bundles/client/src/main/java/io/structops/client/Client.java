package io.structops.client;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code java -cp structops-client.jar io.structops.client.Client SOCKET COMMAND [ARGS...]}: runs one command in
 * the service listening on SOCKET, copying its output and ending with its exit status. Exits {@value #NO_SERVICE}
 * without writing anything when no service answers there, so that the launcher runs the command itself instead.
 */
public final class Client {
    /** Nothing was sent or received: the launcher runs the command standalone. */
    public static final int NO_SERVICE = 125;
    /** The service went away after the command had started: its outcome is unknown. */
    public static final int SERVICE_LOST = 1;

    private Client() {}

    public static void main(String[] argv) throws IOException {
        if (argv.length == 1 && argv[0].equals("--train")) {
            System.exit(train());
        }
        int status = command(argv, System.out, System.err);
        System.out.flush();
        System.err.flush();
        // Nothing is left to do on the way out (no shutdown hook, no file to delete): halting skips the JVM's
        // orderly exit, a few of the 50 ms a served command costs here.
        Runtime.getRuntime().halt(status);
    }

    /** {@code SOCKET COMMAND [ARGS...]}: the command's exit status, or {@value #NO_SERVICE}. */
    static int command(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length < 2) {
            err.println("usage: Client SOCKET COMMAND [ARGS...]");
            return 2;
        }
        return run(Path.of(argv[0]), List.of(argv).subList(1, argv.length), out, err);
    }

    /**
     * One request against a stand-in service on a socket of its own, so that a JVM writing an ahead-of-time cache
     * ({@code -XX:AOTCacheOutput}, runtime/bin/build) sees the classes a real command uses without a service running:
     * the client's start is most of a served command's time. Returns the stand-in's exit status, 0.
     */
    static int train() throws IOException {
        Path dir = Files.createTempDirectory("structops-client-train");
        Path socket = dir.resolve("train.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread service = Thread.ofPlatform().start(() -> {
                try (SocketChannel c = server.accept()) {
                    Protocol.readRequest(new DataInputStream(Channels.newInputStream(c)));
                    DataOutputStream reply = new DataOutputStream(Channels.newOutputStream(c));
                    byte[] text = "trained\n".getBytes(StandardCharsets.UTF_8);
                    Protocol.writeFrame(reply, Protocol.ACCEPTED, new byte[0], 0, 0);
                    Protocol.writeFrame(reply, Protocol.OUT, text, 0, text.length);
                    Protocol.writeFrame(reply, Protocol.ERR, text, 0, 0);
                    Protocol.writeFrame(reply, Protocol.EXIT, new byte[4], 0, 4);
                } catch (IOException e) {
                    // the client's run reports it
                }
            });
            PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
            // Through main's own path, so that the cache holds what a real command loads.
            int status = command(new String[] {socket.toString(), "list"}, sink, sink);
            service.join();
            return status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SERVICE_LOST;
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    static int run(Path socket, List<String> args, PrintStream out, PrintStream err) {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            // No service there, a stale socket file, or one this user may not use: the launcher runs it itself.
            return NO_SERVICE;
        }
        boolean started = false;
        try (channel) {
            DataOutputStream request = new DataOutputStream(Channels.newOutputStream(channel));
            Protocol.writeRequest(request, args);
            DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
            while (true) {
                Protocol.Frame f = Protocol.readFrame(in);
                switch (f.type()) {
                    case Protocol.ACCEPTED -> started = true;
                    case Protocol.OUT -> out.write(f.payload(), 0, f.payload().length);
                    case Protocol.ERR -> err.write(f.payload(), 0, f.payload().length);
                    case Protocol.EXIT -> {
                        out.flush();
                        return ByteBuffer.wrap(f.payload()).getInt();
                    }
                    default -> throw new IOException("an unknown frame type " + f.type());
                }
                out.flush();
            }
        } catch (IOException e) {
            if (!started) {
                // Refused before any answer (a service of another build, or one that would not serve this user).
                return NO_SERVICE;
            }
            out.flush();
            err.println("structops " + args.get(0) + ": the service ended while the command ran (" + e.getMessage()
                    + "); whether it completed is not known");
            return SERVICE_LOST;
        }
    }
}
