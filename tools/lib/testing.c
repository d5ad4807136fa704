// SPDX-License-Identifier: GPL-2.0
/* Test and benchmark hooks (testing.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "testing.h"
#include "iommu_flush.skel.h"

int ifl_test_prog_fd(struct ifl_collector *c, enum ifl_event ev)
{
	struct bpf_program *p = c->src->event_prog ? c->src->event_prog(c, ev) : NULL;

	if (!p)
		return ifl_fail(c, IFL_ERR_INVAL, "no program for event %d", (int)ev);
	return bpf_program__fd(p);
}

int ifl_test_run(struct ifl_collector *c, enum ifl_event ev, const uint64_t *args,
		 unsigned int nargs, int cpu)
{
	__u64 ctx[8] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = ctx, .ctx_size_in = (__u32)(nargs * sizeof(__u64)));
	int fd = ifl_test_prog_fd(c, ev);

	if (fd < 0)
		return fd;
	if (nargs > 8)
		return ifl_fail(c, IFL_ERR_INVAL, "at most 8 arguments");
	memcpy(ctx, args, nargs * sizeof(__u64));
	if (cpu >= 0) {
		run.flags = BPF_F_TEST_RUN_ON_CPU;
		run.cpu = (__u32)cpu;
	}
	if (bpf_prog_test_run_opts(fd, &run))
		return ifl_fail(c, IFL_ERR_BPF, "BPF_PROG_TEST_RUN of event %d: %s", (int)ev,
				strerror(errno));
	return 0;
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
