/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the project's bpf qdiscs share: the declarations clang needs for a kptr and a list's contents, and a queue of
 * packets as a BPF list of nodes, each holding an sk_buff as a kptr, under a spin lock. Built at test time with
 * clang-19 against the VM kernel's vmlinux.h (integration-tests/corpus/build): the kptr's type tag and the list's
 * "contains" decl tag need a clang newer than the one the other examples are built with.
 */
#ifndef STRUCTOPS_QDISC_H
#define STRUCTOPS_QDISC_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define NET_XMIT_SUCCESS 0x00
#define NET_XMIT_DROP 0x01

#define __kptr __attribute__((btf_type_tag("kptr")))
#define __contains(type, member) __attribute__((btf_decl_tag("contains:" #type ":" #member)))
/* A data section of its own, as the verifier wants a list head and its lock together in one map value. */
#define section_of(name) SEC(".data." #name) __hidden __attribute__((aligned(8)))

struct packet {
	struct sk_buff __kptr *skb;
	struct bpf_list_node link;
};

/* The length the kernel accounts the packet with (qdisc_pkt_len). */
static __always_inline __u32 packet_length(struct sk_buff *skb)
{
	return ((struct qdisc_skb_cb *)skb->cb)->pkt_len;
}

/* Wraps *skb in a new node appended to queue, and clears *skb; false (*skb kept) if no node could be had. */
static __always_inline bool append(struct bpf_list_head *queue, struct bpf_spin_lock *lock, struct sk_buff **skb,
				   struct bpf_sk_buff_ptr *to_free)
{
	struct packet *p = bpf_obj_new_impl(bpf_core_type_id_local(struct packet), NULL);
	struct sk_buff *old;

	if (!p)
		return false;
	old = bpf_kptr_xchg(&p->skb, *skb);
	*skb = NULL;
	if (old) /* a new node holds none; the verifier wants the case handled */
		bpf_qdisc_skb_drop(old, to_free);
	bpf_spin_lock(lock);
	bpf_list_push_back_impl(queue, &p->link, NULL, 0);
	bpf_spin_unlock(lock);
	return true;
}

/* The oldest packet of queue, taken out of its node; NULL if the queue is empty. */
static __always_inline struct sk_buff *take(struct bpf_list_head *queue, struct bpf_spin_lock *lock)
{
	struct bpf_list_node *node;
	struct packet *p;
	struct sk_buff *skb;

	bpf_spin_lock(lock);
	node = bpf_list_pop_front(queue);
	bpf_spin_unlock(lock);
	if (!node)
		return NULL;
	p = container_of(node, struct packet, link);
	skb = bpf_kptr_xchg(&p->skb, NULL);
	bpf_obj_drop_impl(p, NULL);
	return skb;
}

/* Dequeue's bookkeeping for a packet leaving the qdisc. */
static __always_inline struct sk_buff *leaving(struct Qdisc *sch, struct sk_buff *skb)
{
	sch->qstats.backlog -= packet_length(skb);
	sch->q.qlen--;
	bpf_qdisc_bstats_update(sch, skb);
	return skb;
}

#endif
