// SPDX-License-Identifier: GPL-2.0
/*
 * core_guarded.bpf.c with the read of the field no kernel has left unguarded: the verifier reaches the poisoned
 * instruction, and the load fails naming the CO-RE relocation behind it.
 */
#define CF_UNGUARDED
#define CF_NAME so_cf_missing
#define CF_READ(f) ((f)->sk_structops_credits)
#include "core_guarded.bpf.c"
