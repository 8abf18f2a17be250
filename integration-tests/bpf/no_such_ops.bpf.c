// SPDX-License-Identifier: GPL-2.0
/* A struct_ops type no kernel has: structops must say so before it tries to load anything. */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct structops_no_such_ops {
	int (*hello)(void *arg);
	int answer;
};

SEC("struct_ops/no_such_hello")
int BPF_PROG(no_such_hello, void *arg)
{
	return 0;
}

SEC(".struct_ops.link")
struct structops_no_such_ops structops_nowhere = {
	.hello = (void *)no_such_hello,
	.answer = 42,
};
