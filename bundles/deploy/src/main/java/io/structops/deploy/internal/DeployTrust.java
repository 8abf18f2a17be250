package io.structops.deploy.internal;

import io.structops.syscall.files.FileStatus;
import io.structops.syscall.files.OpenFile;
import io.structops.syscall.files.ProcessIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether a file in the deploy directory may be acted on, and its bytes if so. Whoever can write there runs code in
 * the kernel (an object) or in the runtime (a bundle) with the runtime's privileges, or steers what is loaded (a
 * .cfg), so every file the directory acts on passes one check before anything reads it: a regular file, owned by
 * root or by the runtime's own user, writable by neither group nor others, in a directory that others cannot write.
 * The check is made on the descriptor the bytes are then read from, so a rename or a replacement between check and
 * read cannot change what is read.
 *
 * <p>Kubernetes mounts a ConfigMap as a read-only directory (mode 777) of links, {@code NAME -> ..data/NAME} and
 * {@code ..data -> ..TIMESTAMP/}, and updates it by moving {@code ..data}. So that such a directory can be the deploy
 * directory (a rollout is a ConfigMap change), a directory on a read-only mount counts as writable by no one, and a
 * link is followed when it leads to a file inside the deploy directory itself, which is then checked as any file and
 * its own directory as the deploy directory. A link leading out of it is refused.
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

    /** The user the runtime runs as (its real uid: /proc/self is root's when it is not dumpable). */
    static int runtimeUid() throws IOException {
        return ProcessIdentity.current().uid();
    }

    /** {@code file}'s bytes, read from the descriptor that passed the check; at most {@code limit} of them. */
    static byte[] read(Path file, long limit) throws IOException {
        int uid = runtimeUid();
        checkDirectory(file.toAbsolutePath().getParent(), uid);
        try (OpenFile open = openWithin(file, uid)) {
            Optional<String> problem = fileProblem(open.status(), uid);
            if (problem.isPresent()) {
                throw new UntrustedFileException(problem.get());
            }
            return open.readAll(limit);
        }
    }

    /**
     * {@code file} itself, or the file inside the deploy directory that the link {@code file} leads to, whose own
     * directory is then checked as the deploy directory is.
     */
    private static OpenFile openWithin(Path file, int uid) throws IOException {
        OpenFile open;
        try {
            open = OpenFile.openWithin(file);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("it is a symbolic link")) {
                throw new UntrustedFileException(e.getMessage() + "; put the file itself in the deploy directory");
            }
            throw e;
        }
        try {
            if (!open.path().equals(file)) {
                checkDirectory(open.path().getParent(), uid);
            }
            return open;
        } catch (IOException | RuntimeException e) {
            open.close();
            throw e;
        }
    }

    private static void checkDirectory(Path dir, int uid) throws IOException {
        Optional<String> problem = directoryProblem(
                "the deploy directory", dir, OpenFile.statusOf(dir), OpenFile.onReadOnlyMount(dir), uid);
        if (problem.isPresent()) {
            throw new UntrustedFileException(problem.get());
        }
    }

    /** Why what {@code dir} holds is not to be trusted ({@code what} names it: "the deploy directory"); empty if it is. */
    static Optional<String> directoryProblem(
            String what, Path dir, FileStatus status, boolean readOnlyMount, int runtimeUid) {
        if (status.writableByOthers() && !readOnlyMount) {
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
