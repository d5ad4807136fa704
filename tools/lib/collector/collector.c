// SPDX-License-Identifier: GPL-2.0
/*
 * Opening the collector: environment checks with one-line errors, choice
 * of the event source and of tp_btf or raw_tp programs, load and attach.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "iommu_flush.skel.h"

/*
 * In order of preference.  The two versions of the series never meet on
 * one kernel (their map events differ): v1 first, so that where nothing
 * can be checked (tests without a BTF) "tracepoints" means v1.
 */
static const struct ifl_source *const sources[] = {
	&ifl_source_tracepoints,
	&ifl_source_tracepoints_v2,
	&ifl_source_fallback,
};

/* Does ifl_opts.source's want name src: its name, or its name-variant? */
static bool source_is(const char *want, const struct ifl_source *src)
{
	size_t n = strlen(src->name);

	if (!strcmp(want, src->name))
		return true;
	return src->variant && !strncmp(want, src->name, n) && want[n] == '-' &&
	       !strcmp(want + n + 1, src->variant);
}

int ifl_err(struct ifl_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -code;
}

const char *ifl_errmsg(const struct ifl_collector *c)
{
	return c->err.msg;
}

/* What the sources see of the collector. */
static struct ifl_source_args source_args(const struct ifl_collector *c)
{
	return (struct ifl_source_args){
		.opts = &c->opts,
		.btf = c->btf,
		.skel = c->skel,
		.mode = c->mode,
		.fb = &c->found.fb,
		.priv = c->src ? c->src->priv : NULL,
	};
}

struct bpf_program *ifl_event_prog(const struct ifl_collector *c, enum ifl_event ev)
{
	struct ifl_source_args a = source_args(c);

	return c->src && c->src->event_prog ? c->src->event_prog(&a, ev) : NULL;
}

const struct ifl_info *ifl_info(const struct ifl_collector *c)
{
	return &c->info;
}

/*
 * libbpf's messages go to stderr only when asked for; otherwise its first
 * warning during a load is kept for our one-line error.
 */
static bool libbpf_verbose;
static char libbpf_first_warn[160];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *nl;

	if (libbpf_verbose)
		return vfprintf(stderr, fmt, ap);
	if (level != LIBBPF_WARN || libbpf_first_warn[0])
		return 0;
	vsnprintf(libbpf_first_warn, sizeof(libbpf_first_warn), fmt, ap);
	nl = strchr(libbpf_first_warn, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

/* CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON (5.8+), in the effective set. */
static bool bpf_capable(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	const int cap_sys_admin = 21, cap_perfmon = 38, cap_bpf = 39;

	if (syscall(SYS_capget, &h, d))
		return geteuid() == 0;
#define HAS(n) ((d[(n) / 32].effective >> ((n) % 32)) & 1)
	return HAS(cap_sys_admin) || (HAS(cap_bpf) && HAS(cap_perfmon));
#undef HAS
}

static bool dir_has_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool any = false;

	if (!d)
		return false;
	while (!any && (e = readdir(d)))
		any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return any;
}

static int check_env(struct ifl_collector *c)
{
	const char *btf_path = c->opts.btf_path ? c->opts.btf_path : "/sys/kernel/btf/vmlinux";

	if (!bpf_capable())
		return ifl_fail(c, IFL_ERR_PERM,
				"need root, or the capabilities CAP_BPF and CAP_PERFMON, to load BPF programs");
	if (access(btf_path, R_OK))
		return ifl_fail(c, IFL_ERR_NO_BTF,
				"the kernel has no BTF (%s: %s): both event sources need it (tracepoints and fentry/kprobes), CONFIG_DEBUG_INFO_BTF=y",
				btf_path, strerror(errno));
	c->btf = btf__parse(btf_path, NULL);
	if (!c->btf)
		return ifl_fail(c, IFL_ERR_NO_BTF, "cannot read the kernel's BTF from %s: %s",
				btf_path, strerror(errno));
	return 0;
}

static int check_iommu(struct ifl_collector *c)
{
	const char *iommu = c->opts.iommu_class ? c->opts.iommu_class : "/sys/class/iommu";

	if (!dir_has_entries(iommu))
		return ifl_fail(c, IFL_ERR_NO_IOMMU,
				"no IOMMU is active (%s is empty): boot with one enabled (intel_iommu=on, amd_iommu=on, virtio-iommu)",
				iommu);
	return 0;
}

bool ifl_source_known(const char *name)
{
	if (!strcmp(name, "auto"))
		return true;
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (source_is(name, sources[i]))
			return true;
	return false;
}

