// SPDX-License-Identifier: GPL-2.0
/*
 * structops_demo: a kernel module that offers a struct_ops type of its own, so that structops can be tested against
 * the case where the kernel struct lives in a module's split BTF rather than in vmlinux (the map then needs the
 * module's BTF object in value_type_btf_obj_fd, each program in attach_btf_obj_fd).
 *
 * The module calls whichever structops_demo_ops is registered when /proc/structops_demo is read:
 *   name=<ops name> bias=<bias> transform(7)=<result> registrations=<n>
 * or "none" when nothing is registered. A test reads the file to prove the BPF programs ran with the data it set.
 * It also counts the reads per CPU in structops_demo_reads, a variable of the module's that a program can read as a
 * typed __ksym (the module's BTF describes its per-CPU variables).
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/bpf_verifier.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

struct structops_demo_ops {
	int (*transform)(int value);
	void (*registered)(int registrations);
	int bias;
	char name[16];
};

static DEFINE_MUTEX(demo_lock);
static struct structops_demo_ops *demo_active; /* guarded by demo_lock */
static int demo_registrations;
DEFINE_PER_CPU(int, structops_demo_reads);

static int demo_show(struct seq_file *m, void *v)
{
	mutex_lock(&demo_lock);
	if (!demo_active) {
		seq_puts(m, "none\n");
	} else {
		int result;

		/* On one CPU, so that the program sees this read counted in its CPU's copy. */
		preempt_disable();
		this_cpu_inc(structops_demo_reads);
		result = demo_active->transform ? demo_active->transform(7) : 0;
		preempt_enable();

		seq_printf(m, "name=%s bias=%d transform(7)=%d registrations=%d\n", demo_active->name,
			   demo_active->bias, result, demo_registrations);
	}
	mutex_unlock(&demo_lock);
	return 0;
}

static int demo_reg(void *kdata, struct bpf_link *link)
{
	struct structops_demo_ops *ops = kdata;

	mutex_lock(&demo_lock);
	if (demo_active) {
		mutex_unlock(&demo_lock);
		return -EBUSY;
	}
	demo_active = ops;
	demo_registrations++;
	if (ops->registered)
		ops->registered(demo_registrations);
	mutex_unlock(&demo_lock);
	return 0;
}

static void demo_unreg(void *kdata, struct bpf_link *link)
{
	mutex_lock(&demo_lock);
	if (demo_active == kdata)
		demo_active = NULL;
	mutex_unlock(&demo_lock);
}

static int demo_update(void *kdata, void *old_kdata, struct bpf_link *link)
{
	mutex_lock(&demo_lock);
	if (demo_active != old_kdata) {
		mutex_unlock(&demo_lock);
		return -EINVAL;
	}
	demo_active = kdata;
	demo_registrations++;
	mutex_unlock(&demo_lock);
	return 0;
}

static int demo_validate(void *kdata)
{
	return 0;
}

static int demo_init(struct btf *btf)
{
	return 0;
}

/* Data members are the module's to copy: the kernel only copies function pointers itself. */
static int demo_init_member(const struct btf_type *t, const struct btf_member *member, void *kdata,
			    const void *udata)
{
	const struct structops_demo_ops *uops = udata;
	struct structops_demo_ops *ops = kdata;
	u32 moff = __btf_member_bit_offset(t, member) / 8;

	switch (moff) {
	case offsetof(struct structops_demo_ops, bias):
		ops->bias = uops->bias;
		return 1;
	case offsetof(struct structops_demo_ops, name):
		if (bpf_obj_name_cpy(ops->name, uops->name, sizeof(ops->name)) <= 0)
			return -EINVAL;
		return 1;
	}
	return 0;
}

static bool demo_is_valid_access(int off, int size, enum bpf_access_type type, const struct bpf_prog *prog,
				 struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

static const struct bpf_verifier_ops demo_verifier_ops = {
	.get_func_proto = bpf_base_func_proto,
	.is_valid_access = demo_is_valid_access,
};

/* Control-flow-integrity stubs: one per function pointer, with the member's exact type. */
static int demo_transform_stub(int value)
{
	return value;
}

static void demo_registered_stub(int registrations)
{
}

static struct structops_demo_ops demo_cfi_stubs = {
	.transform = demo_transform_stub,
	.registered = demo_registered_stub,
};

static struct bpf_struct_ops bpf_structops_demo_ops = {
	.verifier_ops = &demo_verifier_ops,
	.init = demo_init,
	.init_member = demo_init_member,
	.reg = demo_reg,
	.unreg = demo_unreg,
	.update = demo_update,
	.validate = demo_validate,
	.cfi_stubs = &demo_cfi_stubs,
	.name = "structops_demo_ops",
	.owner = THIS_MODULE,
};

static int __init structops_demo_init(void)
{
	int err;

	if (!proc_create_single("structops_demo", 0444, NULL, demo_show))
		return -ENOMEM;
	err = register_bpf_struct_ops(&bpf_structops_demo_ops, structops_demo_ops);
	if (err)
		remove_proc_entry("structops_demo", NULL);
	return err;
}

static void __exit structops_demo_exit(void)
{
	/* The kernel keeps the module while any structops_demo_ops map exists, so nothing is registered here. */
	remove_proc_entry("structops_demo", NULL);
}

module_init(structops_demo_init);
module_exit(structops_demo_exit);
MODULE_DESCRIPTION("A struct_ops type offered by a module, for structops' tests");
MODULE_LICENSE("GPL");
