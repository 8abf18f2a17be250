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

    @Test
    void aFileOthersMayReadIsRefused() throws IOException {
        Path f = file("token", "0123456789abcdefXYZ\n", "rw-r--r--");
        IOException e = assertThrows(IOException.class, () -> BearerToken.read(f));
        assertTrue(e.getMessage().contains("group or others may use it"), e.getMessage());
    }

    @Test
    void aLinkAShortTokenAndALargeFileAreRefused() throws IOException {
        Path target = file("token", "0123456789abcdefXYZ\n", "rw-------");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        assertTrue(assertThrows(IOException.class, () -> BearerToken.read(link))
                .getMessage()
                .contains("not a regular file"));
        Path shortOne = file("short", "abc\n", "rw-------");
        assertTrue(assertThrows(IOException.class, () -> BearerToken.read(shortOne))
                .getMessage()
                .contains("at least 16"));
        Path big = file("big", "x".repeat(5000), "rw-------");
        assertTrue(assertThrows(IOException.class, () -> BearerToken.read(big))
                .getMessage()
                .contains("5000 bytes"));
    }
}
