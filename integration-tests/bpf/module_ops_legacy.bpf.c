// SPDX-License-Identifier: GPL-2.0
/*
 * struct structops_demo_ops (offered by the test module integration-tests/vm/module/structops_demo.c) in a legacy
 * .struct_ops map. The struct declares the members in another order than the module and leaves one out: data is
 * copied by member name, so the module still sees this name and bias.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct structops_demo_ops___reordered {
	char name[16];
	int (*transform)(int value);
	int bias;
};

__u64 transform_calls;

SEC("struct_ops/transform")
int BPF_PROG(plus_hundred, int value)
{
	__sync_fetch_and_add(&transform_calls, 1);
	return value + 100;
}

SEC(".struct_ops")
struct structops_demo_ops___reordered structops_demo_legacy = {
	.name = "demo_legacy",
	.transform = (void *)plus_hundred,
	.bias = -5,
};
