// SPDX-License-Identifier: GPL-2.0
/*
 * Everything a real congestion control uses, in one object: Reno from the kernel's tcp_reno_* kfuncs, a hash map
 * of per-flow state, a const volatile tunable in .rodata, counters in .bss, a CO-RE read of the socket's state
 * (whose offset differs between this object and the kernel), a .kconfig value and a .text subprogram. `vars`
 * reports what it saw; its relocated instructions and maps are compared with libbpf's.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "structops_sock.h"

char _license[] SEC("license") = "GPL";

extern u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked) __ksym;
extern u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;
extern int CONFIG_HZ __kconfig;

struct flow {
	u64 acked;
	u32 last_state;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, u64);
	__type(value, struct flow);
} flows SEC(".maps");

const volatile u32 min_ssthresh = 2;
/* An array tunable (load --set ssthresh_extra=[A,B]): added to the threshold, [1] once the flow saw loss. */
const volatile u32 ssthresh_extra[2] = {0, 0};
u64 acked_total;
u64 ssthresh_calls;
u32 last_state = 0xff;
u64 states_seen;
int hz;

static __attribute__((noinline)) u32 at_least(u32 value)
{
	return value < min_ssthresh ? min_ssthresh : value;
}

SEC("struct_ops/full_init")
void BPF_PROG(full_init, struct sock *sk)
{
	hz = CONFIG_HZ;
}

SEC("struct_ops/full_ssthresh")
u32 BPF_PROG(full_ssthresh, struct sock *sk)
{
	__sync_fetch_and_add(&ssthresh_calls, 1);
	return at_least(tcp_reno_ssthresh(sk)) + ssthresh_extra[0];
}

SEC("struct_ops/full_cong_avoid")
void BPF_PROG(full_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	u64 key = (u64)sk;
	struct flow fresh = {}, *f;

	last_state = sk->__sk_common.skc_state;
	__sync_fetch_and_or(&states_seen, 1ull << (last_state & 63));
	__sync_fetch_and_add(&acked_total, acked);
	f = bpf_map_lookup_elem(&flows, &key);
	if (!f) {
		bpf_map_update_elem(&flows, &key, &fresh, BPF_NOEXIST);
		f = bpf_map_lookup_elem(&flows, &key);
	}
	if (f) {
		__sync_fetch_and_add(&f->acked, acked);
		f->last_state = last_state;
	}
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/full_undo_cwnd")
u32 BPF_PROG(full_undo_cwnd, struct sock *sk)
{
	return tcp_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_full = {
	.init = (void *)full_init,
	.ssthresh = (void *)full_ssthresh,
	.cong_avoid = (void *)full_cong_avoid,
	.undo_cwnd = (void *)full_undo_cwnd,
	.name = "structops_full",
};
