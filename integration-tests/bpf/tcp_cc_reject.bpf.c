// SPDX-License-Identifier: GPL-2.0
/* A congestion control the verifier must refuse: ssthresh reads far past the end of struct sock. */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("struct_ops/reject_ssthresh")
u32 BPF_PROG(reject_ssthresh, struct sock *sk)
{
	return *(u32 *)((char *)sk + 1000000);
}

SEC("struct_ops/reject_cong_avoid")
void BPF_PROG(reject_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/reject_undo_cwnd")
u32 BPF_PROG(reject_undo_cwnd, struct sock *sk)
{
	return 10;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_reject = {
	.ssthresh = (void *)reject_ssthresh,
	.cong_avoid = (void *)reject_cong_avoid,
	.undo_cwnd = (void *)reject_undo_cwnd,
	.name = "so_reject",
};
