// SPDX-License-Identifier: GPL-2.0
/*
 * A fixed-window congestion control whose globals live in custom data sections (.data.tuning, .rodata.limits):
 * each becomes its own global data map, named by its section alone, as libbpf names it.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

u32 extra_window SEC(".data.tuning") = 0;
const volatile u32 base_window SEC(".rodata.limits") = 10;

SEC("struct_ops/sc_ssthresh")
u32 BPF_PROG(sc_ssthresh, struct sock *sk)
{
	return base_window + extra_window;
}

SEC("struct_ops/sc_cong_avoid")
void BPF_PROG(sc_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/sc_undo_cwnd")
u32 BPF_PROG(sc_undo_cwnd, struct sock *sk)
{
	return base_window + extra_window;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_sect = {
	.ssthresh = (void *)sc_ssthresh,
	.cong_avoid = (void *)sc_cong_avoid,
	.undo_cwnd = (void *)sc_undo_cwnd,
	.name = "structops_sect",
};
