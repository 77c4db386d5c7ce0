/* The stack context: what every protocol layer of one stack shares and
 * nothing else does. The interface, TCP and (next) UDP and ICMPv6 each hold
 * a pointer to the same context: the configuration (a private copy), the
 * statistics, the trace hook, the allocator and the keys derived from the
 * seed. Bad input is counted here with sk_ctx_drop, and every trace event
 * leaves through sk_ctx_trace.
 *
 * The context owns no protocol state: TCP's table and timers stay in
 * sk_tcp_env, the neighbour cache in sk_iface. A layer that needs to tell
 * another something (ARP giving up on a next hop) does it through a narrow
 * function of that layer, not through the context. */
#ifndef SK_BASE_CTX_H
#define SK_BASE_CTX_H

#include "base/siphash.h"
#include "base/sktime.h"
#include "base/tuple.h"
#include "synack/stack.h"
#include "synack/stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    sk_stack_config cfg; /* a copy: the caller's strings and arrays are not kept */
    sk_stats stats;
    /* SipHash key derived from cfg.seed: the tuple key (sk_tuple_hash) with
     * a tweak per use (demux, ISN, timestamp offset, ephemeral ports) */
    sk_siphash_key key;
} sk_ctx;

/* The IPv4 shorthand (addr, prefix_len, gateway) becomes the lists: with
 * n_addrs 0, addrs[0] = addr/prefix_len and, for a non-zero gateway, a
 * default route 0.0.0.0/0 through it (after the caller's routes); the
 * shorthand fields are then zeroed, so the core reads addresses and routes
 * from the lists only. SK_EINVAL when both forms are given or the routes
 * are full. */
int sk_ctx_resolve_addrs(sk_stack_config *cfg);

/* Copy the configuration (resolved with sk_ctx_resolve_addrs) and derive
 * the keys. Cannot fail. */
void sk_ctx_init(sk_ctx *c, const sk_stack_config *cfg);

static inline void *sk_ctx_alloc(const sk_ctx *c, size_t n)
{
    return c->cfg.alloc.allocate(c->cfg.alloc.ctx, n);
}

static inline void sk_ctx_release(const sk_ctx *c, void *p, size_t n)
{
    if (p != NULL)
        c->cfg.alloc.release(c->cfg.alloc.ctx, p, n);
}

/* Count a drop by reason (enum sk_drop_reason); false for a reason out of
 * range (nothing counted). The caller that knows a connection traces the
 * drop itself (sk_tcp_count_drop); sk_ctx_drop traces it without one. */
bool sk_ctx_count_drop(sk_ctx *c, int reason);
void sk_ctx_drop(sk_ctx *c, int reason, sk_time now);

static inline bool sk_ctx_tracing(const sk_ctx *c)
{
    return c->cfg.trace != NULL;
}

/* Hand one event to the trace hook (if any). */
static inline void sk_ctx_trace(const sk_ctx *c, const sk_trace_event *ev)
{
    if (c->cfg.trace != NULL)
        c->cfg.trace(c->cfg.trace_ctx, ev);
}

#endif
