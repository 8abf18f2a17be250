// SPDX-License-Identifier: GPL-2.0
/*
 * A fixed-window congestion control with a typed ksym: bpf_prog_active, a per-CPU kernel variable that vmlinux BTF
 * describes, read through bpf_this_cpu_ptr(), and a weak one no kernel has. The loader resolves the first to the
 * VAR's BTF id; the kernel then needs its address from kallsyms, which only CONFIG_KALLSYMS_ALL kernels list.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#define FIXED_CWND 10

extern const int bpf_prog_active __ksym;
extern const int structops_no_such_variable __ksym __weak;

int seen_prog_active = -1;
u32 has_no_such_variable = 99;

SEC("struct_ops/ks_init")
void BPF_PROG(ks_init, struct sock *sk)
{
	int *active = bpf_this_cpu_ptr(&bpf_prog_active);

	seen_prog_active = *active;
	has_no_such_variable = bpf_ksym_exists(&structops_no_such_variable);
}

SEC("struct_ops/ks_ssthresh")
u32 BPF_PROG(ks_ssthresh, struct sock *sk)
{
	return FIXED_CWND;
}

SEC("struct_ops/ks_cong_avoid")
void BPF_PROG(ks_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/ks_undo_cwnd")
u32 BPF_PROG(ks_undo_cwnd, struct sock *sk)
{
	return FIXED_CWND;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_ksym = {
	.init = (void *)ks_init,
	.ssthresh = (void *)ks_ssthresh,
	.cong_avoid = (void *)ks_cong_avoid,
	.undo_cwnd = (void *)ks_undo_cwnd,
	.name = "structops_ksym",
};
