// SPDX-License-Identifier: Apache-2.0
/*
 * The libbpf peer for the loader's relocations: opens and loads an object with libbpf (without attaching), then
 * prints every program's final instructions, one per line, as "<prog> <index> <code> <dst> <src> <off> <imm>",
 * with the descriptor in a map reference replaced by the map's name, so that runs are comparable; then every map as
 * the kernel received it, "map <name> <type> <key size> <value size> <max entries> <flags> <BTF value type id>
 * <vmlinux value type id>".
 *
 * With --register first, it attaches every struct_ops map instead and exits leaving them in the kernel, as another
 * loader's process would: a legacy map stays registered, a link-based one ends with the process.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>

static int register_struct_ops(struct bpf_object *obj, const char *file)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		struct bpf_link *link;

		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		link = bpf_map__attach_struct_ops(map);
		if (!link) {
			fprintf(stderr, "libbpf_insns: cannot register %s of %s\n", bpf_map__name(map), file);
			return 1;
		}
		/* Disconnected, the link's end (at exit or destroy) leaves the registration in the kernel. */
		bpf_link__disconnect(link);
		bpf_link__destroy(link);
		printf("registered %s\n", bpf_map__name(map));
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;

	int reg = argc > 2 && !strcmp(argv[1], "--register");

	if (reg)
		argv++;
	libbpf_set_print(NULL);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "libbpf_insns: cannot open %s\n", argv[1]);
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "libbpf_insns: cannot load %s\n", argv[1]);
		return 1;
	}
	if (reg)
		return register_struct_ops(obj, argv[1]);
	bpf_object__for_each_program(prog, obj) {
		const struct bpf_insn *insn = bpf_program__insns(prog);
		size_t n = bpf_program__insn_cnt(prog);

		if (!bpf_program__autoload(prog))
			continue;
		for (size_t i = 0; i < n; i++) {
			const struct bpf_insn *in = &insn[i];
			const char *mapname = NULL;

			if (in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE)) {
				bpf_object__for_each_map(map, obj) {
					if (bpf_map__fd(map) == in->imm)
						mapname = bpf_map__name(map);
				}
			}
			if (mapname)
				printf("%s %zu %d %d %d %d map:%s\n", bpf_program__name(prog), i, in->code, in->dst_reg,
				       in->src_reg, in->off, mapname);
			else
				printf("%s %zu %d %d %d %d %d\n", bpf_program__name(prog), i, in->code, in->dst_reg,
				       in->src_reg, in->off, in->imm);
		}
	}
	bpf_object__for_each_map(map, obj) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (bpf_map__fd(map) < 0 || bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len))
			continue;
		printf("map %s %u %u %u %u %u %u %u\n", info.name, info.type, info.key_size, info.value_size,
		       info.max_entries, info.map_flags, info.btf_value_type_id, info.btf_vmlinux_value_type_id);
	}
	bpf_object__close(obj);
	return 0;
}
