/* SPDX-License-Identifier: GPL-2.0 */
/* What the files of the collector library share; not for tools. */
#ifndef IFL_INTERNAL_H
#define IFL_INTERNAL_H

#include <stdarg.h>

#include "collector.h"
#include "iommu_fallback.h"

struct iommu_flush_bpf;
struct bpf_link;
struct bpf_program;
struct btf;

/* The fallback source's hooks, found in BTF (fallback_btf.c). */
struct ifl_fb_target {
	char func[64];
	char module[56];	/* "" for vmlinux */
	unsigned int dom_off;	/* offset of the domain in the first argument */
	unsigned int gather_arg; /* unmaps: which argument is the gather */
	uint64_t addr;		/* a kprobe at this address, not by name: 0 */
};

struct ifl_fb_targets {
	struct ifl_fb_target t[IFL_FB_NR_KINDS][IFL_FB_SLOTS];
	int n[IFL_FB_NR_KINDS];
	int unhooked;		/* callbacks found beyond IFL_FB_SLOTS per kind */
	char shared[64];	/* a hooked name two built-in functions have */
	bool have_map_tp;	/* iommu:map and iommu:unmap exist */
	bool have_queued;	/* struct iommu_iotlb_gather has "queued" */
	unsigned int fq_found;	/* bit i: ifl_fb_fq_name(i) is a real function */
};

/* the fallback: 5 kinds x IFL_FB_SLOTS x entry and exit, 2 tracepoints, the domain-free pair */
#define IFL_MAX_LINKS 64

