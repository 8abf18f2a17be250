package io.structops.btf;

/** Naming conventions BPF objects use for BTF types. */
public final class BtfNames {
    private BtfNames() {}

    /**
     * The name without its flavour: {@code tcp_congestion_ops___v2} is a {@code tcp_congestion_ops}. Objects use
     * flavours to describe one kernel type several ways (libbpf's convention, followed by CO-RE, struct_ops and
     * kfunc matching alike). Only the last flavour goes: the kernel's own names may hold a triple underscore, so
     * {@code scx_bpf_dsq_insert___v2___compat} is the kernel's {@code scx_bpf_dsq_insert___v2}, not its older
     * {@code scx_bpf_dsq_insert}. A flavour is separated by exactly three underscores between two other
     * characters, as libbpf reads it.
     */
    public static String withoutFlavour(String name) {
        for (int i = name.length() - 5; i >= 0; i--) {
            if (name.charAt(i) != '_' && name.startsWith("___", i + 1) && name.charAt(i + 4) != '_') {
                return name.substring(0, i + 1);
            }
        }
        return name;
    }
}
