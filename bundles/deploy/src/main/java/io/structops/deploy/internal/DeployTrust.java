package io.structops.deploy.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a file dropped in the deploy directory may be loaded into the kernel. Whoever can write there runs code in
 * the kernel with the runtime's privileges, so the directory must not be writable by everyone, and the file must be
 * owned by root or by the runtime's own user (and not be writable by everyone either).
 */
final class DeployTrust {
    private DeployTrust() {
    }

    /** The user the runtime runs as: the owner of its own /proc entry. */
    static int runtimeUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /** Why {@code file} must not be loaded; empty if it may. */
    static Optional<String> problem(Path file) throws IOException {
        return problem(file, runtimeUid());
    }

    static Optional<String> problem(Path file, int runtimeUid) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Set<PosixFilePermission> dirMode = Files.getPosixFilePermissions(dir);
        if (dirMode.contains(PosixFilePermission.OTHERS_WRITE)) {
            return Optional.of("the deploy directory " + dir + " is writable by everyone ("
                    + PosixFilePermissions.toString(dirMode) + "); make it writable by root and the runtime's user"
                    + " only (chmod o-w)");
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        if (mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            return Optional.of("the file is writable by everyone (" + PosixFilePermissions.toString(mode) + ")");
        }
        int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != 0 && owner != runtimeUid) {
            return Optional.of("the file is owned by uid " + owner + ", neither root nor the runtime's user (uid "
                    + runtimeUid + ")");
        }
        return Optional.empty();
    }
}