/* A one-line message (no trailing newline) beside a -IFL_ERR_* code. */
struct ifl_err {
	char msg[256];
};
/* Set e's message, return -code. */
int ifl_err(struct ifl_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define ifl_fail(c, ...) ifl_err(&(c)->err, __VA_ARGS__)

/*
 * An event source: the programs that feed the maps, and what they can
 * measure.  The collector tries the sources in order of preference (the
 * tracepoint source first, then the fallback) and takes the first whose
 * probe() succeeds.  A source sees the collector only through what it is
 * given (struct ifl_source_args, read-only) and answers through what it
 * fills (struct ifl_probe, struct ifl_links) and its return value, 0 or
 * -IFL_ERR_* with the reason in *err.
 */

/* What a source is given. */
struct ifl_source_args {
	const struct ifl_opts *opts;
	const struct btf *btf;		/* the running kernel's; NULL without env checks */
	/* prepare, attach and event_prog: */
	struct iommu_flush_bpf *skel;	/* the opened (prepare) or loaded object */
	enum ifl_prog_mode mode;	/* TP_BTF or RAW_TP, resolved */
	const struct ifl_fb_targets *fb; /* what the fallback's probe found */
	const void *priv;		/* the source's own ifl_source.priv */
};

/* What a source's probe found on this kernel (zeroed before it runs). */
struct ifl_probe {
	enum ifl_prog_mode mode;	/* the program kind that attaches here, or AUTO */
	bool got_far;			/* it found what it hooks: its reason is the one to show */
	struct ifl_fb_targets fb;	/* the fallback's hooks */
};

/* The links attach made; the collector destroys them. */
struct ifl_links {
	struct bpf_link *l[IFL_MAX_LINKS];
	int n;
};

struct ifl_source {
	const char *name;
	/* NULL, or "v1", "v2": ifl_opts.source "NAME-VARIANT" picks this one of its name */
	const char *variant;
	const char *desc;
	/* Can this source work on the running kernel? */
	int (*probe)(const struct ifl_source_args *a, struct ifl_probe *found, struct ifl_err *err);
	/* Before load: autoload only the programs this source uses, set their targets. */
	int (*prepare)(const struct ifl_source_args *a, struct ifl_err *err);
	int (*attach)(const struct ifl_source_args *a, struct ifl_links *out, struct ifl_err *err);
	/* The BPF program that handles an event (tests drive it), or NULL. */
	struct bpf_program *(*event_prog)(const struct ifl_source_args *a, enum ifl_event ev);
	uint64_t avail_counts;
	uint32_t avail_hists;
	/* What IFL_PROG_TP_BTF and IFL_PROG_RAW_TP load: "tp_btf", "raw_tp"; "fentry", "kprobe" */
	const char *prog_btf, *prog_plain;
	bool consumers;		/* tells consumers apart (ifl_info.consumers) */
	bool callers;		/* sees each event's caller (ifl_info.callers) */
	const void *priv;	/* what the source's callbacks are for (source_tp.c: a series version) */
};

extern const struct ifl_source ifl_source_tracepoints;
extern const struct ifl_source ifl_source_tracepoints_v2;
extern const struct ifl_source ifl_source_fallback;

/* Fill *out from vmlinux's BTF and the module BTFs in btf_dir (NULL: none);
 * -ENOENT if no callback at all was found. */
int ifl_fb_find(const struct btf *vmlinux, const char *btf_dir, struct ifl_fb_targets *out);
int ifl_fb_kallsyms(struct ifl_fb_targets *fb, const char *kallsyms);
const char *ifl_fb_fq_name(unsigned int i);

/* kallsyms resolution (names.c) */
struct ifl_sym {
	uint64_t addr;		/* the address asked about */
	uint64_t off;		/* its offset in the symbol */
	bool found;
	char name[IFL_NAME_LEN];
	char module[32];	/* "" for vmlinux */
	char driver[16];	/* the driver, where the name alone cannot tell */
};

struct ifl_names {
	const char *kallsyms;
	const char *iommu_class;	/* /sys/class/iommu: which IOMMUs exist */
	struct ifl_sym *syms;	/* resolved addresses, sorted by addr */
	size_t nsyms, cap;
	struct ifl_domain_id { uint64_t ptr; unsigned int id; } *doms;
	size_t ndoms, domcap;
	unsigned int last_id;	/* the last number given */
	unsigned long read_failures;	/* kallsyms that could not be opened */
};

/* The IOMMU groups (devices.c) */
struct ifl_groups {
	struct ifl_group_rec *recs;
	size_t n;
	/* what each device named so far is (sysfs), until the next walk:
	 * a driver bound anew comes with a new domain, so a new walk */
	struct ifl_desc {
		char device[IFL_NAME_LEN];
		char desc[IFL_NAME_LEN];
	} *descs;
	size_t ndescs;
};

struct ifl_collector {
	struct ifl_opts opts;
	struct iommu_flush_bpf *skel;
	const struct ifl_source *src;
	struct btf *btf;		/* the running kernel's, for probes */
	enum ifl_prog_mode mode;	/* resolved: TP_BTF or RAW_TP */
	struct ifl_probe found;		/* what the source's probe found */
	struct ifl_links links;
	bool free_fexit;		/* the domain-free hook is fexit (else the kprobe pair) */
	/* the freed domains' rows, folded per name (snapshot.c), domain IFL_DOMAIN_FREED */
	struct ifl_row *freed;
	size_t nfreed, freedcap;
	int stats_fd;			/* BPF_ENABLE_STATS, -1 */
	struct ifl_info info;
	struct ifl_names names;
	struct ifl_groups groups;
	uint64_t group_walk_failures;	/* ifl_groups_refresh(): drops[IFL_DROP_GROUP_WALKS] */
	struct ifl_err err;
};

/* The program of an event in the loaded object, for the tests' hooks; NULL if none. */
struct bpf_program *ifl_event_prog(const struct ifl_collector *c, enum ifl_event ev);

/* names.c */
void ifl_names_init(struct ifl_names *n, const char *kallsyms);
void ifl_names_free(struct ifl_names *n);
/* Resolve the addresses not resolved yet, in one pass over kallsyms. */
int ifl_names_resolve(struct ifl_names *n, const uint64_t *addrs, size_t count);
const struct ifl_sym *ifl_names_sym(const struct ifl_names *n, uint64_t addr);
/* The address of a symbol by name, 0 if absent. */
uint64_t ifl_names_lookup(const char *kallsyms, const char *name);
unsigned int ifl_names_domain_id(const struct ifl_names *n, uint64_t ptr);
unsigned int ifl_names_number_domain(struct ifl_names *n, uint64_t ptr);
/* A domain freed: its address, if reused, is numbered as a new domain. */
void ifl_names_forget_domain(struct ifl_names *n, uint64_t ptr);
void ifl_driver_name(const struct ifl_sym *owner, const struct ifl_sym *ops,
		     const struct ifl_sym *fn, char *buf, size_t len);
void ifl_domain_type_name(uint32_t type, char *buf, size_t len);

enum ifl_consumer_class {
	IFL_CONS_NONE,		/* no caller */
	IFL_CONS_DMA_IOMMU,
	IFL_CONS_VFIO,
	IFL_CONS_IOMMUFD,
	IFL_CONS_MODULE,	/* a module other than those */
	IFL_CONS_IOMMU,		/* the IOMMU core or a driver: not a consumer */
	IFL_CONS_OTHER,		/* any other function */
};
/* Class of a caller; name gets the consumer's name for the first four. */
enum ifl_consumer_class ifl_consumer_of(const struct ifl_sym *caller,
					char *name, size_t len);
/*
 * The consumer a kernel stack names (innermost frame first): the first
 * frame that is a consumer (the first four classes), past the IOMMU core,
 * its drivers and the tracing and BPF code that took the stack; name is
 * left empty if no frame is one.
 */
void ifl_consumer_of_stack(const struct ifl_sym *const *frames, size_t n,
			   char *name, size_t len);

/* devices.c */
int ifl_groups_refresh(struct ifl_collector *c);
void ifl_groups_free(struct ifl_groups *g);
/* The device(s) of a domain: its group's, else the one dma_fq_queue named. */
void ifl_device_name(const struct ifl_groups *g, uint64_t domain,
		     const struct ifl_domain_info *di, char *buf, size_t len);
/* What that device is (ifl_device_desc()), cached until the next walk. */
void ifl_device_describe(struct ifl_groups *g, const char *device, char *buf, size_t len);

#endif
