package io.structops.observability.internal;

import io.structops.syscall.files.FileStatus;
import io.structops.syscall.files.OpenFile;
import io.structops.syscall.files.ProcessIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * The token a request beyond loopback must bring ({@code Authorization: Bearer TOKEN}, as Prometheus's
 * {@code authorization.credentials_file} sends it), read from a file that is trusted only when it is a regular file
 * (or a link to one in its own directory, as in a Kubernetes Secret mount), owned by the service's user or root,
 * readable by no one else but the service's own group, and small. The checks are made on the descriptor the token is
 * read from. The file is read once.
 */
final class BearerToken {
    static final int MIN_LENGTH = 16;
    private static final long MAX_SIZE = 4096;

    private final byte[] token;

    private BearerToken(byte[] token) {
        this.token = token;
    }

    /** The token in {@code file}; an IOException that says which check failed. */
    static BearerToken read(Path file) throws IOException {
        ProcessIdentity self = ProcessIdentity.current();
        byte[] bytes;
        try (OpenFile open = OpenFile.openWithin(file)) {
            FileStatus s = open.status();
            if (s.kind() != FileStatus.Kind.REGULAR) {
                throw new IOException(file + ": " + s.kind().description() + ", not a regular file");
            }
            if (s.uid() != self.uid() && s.uid() != 0) {
                throw new IOException(file + ": owned by uid " + s.uid() + ", not by this service's user or root");
            }
            if ((s.mode() & 0007) != 0 || ((s.mode() & 0070) != 0 && s.gid() != self.gid())) {
                throw new IOException(file + ": others may use it (" + s.permissions() + "); chmod 600");
            }
            bytes = open.readAll(MAX_SIZE);
        } catch (IOException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(file.toString())
                    ? e
                    : new IOException(file + ": " + e.getMessage(), e);
        }
        String text = new String(bytes, StandardCharsets.UTF_8).strip();
        if (text.length() < MIN_LENGTH || text.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IOException(
                    file + ": the token must be one word of at least " + MIN_LENGTH + " printable characters");
        }
        return new BearerToken(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** Whether an {@code Authorization} header carries this token; compared in constant time. */
    boolean admits(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(token, given);
    }
}
