// SPDX-License-Identifier: GPL-2.0
/*
 * Programs shared the ways the kernel restricts: one program bound to two members (init and release), and two maps
 * of one type using the same programs. A struct_ops program serves one member of one struct, so the loader loads
 * "twice_lifecycle" once per member and shares each (program, member) load between the two maps. "twice_unused" is
 * bound to nothing and must not be loaded.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("struct_ops/twice_ssthresh")
u32 BPF_PROG(twice_ssthresh, struct sock *sk)
{
	return 10;
}

SEC("struct_ops/twice_cong_avoid")
void BPF_PROG(twice_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/twice_undo_cwnd")
u32 BPF_PROG(twice_undo_cwnd, struct sock *sk)
{
	return 10;
}

SEC("struct_ops/twice_lifecycle")
void BPF_PROG(twice_lifecycle, struct sock *sk)
{
}

SEC("struct_ops/twice_unused")
void BPF_PROG(twice_unused, struct sock *sk)
{
}

SEC(".struct_ops.link")
struct tcp_congestion_ops twice_a = {
	.ssthresh = (void *)twice_ssthresh,
	.cong_avoid = (void *)twice_cong_avoid,
	.undo_cwnd = (void *)twice_undo_cwnd,
	.init = (void *)twice_lifecycle,
	.release = (void *)twice_lifecycle,
	.name = "so_twice_a",
};

SEC(".struct_ops.link")
struct tcp_congestion_ops twice_b = {
	.ssthresh = (void *)twice_ssthresh,
	.cong_avoid = (void *)twice_cong_avoid,
	.undo_cwnd = (void *)twice_undo_cwnd,
	.name = "so_twice_b",
};
