// SPDX-License-Identifier: GPL-2.0
/*
 * A second version of tcp_cc_link.bpf.c: the same struct_ops variable and algorithm name (structops_fixed) with a
 * larger window, to be swapped in while the first carries traffic.
 */
#define FIXED_CWND 20
#include "tcp_cc_link.bpf.c"
