// SPDX-License-Identifier: GPL-2.0
/*
 * A fixed-window congestion control whose BTF uses the newer kinds an older kernel would refuse: DECL_TAG (a tagged
 * member and function), TYPE_TAG (a tagged pointer) and FLOAT (a float global). The loader sends them as they are
 * to a kernel that takes them, and replaces them with kinds of the same size when a feature probe says it does not.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#define FIXED_CWND 10

struct tunables {
	u32 window __attribute__((btf_decl_tag("structops:tunable")));
	u32 *__attribute__((btf_type_tag("structops:percpu"))) counter;
};

struct tunables tuning = { .window = FIXED_CWND };
float smoothing = 0.5f;

SEC("struct_ops/tg_ssthresh")
u32 BPF_PROG(tg_ssthresh, struct sock *sk) __attribute__((btf_decl_tag("structops:callback")))
{
	return tuning.window;
}

SEC("struct_ops/tg_cong_avoid")
void BPF_PROG(tg_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/tg_undo_cwnd")
u32 BPF_PROG(tg_undo_cwnd, struct sock *sk)
{
	return tuning.window;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_tags = {
	.ssthresh = (void *)tg_ssthresh,
	.cong_avoid = (void *)tg_cong_avoid,
	.undo_cwnd = (void *)tg_undo_cwnd,
	.name = "structops_tags",
};
