// SPDX-License-Identifier: GPL-2.0
/*
 * An implementation of struct structops_demo_ops, a struct_ops type no vmlinux has: the test module
 * integration-tests/vm/module/structops_demo.c offers it, so the map and its programs are created against the
 * module's BTF. Link-based; module_ops_legacy.bpf.c is the legacy one (the module takes one at a time). It also
 * reads a per-CPU variable of the module's, a typed __ksym found in the module's BTF.
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct structops_demo_ops {
	int (*transform)(int value);
	void (*registered)(int registrations);
	int bias;
	char name[16];
};

/* The module's count of /proc/structops_demo reads on this CPU. */
extern const int structops_demo_reads __ksym;

__u64 transform_calls;
int last_registration;
int reads_seen;

SEC("struct_ops/transform")
int BPF_PROG(times_six, int value)
{
	const int *reads = bpf_this_cpu_ptr(&structops_demo_reads);

	__sync_fetch_and_add(&transform_calls, 1);
	reads_seen = *reads;
	return value * 6;
}

SEC("struct_ops/registered")
void BPF_PROG(remember_registration, int registrations)
{
	last_registration = registrations;
}

SEC(".struct_ops.link")
struct structops_demo_ops structops_demo = {
	.transform = (void *)times_six,
	.registered = (void *)remember_registration,
	.bias = 42,
	.name = "structops_demo",
};
