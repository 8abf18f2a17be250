package io.structops.syscall.files;

/**
 * What the kernel says of an open file ({@code statx}): its type, permission bits, owner, size and identity.
 *
 * @param kind the file's type
 * @param mode the permission bits ({@code 07777})
 * @param uid the owner's user id
 * @param gid the owner's group id
 * @param size the size in bytes
 * @param device the device it is on ({@code major << 32 | minor})
 * @param inode its inode number
 */
public record FileStatus(Kind kind, int mode, int uid, int gid, long size, long device, long inode) {
    /** File types, as {@code S_IFMT} tells them apart. */
    public enum Kind {
        REGULAR("a regular file"),
        DIRECTORY("a directory"),
        SYMLINK("a symbolic link"),
        FIFO("a FIFO"),
        SOCKET("a socket"),
        CHARACTER_DEVICE("a character device"),
        BLOCK_DEVICE("a block device"),
        UNKNOWN("of an unknown type");

        private final String description;

        Kind(String description) {
            this.description = description;
        }

        /** "a regular file", "a character device", ... */
        public String description() {
            return description;
        }

        static Kind of(int mode) {
            return switch (mode & 0170000) {
                case 0100000 -> REGULAR;
                case 0040000 -> DIRECTORY;
                case 0120000 -> SYMLINK;
                case 0010000 -> FIFO;
                case 0140000 -> SOCKET;
                case 0020000 -> CHARACTER_DEVICE;
                case 0060000 -> BLOCK_DEVICE;
                default -> UNKNOWN;
            };
        }
    }

    public boolean writableByGroup() {
        return (mode & 0020) != 0;
    }

    public boolean writableByOthers() {
        return (mode & 0002) != 0;
    }

    /** The permission bits as {@code ls} shows them, e.g. {@code rw-r--r--}. */
    public String permissions() {
        StringBuilder sb = new StringBuilder(9);
        String letters = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (0400 >> i)) != 0 ? letters.charAt(i) : '-');
        }
        return sb.toString();
    }
}
