// SPDX-License-Identifier: Apache-2.0
/*
 * The libbpf side of btf-vmlinux-parse-lookup: parse /sys/kernel/btf/vmlinux and look up the struct_ops wrapper
 * and the ops struct by name, warm, in-process; prints the mean milliseconds per iteration.
 */
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int once(void)
{
	struct btf *btf = btf__parse_raw("/sys/kernel/btf/vmlinux");
	int a, b;

	if (!btf)
		return -1;
	a = btf__find_by_name_kind(btf, "bpf_struct_ops_tcp_congestion_ops", BTF_KIND_STRUCT);
	b = btf__find_by_name_kind(btf, "tcp_congestion_ops", BTF_KIND_STRUCT);
	btf__free(btf);
	return a > 0 && b > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5.0;
	double start, end;
	long n = 0;

	for (int i = 0; i < 50; i++)
		if (once()) {
			fprintf(stderr, "btf_parse_lookup: libbpf could not parse vmlinux BTF\n");
			return 1;
		}
	start = now_ms();
	do {
		if (once())
			return 1;
		n++;
		end = now_ms();
	} while (end - start < seconds * 1e3);
	printf("%.4f\n", (end - start) / n);
	return 0;
}
