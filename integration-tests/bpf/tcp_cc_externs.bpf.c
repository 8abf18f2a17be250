// SPDX-License-Identifier: GPL-2.0
/*
 * A fixed-window congestion control that reads the kernel it runs on: .kconfig externs (the kernel version,
 * CONFIG_HZ, a bool, a tristate, a string, and a weak option no kernel has) and a typeless ksym whose address comes
 * from kallsyms. init() copies what it saw into .bss, for `vars` to show. (Typed ksyms: tcp_cc_ksym.bpf.c.)
 */
#include "structops_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#define FIXED_CWND 10


extern u32 LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_TCP_CONG_CUBIC __kconfig;
extern char CONFIG_DEFAULT_TCP_CONG[16] __kconfig;
extern _Bool CONFIG_STRUCTOPS_NO_SUCH_OPTION __kconfig __weak;

extern const void _stext __ksym;

u32 seen_kernel_version;
int seen_hz;
u32 seen_bpf_syscall;
u32 seen_cubic;
char seen_default_cc[16];
u32 seen_no_such_option = 99;
u64 seen_stext;

SEC("struct_ops/ex_init")
void BPF_PROG(ex_init, struct sock *sk)
{
	seen_kernel_version = LINUX_KERNEL_VERSION;
	seen_hz = CONFIG_HZ;
	seen_bpf_syscall = CONFIG_BPF_SYSCALL;
	seen_cubic = CONFIG_TCP_CONG_CUBIC;
	__builtin_memcpy(seen_default_cc, CONFIG_DEFAULT_TCP_CONG, sizeof(seen_default_cc));
	seen_no_such_option = CONFIG_STRUCTOPS_NO_SUCH_OPTION;
	seen_stext = (u64)&_stext;
}

SEC("struct_ops/ex_ssthresh")
u32 BPF_PROG(ex_ssthresh, struct sock *sk)
{
	return FIXED_CWND;
}

SEC("struct_ops/ex_cong_avoid")
void BPF_PROG(ex_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
}

SEC("struct_ops/ex_undo_cwnd")
u32 BPF_PROG(ex_undo_cwnd, struct sock *sk)
{
	return FIXED_CWND;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops structops_ext = {
	.init = (void *)ex_init,
	.ssthresh = (void *)ex_ssthresh,
	.cong_avoid = (void *)ex_cong_avoid,
	.undo_cwnd = (void *)ex_undo_cwnd,
	.name = "structops_ext",
};
