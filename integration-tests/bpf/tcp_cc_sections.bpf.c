// SPDX-License-Identifier: GPL-2.0
/*
 * A fixed-window congestion control whose globals live in custom data sections (.data.tuning, .rodata.limits):
 * each becomes its own global data map, named by its section alone, as libbpf names it. acks_per_cpu is a resizable
 * array, as scx schedulers keep per-CPU state: declared with one element, sized to the CPU count at load
 * (`load --resize acks_per_cpu=cpus --set nr_cpus=N`), which the verifier then checks every index against.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

u32 extra_window SEC(".data.tuning") = 0;
const volatile u32 base_window SEC(".rodata.limits") = 10;
const volatile u32 nr_cpus SEC(".rodata.limits") = 1;
u64 acks_per_cpu[1] SEC(".data.per_cpu");

SEC("struct_ops/sc_ssthresh")
u32 BPF_PROG(sc_ssthresh, struct sock *sk)
{
	return base_window + extra_window;
}

SEC("struct_ops/sc_cong_avoid")
void BPF_PROG(sc_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	u32 cpu = bpf_get_smp_processor_id();
	u64 *slot;

	if (cpu >= nr_cpus)
		return;
	/* Past the declared bound on purpose: the verifier checks the offset against the map as loaded. */
	slot = (u64 *)((char *)acks_per_cpu + (u64)cpu * sizeof(u64));
	barrier_var(slot);
	__sync_fetch_and_add(slot, acked);
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
