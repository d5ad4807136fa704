// SPDX-License-Identifier: GPL-2.0
/* Test and benchmark hooks (testing.h). */
#define _GNU_SOURCE	/* sched_setaffinity, CPU_SET */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "testing.h"
#include "iommu_flush.skel.h"

int ifl_test_prog_fd(struct ifl_collector *c, enum ifl_event ev)
{
	struct bpf_program *p = ifl_event_prog(c, ev);

	if (!p)
		return ifl_fail(c, IFL_ERR_INVAL, "no program for event %d", (int)ev);
	return bpf_program__fd(p);
}

/* One BPF_PROG_TEST_RUN of a raw_tp program with ctx[] = args. */
static int run_prog(struct ifl_collector *c, int fd, const char *what, const uint64_t *args,
		    unsigned int nargs, int cpu)
{
	__u64 ctx[8] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = ctx, .ctx_size_in = (__u32)(nargs * sizeof(__u64)));
	cpu_set_t saved, one;
	int err = 0;

	if (fd < 0)
		return fd;
	if (nargs > 8)
		return ifl_fail(c, IFL_ERR_INVAL, "at most 8 arguments");
	memcpy(ctx, args, nargs * sizeof(__u64));
	if (cpu < 0) {
		if (bpf_prog_test_run_opts(fd, &run))
			return ifl_fail(c, IFL_ERR_BPF, "BPF_PROG_TEST_RUN of %s: %s", what, strerror(errno));
		return 0;
	}
	/*
	 * On CPU cpu, in this task: the kernel runs the program directly when
	 * the caller is on that CPU, and in an IPI otherwise, over whatever
	 * task that CPU was running (bpf_get_current_task_btf() is then that
	 * task, and the fallback's per-task stacks of callbacks get an entry
	 * in one task and its exit in another).  So this thread is pinned to
	 * cpu for the run, its affinity restored afterwards.
	 */
	if (cpu >= CPU_SETSIZE)
		return ifl_fail(c, IFL_ERR_INVAL, "CPU %d out of range", cpu);
	if (sched_getaffinity(0, sizeof(saved), &saved))
		return ifl_fail(c, IFL_ERR_SYS, "sched_getaffinity: %s", strerror(errno));
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (!CPU_EQUAL(&saved, &one) && sched_setaffinity(0, sizeof(one), &one))
		return ifl_fail(c, IFL_ERR_SYS, "cannot run on CPU %d (sched_setaffinity: %s)", cpu,
				strerror(errno));
	run.flags = BPF_F_TEST_RUN_ON_CPU;
	run.cpu = (__u32)cpu;
	if (bpf_prog_test_run_opts(fd, &run))
		err = ifl_fail(c, IFL_ERR_BPF, "BPF_PROG_TEST_RUN of %s on CPU %d: %s", what, cpu,
			       strerror(errno));
	if (!CPU_EQUAL(&saved, &one) && sched_setaffinity(0, sizeof(saved), &saved) && !err)
		err = ifl_fail(c, IFL_ERR_SYS, "cannot restore the CPU affinity: %s", strerror(errno));
	return err;
}

int ifl_test_run(struct ifl_collector *c, enum ifl_event ev, const uint64_t *args,
		 unsigned int nargs, int cpu)
{
	return run_prog(c, ifl_test_prog_fd(c, ev), "an event", args, nargs, cpu);
}

int ifl_test_fb_op(struct ifl_collector *c, enum ifl_fb_op op, const uint64_t *args,
		   unsigned int nargs, int cpu)
{
	uint64_t a[8] = { op };
	int fd = bpf_program__fd(c->skel->progs.fb_test);

	if (fd < 0)
		return ifl_fail(c, IFL_ERR_INVAL, "the fallback's test program is not loaded");
	if (nargs > 7)
		return ifl_fail(c, IFL_ERR_INVAL, "at most 7 arguments");
	memcpy(a + 1, args, nargs * sizeof(*a));
	return run_prog(c, fd, "the fallback's test program", a, nargs + 1, cpu);
}

