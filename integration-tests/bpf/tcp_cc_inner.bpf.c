// SPDX-License-Identifier: GPL-2.0
/*
 * A fixed-window congestion control whose window comes from a map of maps: an array of two inner arrays, the first
 * slot filled at load time with `window_a` by the object's own initialiser, the second left empty. The loader
 * creates the inner template, the outer map and the initial slots, as libbpf does.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#define FIXED_CWND 10

struct window_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
};

struct window_map window_a SEC(".maps");
struct window_map window_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, u32);
	__array(values, struct window_map);
} windows SEC(".maps") = {
	.values = { [0] = &window_a },
};

u64 lookups_through_outer;

static u32 window(void)
{
	u32 zero = 0, *w;
	void *inner = bpf_map_lookup_elem(&windows, &zero);

	if (!inner)
		return FIXED_CWND;
	__sync_fetch_and_add(&lookups_through_outer, 1);
	w = bpf_map_lookup_elem(inner, &zero);
	return w && *w ? *w : FIXED_CWND;
}

SEC("struct_ops/in_ssthresh")
u32 BPF_PROG(in_ssthresh, struct sock *sk)
{
	return window();
}

SEC("struct_ops/in_cong_avoid")
void BPF_PROG(in_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	window();
}

SEC("struct_ops/in_undo_cwnd")
u32 BPF_PROG(in_undo_cwnd, struct sock *sk)
{
	return window();
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_inner = {
	.ssthresh = (void *)in_ssthresh,
	.cong_avoid = (void *)in_cong_avoid,
	.undo_cwnd = (void *)in_undo_cwnd,
	.name = "structops_inner",
};
