// SPDX-License-Identifier: GPL-2.0
/*
 * A broken next version of tcp_cc_link.bpf.c: the same struct_ops variable and algorithm name (structops_fixed),
 * but ssthresh reads far past struct sock, so the verifier refuses it. Swapping it in must leave the running
 * version attached.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("struct_ops/broken_ssthresh")
u32 BPF_PROG(broken_ssthresh, struct sock *sk)
{
	return *(u32 *)((char *)sk + 1000000);
}

SEC("struct_ops/broken_cong_avoid")
void BPF_PROG(broken_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/broken_undo_cwnd")
u32 BPF_PROG(broken_undo_cwnd, struct sock *sk)
{
	return 10;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_fixed = {
	.ssthresh = (void *)broken_ssthresh,
	.cong_avoid = (void *)broken_cong_avoid,
	.undo_cwnd = (void *)broken_undo_cwnd,
	.name = "structops_fixed",
};
