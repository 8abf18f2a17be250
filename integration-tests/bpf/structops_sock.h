/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parts of the kernel's socket the CO-RE examples read, with the kernel's names. preserve_access_index makes
 * each access a CO-RE relocation, so the object works whatever the kernel's layout; the offsets here (0 for
 * skc_state) are deliberately not the kernel's. A defined struct sock also lets libbpf match kfunc prototypes that
 * take one.
 */
#ifndef STRUCTOPS_SOCK_H
#define STRUCTOPS_SOCK_H

struct sock_common {
	unsigned char skc_state;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
	unsigned long sk_pacing_rate;
} __attribute__((preserve_access_index));

#endif
