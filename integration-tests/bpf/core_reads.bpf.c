// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE: kernel struct fields read through relocations that the loader resolves against the running kernel's BTF
 * (field offsets, field and type existence, enum values), in a tcp_congestion_ops whose programs use them.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "structops_sock.h"

char _license[] SEC("license") = "GPL";

struct tcp_sock {
	u32 snd_cwnd;
} __attribute__((preserve_access_index));

enum tcp_ca_state {
	TCP_CA_Open = 0,
	TCP_CA_Loss = 4,
};

SEC("struct_ops/core_ssthresh")
u32 BPF_PROG(core_ssthresh, struct sock *sk)
{
	u32 state = sk->__sk_common.skc_state;

	if (bpf_core_field_exists(sk->sk_pacing_rate) && bpf_core_type_exists(struct tcp_sock))
		state += 1;
	if (bpf_core_enum_value_exists(enum tcp_ca_state, TCP_CA_Loss))
		state += bpf_core_enum_value(enum tcp_ca_state, TCP_CA_Loss);
	return state + 2;
}

SEC("struct_ops/core_cong_avoid")
void BPF_PROG(core_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/core_undo_cwnd")
u32 BPF_PROG(core_undo_cwnd, struct sock *sk)
{
	return bpf_core_field_size(sk->sk_pacing_rate);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_core = {
	.ssthresh = (void *)core_ssthresh,
	.cong_avoid = (void *)core_cong_avoid,
	.undo_cwnd = (void *)core_undo_cwnd,
	.name = "structops_core",
};
