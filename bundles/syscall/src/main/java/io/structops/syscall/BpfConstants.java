package io.structops.syscall;

/** Numbers from the kernel's UAPI ({@code linux/bpf.h}) that callers pass through {@link Bpf}. */
public final class BpfConstants {
    private BpfConstants() {}

    // enum bpf_map_type
    public static final int MAP_TYPE_HASH = 1;
    public static final int MAP_TYPE_ARRAY = 2;
    public static final int MAP_TYPE_PERCPU_HASH = 5;
    public static final int MAP_TYPE_PERCPU_ARRAY = 6;
    public static final int MAP_TYPE_LRU_HASH = 9;
    public static final int MAP_TYPE_STRUCT_OPS = 26;
    public static final int MAP_TYPE_RINGBUF = 27;
    public static final int MAP_TYPE_ARENA = 33;

    // enum bpf_prog_type
    public static final int PROG_TYPE_STRUCT_OPS = 27;

    // enum bpf_attach_type
    public static final int ATTACH_TYPE_STRUCT_OPS = 44;

    // enum bpf_link_type
    public static final int LINK_TYPE_STRUCT_OPS = 9;

    // map_flags
    public static final int F_RDONLY_PROG = 1 << 7;
    public static final int F_LINK = 1 << 13;
    public static final int F_VTYPE_BTF_OBJ_FD = 1 << 15;

    // prog_flags
    public static final int F_SLEEPABLE = 1 << 4;

    // map update flags
    public static final long ANY = 0;

    /** Log levels for PROG_LOAD and BTF_LOAD. */
    public static final int LOG_LEVEL1 = 1;

    public static final int LOG_LEVEL2 = 2;
}
