package io.structops.shell.internal;

import io.structops.client.Protocol;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's command socket: a Unix-domain socket (mode 0600, in a directory only its user can enter) on which
 * the launcher's client hands over one-shot commands, so that they run in this runtime, with its objects and
 * handlers, instead of a fresh one. Each connection is one command, run on a thread of its own; only this user and
 * root are served (SO_PEERCRED). A socket file another service still answers on is left alone; a stale one (its
 * service gone) is replaced.
 */
final class CommandSocket implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommandSocket.class);

    /** Runs a command (its arguments, and streams for out and err) and returns its exit status. */
    interface Runner {
        int run(List<String> args, PrintStream out, PrintStream err);
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final Runner runner;
    private final String user = System.getProperty("user.name");

    private CommandSocket(Path path, ServerSocketChannel server, Runner runner) {
        this.path = path;
        this.server = server;
        this.runner = runner;
    }

    /** Listens on {@code path}; empty (with the reason logged) when it cannot, and the runtime runs on without. */
    static Optional<CommandSocket> open(Path path, Runner runner) {
        try {
            Path dir = path.toAbsolutePath().getParent();
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            if (!Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"))
                    || Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).stream()
                            .anyMatch(p -> p.name().startsWith("GROUP_WRITE")
                                    || p.name().startsWith("OTHERS_WRITE"))) {
                LOG.warn("command socket: {} is not this user's own directory; one-shot commands run standalone", dir);
                return Optional.empty();
            }
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                if (answers(path)) {
                    LOG.warn(
                            "command socket: another structops service listens on {}; this one takes no commands",
                            path);
                    return Optional.empty();
                }
                Files.delete(path); // stale: its service is gone
            }
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            CommandSocket socket = new CommandSocket(path, server, runner);
            Thread.ofPlatform().daemon().name("structops-command-socket").start(socket::accept);
            LOG.info("command socket {}: one-shot commands of {} run in this runtime", path, socket.user);
            return Optional.of(socket);
        } catch (IOException | RuntimeException e) {
            LOG.warn("command socket {}: {}; one-shot commands run standalone", path, e.toString());
            return Optional.empty();
        }
    }

    private static boolean answers(Path path) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().name("structops-command").start(() -> serve(client));
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.warn("command socket: {}", e.toString());
                }
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            String who = peer.user().getName();
            if (!who.equals(user) && !who.equals("root")) {
                LOG.warn("command socket: refused a command of user {} (only {} and root are served)", who, user);
                return;
            }
            DataOutputStream out = new DataOutputStream(Channels.newOutputStream(client));
            List<String> args = Protocol.readRequest(new DataInputStream(Channels.newInputStream(client)));
            if (args.isEmpty()) {
                return;
            }
            LOG.debug("command socket: {} runs {}", who, args);
            Protocol.writeFrame(out, Protocol.ACCEPTED, new byte[0], 0, 0);
            Thread worker = Thread.currentThread();
            PrintStream o = new PrintStream(new Frames(out, Protocol.OUT, worker), true, StandardCharsets.UTF_8);
            PrintStream e = new PrintStream(new Frames(out, Protocol.ERR, worker), true, StandardCharsets.UTF_8);
            int status = runner.run(args, o, e);
            o.flush();
            e.flush();
            Protocol.writeExit(out, status);
        } catch (IOException e) {
            LOG.debug("command socket: a client went away: {}", e.toString());
        }
    }

    /**
     * Output written as frames of one type. When the client has gone (Ctrl-C), the command's thread is interrupted,
     * so that a command that follows something (events) ends rather than writing into nothing.
     */
    private static final class Frames extends OutputStream {
        private final DataOutputStream out;
        private final byte type;
        private final Thread worker;

        Frames(DataOutputStream out, byte type, Thread worker) {
            this.out = out;
            this.type = type;
            this.worker = worker;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                synchronized (out) {
                    Protocol.writeFrame(out, type, b, off, len);
                }
            } catch (IOException e) {
                worker.interrupt();
                throw e;
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.debug("command socket: {}", e.toString());
        }
    }
}
