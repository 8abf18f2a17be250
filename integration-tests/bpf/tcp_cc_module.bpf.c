// SPDX-License-Identifier: GPL-2.0
/*
 * Two congestion controls built from kernel modules' functions: structops_bbr drives the tcp_bbr module's BBR
 * (bbr_init, bbr_main, ...), structops_dctcp borrows tcp_dctcp's alpha and ssthresh. Module functions are called as
 * kfuncs through fd_array, one slot per module. Every one is __weak and guarded by bpf_ksym_exists(): where the
 * modules are not loaded (or the kernel has no modules at all) the calls are neutralised and both fall back to the
 * kernel's Reno, so the object loads and carries traffic on either kind of kernel. The counters say which ran, and
 * bbr_rtt_cnt is read from BBR's own state through CO-RE against the module's BTF.
 */
#define STRUCTOPS_TCP_CA_CONTROL
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "structops_sock.h"

char _license[] SEC("license") = "GPL";

/* Only the field the fallback reads; CO-RE finds it in the kernel's rate_sample. */
struct rate_sample {
	u32 acked_sacked;
} __attribute__((preserve_access_index));

/* Where a congestion control keeps its private state (inet_csk_ca()). */
struct inet_connection_sock {
	u64 icsk_ca_priv[13];
} __attribute__((preserve_access_index));

/*
 * BBR's private state, a type only tcp_bbr has (in vmlinux's BTF where BBR is built in, in the module's where it is
 * a module): CO-RE must find rtt_cnt there, at the kernel's offset, not at 0 as declared here.
 */
struct bbr {
	u32 rtt_cnt;
} __attribute__((preserve_access_index));

/* vmlinux */
extern u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked) __ksym;
extern u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

/* tcp_bbr */
extern void bbr_init(struct sock *sk) __ksym __weak;
extern void bbr_main(struct sock *sk, u32 ack, int flag, const struct rate_sample *rs) __ksym __weak;
extern u32 bbr_ssthresh(struct sock *sk) __ksym __weak;
extern u32 bbr_undo_cwnd(struct sock *sk) __ksym __weak;
extern u32 bbr_sndbuf_expand(struct sock *sk) __ksym __weak;
extern u32 bbr_min_tso_segs(struct sock *sk) __ksym __weak;
extern void bbr_set_state(struct sock *sk, u8 new_state) __ksym __weak;

/* tcp_dctcp */
extern void dctcp_update_alpha(struct sock *sk, u32 flags) __ksym __weak;
extern u32 dctcp_ssthresh(struct sock *sk) __ksym __weak;
extern u32 dctcp_cwnd_undo(struct sock *sk) __ksym __weak;
extern void dctcp_state(struct sock *sk, u8 new_state) __ksym __weak;

u64 bbr_main_calls;
u32 bbr_rtt_cnt;
u64 dctcp_alpha_updates;
u64 reno_calls;

SEC("struct_ops/mbbr_init")
void BPF_PROG(mbbr_init, struct sock *sk)
{
	if (bpf_ksym_exists(bbr_init))
		bbr_init(sk);
}

SEC("struct_ops/mbbr_main")
void BPF_PROG(mbbr_main, struct sock *sk, u32 ack, int flag, const struct rate_sample *rs)
{
	if (bpf_ksym_exists(bbr_main)) {
		struct bbr *bbr = (void *)((struct inet_connection_sock *)sk)->icsk_ca_priv;

		__sync_fetch_and_add(&bbr_main_calls, 1);
		bbr_main(sk, ack, flag, rs);
		bbr_rtt_cnt = bbr->rtt_cnt;
		return;
	}
	__sync_fetch_and_add(&reno_calls, 1);
	tcp_reno_cong_avoid(sk, ack, rs->acked_sacked);
}

SEC("struct_ops/mbbr_ssthresh")
u32 BPF_PROG(mbbr_ssthresh, struct sock *sk)
{
	if (bpf_ksym_exists(bbr_ssthresh))
		return bbr_ssthresh(sk);
	return tcp_reno_ssthresh(sk);
}

SEC("struct_ops/mbbr_undo_cwnd")
u32 BPF_PROG(mbbr_undo_cwnd, struct sock *sk)
{
	if (bpf_ksym_exists(bbr_undo_cwnd))
		return bbr_undo_cwnd(sk);
	return tcp_reno_undo_cwnd(sk);
}

SEC("struct_ops/mbbr_sndbuf_expand")
u32 BPF_PROG(mbbr_sndbuf_expand, struct sock *sk)
{
	if (bpf_ksym_exists(bbr_sndbuf_expand))
		return bbr_sndbuf_expand(sk);
	return 2;
}

SEC("struct_ops/mbbr_min_tso_segs")
u32 BPF_PROG(mbbr_min_tso_segs, struct sock *sk)
{
	if (bpf_ksym_exists(bbr_min_tso_segs))
		return bbr_min_tso_segs(sk);
	return 2;
}

SEC("struct_ops/mbbr_set_state")
void BPF_PROG(mbbr_set_state, struct sock *sk, u8 new_state)
{
	if (bpf_ksym_exists(bbr_set_state))
		bbr_set_state(sk, new_state);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_bbr = {
	.init = (void *)mbbr_init,
	.cong_control = (void *)mbbr_main,
	.ssthresh = (void *)mbbr_ssthresh,
	.undo_cwnd = (void *)mbbr_undo_cwnd,
	.sndbuf_expand = (void *)mbbr_sndbuf_expand,
	.min_tso_segs = (void *)mbbr_min_tso_segs,
	.set_state = (void *)mbbr_set_state,
	.name = "structops_bbr",
};

SEC("struct_ops/mdctcp_in_ack_event")
void BPF_PROG(mdctcp_in_ack_event, struct sock *sk, u32 flags)
{
	if (bpf_ksym_exists(dctcp_update_alpha)) {
		__sync_fetch_and_add(&dctcp_alpha_updates, 1);
		dctcp_update_alpha(sk, flags);
	}
}

SEC("struct_ops/mdctcp_cong_avoid")
void BPF_PROG(mdctcp_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/mdctcp_ssthresh")
u32 BPF_PROG(mdctcp_ssthresh, struct sock *sk)
{
	if (bpf_ksym_exists(dctcp_ssthresh))
		return dctcp_ssthresh(sk);
	return tcp_reno_ssthresh(sk);
}

SEC("struct_ops/mdctcp_undo_cwnd")
u32 BPF_PROG(mdctcp_undo_cwnd, struct sock *sk)
{
	if (bpf_ksym_exists(dctcp_cwnd_undo))
		return dctcp_cwnd_undo(sk);
	return tcp_reno_undo_cwnd(sk);
}

SEC("struct_ops/mdctcp_set_state")
void BPF_PROG(mdctcp_set_state, struct sock *sk, u8 new_state)
{
	if (bpf_ksym_exists(dctcp_state))
		dctcp_state(sk, new_state);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_dctcp = {
	.in_ack_event = (void *)mdctcp_in_ack_event,
	.cong_avoid = (void *)mdctcp_cong_avoid,
	.ssthresh = (void *)mdctcp_ssthresh,
	.undo_cwnd = (void *)mdctcp_undo_cwnd,
	.set_state = (void *)mdctcp_set_state,
	.name = "structops_dctcp",
};
