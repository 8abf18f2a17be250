// SPDX-License-Identifier: GPL-2.0
/*
 * A Reno congestion control made of the kernel's own building blocks, called as kfuncs (tcp_reno_ssthresh and
 * friends are kernel functions struct_ops programs may call), plus a weak kfunc no kernel has, guarded by
 * bpf_ksym_exists(): the loader must resolve the first by BTF id and neutralise the second.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

extern u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked) __ksym;
extern u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;
extern void structops_no_such_kfunc(struct sock *sk) __ksym __weak;

u64 kfunc_calls;

SEC("struct_ops/kf_ssthresh")
u32 BPF_PROG(kf_ssthresh, struct sock *sk)
{
	return tcp_reno_ssthresh(sk);
}

SEC("struct_ops/kf_cong_avoid")
void BPF_PROG(kf_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	__sync_fetch_and_add(&kfunc_calls, 1);
	if (bpf_ksym_exists(structops_no_such_kfunc))
		structops_no_such_kfunc(sk);
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/kf_undo_cwnd")
u32 BPF_PROG(kf_undo_cwnd, struct sock *sk)
{
	return tcp_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_kfunc = {
	.ssthresh = (void *)kf_ssthresh,
	.cong_avoid = (void *)kf_cong_avoid,
	.undo_cwnd = (void *)kf_undo_cwnd,
	.name = "structops_kfunc",
};
