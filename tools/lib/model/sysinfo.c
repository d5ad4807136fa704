// SPDX-License-Identifier: GPL-2.0
/* The machine facts tools print in their headers (see sysinfo.h). */
#define _DEFAULT_SOURCE	/* readlink, PATH_MAX */
#include <dirent.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The sysfs directory of a device by its name, on the buses that name
 * IOMMU-group members (PCI, platform: arm64's, amba), resolved. */
static int device_dir(const char *root, const char *name, char *dir)
{
	static const char *const buses[] = { "pci", "platform", "amba" };
	char path[PATH_MAX];

	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -1;
	for (size_t i = 0; i < sizeof(buses) / sizeof(buses[0]); i++) {
		if (snprintf(path, sizeof(path), "%s/sys/bus/%s/devices/%s", root, buses[i], name) >=
		    (int)sizeof(path))
			return -1;
		if (realpath(path, dir))
			return 0;
	}
	return -1;
}

/* Block devices (not partitions) and network interfaces below dir, in the
 * order of their names, each after a space. */
static void put_children(struct ifl_strbuf *sb, const char *root, const char *dir, const char *class)
{
	char path[PATH_MAX + 300], real[PATH_MAX], names[8][64];
	size_t dlen = strlen(dir), n = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/sys/class/%s", root, class);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)) && n < 8) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(names[0]))
			continue;
		snprintf(path, sizeof(path), "%s/sys/class/%s/%s", root, class, de->d_name);
		if (!realpath(path, real) || strncmp(real, dir, dlen) || real[dlen] != '/')
			continue;
		snprintf(path, sizeof(path), "%s/partition", real);
		if (!access(path, F_OK))
			continue;
		snprintf(names[n++], sizeof(names[0]), "%s", de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (size_t i = 0; i < n; i++)
		ifl_sb_put(sb, " %s", names[i]);
}

static void describe_one(struct ifl_strbuf *sb, const char *root, const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], target[PATH_MAX];
	const char *drv = "-";
	ssize_t n;

	if (device_dir(root, name, dir))
		return;
	snprintf(path, sizeof(path), "%s/driver", dir);
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		drv = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	}
	ifl_sb_put(sb, "%s", drv);
	put_children(sb, root, dir, "block");
	put_children(sb, root, dir, "net");
}

void ifl_device_desc(const char *root, const char *device, char *buf, size_t len)
{
	struct ifl_strbuf sb = ifl_sb(buf, len);
	const char *p = device;
	bool any = false;

	if (len)
		buf[0] = '\0';
	while (p && *p) {
		size_t l = strcspn(p, ",");
		char name[256], one[256];
		struct ifl_strbuf ob = ifl_sb(one, sizeof(one));

		snprintf(name, sizeof(name), "%.*s", (int)(l < sizeof(name) ? l : sizeof(name) - 1), p);
		one[0] = '\0';
		/* "+2", the devices past a group's list: nothing to say */
		if (name[0] != '+')
			describe_one(&ob, root ? root : "", name);
		if (one[0]) {
			ifl_sb_put(&sb, "%s%s", any ? "," : "", one);
			any = true;
		}
		p = p[l] ? p + l + 1 : NULL;
	}
}
