/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the project's sched_ext schedulers need from the kernel, declared by hand like structops_kernel.h: the
 * members of struct sched_ext_ops they set (matched to the kernel's by name), the exit information the kernel passes
 * to ops.exit, and the scheduling kfuncs under both their current and their pre-6.13 names. Both names are __weak,
 * so an object loads on a kernel that has either; sched_insert() and sched_move_to_local() pick the one present
 * with bpf_ksym_exists(), as scx's compat headers do.
 */
#ifndef STRUCTOPS_SCHED_H
#define STRUCTOPS_SCHED_H

#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

typedef __s64 s64;
typedef _Bool bool;

/* The parts of a task a scheduler reads and writes (sched_ext lets it write dsq_vtime and slice). */
struct sched_ext_entity {
	u64 dsq_vtime;
	u64 slice;
	u32 weight;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	struct sched_ext_entity scx;
} __attribute__((preserve_access_index));

struct scx_exit_info {
	int kind;
	s64 exit_code;
	const char *reason;
	char *msg;
	char *dump;
} __attribute__((preserve_access_index));

struct sched_ext_ops {
	s32 (*select_cpu)(struct task_struct *p, s32 prev_cpu, u64 wake_flags);
	void (*enqueue)(struct task_struct *p, u64 enq_flags);
	void (*dispatch)(s32 cpu, struct task_struct *prev);
	void (*running)(struct task_struct *p);
	void (*stopping)(struct task_struct *p, bool runnable);
	void (*enable)(struct task_struct *p);
	s32 (*init)(void);
	void (*exit)(struct scx_exit_info *ei);
	u64 flags;
	u32 timeout_ms;
	char name[128];
};

/* The slice a task gets when the scheduler has no better idea (SCX_SLICE_DFL: 20 ms). */
#define SCHED_SLICE_DFL 20000000ULL
/* The built-in DSQ every CPU takes from when the scheduler dispatches nothing itself (SCX_DSQ_GLOBAL). */
#define SCHED_DSQ_GLOBAL ((1ULL << 63) | 1)

extern void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
extern void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
extern void scx_bpf_dsq_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
				     u64 enq_flags) __ksym __weak;
extern void scx_bpf_dispatch_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
				   u64 enq_flags) __ksym __weak;
extern bool scx_bpf_dsq_move_to_local(u64 dsq_id) __ksym __weak;
extern bool scx_bpf_consume(u64 dsq_id) __ksym __weak;
extern s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
extern void scx_bpf_error_bstr(char *fmt, unsigned long long *data, u32 data__sz) __ksym;
extern bool scx_bpf_task_set_dsq_vtime(struct task_struct *p, u64 vtime) __ksym __weak;

static __always_inline void sched_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert))
		scx_bpf_dsq_insert(p, dsq_id, slice, enq_flags);
	else
		scx_bpf_dispatch(p, dsq_id, slice, enq_flags);
}

static __always_inline void sched_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
					       u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert_vtime))
		scx_bpf_dsq_insert_vtime(p, dsq_id, slice, vtime, enq_flags);
	else
		scx_bpf_dispatch_vtime(p, dsq_id, slice, vtime, enq_flags);
}

/* Newer kernels want the vtime set through a kfunc (and warn about direct writes); older ones have only the field. */
static __always_inline void sched_set_vtime(struct task_struct *p, u64 vtime)
{
	if (bpf_ksym_exists(scx_bpf_task_set_dsq_vtime))
		scx_bpf_task_set_dsq_vtime(p, vtime);
	else
		p->scx.dsq_vtime = vtime;
}

static __always_inline bool sched_move_to_local(u64 dsq_id)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_to_local))
		return scx_bpf_dsq_move_to_local(dsq_id);
	return scx_bpf_consume(dsq_id);
}

/*
 * Why the kernel ended the scheduler, kept where user space can read it (the user-exit-info convention of scx
 * schedulers: a struct in .data that ops.exit fills).
 */
struct sched_exit_record {
	s32 kind;
	s64 exit_code;
	char reason[128];
	char msg[1024];
};

#define SCHED_RECORD_EXIT(rec, ei)                                                   \
	do {                                                                         \
		(rec).kind = (ei)->kind;                                             \
		(rec).exit_code = (ei)->exit_code;                                   \
		bpf_probe_read_kernel_str((rec).reason, sizeof((rec).reason), (ei)->reason); \
		bpf_probe_read_kernel_str((rec).msg, sizeof((rec).msg), (ei)->msg);  \
	} while (0)

#endif
