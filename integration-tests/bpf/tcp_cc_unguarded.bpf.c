// SPDX-License-Identifier: GPL-2.0
/*
 * Calls a __weak kfunc no kernel has without asking bpf_ksym_exists() first: the call is reachable, so the verifier
 * refuses the program, and the load must say which function was missing rather than leave "unknown#2002000000".
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

extern u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked) __ksym;
extern u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;
extern void structops_no_such_kfunc(struct sock *sk) __ksym __weak;

SEC("struct_ops/ug_ssthresh")
u32 BPF_PROG(ug_ssthresh, struct sock *sk)
{
	return tcp_reno_ssthresh(sk);
}

SEC("struct_ops/ug_cong_avoid")
void BPF_PROG(ug_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	structops_no_such_kfunc(sk);
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/ug_undo_cwnd")
u32 BPF_PROG(ug_undo_cwnd, struct sock *sk)
{
	return tcp_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_unguarded = {
	.ssthresh = (void *)ug_ssthresh,
	.cong_avoid = (void *)ug_cong_avoid,
	.undo_cwnd = (void *)ug_undo_cwnd,
	.name = "structops_weak",
};
