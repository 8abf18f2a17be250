// SPDX-License-Identifier: GPL-2.0
/*
 * A two-band priority qdisc (Qdisc_ops, id so_prio): packets of at most small_bytes (a const volatile tunable, 128
 * by default: pure ACKs, handshakes, small requests) go to the urgent band, the rest to the bulk band; dequeue takes
 * from the urgent band while it has any. Each band is a BPF list of nodes holding an sk_buff kptr, with its own spin
 * lock, in a private data section of its own; per-band counters in .bss. At most limit packets wait in all.
 *
 * Built at test time with clang-19, as qdisc_bytes.bpf.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

#define NET_XMIT_SUCCESS 0x00
#define NET_XMIT_DROP 0x01

#define __kptr __attribute__((btf_type_tag("kptr")))
#define __contains(type, member) __attribute__((btf_decl_tag("contains:" #type ":" #member)))
#define section_of(name) SEC(".data." #name) __hidden __attribute__((aligned(8)))

const volatile __u32 small_bytes = 128;
const volatile __u32 limit = 1000;
__u64 urgent_packets, bulk_packets, dropped;

struct packet {
	struct sk_buff __kptr *skb;
	struct bpf_list_node link;
};

section_of(urgent) struct bpf_spin_lock urgent_lock;
section_of(urgent) struct bpf_list_head urgent __contains(packet, link);
section_of(bulk) struct bpf_spin_lock bulk_lock;
section_of(bulk) struct bpf_list_head bulk __contains(packet, link);

static __u32 packet_length(struct sk_buff *skb)
{
	return ((struct qdisc_skb_cb *)skb->cb)->pkt_len;
}

/* Wraps skb in a new node and appends it to band; false (skb untouched) if no node could be had. */
static __always_inline bool append(struct bpf_list_head *band, struct bpf_spin_lock *lock, struct sk_buff **skb,
				   struct bpf_sk_buff_ptr *to_free)
{
	struct packet *p = bpf_obj_new_impl(bpf_core_type_id_local(struct packet), NULL);
	struct sk_buff *old;

	if (!p)
		return false;
	old = bpf_kptr_xchg(&p->skb, *skb);
	*skb = NULL;
	if (old)
		bpf_qdisc_skb_drop(old, to_free);
	bpf_spin_lock(lock);
	bpf_list_push_back_impl(band, &p->link, NULL, 0);
	bpf_spin_unlock(lock);
	return true;
}

/* The oldest packet of band, taken out of its node; NULL if the band is empty. */
static __always_inline struct sk_buff *take(struct bpf_list_head *band, struct bpf_spin_lock *lock)
{
	struct bpf_list_node *node;
	struct packet *p;
	struct sk_buff *skb;

	bpf_spin_lock(lock);
	node = bpf_list_pop_front(band);
	bpf_spin_unlock(lock);
	if (!node)
		return NULL;
	p = container_of(node, struct packet, link);
	skb = bpf_kptr_xchg(&p->skb, NULL);
	bpf_obj_drop_impl(p, NULL);
	return skb;
}

SEC("struct_ops/prio_enqueue")
int BPF_PROG(prio_enqueue, struct sk_buff *skb, struct Qdisc *sch, struct bpf_sk_buff_ptr *to_free)
{
	__u32 length = packet_length(skb);
	bool small = length <= small_bytes;

	if (sch->q.qlen >= limit)
		goto drop;
	if (small ? !append(&urgent, &urgent_lock, &skb, to_free) : !append(&bulk, &bulk_lock, &skb, to_free))
		goto drop;
	sch->qstats.backlog += length;
	sch->q.qlen++;
	__sync_fetch_and_add(small ? &urgent_packets : &bulk_packets, 1);
	return NET_XMIT_SUCCESS;
drop:
	if (skb)
		bpf_qdisc_skb_drop(skb, to_free);
	__sync_fetch_and_add(&dropped, 1);
	return NET_XMIT_DROP;
}

SEC("struct_ops/prio_dequeue")
struct sk_buff *BPF_PROG(prio_dequeue, struct Qdisc *sch)
{
	struct sk_buff *skb = take(&urgent, &urgent_lock);

	if (!skb)
		skb = take(&bulk, &bulk_lock);
	if (!skb)
		return NULL;
	sch->qstats.backlog -= packet_length(skb);
	sch->q.qlen--;
	bpf_qdisc_bstats_update(sch, skb);
	return skb;
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
		skb = take(&urgent, &urgent_lock);
		if (!skb)
			skb = take(&bulk, &bulk_lock);
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
