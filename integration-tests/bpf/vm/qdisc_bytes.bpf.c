// SPDX-License-Identifier: GPL-2.0
/*
 * A FIFO qdisc (Qdisc_ops) that bounds its backlog in bytes: a packet that would take the bytes waiting beyond
 * byte_limit (a const volatile tunable, load --set byte_limit=N) is dropped. Each waiting packet is an sk_buff held
 * as a kptr by a node of a BPF list, under a spin lock, in a private data section. Counters in .bss.
 *
 * Built at test time with clang-19 against the VM kernel's vmlinux.h (integration-tests/corpus/build): the kptr's
 * type tag and the list's "contains" decl tag need a clang newer than the one the other examples are built with.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

/* The qdisc kind; qdisc_bytes_next.bpf.c builds the same qdisc under another, as a new version may ship. */
#ifndef QDISC_ID
#define QDISC_ID "so_bytes"
#endif

#define NET_XMIT_SUCCESS 0x00
#define NET_XMIT_DROP 0x01

#define __kptr __attribute__((btf_type_tag("kptr")))
#define __contains(type, member) __attribute__((btf_decl_tag("contains:" #type ":" #member)))
/* A data section of its own, as the verifier wants a list head and its lock together in one map value. */
#define section_of(name) SEC(".data." #name) __hidden __attribute__((aligned(8)))

const volatile __u32 byte_limit = 1 << 20;
__u64 enqueued, dequeued, dropped;

struct waiting {
	struct sk_buff __kptr *skb;
	struct bpf_list_node link;
};

section_of(fifo) struct bpf_spin_lock fifo_lock;
section_of(fifo) struct bpf_list_head fifo __contains(waiting, link);

/* The length the kernel accounts the packet with (qdisc_pkt_len). */
static __u32 packet_length(struct sk_buff *skb)
{
	return ((struct qdisc_skb_cb *)skb->cb)->pkt_len;
}

SEC("struct_ops/bytes_enqueue")
int BPF_PROG(bytes_enqueue, struct sk_buff *skb, struct Qdisc *sch, struct bpf_sk_buff_ptr *to_free)
{
	__u32 length = packet_length(skb);
	struct waiting *w;
	struct sk_buff *old;

	if (sch->qstats.backlog + length > byte_limit)
		goto drop;
	w = bpf_obj_new_impl(bpf_core_type_id_local(struct waiting), NULL);
	if (!w)
		goto drop;
	old = bpf_kptr_xchg(&w->skb, skb);
	if (old) /* a new node holds none; the verifier wants the case handled */
		bpf_qdisc_skb_drop(old, to_free);
	bpf_spin_lock(&fifo_lock);
	bpf_list_push_back_impl(&fifo, &w->link, NULL, 0);
	bpf_spin_unlock(&fifo_lock);
	sch->qstats.backlog += length;
	sch->q.qlen++;
	__sync_fetch_and_add(&enqueued, 1);
	return NET_XMIT_SUCCESS;
drop:
	bpf_qdisc_skb_drop(skb, to_free);
	__sync_fetch_and_add(&dropped, 1);
	return NET_XMIT_DROP;
}

/* The oldest waiting packet, taken out of its node; NULL if none waits. */
static struct sk_buff *take_first(void)
{
	struct bpf_list_node *node;
	struct waiting *w;
	struct sk_buff *skb;

	bpf_spin_lock(&fifo_lock);
	node = bpf_list_pop_front(&fifo);
	bpf_spin_unlock(&fifo_lock);
	if (!node)
		return NULL;
	w = container_of(node, struct waiting, link);
	skb = bpf_kptr_xchg(&w->skb, NULL);
	bpf_obj_drop_impl(w, NULL);
	return skb;
}

SEC("struct_ops/bytes_dequeue")
struct sk_buff *BPF_PROG(bytes_dequeue, struct Qdisc *sch)
{
	struct sk_buff *skb = take_first();

	if (!skb)
		return NULL;
	sch->qstats.backlog -= packet_length(skb);
	sch->q.qlen--;
	bpf_qdisc_bstats_update(sch, skb);
	__sync_fetch_and_add(&dequeued, 1);
	return skb;
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
		skb = take_first();
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
