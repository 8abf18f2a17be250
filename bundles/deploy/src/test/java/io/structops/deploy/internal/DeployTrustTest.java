package io.structops.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.structops.deploy.internal.DeployTrust.UntrustedFileException;
import io.structops.syscall.files.OpenFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deploy directory's trust rules, on real files: modes, owners and file types set as an attacker or a careless
 * admin would. Changing a file's owner needs root, which the kernel tests have; elsewhere those cases are skipped.
 */
class DeployTrustTest {
    @TempDir
    Path dir;

    @BeforeEach
    void privateDirectory() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String refusal(Path file) {
        return assertThrows(UntrustedFileException.class, () -> DeployTrust.read(file, 1 << 20))
                .getMessage();
    }

    @Test
    void aPrivateDirectoryAndAnOwnFileAreTrustedAndRead() throws Exception {
        Path file = Files.writeString(dir.resolve("cc.bpf.o"), "x");
        assertArrayEquals("x".getBytes(StandardCharsets.UTF_8), DeployTrust.read(file, 1 << 20));
    }

    @Test
    void aDirectoryEveryoneMayWriteToIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("cc.bpf.o"), "x");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        String why = refusal(file);
        assertTrue(why.contains("is writable by everyone (rwxrwxrwx)") && why.contains(dir.toString()), why);
    }

    @Test
    void aFileEveryoneOrItsGroupMayWriteIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("cc.bpf.o"), "x");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertEquals("it is writable by everyone (rw-rw-rw-); chmod go-w", refusal(file));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
        assertEquals("it is writable by its group (rw-rw-r--); chmod go-w", refusal(file));
    }

    @Test
    void aSymbolicLinkOutOfTheDirectoryIsRefusedEvenToATrustedFile(@TempDir Path elsewhere) throws Exception {
        Path target = Files.writeString(elsewhere.resolve("real.bpf.o"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("cc.bpf.o"), target);
        assertEquals(
                "it is a symbolic link to " + target.toRealPath() + ", outside its directory " + dir.toRealPath()
                        + "; put the file itself in the deploy directory",
                refusal(link));
        Path dangling = Files.createSymbolicLink(dir.resolve("gone.bpf.o"), dir.resolve("nothing"));
        assertTrue(refusal(dangling).startsWith("it is a symbolic link that leads nowhere"), refusal(dangling));
    }

    /**
     * A Kubernetes ConfigMap as the kubelet mounts it: a read-only directory of mode 777 holding links through
     * {@code ..data} to a timestamped directory. Read through the links; the same directory writable is refused.
     */
    @Test
    void aConfigMapMountIsReadThroughItsLinks() throws Exception {
        assumeTrue(DeployTrust.runtimeUid() == 0, "mounting needs root");
        Path mount = Files.createDirectory(dir.resolve("configmap"));
        run("mount", "-t", "tmpfs", "-o", "mode=0777", "structops-test", mount.toString());
        try {
            Path data = Files.createDirectory(mount.resolve("..2026_12_05_12_00_00.1"));
            Files.writeString(data.resolve("cc.bpf.o"), "x");
            Files.createSymbolicLink(
                    mount.resolve("..data"), Path.of(data.getFileName().toString()));
            Path file = Files.createSymbolicLink(mount.resolve("cc.bpf.o"), Path.of("..data/cc.bpf.o"));
            assertTrue(refusal(file).contains("is writable by everyone (rwxrwxrwx)"), refusal(file));
            run("mount", "-o", "remount,ro", mount.toString());
            assertArrayEquals("x".getBytes(StandardCharsets.UTF_8), DeployTrust.read(file, 1 << 20));
        } finally {
            run("umount", mount.toString());
        }
    }

    private static void run(String... command) throws Exception {
        assertEquals(0, new ProcessBuilder(command).inheritIO().start().waitFor(), String.join(" ", command));
    }

    @Test
    void aFifoOrADeviceIsRefusedWithoutReadingIt() throws Exception {
        Path fifo = dir.resolve("cc.bpf.o");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Files.setPosixFilePermissions(fifo, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("it is a FIFO, not a regular file", refusal(fifo));
        assertEquals(
                "it is a character device, not a regular file",
                DeployTrust.fileProblem(OpenFile.statusOf(Path.of("/dev/null")), 0)
                        .orElseThrow());
    }

    @Test
    void aFileOfAnotherUserIsRefused() throws Exception {
        assumeTrue(DeployTrust.runtimeUid() == 0, "changing a file's owner needs root");
        Path file = Files.writeString(dir.resolve("cc.bpf.o"), "x");
        Files.setAttribute(file, "unix:uid", 65534);
        assertEquals("it is owned by uid 65534, neither root nor the runtime's user (uid 0)", refusal(file));
    }

    @Test
    void aDirectoryOfAnotherUserIsRefused() throws Exception {
        assumeTrue(DeployTrust.runtimeUid() == 0, "changing a directory's owner needs root");
        Path file = Files.writeString(dir.resolve("cc.bpf.o"), "x");
        Files.setAttribute(dir, "unix:uid", 65534);
        assertTrue(refusal(file).contains("is owned by uid 65534, neither root nor the runtime's user"));
    }

    @Test
    void aFileLargerThanTheLimitIsRefusedByWhatIsRead() throws Exception {
        Path file = Files.write(dir.resolve("cc.bpf.o"), new byte[5000]);
        assertTrue(assertThrows(IOException.class, () -> DeployTrust.read(file, 4096))
                .getMessage()
                .contains("more than the 4096 allowed"));
    }
}
