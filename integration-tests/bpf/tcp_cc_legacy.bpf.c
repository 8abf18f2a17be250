// SPDX-License-Identifier: GPL-2.0
/*
 * The fixed-window congestion control again, as a legacy struct_ops (.struct_ops, no link): registered when its map
 * is updated, and it stays registered after the loader exits until it is unregistered (DELETE_ELEM).
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("struct_ops/legacy_ssthresh")
u32 BPF_PROG(legacy_ssthresh, struct sock *sk)
{
	return 10;
}

SEC("struct_ops/legacy_cong_avoid")
void BPF_PROG(legacy_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/legacy_undo_cwnd")
u32 BPF_PROG(legacy_undo_cwnd, struct sock *sk)
{
	return 10;
}

SEC(".struct_ops")
struct tcp_congestion_ops structops_legacy = {
	.ssthresh = (void *)legacy_ssthresh,
	.cong_avoid = (void *)legacy_cong_avoid,
	.undo_cwnd = (void *)legacy_undo_cwnd,
	.name = "so_legacy",
};
