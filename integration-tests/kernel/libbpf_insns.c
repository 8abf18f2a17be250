// SPDX-License-Identifier: Apache-2.0
/*
 * The libbpf peer for the loader's relocations: opens and loads an object with libbpf (without attaching), then
 * prints every program's final instructions, one per line, as "<prog> <index> <code> <dst> <src> <off> <imm>",
 * with the descriptor in a map reference replaced by the map's name, so that runs are comparable; then every map as
 * the kernel received it, "map <name> <type> <key size> <value size> <max entries> <flags> <BTF value type id>
 * <vmlinux value type id>".
 *
 * With --register first, it attaches every struct_ops map instead and exits leaving them in the kernel, as another
 * loader's process would: a legacy map stays registered, a link-based one ends with the process. With --attach
 * first, it attaches every struct_ops map, prints "attached <name>" for each, and detaches them again (the corpus
 * test's "does libbpf load and attach it"). --only MAP (before the file) creates that struct_ops map and no other,
 * as a skeleton's user does with bpf_map__set_autocreate(false). --list prints the object's struct_ops maps, one name
 * a line, and loads nothing. Before loading, as a scheduler's own userspace would: --set NAME=VALUE[,...] gives
 * integer globals their values (an integer array "[A,B,...]", one value per element), and every "__SCX_<X>" global
 * gets the kernel's value of enumerator SCX_<X> (tools/sched_ext's SCX_ENUM_INIT); --resize NAME=N[,...] gives the
 * array NAME, the last variable of its global data section, N elements (bpf_map__set_value_size, as scx's
 * RESIZE_ARRAY), or the map NAME N entries (bpf_map__set_max_entries); after the load, --fill MAP gives every slot
 * of the array of maps MAP a new inner map, as scx_pair's userspace does. A failure is one line naming the object, the
 * step and libbpf's first warning.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char last_warning[512];
/* Whole: the verifier's last words are at the end of a log that runs to hundreds of KiB for a big program. */
static char verifier_log[1 << 20];

/*
 * Keeps libbpf's first warning (where a failure began; the later ones only say what gave up) and the verifier's log
 * of a refused program, printing nothing.
 */
static int keep_warning(enum libbpf_print_level level, const char *format, va_list args)
{
	static char text[sizeof(verifier_log)];

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(text, sizeof(text), format, args);
	if (strstr(text, "PROG LOAD LOG") && !verifier_log[0])
		snprintf(verifier_log, sizeof(verifier_log), "%s", text);
	if (!last_warning[0]) {
		snprintf(last_warning, sizeof(last_warning), "%s", text);
		last_warning[strcspn(last_warning, "\n")] = 0;
	}
	return 0;
}

/* The verifier's last words: the two lines before the log's end marker (or its end). */
static void print_verifier_tail(void)
{
	char *end = strstr(verifier_log, "-- END PROG LOAD LOG --");
	char *p;
	int lines = 0;

	if (!verifier_log[0])
		return;
	if (end)
		*end = 0;
	p = verifier_log + strlen(verifier_log);
	while (p > verifier_log && (p[-1] == '\n' || p[-1] == ' '))
		*--p = 0;
	while (p > verifier_log && lines < 2)
		if (*--p == '\n')
			lines++;
	for (char *c = p; *c; c++)
		if (*c == '\n')
			*c = ' ';
	fprintf(stderr, "; verifier:%s", p);
}

static int fail(const char *step, const char *file)
{
	fprintf(stderr, "libbpf_insns: %s: cannot %s: %s", file, step, last_warning);
	print_verifier_tail();
	fprintf(stderr, "\n");
	return 1;
}

/* The kernel's value of enumerator NAME, if any of its enums has one. */
static int kernel_enumerator(const struct btf *vmlinux, const char *name, __u64 *value)
{
	for (__u32 id = 1; vmlinux && id < btf__type_cnt(vmlinux); id++) {
		const struct btf_type *t = btf__type_by_id(vmlinux, id);
		__u16 n = btf_vlen(t);

		for (__u16 i = 0; btf_is_enum(t) && i < n; i++) {
			if (!strcmp(btf__name_by_offset(vmlinux, btf_enum(t)[i].name_off), name)) {
				*value = (__u64)(__s64)btf_enum(t)[i].val;
				return 1;
			}
		}
		for (__u16 i = 0; btf_is_enum64(t) && i < n; i++) {
			if (!strcmp(btf__name_by_offset(vmlinux, btf_enum64(t)[i].name_off), name)) {
				*value = btf_enum64_value(&btf_enum64(t)[i]);
				return 1;
			}
		}
	}
	return 0;
}

