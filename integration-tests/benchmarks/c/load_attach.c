// SPDX-License-Identifier: Apache-2.0
/*
 * The libbpf side of struct-ops-load-attach: open an object, load it, attach every struct_ops map, then detach and
 * close, warm, in-process; prints the mean milliseconds per iteration.
 */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int once(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_link *links[16];
	struct bpf_map *map;
	int n = 0, err = 0;

	if (!obj)
		return -1;
	if (bpf_object__load(obj)) {
		bpf_object__close(obj);
		return -1;
	}
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS || n == 16)
			continue;
		links[n] = bpf_map__attach_struct_ops(map);
		if (!links[n]) {
			err = -1;
			break;
		}
		n++;
	}
	while (n--)
		bpf_link__destroy(links[n]);
	bpf_object__close(obj);
	return err;
}

int main(int argc, char **argv)
{
	const char *path = argv[1];
	double seconds = argc > 2 ? atof(argv[2]) : 5.0;
	double start, end;
	long n = 0;

	libbpf_set_print(NULL);
	for (int i = 0; i < 20; i++)
		if (once(path)) {
			fprintf(stderr, "load_attach: libbpf could not load and attach %s\n", path);
			return 1;
		}
	start = now_ms();
	do {
		if (once(path))
			return 1;
		n++;
		end = now_ms();
	} while (end - start < seconds * 1e3);
	printf("%.4f\n", (end - start) / n);
	return 0;
}
