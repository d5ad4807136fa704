// SPDX-License-Identifier: GPL-2.0
/*
 * Which device a domain serves.  No event of the series carries a device
 * except dma_fq_queue (lazy mode only), so the kernel is asked directly:
 * iommu.c's list of IOMMU groups (iommu_group_kset, a weak __ksym that
 * libbpf resolves from kallsyms at load) is walked by the BPF side at a
 * domain's first event (its first device goes to the domain cache), and
 * by the walk_groups program, run here with
 * BPF_PROG_TEST_RUN when a snapshot meets a new domain, for the names of
 * all the devices of the groups as they are now.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "strbuf.h"
#include "sysinfo.h"
#include "iommu_flush.skel.h"

static void descs_free(struct ifl_groups *g)
{
	free(g->descs);
	g->descs = NULL;
	g->ndescs = 0;
}

void ifl_groups_free(struct ifl_groups *g)
{
	free(g->recs);
	g->recs = NULL;
	g->n = 0;
	descs_free(g);
}

int ifl_groups_refresh(struct ifl_collector *c)
{
	struct ifl_groups *g = &c->groups;
	__u64 args[1];
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = args, .ctx_size_in = sizeof(args));
	int fd, map_fd, err;
	__u32 n;

	/*
	 * Without iommu_group_kset (no CONFIG_KALLSYMS_ALL) the walk finds
	 * no group: devices come from dma_fq_queue only.
	 *
	 * A walk that fails (the program refused a run, or could not read
	 * the kset) keeps the groups of the last walk, and is counted: the
	 * snapshots' drops "group_walks", shown by the tools.
	 */
	fd = bpf_program__fd(c->skel->progs.walk_groups);
	if (fd < 0) {
		c->group_walk_failures++;
		return 0;
	}
	args[0] = 0;
	err = bpf_prog_test_run_opts(fd, &run);
	if (err || run.retval) {
		c->group_walk_failures++;
		return 0;
	}
	descs_free(g);
	n = c->skel->bss->groups_found;
	if (n > IFL_MAX_GROUPS)
		n = IFL_MAX_GROUPS;
	free(g->recs);
	g->recs = calloc(n ? n : 1, sizeof(*g->recs));
	g->n = 0;
	if (!g->recs)
		return -ENOMEM;
	map_fd = bpf_map__fd(c->skel->maps.groups);
	for (__u32 i = 0; i < n; i++)
		if (!bpf_map_lookup_elem(map_fd, &i, &g->recs[g->n]))
			g->n++;
	return 0;
}

void ifl_device_name(const struct ifl_groups *g, uint64_t domain,
		     const struct ifl_domain_info *di, char *buf, size_t len)
{
	snprintf(buf, len, "-");
	for (size_t i = 0; i < g->n && domain; i++) {
		const struct ifl_group_rec *r = &g->recs[i];
		struct ifl_strbuf sb;

		if (r->domain != domain || !r->ndev)
			continue;
		sb = ifl_sb(buf, len);
		for (__u32 d = 0; d < r->ndev && d < IFL_GROUP_DEVS; d++)
			ifl_sb_put(&sb, "%s%.*s", d ? "," : "", IFL_DEV_NAME_LEN, r->dev[d]);
		if (r->ndev > IFL_GROUP_DEVS)
			ifl_sb_put(&sb, ",+%u", r->ndev - IFL_GROUP_DEVS);
		return;
	}
	if (di && di->dev[0])
		snprintf(buf, len, "%.*s", IFL_DEV_NAME_LEN, di->dev);
}

void ifl_device_describe(struct ifl_groups *g, const char *device, char *buf, size_t len)
{
	struct ifl_desc *d;

	for (size_t i = 0; i < g->ndescs; i++)
		if (!strcmp(g->descs[i].device, device)) {
			snprintf(buf, len, "%s", g->descs[i].desc);
			return;
		}
	ifl_device_desc("", device, buf, len);
	/* not cached when out of memory: asked again next time */
	d = realloc(g->descs, (g->ndescs + 1) * sizeof(*d));
	if (!d)
		return;
	g->descs = d;
	d += g->ndescs++;
	snprintf(d->device, sizeof(d->device), "%s", device);
	snprintf(d->desc, sizeof(d->desc), "%s", buf);
}
