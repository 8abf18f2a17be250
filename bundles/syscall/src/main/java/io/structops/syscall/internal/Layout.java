package io.structops.syscall.internal;

/**
 * Offsets and sizes in {@code union bpf_attr} and the info structs, from the kernel's {@code include/uapi/linux/bpf.h}
 * (as of 6.18). A test compiles a C program against the installed header and compares every offset it knows.
 */
final class Layout {
    private Layout() {}

    // BPF_MAP_CREATE
    static final int MAP_CREATE_SIZE = 80;
    static final int MC_MAP_TYPE = 0;
    static final int MC_KEY_SIZE = 4;
    static final int MC_VALUE_SIZE = 8;
    static final int MC_MAX_ENTRIES = 12;
    static final int MC_MAP_FLAGS = 16;
    static final int MC_INNER_MAP_FD = 20;
    static final int MC_NUMA_NODE = 24;
    static final int MC_MAP_NAME = 28;
    static final int MC_MAP_IFINDEX = 44;
    static final int MC_BTF_FD = 48;
    static final int MC_BTF_KEY_TYPE_ID = 52;
    static final int MC_BTF_VALUE_TYPE_ID = 56;
    static final int MC_BTF_VMLINUX_VALUE_TYPE_ID = 60;
    static final int MC_MAP_EXTRA = 64;
    static final int MC_VALUE_TYPE_BTF_OBJ_FD = 72; // 6.9+

    // BPF_MAP_*_ELEM, BPF_MAP_GET_NEXT_KEY
    static final int ELEM_SIZE = 32;
    static final int EL_MAP_FD = 0;
    static final int EL_KEY = 8;
    static final int EL_VALUE = 16;
    static final int EL_FLAGS = 24;

    // BPF_MAP_FREEZE, BPF_LINK_DETACH: one u32
    static final int FD_ONLY_SIZE = 4;

    // BPF_PROG_LOAD
    static final int PROG_LOAD_SIZE = 128;
    static final int PL_PROG_TYPE = 0;
    static final int PL_INSN_CNT = 4;
    static final int PL_INSNS = 8;
    static final int PL_LICENSE = 16;
    static final int PL_LOG_LEVEL = 24;
    static final int PL_LOG_SIZE = 28;
    static final int PL_LOG_BUF = 32;
    static final int PL_KERN_VERSION = 40;
    static final int PL_PROG_FLAGS = 44;
    static final int PL_PROG_NAME = 48;
    static final int PL_PROG_IFINDEX = 64;
    static final int PL_EXPECTED_ATTACH_TYPE = 68;
    static final int PL_PROG_BTF_FD = 72;
    static final int PL_FUNC_INFO_REC_SIZE = 76;
    static final int PL_FUNC_INFO = 80;
    static final int PL_FUNC_INFO_CNT = 88;
    static final int PL_LINE_INFO_REC_SIZE = 92;
    static final int PL_LINE_INFO = 96;
    static final int PL_LINE_INFO_CNT = 104;
    static final int PL_ATTACH_BTF_ID = 108;
    static final int PL_ATTACH_BTF_OBJ_FD = 112;
    static final int PL_FD_ARRAY = 120;

    // BPF_OBJ_PIN, BPF_OBJ_GET
    static final int OBJ_SIZE = 16;
    static final int OBJ_PATHNAME = 0;
    static final int OBJ_BPF_FD = 8;
    static final int OBJ_FILE_FLAGS = 12;

    // BPF_MAP_LOOKUP_BATCH
    static final int BATCH_SIZE = 56;
    static final int BA_IN_BATCH = 0;
    static final int BA_OUT_BATCH = 8;
    static final int BA_KEYS = 16;
    static final int BA_VALUES = 24;
    static final int BA_COUNT = 32;
    static final int BA_MAP_FD = 36;

    // BPF_ENABLE_STATS
    static final int ENABLE_STATS_SIZE = 4;
    static final int ES_TYPE = 0;

    // BPF_PROG_BIND_MAP
    static final int PROG_BIND_MAP_SIZE = 12;
    static final int PBM_PROG_FD = 0;
    static final int PBM_MAP_FD = 4;
    static final int PBM_FLAGS = 8;
    static final int BPF_STATS_RUN_TIME = 0;

    // BPF_*_GET_NEXT_ID, BPF_*_GET_FD_BY_ID
    static final int ID_SIZE = 12;
    static final int ID_START_ID = 0;
    static final int ID_NEXT_ID = 4;
    static final int ID_OPEN_FLAGS = 8;

    // BPF_OBJ_GET_INFO_BY_FD
    static final int INFO_SIZE = 16;
    static final int IN_BPF_FD = 0;
    static final int IN_INFO_LEN = 4;
    static final int IN_INFO = 8;

    // BPF_BTF_LOAD
    static final int BTF_LOAD_SIZE = 32;
    static final int BL_BTF = 0;
    static final int BL_LOG_BUF = 8;
    static final int BL_BTF_SIZE = 16;
    static final int BL_LOG_SIZE = 20;
    static final int BL_LOG_LEVEL = 24;

    // BPF_LINK_CREATE
    static final int LINK_CREATE_SIZE = 48;
    static final int LC_PROG_FD = 0;
    static final int LC_TARGET_FD = 4;
    static final int LC_ATTACH_TYPE = 8;
    static final int LC_FLAGS = 12;

    // BPF_LINK_UPDATE
    static final int LINK_UPDATE_SIZE = 16;
    static final int LU_LINK_FD = 0;
    static final int LU_NEW_FD = 4;
    static final int LU_FLAGS = 8;

    // struct bpf_map_info
    static final int MAP_INFO_SIZE = 88;
    static final int MI_TYPE = 0;
    static final int MI_ID = 4;
    static final int MI_KEY_SIZE = 8;
    static final int MI_VALUE_SIZE = 12;
    static final int MI_MAX_ENTRIES = 16;
    static final int MI_MAP_FLAGS = 20;
    static final int MI_NAME = 24;
    static final int MI_BTF_VMLINUX_VALUE_TYPE_ID = 44;
    static final int MI_BTF_ID = 64;
    static final int MI_BTF_KEY_TYPE_ID = 68;
    static final int MI_BTF_VALUE_TYPE_ID = 72;
    static final int MI_BTF_VMLINUX_ID = 76;
    static final int BI_BTF = 0;

    // struct bpf_prog_info
    static final int PROG_INFO_SIZE = 232;
    static final int PI_TYPE = 0;
    static final int PI_ID = 4;
    static final int PI_NR_MAP_IDS = 52;
    static final int PI_MAP_IDS = 56;
    static final int PI_NAME = 64;
    static final int PI_TAG = 8;
    static final int PI_BTF_ID = 128;
    static final int PI_FUNC_INFO_REC_SIZE = 132;
    static final int PI_FUNC_INFO = 136;
    static final int PI_NR_FUNC_INFO = 144;
    static final int PI_RUN_TIME_NS = 192;
    static final int PI_RUN_CNT = 200;
    static final int PI_ATTACH_BTF_ID = 224;

    // struct bpf_btf_info
    static final int BTF_INFO_SIZE = 32;
    static final int BI_BTF_SIZE = 8;
    static final int BI_ID = 12;
    static final int BI_NAME = 16;
    static final int BI_NAME_LEN = 24;
    static final int BI_KERNEL_BTF = 28;

    // struct bpf_link_info
    static final int LINK_INFO_SIZE = 48;
    static final int LI_TYPE = 0;
    static final int LI_ID = 4;
    static final int LI_PROG_ID = 8;
    static final int LI_STRUCT_OPS_MAP_ID = 16;
}
