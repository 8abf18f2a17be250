// SPDX-License-Identifier: GPL-2.0
/*
 * A FIFO qdisc (Qdisc_ops) that bounds its backlog in bytes: a packet that would take the bytes waiting beyond
 * byte_limit (a const volatile tunable, load --set byte_limit=N) is dropped. The packets wait in one queue
 * (structops_qdisc.h) in a private data section. Counters in .bss.
 */
#include "structops_qdisc.h"

char _license[] SEC("license") = "GPL";

/* The qdisc kind; qdisc_bytes_next.bpf.c builds the same qdisc under another, as a new version may ship. */
#ifndef QDISC_ID
#define QDISC_ID "so_bytes"
#endif

const volatile __u32 byte_limit = 1 << 20;
__u64 enqueued, dequeued, dropped;

section_of(fifo) struct bpf_spin_lock fifo_lock;
section_of(fifo) struct bpf_list_head fifo __contains(packet, link);

SEC("struct_ops/bytes_enqueue")
int BPF_PROG(bytes_enqueue, struct sk_buff *skb, struct Qdisc *sch, struct bpf_sk_buff_ptr *to_free)
{
	__u32 length = packet_length(skb);

	if (sch->qstats.backlog + length > byte_limit || !append(&fifo, &fifo_lock, &skb, to_free)) {
		bpf_qdisc_skb_drop(skb, to_free);
		__sync_fetch_and_add(&dropped, 1);
		return NET_XMIT_DROP;
	}
	sch->qstats.backlog += length;
	sch->q.qlen++;
	__sync_fetch_and_add(&enqueued, 1);
	return NET_XMIT_SUCCESS;
}

SEC("struct_ops/bytes_dequeue")
struct sk_buff *BPF_PROG(bytes_dequeue, struct Qdisc *sch)
{
	struct sk_buff *skb = take(&fifo, &fifo_lock);

	if (!skb)
		return NULL;
	__sync_fetch_and_add(&dequeued, 1);
	return leaving(sch, skb);
}

SEC("struct_ops/bytes_init")
int BPF_PROG(bytes_init, struct Qdisc *sch, struct nlattr *opt, struct netlink_ext_ack *extack)
{
	sch->limit = 1000;
	return 0;
}

SEC("struct_ops/bytes_reset")
void BPF_PROG(bytes_reset, struct Qdisc *sch)
{
	struct sk_buff *skb;
	int i;

	bpf_for(i, 0, sch->q.qlen) {
		skb = take(&fifo, &fifo_lock);
		if (!skb)
			break;
		bpf_kfree_skb(skb);
	}
	sch->q.qlen = 0;
	sch->qstats.backlog = 0;
}

SEC("struct_ops/bytes_destroy")
void BPF_PROG(bytes_destroy, struct Qdisc *sch)
{
}

SEC(".struct_ops.link")
struct Qdisc_ops bytes = {
	.enqueue = (void *)bytes_enqueue,
	.dequeue = (void *)bytes_dequeue,
	.init = (void *)bytes_init,
	.reset = (void *)bytes_reset,
	.destroy = (void *)bytes_destroy,
	.id = QDISC_ID,
};
