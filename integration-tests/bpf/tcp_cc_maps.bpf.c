// SPDX-License-Identifier: GPL-2.0
/*
 * A fixed-window congestion control that declares one BTF-defined map of each kind a struct_ops object commonly
 * keeps state in, and uses most of them from its callbacks: per-CPU and per-flow counters, a per-socket storage,
 * and a ring buffer of events. Task and inode storage, a user ring buffer, a queue, a stack and a bloom filter (the
 * last three keyless, their values typed with __type) are declared only: the loader creates
 * every map an object declares, used or not, as libbpf does. (An arena has an object of its own, tcp_cc_arena.bpf.c,
 * since some kernels refuse it.)
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#define FIXED_CWND 10

struct flow_stats {
	u64 acks;
	u64 acked;
};

/* Keyless maps, their values typed as libbpf allows: the kernel refuses BTF for a queue's, so none is passed. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 16);
	__type(value, u64);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 8);
	__type(value, u32);
} undo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__type(value, u64);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} acks_per_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u64);
	__type(value, struct flow_stats);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u64);
} states SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32);
	__type(key, u64);
	__type(value, u32);
} recent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096 * 4);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096 * 4);
} commands SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct flow_stats);
} per_socket SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, u64);
} per_task SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, u64);
} per_inode SEC(".maps");

SEC("struct_ops/mp_init")
void BPF_PROG(mp_init, struct sock *sk)
{
	bpf_sk_storage_get(&per_socket, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
}

SEC("struct_ops/mp_ssthresh")
u32 BPF_PROG(mp_ssthresh, struct sock *sk)
{
	u32 state = 1;

	bpf_ringbuf_output(&events, &state, sizeof(state), 0);
	return FIXED_CWND;
}

SEC("struct_ops/mp_cong_avoid")
void BPF_PROG(mp_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	u64 key = (u64)sk;
	u32 zero = 0;
	u64 *cpu = bpf_map_lookup_elem(&acks_per_cpu, &zero);
	struct flow_stats *flow, *mine;
	struct flow_stats fresh = {};

	if (cpu)
		*cpu += 1;
	flow = bpf_map_lookup_elem(&flows, &key);
	if (!flow) {
		bpf_map_update_elem(&flows, &key, &fresh, BPF_NOEXIST);
		flow = bpf_map_lookup_elem(&flows, &key);
	}
	if (flow) {
		__sync_fetch_and_add(&flow->acks, 1);
		__sync_fetch_and_add(&flow->acked, acked);
	}
	bpf_map_update_elem(&recent, &key, &ack, BPF_ANY);
	mine = bpf_sk_storage_get(&per_socket, sk, 0, 0);
	if (mine)
		mine->acks += 1;
}

SEC("struct_ops/mp_set_state")
void BPF_PROG(mp_set_state, struct sock *sk, u8 new_state)
{
	u32 key = new_state;
	u64 one = 1, *n = bpf_map_lookup_elem(&states, &key);

	if (n)
		*n += 1;
	else
		bpf_map_update_elem(&states, &key, &one, BPF_NOEXIST);
}

SEC("struct_ops/mp_undo_cwnd")
u32 BPF_PROG(mp_undo_cwnd, struct sock *sk)
{
	return FIXED_CWND;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_maps = {
	.init = (void *)mp_init,
	.ssthresh = (void *)mp_ssthresh,
	.cong_avoid = (void *)mp_cong_avoid,
	.set_state = (void *)mp_set_state,
	.undo_cwnd = (void *)mp_undo_cwnd,
	.name = "structops_maps",
};
