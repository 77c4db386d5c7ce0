/* bench_provenance: the header every benchmark prints before its figures,
 * so that a pasted table says where it came from: the commit the binary was
 * built from (git describe --always --dirty, taken at build time), the
 * kernel (uname -r), the CPU model (/proc/cpuinfo), the online CPU count
 * and the date (UTC). */
#ifndef SYNACK_BENCH_PROVENANCE_H
#define SYNACK_BENCH_PROVENANCE_H

#include <stdio.h>

/* One "PREFIXkey: value" line per fact, to `out`. */
void bench_print_provenance(FILE *out, const char *prefix);

#endif
