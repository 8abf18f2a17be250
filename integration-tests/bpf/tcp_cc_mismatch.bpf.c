// SPDX-License-Identifier: GPL-2.0
/* A data member whose type differs from the kernel's: flags is a u64 here and a u32 in the kernel. */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct tcp_congestion_ops___wide {
	u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, u32 ack, u32 acked);
	u32 (*undo_cwnd)(struct sock *sk);
	char name[16];
	u64 flags;
};

SEC("struct_ops/wide_ssthresh")
u32 BPF_PROG(wide_ssthresh, struct sock *sk)
{
	return 10;
}

SEC("struct_ops/wide_cong_avoid")
void BPF_PROG(wide_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/wide_undo_cwnd")
u32 BPF_PROG(wide_undo_cwnd, struct sock *sk)
{
	return 10;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops___wide structops_wide = {
	.ssthresh = (void *)wide_ssthresh,
	.cong_avoid = (void *)wide_cong_avoid,
	.undo_cwnd = (void *)wide_undo_cwnd,
	.name = "structops_wide",
	.flags = 1,
};