/* Where the value of NAME is in SETS ("NAME=VALUE,..."; an array value "[A,B]" keeps its commas), or NULL. */
static const char *find_setting(const char *sets, const char *name)
{
	size_t len = strlen(name);
	int depth = 0;

	for (const char *p = sets, *start = sets; p && *start; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth)
			depth--;
		else if ((*p == ',' && !depth) || !*p) {
			if (!strncmp(start, name, len) && start[len] == '=')
				return start + len + 1;
			if (!*p)
				break;
			start = p + 1;
		}
	}
	return NULL;
}

/* The value "NAME=VALUE" of SETS (comma-separated) gives NAME, if any. */
static int setting(const char *sets, const char *name, __u64 *value)
{
	const char *v = sets ? find_setting(sets, name) : NULL;

	if (!v)
		return 0;
	*value = strtoull(v, NULL, 0);
	return 1;
}

/* An array's "[A,B,...]" into its ELEMENTS of SIZE bytes each at DATA (little-endian: the low bytes). */
static void set_array(char *data, const char *text, __u32 elements, __u32 size)
{
	const char *p = text + 1;

	for (__u32 i = 0; i < elements && *p && *p != ']'; i++) {
		char *end;
		__u64 value = strtoull(p, &end, 0);

		memcpy(data + i * size, &value, size <= 8 ? size : 8);
		p = *end == ',' ? end + 1 : end;
	}
}

/* Sizes the arrays --resize names: each the last variable of its section's map. */
static int resize_arrays(struct bpf_object *obj, const char *resizes)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const char *sec_name = strchr(bpf_map__name(map), '.');
		int sec_id = btf && sec_name ? btf__find_by_name_kind(btf, sec_name, BTF_KIND_DATASEC) : -1;
		const struct btf_type *sec;
		const struct btf_var_secinfo *last;
		const struct btf_type *var;
		const struct btf_array *array;
		__u64 count;

		/* A map of .maps named: its entry count (bpf_map__set_max_entries, as scx_pair's userspace does). */
		if (!sec_name && setting(resizes, bpf_map__name(map), &count)) {
			if (bpf_map__set_max_entries(map, count)) {
				fprintf(stderr, "libbpf_insns: --resize of %s failed\n", bpf_map__name(map));
				return 1;
			}
			continue;
		}
		if (sec_id < 0)
			continue;
		sec = btf__type_by_id(btf, sec_id);
		if (!btf_vlen(sec))
			continue;
		last = &btf_var_secinfos(sec)[btf_vlen(sec) - 1];
		var = btf__type_by_id(btf, last->type);
		if (!setting(resizes, btf__name_by_offset(btf, var->name_off), &count))
			continue;
		array = btf_array(btf__type_by_id(btf, var->type));
		if (bpf_map__set_value_size(map, last->offset + last->size / array->nelems * count)) {
			fprintf(stderr, "libbpf_insns: --resize of %s failed\n", bpf_map__name(map));
			return 1;
		}
	}
	return 0;
}

/* Writes --set values and SCX_ENUM_INIT's enum copies into the global data maps' initial values. */
static void prepare_globals(struct bpf_object *obj, const char *sets)
{
	struct btf *btf = bpf_object__btf(obj), *vmlinux = btf__load_vmlinux_btf();
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		size_t size;
		char *data = bpf_map__initial_value(map, &size);
		int sec_id = btf ? btf__find_by_name_kind(btf, bpf_map__name(map), BTF_KIND_DATASEC) : -1;
		const char *sec_name = strchr(bpf_map__name(map), '.');
		const struct btf_type *sec;

		if (!data)
			continue;
		if (sec_id < 0 && sec_name)
			sec_id = btf__find_by_name_kind(btf, sec_name, BTF_KIND_DATASEC);
		if (sec_id < 0)
			continue;
		sec = btf__type_by_id(btf, sec_id);
		for (__u16 i = 0; i < btf_vlen(sec); i++) {
			const struct btf_var_secinfo *vi = &btf_var_secinfos(sec)[i];
			const char *name = btf__name_by_offset(btf, btf__type_by_id(btf, vi->type)->name_off);
			const char *text = sets ? find_setting(sets, name) : NULL;
			__u64 value;

			if (text && *text == '[') {
				__s32 type = btf__resolve_type(btf, btf__type_by_id(btf, vi->type)->type);
				const struct btf_type *t = btf__type_by_id(btf, type);

				if (vi->offset + vi->size <= size && btf_is_array(t) && btf_array(t)->nelems)
					set_array(data + vi->offset, text, btf_array(t)->nelems,
						  vi->size / btf_array(t)->nelems);
				continue;
			}
			if (!setting(sets, name, &value) &&
			    !(!strncmp(name, "__SCX_", 6) && kernel_enumerator(vmlinux, name + 2, &value)))
				continue;
			if (vi->offset + vi->size <= size && vi->size <= 8)
				memcpy(data + vi->offset, &value, vi->size); /* little-endian: the low bytes */
		}
	}
	btf__free(vmlinux);
}

