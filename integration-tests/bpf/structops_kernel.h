/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types the structops examples use, declared by hand instead of a generated vmlinux.h so that the
 * examples build without bpftool. struct_ops types are matched to the kernel's by name, and their members by name,
 * so a subset of members in any order is enough; preserve_access_index makes field reads relocatable (CO-RE).
 */
#ifndef STRUCTOPS_KERNEL_H
#define STRUCTOPS_KERNEL_H

#include <linux/types.h>
#include <linux/bpf.h>

typedef __u8 u8;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;

struct sock; /* defined by examples that read it, with preserve_access_index */
struct rate_sample;

struct tcp_congestion_ops {
	u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, u32 ack, u32 acked);
	void (*set_state)(struct sock *sk, u8 new_state);
	u32 (*undo_cwnd)(struct sock *sk);
	char name[16];
	u32 flags;
	void (*init)(struct sock *sk);
	void (*release)(struct sock *sk);
#ifdef STRUCTOPS_TCP_CA_CONTROL
	/* Members only the examples that drive the whole algorithm need; the others' BTF stays as it was. */
	void (*cong_control)(struct sock *sk, u32 ack, int flag, const struct rate_sample *rs);
	void (*in_ack_event)(struct sock *sk, u32 flags);
	u32 (*min_tso_segs)(struct sock *sk);
	u32 (*sndbuf_expand)(struct sock *sk);
#endif
};

struct bpf_dummy_ops_state {
	int val;
};

struct bpf_dummy_ops {
	int (*test_1)(struct bpf_dummy_ops_state *cb);
	int (*test_2)(struct bpf_dummy_ops_state *cb, int a1, unsigned short a2, char a3, unsigned long a4);
	int (*test_sleepable)(struct bpf_dummy_ops_state *cb);
};

/* libbpf 1.1's bpf_helpers.h (Debian bookworm) predates bpf_ksym_exists(): a weak ksym's address is 0 when absent. */
#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) (!!(sym))
#endif

#endif
