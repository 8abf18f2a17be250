// SPDX-License-Identifier: GPL-2.0
/*
 * A callback: cong_avoid runs bpf_loop() over a static function of .text, whose address the program loads with an
 * ld_imm64 (BPF_PSEUDO_FUNC once relocated), as the kernel's bpf_qdisc_fq and the scx schedulers do with bpf_loop,
 * bpf_for_each_map_elem and timers. The loader places the callback in the program like a called subprogram.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

/* How many steps the callback took, for vars. */
__u64 loop_steps;

static int step(__u32 index, void *ctx)
{
	__u64 *steps = ctx;

	*steps += 1;
	return index >= 3; /* stop after four steps */
}

SEC("struct_ops/loop_ssthresh")
u32 BPF_PROG(loop_ssthresh, struct sock *sk)
{
	return 10;
}

SEC("struct_ops/loop_cong_avoid")
void BPF_PROG(loop_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	__u64 steps = 0;

	bpf_loop(8, step, &steps, 0);
	__sync_fetch_and_add(&loop_steps, steps);
}

SEC("struct_ops/loop_undo_cwnd")
u32 BPF_PROG(loop_undo_cwnd, struct sock *sk)
{
	return 10;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_loop = {
	.ssthresh = (void *)loop_ssthresh,
	.cong_avoid = (void *)loop_cong_avoid,
	.undo_cwnd = (void *)loop_undo_cwnd,
	.name = "structops_loop",
};
