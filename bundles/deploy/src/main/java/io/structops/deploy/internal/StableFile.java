package io.structops.deploy.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** Files still being written are not loaded: a file is taken once its size and time have stopped changing. */
final class StableFile {
    private StableFile() {}

    /** Names that editors, copiers and downloaders use while writing: never deployed. */
    static boolean temporary(String name) {
        return name.startsWith(".")
                || name.startsWith("#")
                || name.endsWith("~")
                || name.endsWith(".tmp")
                || name.endsWith(".part")
                || name.endsWith(".swp")
                || name.endsWith(".crdownload");
    }

    /**
     * Waits until {@code file} has kept its size and modification time for {@code quietMillis}; false if it did not
     * settle within {@code timeoutMillis} or vanished.
     */
    static boolean await(Path file, long quietMillis, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        long size = -1;
        long modified = -1;
        long sameSince = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (IOException e) {
                return false;
            }
            long now = System.currentTimeMillis();
            if (a.size() != size || a.lastModifiedTime().toMillis() != modified) {
                size = a.size();
                modified = a.lastModifiedTime().toMillis();
                sameSince = now;
            } else if (now - sameSince >= quietMillis && now - modified >= quietMillis) {
                return true;
            }
            Thread.sleep(Math.min(100, quietMillis));
        }
        return false;
    }
}
