// SPDX-License-Identifier: GPL-2.0
/*
 * A global FIFO scheduler: every runnable task joins one shared queue and CPUs take from its head. Counters in .bss
 * show that tasks went through it; ops.exit records why it ended.
 */
#include "structops_sched.h"

char _license[] SEC("license") = "GPL";

#define FIFO_DSQ 0

u64 enqueued;
u64 dispatched;
struct sched_exit_record exit_record SEC(".data");

SEC("struct_ops/fifo_enqueue")
void BPF_PROG(fifo_enqueue, struct task_struct *p, u64 enq_flags)
{
	__sync_fetch_and_add(&enqueued, 1);
	sched_insert(p, FIFO_DSQ, SCHED_SLICE_DFL, enq_flags);
}

SEC("struct_ops/fifo_dispatch")
void BPF_PROG(fifo_dispatch, s32 cpu, struct task_struct *prev)
{
	if (sched_move_to_local(FIFO_DSQ))
		__sync_fetch_and_add(&dispatched, 1);
}

SEC("struct_ops.s/fifo_init")
s32 BPF_PROG(fifo_init)
{
	return scx_bpf_create_dsq(FIFO_DSQ, -1);
}

SEC("struct_ops/fifo_exit")
void BPF_PROG(fifo_exit, struct scx_exit_info *ei)
{
	SCHED_RECORD_EXIT(exit_record, ei);
}

SEC(".struct_ops.link")
struct sched_ext_ops structops_fifo = {
	.enqueue = (void *)fifo_enqueue,
	.dispatch = (void *)fifo_dispatch,
	.init = (void *)fifo_init,
	.exit = (void *)fifo_exit,
	.timeout_ms = 5000,
	.name = "structops_fifo",
};