static int pick_source(struct ifl_collector *c)
{
	const char *want = c->opts.source;
	struct ifl_source_args a = source_args(c);
	struct ifl_err first_err = { "" };
	int first_ret = 0;

	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		int ret;

		if (want && strcmp(want, "auto") && !source_is(want, sources[i]))
			continue;
		a.priv = sources[i]->priv;
		memset(&c->found, 0, sizeof(c->found));
		ret = sources[i]->probe(&a, &c->found, &c->err);
		if (!ret) {
			c->src = sources[i];
			return 0;
		}
		/*
		 * A source that found what it hooks but could not attach says
		 * what to do better than one that found nothing (the fallback
		 * on a kernel with the drivers' callbacks but no fentry nor
		 * kprobes, or with neither: the tracepoint source's reason).
		 */
		if (!first_ret || c->found.got_far) {
			first_ret = ret;
			first_err = c->err;
			if (c->found.got_far)
				break;
		}
	}
	if (!first_ret)
		return ifl_fail(c, IFL_ERR_INVAL, "unknown event source \"%s\"", want);
	/* the preferred source's reason is the one that tells what to do */
	c->err = first_err;
	return first_ret;
}

/* Per-CPU rows cost ncpus * sizeof(struct ifl_stats) of kernel memory each. */
static unsigned int default_max_keys(int ncpus)
{
	size_t budget = 32u << 20, per = (size_t)ncpus * sizeof(struct ifl_stats) + 64;
	size_t n = budget / per;

	if (n < 64)
		n = 64;
	if (n > 2048)
		n = 2048;
	return (unsigned int)n;
}

/* The row that takes the events of keys that do not fit, made before attach. */
static int create_overflow_row(struct ifl_collector *c)
{
	struct ifl_key key = { .domain = 0, .caller = IFL_OVERFLOW_CALLER };
	void *zero = calloc((size_t)c->info.ncpus, sizeof(struct ifl_stats));
	int err;

	if (!zero)
		return ifl_fail(c, IFL_ERR_SYS, "out of memory");
	err = bpf_map_update_elem(bpf_map__fd(c->skel->maps.stats), &key, zero, BPF_NOEXIST);
	free(zero);
	if (err)
		return ifl_fail(c, IFL_ERR_BPF, "cannot create the overflow row: %s", strerror(errno));
	return 0;
}

