// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest useful TCP congestion control: a fixed window, attached through a BPF link (.struct_ops.link).
 * Every callback is its own SEC("struct_ops/...") program.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#ifndef FIXED_CWND
#define FIXED_CWND 10
#endif

SEC("struct_ops/fixed_init")
void BPF_PROG(fixed_init, struct sock *sk)
{
}

SEC("struct_ops/fixed_ssthresh")
u32 BPF_PROG(fixed_ssthresh, struct sock *sk)
{
	return FIXED_CWND;
}

SEC("struct_ops/fixed_cong_avoid")
void BPF_PROG(fixed_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/fixed_set_state")
void BPF_PROG(fixed_set_state, struct sock *sk, u8 new_state)
{
}

SEC("struct_ops/fixed_undo_cwnd")
u32 BPF_PROG(fixed_undo_cwnd, struct sock *sk)
{
	return FIXED_CWND;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_fixed = {
	.init = (void *)fixed_init,
	.ssthresh = (void *)fixed_ssthresh,
	.cong_avoid = (void *)fixed_cong_avoid,
	.set_state = (void *)fixed_set_state,
	.undo_cwnd = (void *)fixed_undo_cwnd,
	.name = "structops_fixed",
};
