// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE against a field no kernel has (sock___structops_future.sk_structops_credits): the relocation cannot be
 * resolved and the loader poisons its instruction, as libbpf does. Here the read is guarded by
 * bpf_core_field_exists(), so the poisoned read is dead code the verifier never reaches and the object loads;
 * core_missing.bpf.c builds this file with the read unguarded.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

#define FIXED_CWND 10

#ifndef CF_UNGUARDED
#define CF_NAME so_cf_guarded
#define CF_READ(f) (bpf_core_field_exists((f)->sk_structops_credits) ? (f)->sk_structops_credits : FIXED_CWND)
#endif
#define CF_STR(x) #x
#define CF_STRING(x) CF_STR(x)

struct sock___structops_future {
	u32 sk_structops_credits;
} __attribute__((preserve_access_index));

SEC("struct_ops/cf_ssthresh")
u32 BPF_PROG(cf_ssthresh, struct sock *sk)
{
	struct sock___structops_future *f = (void *)sk;

	return CF_READ(f);
}

SEC("struct_ops/cf_cong_avoid")
void BPF_PROG(cf_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/cf_undo_cwnd")
u32 BPF_PROG(cf_undo_cwnd, struct sock *sk)
{
	return FIXED_CWND;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops CF_NAME = {
	.ssthresh = (void *)cf_ssthresh,
	.cong_avoid = (void *)cf_cong_avoid,
	.undo_cwnd = (void *)cf_undo_cwnd,
	.name = CF_STRING(CF_NAME),
};