/* The inner map kind of the array of maps --fill names, read before the load (libbpf frees it once the outer exists). */
static struct {
	enum bpf_map_type type;
	__u32 key_size, value_size, max_entries;
} fill_kind;

static int read_fill_kind(struct bpf_object *obj, const char *fill, const char *file)
{
	struct bpf_map *outer = bpf_object__find_map_by_name(obj, fill);
	struct bpf_map *inner = outer ? bpf_map__inner_map(outer) : NULL;

	if (!inner) {
		snprintf(last_warning, sizeof(last_warning), "%s: no map of maps of that name", fill);
		return fail("fill", file);
	}
	fill_kind.type = bpf_map__type(inner);
	fill_kind.key_size = bpf_map__key_size(inner);
	fill_kind.value_size = bpf_map__value_size(inner);
	fill_kind.max_entries = bpf_map__max_entries(inner);
	return 0;
}

/* After the load, every slot of the array of maps FILL gets a new inner map of its declared kind (scx_pair's queues). */
static int fill_inner_maps(struct bpf_object *obj, const char *fill, const char *file)
{
	struct bpf_map *outer = bpf_object__find_map_by_name(obj, fill);

	for (__u32 slot = 0; slot < bpf_map__max_entries(outer); slot++) {
		int fd = bpf_map_create(fill_kind.type, NULL, fill_kind.key_size, fill_kind.value_size,
					fill_kind.max_entries, NULL);

		if (fd < 0 || bpf_map_update_elem(bpf_map__fd(outer), &slot, &fd, BPF_ANY)) {
			snprintf(last_warning, sizeof(last_warning), "%s[%u]: %s", fill, slot, strerror(errno));
			return fail("fill", file);
		}
		close(fd);
	}
	return 0;
}

static int attach_and_detach(struct bpf_object *obj, const char *file)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		struct bpf_link *link;

		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS || !bpf_map__autocreate(map))
			continue;
		link = bpf_map__attach_struct_ops(map);
		if (!link) {
			if (!last_warning[0])
				snprintf(last_warning, sizeof(last_warning), "%s: %s", bpf_map__name(map), strerror(errno));
			return fail("attach", file);
		}
		printf("attached %s\n", bpf_map__name(map));
		bpf_link__destroy(link);
	}
	return 0;
}

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
	int reg = 0, attach = 0, list = 0;
	const char *only = NULL, *sets = NULL, *resizes = NULL, *fill = NULL;

	for (; argc > 2 && !strncmp(argv[1], "--", 2); argc--, argv++) {
		if (!strcmp(argv[1], "--register"))
			reg = 1;
		else if (!strcmp(argv[1], "--attach"))
			attach = 1;
		else if (!strcmp(argv[1], "--list"))
			list = 1;
		else if (!strcmp(argv[1], "--only") && argc > 3)
			only = (argc--, ++argv)[1];
		else if (!strcmp(argv[1], "--set") && argc > 3)
			sets = (argc--, ++argv)[1];
		else if (!strcmp(argv[1], "--resize") && argc > 3)
			resizes = (argc--, ++argv)[1];
		else if (!strcmp(argv[1], "--fill") && argc > 3)
			fill = (argc--, ++argv)[1];
		else
			break;
	}
	libbpf_set_print(keep_warning);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		return fail("open", argv[1]);
	bpf_object__for_each_map(map, obj) {
		if (list && bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
			printf("%s\n", bpf_map__name(map));
		/* The map named is created even if the object marks it optional (SEC("?.struct_ops")). */
		if (only && bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
			bpf_map__set_autocreate(map, !strcmp(bpf_map__name(map), only));
	}
	if (list)
		return 0;
	if (resize_arrays(obj, resizes))
		return 1;
	prepare_globals(obj, sets);
	if (fill && read_fill_kind(obj, fill, argv[1]))
		return 1;
	if (bpf_object__load(obj))
		return fail("load", argv[1]);
	if (fill && fill_inner_maps(obj, fill, argv[1]))
		return 1;
	if (reg)
		return register_struct_ops(obj, argv[1]);
	if (attach)
		return attach_and_detach(obj, argv[1]);
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
