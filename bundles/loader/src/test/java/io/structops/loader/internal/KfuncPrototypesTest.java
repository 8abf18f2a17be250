package io.structops.loader.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.kernel.btf.internal.KernelBtfSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Declarations of kernel functions against the running kernel's own, by libbpf's rule (and its one exception). */
class KfuncPrototypesTest {
    private static Btf vmlinux;

    @BeforeAll
    static void readKernel() throws Exception {
        vmlinux = KernelBtfSource.running(Loaders.BTF).vmlinux();
    }

    private static int func(Btf btf, String name) {
        return btf.find(name, BtfKind.FUNC).orElseThrow();
    }

    private static boolean match(String local, String kernel) {
        return KfuncPrototypes.match(vmlinux, func(vmlinux, local), vmlinux, func(vmlinux, kernel));
    }

    @Test
    void theSamePrototypeMatches() {
        assertTrue(match("tcp_reno_ssthresh", "tcp_reno_ssthresh"));
        assertTrue(match("tcp_reno_ssthresh", "tcp_reno_undo_cwnd")); // u32 (struct sock *) both
    }

    @Test
    void anotherNumberOfParametersDoesNot() {
        assertFalse(match("tcp_reno_ssthresh", "tcp_reno_cong_avoid"));
    }

    @Test
    void anotherReturnKindDoesNot() {
        assertFalse(match("bpf_task_acquire", "bpf_task_release")); // a pointer against void
    }

    @Test
    void aStructTheObjectOnlyDeclaresMatchesTheKernels() throws Exception {
        // tcp_cc_kfunc declares `struct sock;` only: its parameters point to a FWD, the kernel's to the struct.
        Btf local = ((OpenedObject) Loaders.LOADER.open(Loaders.example("tcp_cc_kfunc.bpf.o"))).btf();
        assertTrue(KfuncPrototypes.match(
                local, func(local, "tcp_reno_cong_avoid"), vmlinux, func(vmlinux, "tcp_reno_cong_avoid")));
        assertFalse(KfuncPrototypes.match(
                local, func(local, "tcp_reno_cong_avoid"), vmlinux, func(vmlinux, "tcp_reno_ssthresh")));
    }
}
