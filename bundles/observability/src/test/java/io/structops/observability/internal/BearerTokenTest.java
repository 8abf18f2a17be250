package io.structops.observability.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokenTest {
    @TempDir
    Path dir;

    private Path file(String name, String text, String mode) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    @Test
    void aPrivateFileAdmitsItsTokenOnly() throws IOException {
        BearerToken t = BearerToken.read(file("token", "0123456789abcdefXYZ\n", "rw-------"));
        assertTrue(t.admits("Bearer 0123456789abcdefXYZ"));
        assertTrue(t.admits("bearer 0123456789abcdefXYZ"));
        assertFalse(t.admits("Bearer 0123456789abcdefXY"));
        assertFalse(t.admits("Basic 0123456789abcdefXYZ"));
        assertFalse(t.admits(null));
    }

    /** As a Kubernetes Secret with fsGroup gives it to a non-root service: readable by the service's own group. */
    @Test
    void itsOwnGroupMayReadIt() throws IOException {
        BearerToken t = BearerToken.read(file("token", "0123456789abcdefXYZ\n", "r--r-----"));
        assertTrue(t.admits("Bearer 0123456789abcdefXYZ"));
    }

    @Test
    void aFileOthersMayReadIsRefused() throws IOException {
        Path f = file("token", "0123456789abcdefXYZ\n", "rw-r--r--");
        IOException e = assertThrows(IOException.class, () -> BearerToken.read(f));
        assertTrue(e.getMessage().contains("others may use it (rw-r--r--)"), e.getMessage());
    }

    @Test
    void aLinkOutOfItsDirectoryAShortTokenAndALargeFileAreRefused() throws IOException {
        Path target = file("token", "0123456789abcdefXYZ\n", "rw-------");
        Path outside = Files.createSymbolicLink(dir.resolve("link"), Path.of("/etc/hostname"));
        assertTrue(assertThrows(IOException.class, () -> BearerToken.read(outside))
                .getMessage()
                .contains("outside its directory"));
        assertTrue(BearerToken.read(Files.createSymbolicLink(dir.resolve("within"), target.getFileName()))
                .admits("Bearer 0123456789abcdefXYZ"));
        Path shortOne = file("short", "abc\n", "rw-------");
        assertTrue(assertThrows(IOException.class, () -> BearerToken.read(shortOne))
                .getMessage()
                .contains("at least 16"));
        Path big = file("big", "x".repeat(5000), "rw-------");
        assertTrue(assertThrows(IOException.class, () -> BearerToken.read(big))
                .getMessage()
                .contains("more than the 4096 allowed"));
    }
}
