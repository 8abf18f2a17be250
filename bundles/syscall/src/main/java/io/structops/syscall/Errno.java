package io.structops.syscall;

import java.util.Map;

/** errno values of Linux, by name, including the kernel-internal ones bpf(2) lets out (ENOTSUPP, 524). */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int E2BIG = 7;
    public static final int ENOSPC = 28;
    public static final int ENOSYS = 38;
    public static final int ELOOP = 40;
    public static final int EOPNOTSUPP = 95;
    public static final int ENOTSUPP = 524;

    private static final Map<Integer, String[]> NAMES = Map.ofEntries(
            Map.entry(1, new String[] {"EPERM", "operation not permitted"}),
            Map.entry(2, new String[] {"ENOENT", "no such file or directory"}),
            Map.entry(3, new String[] {"ESRCH", "no such process"}),
            Map.entry(4, new String[] {"EINTR", "interrupted system call"}),
            Map.entry(5, new String[] {"EIO", "input/output error"}),
            Map.entry(6, new String[] {"ENXIO", "no such device or address"}),
            Map.entry(7, new String[] {"E2BIG", "argument list too long"}),
            Map.entry(9, new String[] {"EBADF", "bad file descriptor"}),
            Map.entry(11, new String[] {"EAGAIN", "resource temporarily unavailable"}),
            Map.entry(12, new String[] {"ENOMEM", "cannot allocate memory"}),
            Map.entry(13, new String[] {"EACCES", "permission denied"}),
            Map.entry(14, new String[] {"EFAULT", "bad address"}),
            Map.entry(16, new String[] {"EBUSY", "device or resource busy"}),
            Map.entry(17, new String[] {"EEXIST", "file exists"}),
            Map.entry(18, new String[] {"EXDEV", "invalid cross-device link"}),
            Map.entry(19, new String[] {"ENODEV", "no such device"}),
            Map.entry(20, new String[] {"ENOTDIR", "not a directory"}),
            Map.entry(21, new String[] {"EISDIR", "is a directory"}),
            Map.entry(22, new String[] {"EINVAL", "invalid argument"}),
            Map.entry(23, new String[] {"ENFILE", "too many open files in system"}),
            Map.entry(24, new String[] {"EMFILE", "too many open files"}),
            Map.entry(25, new String[] {"ENOTTY", "inappropriate ioctl for device"}),
            Map.entry(27, new String[] {"EFBIG", "file too large"}),
            Map.entry(28, new String[] {"ENOSPC", "no space left on device"}),
            Map.entry(30, new String[] {"EROFS", "read-only file system"}),
            Map.entry(34, new String[] {"ERANGE", "numerical result out of range"}),
            Map.entry(36, new String[] {"ENAMETOOLONG", "file name too long"}),
            Map.entry(38, new String[] {"ENOSYS", "function not implemented"}),
            Map.entry(39, new String[] {"ENOTEMPTY", "directory not empty"}),
            Map.entry(40, new String[] {"ELOOP", "too many levels of symbolic links"}),
            Map.entry(42, new String[] {"ENOMSG", "no message of desired type"}),
            Map.entry(61, new String[] {"ENODATA", "no data available"}),
            Map.entry(71, new String[] {"EPROTO", "protocol error"}),
            Map.entry(75, new String[] {"EOVERFLOW", "value too large for defined data type"}),
            Map.entry(77, new String[] {"EBADFD", "file descriptor in bad state"}),
            Map.entry(95, new String[] {"EOPNOTSUPP", "operation not supported"}),
            Map.entry(110, new String[] {"ETIMEDOUT", "connection timed out"}),
            Map.entry(114, new String[] {"EALREADY", "operation already in progress"}),
            Map.entry(125, new String[] {"ECANCELED", "operation canceled"}),
            Map.entry(524, new String[] {"ENOTSUPP", "operation not supported by the kernel (ENOTSUPP)"}));

    private Errno() {}

    public static String name(int errno) {
        String[] n = NAMES.get(errno);
        return n == null ? "errno " + errno : n[0];
    }

    public static String describe(int errno) {
        String[] n = NAMES.get(errno);
        return n == null ? "unknown error" : n[1];
    }
}