int ifl_test_free_domain(struct ifl_collector *c, uint64_t domain, int cpu)
{
	int fd = bpf_program__fd(c->skel->progs.domain_free_test);

	if (fd < 0)
		return ifl_fail(c, IFL_ERR_INVAL, "the domain-free test program is not loaded");
	return run_prog(c, fd, "the domain-free test program", &domain, 1, cpu);
}

long ifl_test_map_entries(struct ifl_collector *c, const char *name)
{
	const struct bpf_map *map = bpf_object__find_map_by_name(c->skel->obj, name);
	unsigned char key[64], next[64];
	void *prev = NULL;
	long n = 0;
	int fd;

	if (!map || bpf_map__key_size(map) > sizeof(key))
		return -1;
	fd = bpf_map__fd(map);
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

int ifl_test_fb_find(const char *vmlinux_btf, const char *module_dir, struct ifl_fb_targets *out)
{
	struct btf *b = btf__parse(vmlinux_btf, NULL);
	int ret;

	if (!b)
		return -errno;
	ret = ifl_fb_find(b, module_dir, out);
	btf__free(b);
	return ret;
}

int ifl_test_set_domain(struct ifl_collector *c, uint64_t domain, const struct ifl_domain_info *di)
{
	__u64 key = domain;

	if (bpf_map_update_elem(bpf_map__fd(c->skel->maps.domains), &key, di, BPF_ANY))
		return ifl_fail(c, IFL_ERR_BPF, "cannot seed the domain cache: %s", strerror(errno));
	return 0;
}

int ifl_test_percpu_count(struct ifl_collector *c, uint64_t domain, uint64_t caller,
			  enum ifl_count count, uint64_t *out, int max)
{
	struct ifl_key key = { .domain = domain, .caller = caller };
	struct ifl_stats *v = calloc((size_t)c->info.ncpus, sizeof(*v));
	int n = 0;

	if (!v)
		return ifl_fail(c, IFL_ERR_SYS, "out of memory");
	if (!bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.stats), &key, v))
		for (; n < c->info.ncpus && n < max; n++)
			out[n] = v[n].count[count];
	free(v);
	return n;
}

int ifl_test_set_group_kset(struct ifl_collector *c, uint64_t addr)
{
	c->skel->bss->group_kset = addr;
	return 0;
}

/* The byte offset of a member of a map's value struct, from the object's BTF; -1 if none. */
static long value_member_offset(const struct bpf_map *map, const struct btf *btf, const char *name)
{
	const struct btf_type *t = btf ? btf__type_by_id(btf, bpf_map__btf_value_type_id(map)) : NULL;
	const struct btf_member *m;

	if (!t || !btf_is_struct(t))
		return -1;
	m = btf_members(t);
	for (__u16 i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return (long)(btf_member_bit_offset(t, i) / 8);
	return -1;
}

int ifl_test_fq_lock(struct ifl_collector *c, uint64_t domain, bool held)
{
	const struct bpf_map *map = c->skel->maps.fq_rings;
	long off = value_member_offset(map, bpf_object__btf(c->skel->obj), "lock");
	size_t size = bpf_map__value_size(map);
	__u64 key = domain, lock = held ? 1 : 0;
	unsigned char *v;
	int err = 0;

	if (off < 0 || (size_t)off + sizeof(lock) > size)
		return ifl_fail(c, IFL_ERR_INVAL, "no member \"lock\" in the ring's BTF");
	v = calloc(1, size);
	if (!v)
		return ifl_fail(c, IFL_ERR_SYS, "out of memory");
	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, v)) {
		err = ifl_fail(c, IFL_ERR_INVAL, "no stale-window ring for that domain: %s", strerror(errno));
	} else {
		memcpy(v + off, &lock, sizeof(lock));
		if (bpf_map_update_elem(bpf_map__fd(map), &key, v, BPF_EXIST))
			err = ifl_fail(c, IFL_ERR_BPF, "cannot write the ring: %s", strerror(errno));
	}
	free(v);
	return err;
}
