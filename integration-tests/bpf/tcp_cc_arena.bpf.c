// SPDX-License-Identifier: GPL-2.0
/*
 * A fixed-window congestion control that declares a BPF arena (BPF_MAP_TYPE_ARENA), unused: the loader creates
 * every map an object declares, as libbpf does. Some kernels refuse arenas (EPERM even for root, where a security
 * policy forbids them), and then the whole object is refused, by libbpf as by structops; the arena has an object of
 * its own so that the other map kinds (tcp_cc_maps.bpf.c) are tested everywhere.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

/* Not in bookworm's UAPI headers: the kernel's number. */
#define STRUCTOPS_MAP_TYPE_ARENA 33

struct {
	__uint(type, STRUCTOPS_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4);
} arena SEC(".maps");

SEC("struct_ops/ar_ssthresh")
u32 BPF_PROG(ar_ssthresh, struct sock *sk)
{
	return 10;
}

SEC("struct_ops/ar_cong_avoid")
void BPF_PROG(ar_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/ar_undo_cwnd")
u32 BPF_PROG(ar_undo_cwnd, struct sock *sk)
{
	return 10;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_arena = {
	.ssthresh = (void *)ar_ssthresh,
	.cong_avoid = (void *)ar_cong_avoid,
	.undo_cwnd = (void *)ar_undo_cwnd,
	.name = "structops_arena",
};
