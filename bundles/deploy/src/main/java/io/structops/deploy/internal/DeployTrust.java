package io.structops.deploy.internal;

import io.structops.syscall.files.FileStatus;
import io.structops.syscall.files.OpenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether a file in the deploy directory may be acted on, and its bytes if so. Whoever can write there runs code in
 * the kernel (an object) or in the runtime (a bundle) with the runtime's privileges, or steers what is loaded (a
 * .cfg), so every file the directory acts on passes one check before anything reads it: a regular file (a symbolic
 * link is refused as one), owned by root or by the runtime's own user, writable by neither group nor others, in a
 * directory that others cannot write. The check is made on the descriptor the bytes are then read from, so a rename
 * or a replacement between check and read cannot change what is read.
 */
final class DeployTrust {
    /** A refusal: the message is the reason, to be logged once with the file's name. */
    static final class UntrustedFileException extends IOException {
        private static final long serialVersionUID = 1L;

        UntrustedFileException(String reason) {
            super(reason);
        }
    }

    private DeployTrust() {}

    /** The user the runtime runs as: the owner of its own /proc entry. */
    static int runtimeUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /** {@code file}'s bytes, read from the descriptor that passed the check; at most {@code limit} of them. */
    static byte[] read(Path file, long limit) throws IOException {
        int uid = runtimeUid();
        Path dir = file.toAbsolutePath().getParent();
        Optional<String> dirProblem = directoryProblem("the deploy directory", dir, OpenFile.statusOf(dir), uid);
        if (dirProblem.isPresent()) {
            throw new UntrustedFileException(dirProblem.get());
        }
        OpenFile open;
        try {
            open = OpenFile.openNoFollow(file);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().endsWith("is a symbolic link")) {
                throw new UntrustedFileException("it is a symbolic link; put the file itself in the directory");
            }
            throw e;
        }
        try (open) {
            Optional<String> problem = fileProblem(open.status(), uid);
            if (problem.isPresent()) {
                throw new UntrustedFileException(problem.get());
            }
            return open.readAll(limit);
        }
    }

    /** Why what {@code dir} holds is not to be trusted ({@code what} names it: "the deploy directory"); empty if it is. */
    static Optional<String> directoryProblem(String what, Path dir, FileStatus status, int runtimeUid) {
        if (status.writableByOthers()) {
            return Optional.of(what + " " + dir + " is writable by everyone (" + status.permissions()
                    + "); make it writable by root and the runtime's user only (chmod o-w)");
        }
        if (status.uid() != 0 && status.uid() != runtimeUid) {
            return Optional.of(what + " " + dir + " is owned by uid " + status.uid()
                    + ", neither root nor the runtime's user (uid " + runtimeUid + ")");
        }
        return Optional.empty();
    }

    static Optional<String> fileProblem(FileStatus status, int runtimeUid) {
        if (status.kind() != FileStatus.Kind.REGULAR) {
            return Optional.of("it is " + status.kind().description() + ", not a regular file");
        }
        if (status.uid() != 0 && status.uid() != runtimeUid) {
            return Optional.of("it is owned by uid " + status.uid() + ", neither root nor the runtime's user (uid "
                    + runtimeUid + ")");
        }
        if (status.writableByOthers() || status.writableByGroup()) {
            return Optional.of("it is writable by " + (status.writableByOthers() ? "everyone" : "its group") + " ("
                    + status.permissions() + "); chmod go-w");
        }
        return Optional.empty();
    }
}
