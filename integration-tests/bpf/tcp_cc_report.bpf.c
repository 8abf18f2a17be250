// SPDX-License-Identifier: GPL-2.0
/*
 * A congestion control that reports to user space through one map of each common kind and a ring buffer: per-flow
 * state in a hash map with a struct key, counters in an array, per-CPU acks in a per-CPU array and per flow in a
 * per-CPU hash, recently seen sockets in an LRU hash by local port, and an event per cong_avoid call in a ring
 * buffer; user space steers it through a user ring buffer of commands (add to a counter), which cong_avoid drains.
 * The maps tests read, write and follow them through structops' API and commands, against bpftool's dumps.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

/* The kernel keeps both ports inside an anonymous struct of an anonymous union: CO-RE finds them by name. */
struct sock_common {
	union {
		struct {
			__be32 skc_daddr;
			__be32 skc_rcv_saddr;
		};
	};
	union {
		struct {
			__be16 skc_dport;
			__u16 skc_num;
		};
	};
	unsigned char skc_state;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

extern u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked) __ksym;
extern u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

enum phase { PHASE_NEW = 0, PHASE_ACKED = 1, PHASE_LOSS = 2 };

struct flow_key {
	__u16 local_port;
	__u16 remote_port;
	u32 remote_addr;
};

struct flow_stats {
	u64 acked;
	u32 calls;
	enum phase phase;
	char tag[8];
};

struct event {
	u64 acked_total;
	u32 acked;
	__u16 local_port;
	__u16 remote_port;
};

/* The last event sent, also in .bss: a global puts struct event in the object's BTF, which types the records. */
struct event last_event;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
} flow_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} cpu_acks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u64);
} cpu_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u64);
} recent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

/* A command from user space: add to one of the counters. */
struct command {
	u32 counter;
	u32 reserved;
	u64 add;
};

/* The last command applied, also in .bss, which puts struct command in the object's BTF. */
struct command last_command;

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096);
} commands SEC(".maps");

static void key_of(struct sock *sk, struct flow_key *key)
{
	key->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	key->remote_port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	key->remote_addr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
}

static void count(u32 index, u64 n)
{
	u64 *c = bpf_map_lookup_elem(&counters, &index);

	if (c)
		__sync_fetch_and_add(c, n);
}

static long apply(struct bpf_dynptr *record, void *ctx)
{
	struct command c;

	if (bpf_dynptr_read(&c, sizeof(c), record, 0, 0))
		return 1;
	if (c.counter < 4) {
		count(c.counter, c.add);
		last_command = c;
	}
	return 0;
}

SEC("struct_ops/report_init")
void BPF_PROG(report_init, struct sock *sk)
{
	struct flow_key key = {};
	struct flow_stats fresh = { .phase = PHASE_NEW, .tag = "new" };

	key_of(sk, &key);
	bpf_map_update_elem(&flow_stats, &key, &fresh, BPF_ANY);
	count(0, 1);
}

SEC("struct_ops/report_ssthresh")
u32 BPF_PROG(report_ssthresh, struct sock *sk)
{
	struct flow_key key = {};
	struct flow_stats *f;

	key_of(sk, &key);
	f = bpf_map_lookup_elem(&flow_stats, &key);
	if (f)
		f->phase = PHASE_LOSS;
	count(2, 1);
	return tcp_reno_ssthresh(sk);
}

SEC("struct_ops/report_cong_avoid")
void BPF_PROG(report_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	struct flow_key key = {};
	struct flow_stats *f;
	struct event *e;
	u32 zero = 0, port;
	u64 *mine, now = bpf_ktime_get_ns(), zero_acked = 0;

	key_of(sk, &key);
	f = bpf_map_lookup_elem(&flow_stats, &key);
	if (f) {
		__sync_fetch_and_add(&f->acked, acked);
		f->calls++;
		f->phase = PHASE_ACKED;
		__builtin_memcpy(f->tag, "acked", 6);
	}
	count(1, acked);
	mine = bpf_map_lookup_elem(&cpu_acks, &zero);
	if (mine)
		*mine += acked;
	port = key.local_port;
	bpf_map_update_elem(&recent, &port, &now, BPF_ANY);
	mine = bpf_map_lookup_elem(&cpu_flows, &port);
	if (mine)
		*mine += acked;
	else
		bpf_map_update_elem(&cpu_flows, &port, &zero_acked, BPF_NOEXIST);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->acked = acked;
		e->acked_total = f ? f->acked : 0;
		e->local_port = key.local_port;
		e->remote_port = key.remote_port;
		last_event = *e;
		bpf_ringbuf_submit(e, 0);
	}
	bpf_user_ringbuf_drain(&commands, apply, NULL, 0);
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/report_undo_cwnd")
u32 BPF_PROG(report_undo_cwnd, struct sock *sk)
{
	return tcp_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_report = {
	.init = (void *)report_init,
	.ssthresh = (void *)report_ssthresh,
	.cong_avoid = (void *)report_cong_avoid,
	.undo_cwnd = (void *)report_undo_cwnd,
	.name = "so_report",
};
