// SPDX-License-Identifier: GPL-2.0
/*
 * A weighted virtual-time scheduler: tasks wait in one queue ordered by virtual time, which advances by the time a
 * task ran divided by its weight, so heavier tasks get more of the CPU. A task that slept long gets at most one slice
 * of credit. Counters in .bss; ops.exit records why it ended.
 */
#include "structops_sched.h"

char _license[] SEC("license") = "GPL";

#define VTIME_DSQ 0

u64 vtime_now;
u64 enqueued;
u64 dispatched;
struct sched_exit_record exit_record SEC(".data");

static __always_inline bool before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

SEC("struct_ops/vtime_enqueue")
void BPF_PROG(vtime_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime = p->scx.dsq_vtime;

	if (before(vtime, vtime_now - SCHED_SLICE_DFL))
		vtime = vtime_now - SCHED_SLICE_DFL;
	__sync_fetch_and_add(&enqueued, 1);
	sched_insert_vtime(p, VTIME_DSQ, SCHED_SLICE_DFL, vtime, enq_flags);
}

SEC("struct_ops/vtime_dispatch")
void BPF_PROG(vtime_dispatch, s32 cpu, struct task_struct *prev)
{
	if (sched_move_to_local(VTIME_DSQ))
		__sync_fetch_and_add(&dispatched, 1);
}

SEC("struct_ops/vtime_running")
void BPF_PROG(vtime_running, struct task_struct *p)
{
	if (before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
}

SEC("struct_ops/vtime_stopping")
void BPF_PROG(vtime_stopping, struct task_struct *p, bool runnable)
{
	u32 weight = p->scx.weight ? p->scx.weight : 100;

	sched_set_vtime(p, p->scx.dsq_vtime + (SCHED_SLICE_DFL - p->scx.slice) * 100 / weight);
}

SEC("struct_ops/vtime_enable")
void BPF_PROG(vtime_enable, struct task_struct *p)
{
	sched_set_vtime(p, vtime_now);
}

SEC("struct_ops.s/vtime_init")
s32 BPF_PROG(vtime_init)
{
	return scx_bpf_create_dsq(VTIME_DSQ, -1);
}

SEC("struct_ops/vtime_exit")
void BPF_PROG(vtime_exit, struct scx_exit_info *ei)
{
	SCHED_RECORD_EXIT(exit_record, ei);
}

SEC(".struct_ops.link")
struct sched_ext_ops structops_vtime = {
	.enqueue = (void *)vtime_enqueue,
	.dispatch = (void *)vtime_dispatch,
	.running = (void *)vtime_running,
	.stopping = (void *)vtime_stopping,
	.enable = (void *)vtime_enable,
	.init = (void *)vtime_init,
	.exit = (void *)vtime_exit,
	.name = "structops_vtime",
};
