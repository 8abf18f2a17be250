// SPDX-License-Identifier: GPL-2.0
/*
 * A congestion control that keeps state: a BTF-defined array map of counters, a const volatile tunable in .rodata,
 * a generation number in .data, call counts in .bss, and a .text subprogram. Link-based.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} counters SEC(".maps");

const volatile u32 window = 10;
u64 generation = 7;
/* Not used by the programs: vars shows it through BTF, a struct as its fields and bytes that are not text as a list. */
struct state_marks {
	u32 first;
	__u16 flags;
	__u8 tags[3];
} marks = { .first = 7, .flags = 3, .tags = { 1, 2, 250 } };
u64 init_calls;
u64 acked_calls;

static __noinline u32 at_least_two(u32 v)
{
	return v < 2 ? 2 : v;
}

SEC("struct_ops/state_init")
void BPF_PROG(state_init, struct sock *sk)
{
	/* generation - 6 is 1: the program reads .data, so the map stays referenced once the loader exits. */
	__sync_fetch_and_add(&init_calls, generation - 6);
}

SEC("struct_ops/state_ssthresh")
u32 BPF_PROG(state_ssthresh, struct sock *sk)
{
	return at_least_two(window);
}

SEC("struct_ops/state_cong_avoid")
void BPF_PROG(state_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	u32 key = 0;
	u64 *count = bpf_map_lookup_elem(&counters, &key);

	if (count)
		__sync_fetch_and_add(count, acked);
	__sync_fetch_and_add(&acked_calls, 1);
}

SEC("struct_ops/state_undo_cwnd")
u32 BPF_PROG(state_undo_cwnd, struct sock *sk)
{
	return at_least_two(window);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_state = {
	.init = (void *)state_init,
	.ssthresh = (void *)state_ssthresh,
	.cong_avoid = (void *)state_cong_avoid,
	.undo_cwnd = (void *)state_undo_cwnd,
	.name = "structops_state",
};
