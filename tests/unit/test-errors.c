// SPDX-License-Identifier: GPL-2.0
/*
 * ifl_open()'s refusals, each a return code and one line: not privileged,
 * no BTF, an unpatched kernel, a partly patched one, no IOMMU, and
 * programs that load but cannot attach.  The kernel's BTF is replaced by
 * files written here with libbpf's BTF writer, holding only the
 * btf_trace_<event> typedefs the collector looks for, so the answers do not
 * depend on the host's kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "collector.h"
#include "check.h"

static char tmpdir[] = "/tmp/ifl-errors.XXXXXX";

static const struct {
	const char *name;
	int nargs;
} patched[] = {
	{ "map", 5 }, { "unmap", 5 }, { "iotlb_gather_add", 6 }, { "iotlb_sync", 4 },
	{ "flush_iotlb_all", 3 }, { "sync_map", 6 }, { "dma_fq_queue", 5 }, { "dma_fq_flush", 5 },
};

/* A BTF file with typedef btf_trace_<name> for the first nev events; map and
 * unmap get map_nargs arguments. */
static char *write_btf(const char *file, size_t nev, int map_nargs)
{
	struct btf *b = btf__new_empty();
	char *path = NULL, name[64];
	const void *raw;
	__u32 size;
	FILE *f;
	int u64, voidp;

	if (!b)
		return NULL;
	u64 = btf__add_int(b, "unsigned long long", 8, 0);
	voidp = btf__add_ptr(b, 0);
	for (size_t i = 0; i < nev; i++) {
		int n = i < 2 ? map_nargs : patched[i].nargs;
		int proto = btf__add_func_proto(b, 0);

		btf__add_func_param(b, "__data", voidp);
		for (int a = 0; a < n; a++)
			btf__add_func_param(b, "arg", u64);
		snprintf(name, sizeof(name), "btf_trace_%s", patched[i].name);
		btf__add_typedef(b, name, btf__add_ptr(b, proto));
	}
	raw = btf__raw_data(b, &size);
	if (asprintf(&path, "%s/%s", tmpdir, file) < 0)
		path = NULL;
	f = path ? fopen(path, "w") : NULL;
	if (!f || fwrite(raw, 1, size, f) != size) {
		free(path);
		path = NULL;
	}
	if (f)
		fclose(f);
	btf__free(b);
	return path;
}

static int try_open(const struct ifl_opts *o, char *err, size_t len)
{
	struct ifl_collector *c = NULL;
	int ret = ifl_open(o, &c, err, len);

	ifl_close(c);
	return ret;
}

static bool one_line(const char *s)
{
	return s[0] && !strchr(s, '\n') && strlen(s) < 255;
}

int main(void)
{
	struct ifl_opts o = { 0 };
	char err[256], *btf_unpatched, *btf_partial, *btf_full, *empty, *iommu;
	int ret, status;
	pid_t pid;

	if (!mkdtemp(tmpdir)) {
		printf("not ok mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	btf_unpatched = write_btf("unpatched.btf", 2, 3);
	btf_partial = write_btf("partial.btf", 3, 5);
	btf_full = write_btf("full.btf", 8, 5);
	if (asprintf(&empty, "%s/empty", tmpdir) < 0 || asprintf(&iommu, "%s/iommu", tmpdir) < 0 ||
	    !btf_unpatched || !btf_partial || !btf_full) {
		printf("not ok writing the test files\n");
		return 1;
	}
	mkdir(empty, 0755);
	mkdir(iommu, 0755);
	mkdir(strcat(strcpy(err, iommu), "/dmar0"), 0755);

	/* not privileged: a child that dropped to nobody */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		ret = try_open(NULL, err, sizeof(err));
		printf("# as nobody: %d %s\n", ret, err);
		_exit(ret == -IFL_ERR_PERM && one_line(err) && strstr(err, "CAP_BPF and CAP_PERFMON") ? 0 : 1);
	}
	status = -1;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "as an unprivileged user: IFL_ERR_PERM, \"need root, or the capabilities CAP_BPF and CAP_PERFMON ...\"");

	o.btf_path = "/nonexistent/vmlinux";
	ret = try_open(&o, err, sizeof(err));
	CHECK(ret == -IFL_ERR_NO_BTF && one_line(err) && strstr(err, "CONFIG_DEBUG_INFO_BTF"),
	      "no BTF: IFL_ERR_NO_BTF, \"%s\"", err);

	o.btf_path = btf_unpatched;
	ret = try_open(&o, err, sizeof(err));
	CHECK(ret == -IFL_ERR_NO_EVENTS && one_line(err) && strstr(err, "unpatched 3-argument") &&
	      strstr(err, "iommu: Trace IOTLB gathering, syncs, flushes and the DMA flush queue"),
	      "an unpatched kernel: IFL_ERR_NO_EVENTS naming the series, \"%s\"", err);

	o.btf_path = btf_partial;
	ret = try_open(&o, err, sizeof(err));
	CHECK(ret == -IFL_ERR_NO_EVENTS && one_line(err) && strstr(err, "iommu:iotlb_sync"),
	      "a kernel with part of the series: the first missing event named, \"%s\"", err);

	o.btf_path = btf_full;
	o.iommu_class = empty;
	ret = try_open(&o, err, sizeof(err));
	CHECK(ret == -IFL_ERR_NO_IOMMU && one_line(err) && strstr(err, "no IOMMU is active"),
	      "no IOMMU: IFL_ERR_NO_IOMMU, \"%s\"", err);

	/*
	 * Everything looks present, but this kernel's tracepoints are not the
	 * series': tp_btf fails to load (the real BTF lacks the targets), the
	 * raw_tp twins load and cannot attach.
	 */
	o.iommu_class = iommu;
	ret = try_open(&o, err, sizeof(err));
	CHECK(ret == -IFL_ERR_BPF && one_line(err) && !strncmp(err, "cannot attach raw_tp to iommu:", 30),
	      "events in BTF but not in the kernel: tp_btf refused, raw_tp tried, IFL_ERR_BPF, \"%s\"", err);

	o.source = "fentry";
	ret = try_open(&o, err, sizeof(err));
	CHECK(ret == -IFL_ERR_INVAL && one_line(err), "an unknown source: IFL_ERR_INVAL, \"%s\"", err);

	unlink(btf_unpatched);
	unlink(btf_partial);
	unlink(btf_full);
	rmdir(strcat(strcpy(err, iommu), "/dmar0"));
	rmdir(iommu);
	rmdir(empty);
	rmdir(tmpdir);
	free(btf_unpatched);
	free(btf_partial);
	free(btf_full);
	free(empty);
	free(iommu);
	CHECK_EXIT();
}
