// SPDX-License-Identifier: GPL-2.0
/*
 * An object shaped like real ones: several programs in one SEC("struct_ops") section, a program bound to two
 * members, a subprogram in .text, an optional program, BTF-defined maps, global data in .data/.rodata/.bss,
 * and two struct_ops variables of one type (one legacy, one optional link-based).
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u64);
	__type(value, u32);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} stats SEC(".maps");

const volatile u32 initial_cwnd = 10;
u64 calls = 1;
u64 releases;

static __noinline u32 clamp_cwnd(u32 cwnd)
{
	return cwnd < 2 ? 2 : cwnd;
}

SEC("struct_ops")
u32 BPF_PROG(shared_ssthresh, struct sock *sk)
{
	__sync_fetch_and_add(&calls, 1);
	return clamp_cwnd(initial_cwnd);
}

SEC("struct_ops")
u32 BPF_PROG(shared_undo_cwnd, struct sock *sk)
{
	return clamp_cwnd(initial_cwnd);
}

SEC("struct_ops")
void BPF_PROG(shared_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	u32 key = 0;
	u64 *count = bpf_map_lookup_elem(&stats, &key);

	if (count)
		__sync_fetch_and_add(count, 1);
}

/* Bound to both init and release: the loader must load it once per member. */
SEC("struct_ops/shared_lifecycle")
void BPF_PROG(shared_lifecycle, struct sock *sk)
{
	__sync_fetch_and_add(&releases, 1);
}

SEC("?struct_ops/shared_set_state")
void BPF_PROG(shared_set_state, struct sock *sk, u8 new_state)
{
}

SEC(".struct_ops")
struct tcp_congestion_ops structops_shared = {
	.ssthresh = (void *)shared_ssthresh,
	.undo_cwnd = (void *)shared_undo_cwnd,
	.cong_avoid = (void *)shared_cong_avoid,
	.init = (void *)shared_lifecycle,
	.release = (void *)shared_lifecycle,
	.name = "so_shared",
};

SEC("?.struct_ops.link")
struct tcp_congestion_ops structops_shared_alt = {
	.ssthresh = (void *)shared_ssthresh,
	.undo_cwnd = (void *)shared_undo_cwnd,
	.cong_avoid = (void *)shared_cong_avoid,
	.set_state = (void *)shared_set_state,
	.name = "structops_alt",
	.flags = 0,
};
