package io.structops.syscall.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real user and group this process runs as, read from {@code /proc/self/status}: the owner of {@code /proc/self}
 * is root instead for a process that is not dumpable, as a java with file capabilities is.
 *
 * @param uid the real user id
 * @param gid the real group id
 */
public record ProcessIdentity(int uid, int gid) {

    public static ProcessIdentity current() throws IOException {
        int uid = -1;
        int gid = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                uid = first(line);
            } else if (line.startsWith("Gid:")) {
                gid = first(line);
            }
        }
        if (uid < 0 || gid < 0) {
            throw new IOException("/proc/self/status names no Uid or Gid");
        }
        return new ProcessIdentity(uid, gid);
    }

    private static int first(String line) throws IOException {
        try {
            return Integer.parseInt(line.substring(4).strip().split("\\s+")[0]);
        } catch (NumberFormatException e) {
            throw new IOException("/proc/self/status: " + line);
        }
    }
}
