/* The order in which `synack connect` tries the addresses a name resolved
 * to: RFC 6724 §6 destination selection and RFC 8305 §4 ordering, in a
 * simple form (see tool_addrsort.c for what is left out). */
#ifndef SK_TOOL_ADDRSORT_H
#define SK_TOOL_ADDRSORT_H

#include "synack/addr.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    /* Could we send to a? (a source address of its family and a route:
     * on-link or through a default router). NULL: every address could. */
    bool (*usable)(const void *ctx, const sk_ipaddr *a);
    const void *ctx;
    int force; /* 0: both families; SK_AF_INET4 or SK_AF_INET6: only that one */
} tool_addr_pref;

/* Reorder addrs[0, n) for connecting and return how many are kept (only
 * the forced family's, when p->force is set; at most TOOL_ADDRSORT_MAX
 * are looked at). */
#define TOOL_ADDRSORT_MAX 32
size_t tool_addr_order(sk_ipaddr *addrs, size_t n, const tool_addr_pref *p);

/* Is a within prefix/plen of the same family? */
bool tool_addr_in_prefix(const sk_ipaddr *a, const sk_ipaddr *prefix, unsigned plen);

#endif
