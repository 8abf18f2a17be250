package io.structops.observability.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.Set;

/**
 * The token a request beyond loopback must bring ({@code Authorization: Bearer TOKEN}, as Prometheus's
 * {@code authorization.credentials_file} sends it), read from a file that is trusted only when it is a regular file
 * (no link), owned by the service's user or root, readable by nobody else, and small. The file is read once.
 */
final class BearerToken {
    static final int MIN_LENGTH = 16;
    private static final long MAX_SIZE = 4096;
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private final byte[] token;

    private BearerToken(byte[] token) {
        this.token = token;
    }

    /** The token in {@code file}; an IOException that says which check failed. */
    static BearerToken read(Path file) throws IOException {
        PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String owner = a.owner().getName();
        if (!a.isRegularFile()) {
            throw new IOException(file + ": not a regular file");
        }
        if (!owner.equals(System.getProperty("user.name")) && !owner.equals("root")) {
            throw new IOException(file + ": owned by " + owner + ", not by this service's user or root");
        }
        if (a.permissions().stream().anyMatch(OTHERS::contains)) {
            throw new IOException(file + ": group or others may use it (chmod 600)");
        }
        if (a.size() > MAX_SIZE) {
            throw new IOException(file + ": " + a.size() + " bytes; a token file holds one line");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
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
