package io.structops.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deploy directory's trust rules, on real files: modes and owners set as an attacker or a careless admin would. */
class DeployTrustTest {

    @Test
    void aPrivateDirectoryAndAnOwnFileAreTrusted(@TempDir Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = Files.writeString(dir.resolve("cc.bpf.o"), "x");
        assertEquals(Optional.empty(), DeployTrust.problem(file));
    }

    @Test
    void aDirectoryEveryoneMayWriteToIsRefused(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("cc.bpf.o"), "x");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        String why = DeployTrust.problem(file).orElseThrow();
        assertTrue(why.contains("is writable by everyone (rwxrwxrwx)") && why.contains(dir.toString()), why);
    }

    @Test
    void aFileEveryoneMayWriteIsRefused(@TempDir Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = Files.writeString(dir.resolve("cc.bpf.o"), "x");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertTrue(DeployTrust.problem(file).orElseThrow().contains("the file is writable by everyone"));
    }

    @Test
    void aFileOfAnotherUserIsRefused(@TempDir Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = Files.writeString(dir.resolve("cc.bpf.o"), "x");
        int me = DeployTrust.runtimeUid();
        // Judged as a runtime running as another user: a file of ours is then someone else's (unless we are root,
        // whose files are always trusted).
        int other = me == 0 ? 4242 : me + 1;
        if (me == 0) {
            Files.setAttribute(file, "unix:uid", other);
            assertEquals("the file is owned by uid 4242, neither root nor the runtime's user (uid 0)",
                    DeployTrust.problem(file).orElseThrow());
        } else {
            assertTrue(DeployTrust.problem(file, other).orElseThrow().contains("owned by uid " + me));
        }
    }
}