static void step(struct ifl_collector *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step(struct ifl_collector *c, const char *fmt, ...)
{
	char what[128];
	va_list ap;

	if (!c->opts.progress)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	c->opts.progress(what, c->opts.progress_arg);
}

/*
 * The hook on iommu_domain_free() that retires a freed domain's keys
 * (bpf/iommu_flush.bpf.c, retire_domain()), whichever source runs: fexit
 * where the programs are BTF-typed (tp_btf, fentry) and the kernel's BTF
 * has the function, else the kprobe pair.  Loaded only to be attached;
 * the tests drive its handler through domain_free_test instead.
 */
static void prepare_domain_free(struct ifl_collector *c)
{
	struct iommu_flush_bpf *s = c->skel;

	c->free_fexit = false;
	bpf_program__set_autoload(s->progs.domain_free_test, c->opts.no_attach);
	if (c->opts.no_attach)
		return;
	if (c->mode == IFL_PROG_TP_BTF && c->btf &&
	    btf__find_by_name_kind(c->btf, "iommu_domain_free", BTF_KIND_FUNC) > 0) {
		c->free_fexit = true;
		bpf_program__set_autoload(s->progs.fx_domain_free, true);
		return;
	}
	bpf_program__set_autoload(s->progs.kp_domain_free, true);
	bpf_program__set_autoload(s->progs.kr_domain_free, true);
}

/* Not fatal: without it the maps keep freed domains (ifl_info.domain_free says so). */
static void attach_domain_free(struct ifl_collector *c)
{
	struct iommu_flush_bpf *s = c->skel;
	struct bpf_link *l1, *l2 = NULL;

	c->info.domain_free = NULL;
	if (c->links.n + 2 > IFL_MAX_LINKS)
		return;
	if (c->free_fexit) {
		l1 = bpf_program__attach(s->progs.fx_domain_free);
		if (!l1)
			return;
		c->links.l[c->links.n++] = l1;
		c->info.domain_free = "fexit";
		return;
	}
	l1 = bpf_program__attach(s->progs.kp_domain_free);
	if (l1)
		l2 = bpf_program__attach(s->progs.kr_domain_free);
	if (!l2) {
		bpf_link__destroy(l1);
		return;
	}
	c->links.l[c->links.n++] = l1;
	c->links.l[c->links.n++] = l2;
	c->info.domain_free = "kprobe";
}

static void unload(struct ifl_collector *c)
{
	while (c->links.n > 0)
		bpf_link__destroy(c->links.l[--c->links.n]);
	iommu_flush_bpf__destroy(c->skel);
	c->skel = NULL;
}

static int load(struct ifl_collector *c)
{
	struct ifl_source_args a;
	struct bpf_program *p;
	int err;

	c->skel = iommu_flush_bpf__open();
	if (!c->skel)
		return ifl_fail(c, IFL_ERR_BPF, "cannot open the BPF object: %s", strerror(errno));
	bpf_map__set_max_entries(c->skel->maps.stats, c->info.max_keys);
	/* a source loads its own programs only; walk_groups serves all */
	bpf_object__for_each_program(p, c->skel->obj)
		bpf_program__set_autoload(p, false);
	bpf_program__set_autoload(c->skel->progs.walk_groups, true);
	c->skel->rodata->ifl_ncpus = (__u32)c->info.ncpus;
	prepare_domain_free(c);
	a = source_args(c);
	err = c->src->prepare(&a, &c->err);
	if (err)
		return err;
	libbpf_first_warn[0] = '\0';
	step(c, "loading the %s programs", c->mode == IFL_PROG_TP_BTF ? c->src->prog_btf : c->src->prog_plain);
	err = iommu_flush_bpf__load(c->skel);
	if (err)
		return ifl_fail(c, IFL_ERR_BPF, "cannot load the %s programs: %s",
				c->mode == IFL_PROG_TP_BTF ? c->src->prog_btf : c->src->prog_plain,
				libbpf_first_warn[0] ? libbpf_first_warn : strerror(-err));
	err = create_overflow_row(c);
	if (err)
		return err;
	if (c->opts.no_attach)
		return 0;
	step(c, "attaching the %s programs", c->mode == IFL_PROG_TP_BTF ? c->src->prog_btf : c->src->prog_plain);
	err = c->src->attach(&a, &c->links, &c->err);
	if (!err)
		attach_domain_free(c);
	return err;
}

int ifl_open(const struct ifl_opts *opts, struct ifl_collector **out, char *errbuf, size_t errlen)
{
	static const struct ifl_opts defaults;
	struct ifl_collector *c;
	int ret;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(errbuf, errlen, "out of memory");
		return -IFL_ERR_SYS;
	}
	c->opts = opts ? *opts : defaults;
	c->stats_fd = -1;
	ifl_names_init(&c->names, c->opts.kallsyms);
	libbpf_verbose = c->opts.verbose;
	libbpf_set_print(libbpf_print);

	if (!c->opts.skip_env_checks) {
		ret = check_env(c);
		if (ret)
			goto fail;
	}
	step(c, "finding the IOMMU events and callbacks in the kernel's BTF");
	ret = pick_source(c);
	if (ret)
		goto fail;
	if (!c->opts.skip_env_checks) {
		ret = check_iommu(c);
		if (ret)
			goto fail;
	}

	c->info.ncpus = libbpf_num_possible_cpus();
	if (c->info.ncpus <= 0) {
		ret = ifl_fail(c, IFL_ERR_SYS, "cannot count the possible CPUs");
		goto fail;
	}
	c->info.max_keys = c->opts.max_keys ? c->opts.max_keys : default_max_keys(c->info.ncpus);
	c->info.source = c->src->name;
	c->info.source_desc = c->src->desc;
	c->info.consumers = c->src->consumers;
	c->info.callers = c->src->callers;

	/* tp_btf needs the typedefs the source probe found in BTF */
	c->mode = c->opts.mode;
	if (c->mode == IFL_PROG_AUTO)
		c->mode = c->found.mode;
	if (c->mode == IFL_PROG_AUTO)
		c->mode = c->btf ? IFL_PROG_TP_BTF : IFL_PROG_RAW_TP;
	ret = load(c);
	if (ret && c->opts.mode == IFL_PROG_AUTO && c->mode == IFL_PROG_TP_BTF) {
		/* tp_btf (fentry) refused at load or attach: the raw_tp (kprobe) twins */
		unload(c);
		c->mode = IFL_PROG_RAW_TP;
		ret = load(c);
	}
	if (ret)
		goto fail;
	c->info.prog_type = c->mode == IFL_PROG_TP_BTF ? c->src->prog_btf : c->src->prog_plain;
	*out = c;
	return 0;
fail:
	snprintf(errbuf, errlen, "%s", c->err.msg);
	ifl_close(c);
	return ret;
}

void ifl_close(struct ifl_collector *c)
{
	if (!c)
		return;
	unload(c);
	if (c->stats_fd >= 0)
		close(c->stats_fd);
	btf__free(c->btf);
	ifl_names_free(&c->names);
	ifl_groups_free(&c->groups);
	free(c->freed);
	free(c);
}

int ifl_enable_prog_stats(struct ifl_collector *c)
{
	if (c->stats_fd >= 0)
		return 0;
	c->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (c->stats_fd < 0)
		return ifl_fail(c, IFL_ERR_BPF, "cannot enable BPF run-time statistics: %s",
				strerror(errno));
	return 0;
}

int ifl_prog_stats(struct ifl_collector *c, struct ifl_prog_stat *out, size_t max)
{
	struct bpf_program *p;
	size_t n = 0;

	bpf_object__for_each_program(p, c->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		if (fd < 0 || n == max)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			return ifl_fail(c, IFL_ERR_BPF, "cannot read program statistics: %s",
					strerror(errno));
		snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_program__name(p));
		out[n].run_cnt = info.run_cnt;
		out[n].run_time_ns = info.run_time_ns;
		n++;
	}
	return (int)n;
}
