// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE as objects built against a vmlinux.h relocate it: fields reached through the kernel's anonymous unions and
 * structs (struct sock_common's ports and addresses, as the selftests' congestion controls read them) and a
 * bitfield (inet_connection_sock's icsk_ca_state, read as bpf_dctcp.c reads it). The local types carry a flavour
 * (___anon) so that they differ from the other examples' and from the kernel's layout.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

struct sock_common___anon {
	union {
		__u64 skc_addrpair;
		struct {
			__u32 skc_daddr;
			__u32 skc_rcv_saddr;
		};
	};
	union {
		unsigned int skc_hash;
		__u16 skc_u16hashes[2];
	};
	union {
		__u32 skc_portpair;
		struct {
			__u16 skc_dport;
			__u16 skc_num;
		};
	};
} __attribute__((preserve_access_index));

struct sock___anon {
	struct sock_common___anon __sk_common;
} __attribute__((preserve_access_index));

struct inet_connection_sock___anon {
	__u8 icsk_ca_state:5,
	     icsk_ca_initialized:1;
} __attribute__((preserve_access_index));

/* What the callbacks saw last, for vars (the state plus 100, so that TCP_CA_Open is not mistaken for no read). */
__u32 last_num;
__u32 last_dport;
__u32 last_daddr;
__u32 last_ca_state;

SEC("struct_ops/anon_ssthresh")
u32 BPF_PROG(anon_ssthresh, struct sock *sk)
{
	return 10;
}

/* Every ACK: the socket's ports and peer address, and its congestion state. */
SEC("struct_ops/anon_cong_avoid")
void BPF_PROG(anon_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	struct sock___anon *s = (void *)sk;
	struct inet_connection_sock___anon *icsk = (void *)sk;

	last_num = s->__sk_common.skc_num;
	last_dport = s->__sk_common.skc_dport;
	last_daddr = s->__sk_common.skc_daddr;
	last_ca_state = BPF_CORE_READ_BITFIELD(icsk, icsk_ca_state) + 100;
}

SEC("struct_ops/anon_undo_cwnd")
u32 BPF_PROG(anon_undo_cwnd, struct sock *sk)
{
	return 10;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_anon = {
	.ssthresh = (void *)anon_ssthresh,
	.cong_avoid = (void *)anon_cong_avoid,
	.undo_cwnd = (void *)anon_undo_cwnd,
	.name = "structops_anon",
};
