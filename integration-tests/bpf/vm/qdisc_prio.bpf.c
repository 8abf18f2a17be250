// SPDX-License-Identifier: GPL-2.0
/*
 * A two-band priority qdisc (Qdisc_ops, id so_prio): packets of at most small_bytes (a const volatile tunable, 128
 * by default: pure ACKs, handshakes, small requests) go to the urgent band, the rest to the bulk band; dequeue takes
 * from the urgent band while it has any. Each band is a queue of its own (structops_qdisc.h) with its own lock, in
 * a private data section of its own; per-band counters in .bss. At most limit packets wait in all.
 */
#include "structops_qdisc.h"

char _license[] SEC("license") = "GPL";

const volatile __u32 small_bytes = 128;
const volatile __u32 limit = 1000;
__u64 urgent_packets, bulk_packets, dropped;

section_of(urgent) struct bpf_spin_lock urgent_lock;
section_of(urgent) struct bpf_list_head urgent __contains(packet, link);
section_of(bulk) struct bpf_spin_lock bulk_lock;
section_of(bulk) struct bpf_list_head bulk __contains(packet, link);

/* The next packet to send: the urgent band's first, else the bulk band's. */
static __always_inline struct sk_buff *next_packet(void)
{
	struct sk_buff *skb = take(&urgent, &urgent_lock);

	return skb ? skb : take(&bulk, &bulk_lock);
}

SEC("struct_ops/prio_enqueue")
int BPF_PROG(prio_enqueue, struct sk_buff *skb, struct Qdisc *sch, struct bpf_sk_buff_ptr *to_free)
{
	__u32 length = packet_length(skb);
	bool small = length <= small_bytes;
	bool queued = sch->q.qlen < limit &&
		      (small ? append(&urgent, &urgent_lock, &skb, to_free) : append(&bulk, &bulk_lock, &skb, to_free));

	if (!queued) {
		bpf_qdisc_skb_drop(skb, to_free);
		__sync_fetch_and_add(&dropped, 1);
		return NET_XMIT_DROP;
	}
	sch->qstats.backlog += length;
	sch->q.qlen++;
	__sync_fetch_and_add(small ? &urgent_packets : &bulk_packets, 1);
	return NET_XMIT_SUCCESS;
}

SEC("struct_ops/prio_dequeue")
struct sk_buff *BPF_PROG(prio_dequeue, struct Qdisc *sch)
{
	struct sk_buff *skb = next_packet();

	return skb ? leaving(sch, skb) : NULL;
}

SEC("struct_ops/prio_init")
int BPF_PROG(prio_init, struct Qdisc *sch, struct nlattr *opt, struct netlink_ext_ack *extack)
{
	sch->limit = limit;
	return 0;
}

SEC("struct_ops/prio_reset")
void BPF_PROG(prio_reset, struct Qdisc *sch)
{
	struct sk_buff *skb;
	int i;

	bpf_for(i, 0, sch->q.qlen) {
		skb = next_packet();
		if (!skb)
			break;
		bpf_kfree_skb(skb);
	}
	sch->q.qlen = 0;
	sch->qstats.backlog = 0;
}

SEC("struct_ops/prio_destroy")
void BPF_PROG(prio_destroy, struct Qdisc *sch)
{
}

SEC(".struct_ops.link")
struct Qdisc_ops prio = {
	.enqueue = (void *)prio_enqueue,
	.dequeue = (void *)prio_dequeue,
	.init = (void *)prio_init,
	.reset = (void *)prio_reset,
	.destroy = (void *)prio_destroy,
	.id = "so_prio",
};
