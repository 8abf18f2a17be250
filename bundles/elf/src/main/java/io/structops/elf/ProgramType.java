package io.structops.elf;

import java.util.List;
import java.util.Locale;

/**
 * The program type a {@code SEC()} name asks for, matched by prefix as libbpf does. Recognising a type does not mean
 * structops can load it: struct_ops is what it loads; the rest are named so that {@code inspect} can describe any
 * object.
 */
public enum ProgramType {
    STRUCT_OPS("struct_ops", "struct_ops.s"),
    KPROBE(
            "kprobe",
            "kretprobe",
            "kprobe.multi",
            "kretprobe.multi",
            "kprobe.session",
            "uprobe",
            "uretprobe",
            "uprobe.s",
            "uretprobe.s",
            "uprobe.multi",
            "uretprobe.multi",
            "uprobe.multi.s",
            "uretprobe.multi.s",
            "uprobe.session",
            "usdt",
            "usdt.s",
            "ksyscall",
            "kretsyscall"),
    TRACEPOINT("tracepoint", "tp"),
    RAW_TRACEPOINT("raw_tracepoint", "raw_tp", "raw_tracepoint.w", "raw_tp.w"),
    TRACING("tp_btf", "fentry", "fexit", "fmod_ret", "fentry.s", "fexit.s", "fmod_ret.s", "iter", "iter.s"),
    EXT("freplace"),
    LSM("lsm", "lsm.s", "lsm_cgroup"),
    XDP("xdp", "xdp.frags", "xdp/devmap", "xdp/cpumap", "xdp.frags/devmap", "xdp.frags/cpumap"),
    SCHED_CLS("tc", "tcx", "netkit", "classifier"),
    SCHED_ACT("action"),
    SOCKET_FILTER("socket"),
    SK_SKB("sk_skb"),
    SK_MSG("sk_msg"),
    SK_LOOKUP("sk_lookup"),
    SK_REUSEPORT("sk_reuseport"),
    SOCK_OPS("sockops"),
    CGROUP_SKB("cgroup_skb"),
    CGROUP("cgroup"),
    PERF_EVENT("perf_event"),
    SYSCALL("syscall"),
    FLOW_DISSECTOR("flow_dissector"),
    LWT("lwt_in", "lwt_out", "lwt_xmit", "lwt_seg6local"),
    NETFILTER("netfilter"),
    /** A section name no known prefix matches. */
    UNKNOWN();

    private final List<String> prefixes;

    ProgramType(String... prefixes) {
        this.prefixes = List.of(prefixes);
    }

    /** The lower-case name used in tables and JSON, e.g. {@code struct_ops}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Classifies a section name; a leading {@code ?} (not auto-loaded) is ignored. A prefix matches the whole name or
     * the part before {@code /}, so {@code struct_ops/init} and {@code struct_ops} are struct_ops but
     * {@code struct_opsx} is not.
     */
    public static ProgramType ofSection(String section) {
        String name = section.startsWith("?") ? section.substring(1) : section;
        ProgramType best = UNKNOWN;
        int bestLength = -1;
        for (ProgramType type : values()) {
            for (String prefix : type.prefixes) {
                if (matches(name, prefix) && prefix.length() > bestLength) {
                    best = type;
                    bestLength = prefix.length();
                }
            }
        }
        return best;
    }

    /** {@code .s} in the prefix part marks a sleepable program ({@code struct_ops.s/}, {@code fentry.s/}, ...). */
    public static boolean isSleepable(String section) {
        String name = section.startsWith("?") ? section.substring(1) : section;
        int slash = name.indexOf('/');
        String head = slash < 0 ? name : name.substring(0, slash);
        return head.endsWith(".s");
    }

    private static boolean matches(String name, String prefix) {
        if (!name.startsWith(prefix)) {
            return false;
        }
        if (name.length() == prefix.length()) {
            return true;
        }
        return name.charAt(prefix.length()) == '/';
    }
}
