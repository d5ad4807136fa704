// SPDX-License-Identifier: GPL-2.0-only
/*
 * insn-window: a QEMU TCG plugin that counts the guest instructions a vCPU
 * executes between two guest addresses, window after window, and prints
 * per window kind the count, min, median and max at exit.
 *
 *   -plugin insn-window.so,win=NAME:START:END[,win=...][,sites=FILE] -d plugin -D FILE
 *
 * START and END are guest virtual addresses (hex): a window opens when a
 * vCPU executes START and closes when the same vCPU next executes END.
 * scripts/bench-insns passes the call of dma_map_single()'s callee in
 * map_benchmark_thread() and the instruction after it, so a window is one
 * map (or unmap) as the kernel does it, plus a constant: instructions are
 * counted per translation block, at its start, so a window also holds
 * the rest of END's block (the same on both kernels of a comparison).
 * Interrupts taken inside a window add to it: the median is the figure.
 * sites=FILE names guest addresses (hex, one per line: the kernel's
 * jump-label sites, from its __jump_table); how many of them a window
 * executed is counted as well, so that a comparison can set the NOPs of
 * disabled events apart from the work around them.
 *
 * Debian's QEMU 7.2 ships no plugin header: the few declarations below are
 * QEMU's plugin API (version 1) as its documentation gives it.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MAX_VCPUS 64
#define MAX_WINDOWS 8

struct sample {
	uint64_t insns, sites;
};

struct window {
	char name[32];
	uint64_t start, end;
	pthread_mutex_t lock;
	struct sample *samples;
	size_t n, cap;
};

static struct window windows[MAX_WINDOWS];
static size_t nwindows;
/* Per vCPU: instructions and sites executed, and where each window opened. */
static uint64_t executed[MAX_VCPUS], sites_hit[MAX_VCPUS];
static uint64_t opened[MAX_VCPUS][MAX_WINDOWS], opened_sites[MAX_VCPUS][MAX_WINDOWS];
static char is_open[MAX_VCPUS][MAX_WINDOWS];
/* The sites, sorted. */
static uint64_t *sites;
static size_t nsites;

static void on_site(unsigned int vcpu, void *udata)
{
	(void)udata;
	if (vcpu < MAX_VCPUS)
		sites_hit[vcpu]++;
}

static int is_site(uint64_t va)
{
	size_t lo = 0, hi = nsites;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sites[mid] == va)
			return 1;
		if (sites[mid] < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void on_tb(unsigned int vcpu, void *udata)
{
	if (vcpu < MAX_VCPUS)
		executed[vcpu] += (uintptr_t)udata;
}

static void on_start(unsigned int vcpu, void *udata)
{
	size_t w = (uintptr_t)udata;

	if (vcpu >= MAX_VCPUS)
		return;
	opened[vcpu][w] = executed[vcpu];
	opened_sites[vcpu][w] = sites_hit[vcpu];
	is_open[vcpu][w] = 1;
}

static void on_end(unsigned int vcpu, void *udata)
{
	size_t w = (uintptr_t)udata;
	struct window *win = &windows[w];
	struct sample smp;

	if (vcpu >= MAX_VCPUS || !is_open[vcpu][w])
		return;
	is_open[vcpu][w] = 0;
	smp.insns = executed[vcpu] - opened[vcpu][w];
	smp.sites = sites_hit[vcpu] - opened_sites[vcpu][w];
	pthread_mutex_lock(&win->lock);
	if (win->n == win->cap) {
		size_t cap = win->cap ? 2 * win->cap : 4096;
		struct sample *s = realloc(win->samples, cap * sizeof(*s));

		if (!s) {
			pthread_mutex_unlock(&win->lock);
			return;
		}
		win->samples = s;
		win->cap = cap;
	}
	win->samples[win->n++] = smp;
	pthread_mutex_unlock(&win->lock);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)n);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);

		if (nsites && is_site(va))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_site, QEMU_PLUGIN_CB_NO_REGS, NULL);

		for (size_t w = 0; w < nwindows; w++) {
			if (va == windows[w].start)
				qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS,
								       (void *)(uintptr_t)w);
			if (va == windows[w].end)
				qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS,
								       (void *)(uintptr_t)w);
		}
	}
}

static int cmp_insns(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	if (x->insns != y->insns)
		return (x->insns > y->insns) - (x->insns < y->insns);
	return (x->sites > y->sites) - (x->sites < y->sites);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	char line[512];

	(void)id;
	(void)udata;
	for (size_t w = 0; w < nwindows; w++) {
		struct window *win = &windows[w];
		struct sample *v = win->samples;
		size_t n = win->n;

		if (!n) {
			snprintf(line, sizeof(line), "insn-window %.31s n=0\n", win->name);
		} else {
			/* The median window, and the sites that window executed. */
			qsort(v, n, sizeof(*v), cmp_insns);
			snprintf(line, sizeof(line),
				 "insn-window %.31s n=%zu min=%" PRIu64 " p10=%" PRIu64 " median=%" PRIu64
				 " p90=%" PRIu64 " max=%" PRIu64 " median_sites=%" PRIu64 "\n",
				 win->name, n, v[0].insns, v[n / 10].insns, v[n / 2].insns,
				 v[n * 9 / 10].insns, v[n - 1].insns, v[n / 2].sites);
		}
		qemu_plugin_outs(line);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int read_sites(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	char buf[64];

	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		char *e;
		uint64_t va = strtoull(buf, &e, 16);

		if (e == buf)
			continue;
		if (nsites == cap) {
			uint64_t *s;

			cap = cap ? 2 * cap : 4096;
			s = realloc(sites, cap * sizeof(*s));
			if (!s) {
				fclose(f);
				return -1;
			}
			sites = s;
		}
		sites[nsites++] = va;
	}
	fclose(f);
	qsort(sites, nsites, sizeof(*sites), cmp_u64);
	return 0;
}

/* "win=NAME:START:END" */
static int parse_window(const char *arg)
{
	struct window *win = &windows[nwindows];
	const char *v = arg + 4, *c1, *c2;
	char *e1, *e2;

	if (strncmp(arg, "win=", 4) || nwindows == MAX_WINDOWS)
		return -1;
	c1 = strchr(v, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2 || c1 == v || (size_t)(c1 - v) >= sizeof(win->name))
		return -1;
	memcpy(win->name, v, (size_t)(c1 - v));
	win->name[c1 - v] = '\0';
	win->start = strtoull(c1 + 1, &e1, 16);
	win->end = strtoull(c2 + 1, &e2, 16);
	if (e1 != c2 || *e2 || !win->start || !win->end)
		return -1;
	pthread_mutex_init(&win->lock, NULL);
	nwindows++;
	return 0;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
							       int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "sites=", 6)) {
			if (read_sites(argv[i] + 6)) {
				fprintf(stderr, "insn-window: cannot read %s\n", argv[i] + 6);
				return -1;
			}
			continue;
		}
		if (parse_window(argv[i])) {
			fprintf(stderr, "insn-window: bad argument '%s' (win=NAME:START:END, hex addresses)\n", argv[i]);
			return -1;
		}
	}
	if (!nwindows) {
		fprintf(stderr, "insn-window: no window (win=NAME:START:END)\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
