// SPDX-License-Identifier: GPL-2.0
/*
 * Written against a future tcp_congestion_ops: the ___future flavour names the kernel's struct, and two members
 * this kernel lacks are declared. One is set (the kernel must refuse it), one is left zero (it is ignored).
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct tcp_congestion_ops___future {
	u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, u32 ack, u32 acked);
	u32 (*undo_cwnd)(struct sock *sk);
	char name[16];
	u32 future_flags;
	u32 (*future_hook)(struct sock *sk);
};

SEC("struct_ops/future_ssthresh")
u32 BPF_PROG(future_ssthresh, struct sock *sk)
{
	return 10;
}

SEC("struct_ops/future_cong_avoid")
void BPF_PROG(future_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/future_undo_cwnd")
u32 BPF_PROG(future_undo_cwnd, struct sock *sk)
{
	return 10;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops___future structops_future = {
	.ssthresh = (void *)future_ssthresh,
	.cong_avoid = (void *)future_cong_avoid,
	.undo_cwnd = (void *)future_undo_cwnd,
	.name = "so_future",
	.future_flags = 3,
};
