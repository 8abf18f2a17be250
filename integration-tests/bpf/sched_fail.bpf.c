// SPDX-License-Identifier: GPL-2.0
/*
 * A FIFO scheduler that gives up on purpose: after fail_after dispatches (set at load with --set) it calls
 * scx_bpf_error(), and the kernel throws it out. ops.exit records the kernel's reason and message in .data, where
 * user space finds them (the user-exit-info convention), unless record_exit is set to 0 at load: then only the kernel
 * log tells why. With the record goes the kernel's debug dump, in an array that the sched_ext handler sizes at load
 * to exit_record_dump_len, as UEI_DEFINE and UEI_SET_SIZE do for scx schedulers.
 */
#include "structops_sched.h"

char _license[] SEC("license") = "GPL";

#define FAIL_DSQ 0

const volatile u64 fail_after = 100;
const volatile u8 record_exit = 1;
/* In .data, not .rodata: the kfunc takes a writable (char *) format, as scx's scx_bpf_error() passes it. */
char fail_format[] = "structops_fail gives up after %llu dispatches, as asked";

u64 dispatched;
struct sched_exit_record exit_record SEC(".data");
char exit_record_dump[1] SEC(".data.exit_record_dump");
const volatile u32 exit_record_dump_len;

SEC("struct_ops/fail_enqueue")
void BPF_PROG(fail_enqueue, struct task_struct *p, u64 enq_flags)
{
	sched_insert(p, FAIL_DSQ, SCHED_SLICE_DFL, enq_flags);
}

SEC("struct_ops/fail_dispatch")
void BPF_PROG(fail_dispatch, s32 cpu, struct task_struct *prev)
{
	if (sched_move_to_local(FAIL_DSQ) && __sync_add_and_fetch(&dispatched, 1) == fail_after) {
		unsigned long long args[1] = {fail_after};

		scx_bpf_error_bstr(fail_format, args, sizeof(args));
	}
}

SEC("struct_ops.s/fail_init")
s32 BPF_PROG(fail_init)
{
	return scx_bpf_create_dsq(FAIL_DSQ, -1);
}

SEC("struct_ops/fail_exit")
void BPF_PROG(fail_exit, struct scx_exit_info *ei)
{
	if (record_exit) {
		SCHED_RECORD_EXIT(exit_record, ei);
		bpf_probe_read_kernel_str(exit_record_dump, exit_record_dump_len, ei->dump);
	}
}

SEC(".struct_ops.link")
struct sched_ext_ops structops_fail = {
	.enqueue = (void *)fail_enqueue,
	.dispatch = (void *)fail_dispatch,
	.init = (void *)fail_init,
	.exit = (void *)fail_exit,
	.name = "structops_fail",
};
