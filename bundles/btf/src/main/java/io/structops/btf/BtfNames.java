package io.structops.btf;

/** Naming conventions BPF objects use for BTF types. */
public final class BtfNames {
    private BtfNames() {}

    /**
     * The name without its flavour: {@code tcp_congestion_ops___v2} is a {@code tcp_congestion_ops}. Objects use
     * flavours to describe one kernel type several ways (libbpf's convention, followed by CO-RE, struct_ops and
     * kfunc matching alike).
     */
    public static String withoutFlavour(String name) {
        int i = name.indexOf("___");
        return i > 0 ? name.substring(0, i) : name;
    }
}
