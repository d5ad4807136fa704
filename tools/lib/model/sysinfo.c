// SPDX-License-Identifier: GPL-2.0
/* The machine facts tools print in their headers (see sysinfo.h). */
#define _DEFAULT_SOURCE	/* readlink, PATH_MAX */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "strbuf.h"
#include "sysinfo.h"

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void add_driver(struct ifl_sysinfo *si, const char *name)
{
	for (unsigned int i = 0; i < si->ndrivers; i++)
		if (!strcmp(si->drivers[i], name))
			return;
	if (si->ndrivers < IFL_SYSINFO_MAX)
		snprintf(si->drivers[si->ndrivers++], sizeof(si->drivers[0]), "%s", name);
}

/*
 * The driver behind an entry of /sys/class/iommu.  intel-iommu's DMAR units
 * (dmarN) and amd-iommu's IVHD units (ivhdN) have no parent device, so their
 * names tell; an SMMUv3 is named smmu3.0x...; virtio-iommu's entry is the
 * virtio device, bound to the virtio_iommu driver.
 */
static void name_iommu(struct ifl_sysinfo *si, const char *dir, const char *ent)
{
	char path[PATH_MAX + 300], target[PATH_MAX];
	const char *drv;
	ssize_t n;

	if (!strncmp(ent, "dmar", 4)) {
		add_driver(si, "intel-iommu");
		return;
	}
	if (!strncmp(ent, "ivhd", 4)) {
		add_driver(si, "amd-iommu");
		return;
	}
	if (!strncmp(ent, "smmu3.", 6)) {
		add_driver(si, "arm-smmu-v3");
		return;
	}
	snprintf(path, sizeof(path), "%s/%s/device/driver", dir, ent);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0) {
		add_driver(si, "unknown");
		return;
	}
	target[n] = '\0';
	drv = strrchr(target, '/');
	drv = drv ? drv + 1 : target;
	add_driver(si, !strcmp(drv, "virtio_iommu") ? "virtio-iommu" : drv);
}

static void add_type(struct ifl_sysinfo *si, const char *type)
{
	for (unsigned int i = 0; i < si->ntypes; i++)
		if (!strcmp(si->types[i].type, type)) {
			si->types[i].groups++;
			return;
		}
	if (si->ntypes < IFL_SYSINFO_MAX) {
		snprintf(si->types[si->ntypes].type, sizeof(si->types[0].type), "%s", type);
		si->types[si->ntypes++].groups = 1;
	}
}

void ifl_sysinfo_read(struct ifl_sysinfo *si, const char *root)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], line[64];
	struct utsname u;
	struct dirent *e;
	DIR *d;

	memset(si, 0, sizeof(*si));
	if (!root)
		root = "";
	if (!*root && !uname(&u)) {
		snprintf(si->kernel, sizeof(si->kernel), "%s", u.release);
		snprintf(si->machine, sizeof(si->machine), "%s", u.machine);
	} else if (*root) {
		snprintf(path, sizeof(path), "%s/proc/sys/kernel/osrelease", root);
		read_line(path, si->kernel, sizeof(si->kernel));
	}

	snprintf(dir, sizeof(dir), "%s/sys/class/iommu", root);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		si->niommus++;
		name_iommu(si, dir, e->d_name);
	}
	if (d)
		closedir(d);

	snprintf(dir, sizeof(dir), "%s/sys/kernel/iommu_groups", root);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/type", dir, e->d_name);
		if (!read_line(path, line, sizeof(line)) && *line)
			add_type(si, line);
	}
	if (d)
		closedir(d);
}

const char *ifl_type_mode(const char *type)
{
	if (!strcmp(type, "DMA"))
		return "strict";
	if (!strcmp(type, "DMA-FQ"))
		return "lazy";
	if (!strcmp(type, "identity"))
		return "passthrough";
	return type;
}

void ifl_sysinfo_iommu_line(const struct ifl_sysinfo *si, char *buf, size_t len)
{
	struct ifl_strbuf sb = ifl_sb(buf, len);

	if (!si->ndrivers) {
		ifl_sb_put(&sb, "no IOMMU");
		return;
	}
	for (unsigned int i = 0; i < si->ndrivers; i++)
		ifl_sb_put(&sb, "%s%s", i ? "," : "", si->drivers[i]);
	for (unsigned int i = 0; i < si->ntypes; i++) {
		const char *m = ifl_type_mode(si->types[i].type);

		if (strcmp(m, si->types[i].type))
			ifl_sb_put(&sb, "%s %s (%s) x%u", i ? "," : ";", si->types[i].type, m,
				   si->types[i].groups);
		else
			ifl_sb_put(&sb, "%s %s x%u", i ? "," : ";", si->types[i].type, si->types[i].groups);
	}
}
