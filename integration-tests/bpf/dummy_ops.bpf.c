// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_dummy_ops, the kernel's test struct_ops: its programs run through BPF_PROG_TEST_RUN without attaching.
 * A legacy (.struct_ops, no link) map, and one sleepable program.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("struct_ops/dummy_test_1")
int BPF_PROG(dummy_test_1, struct bpf_dummy_ops_state *state)
{
	return 7;
}

SEC("struct_ops/dummy_test_2")
int BPF_PROG(dummy_test_2, struct bpf_dummy_ops_state *state, int a1, unsigned short a2, char a3, unsigned long a4)
{
	return a1 + a2 + a3;
}

SEC("struct_ops.s/dummy_sleepable")
int BPF_PROG(dummy_sleepable, struct bpf_dummy_ops_state *state)
{
	return 0;
}

SEC(".struct_ops")
struct bpf_dummy_ops structops_dummy = {
	.test_1 = (void *)dummy_test_1,
	.test_2 = (void *)dummy_test_2,
	.test_sleepable = (void *)dummy_sleepable,
};
