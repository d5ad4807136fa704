/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommu-flushtop's JSON frames (--json): one object per interval, built
 * with json-c; the schema is docs/iommu-flushtop-json.md.
 */
#ifndef IFL_TOP_JSON_H
#define IFL_TOP_JSON_H

#include <stdio.h>

#include "top_frame.h"
#include "top_text.h"

/* Writes frame f as one line of JSON to out; 0, or -1 (out of memory, write error). */
int ifl_top_json_write(FILE *out, const struct ifl_top_frame *f, const struct ifl_top_state *st);

#endif
