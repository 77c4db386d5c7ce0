/* The stack context (ctx.h): configuration, statistics, keys, drops. */
#include "base/ctx.h"

#include <string.h>

void sk_ctx_init(sk_ctx *c, const sk_stack_config *cfg)
{
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    /* Keys derived from the seed: ISNs (RFC 6528), demux, ephemeral ports. */
    c->key.k0 = cfg->seed ^ 0x736f6d6570736575ull;
    c->key.k1 = (cfg->seed * 0x9e3779b97f4a7c15ull) ^ 0x646f72616e646f6dull;
}

bool sk_ctx_count_drop(sk_ctx *c, int reason)
{
    if (reason <= 0 || reason >= SK_DROP__COUNT)
        return false;
    c->stats.drop[reason]++;
    c->stats.drops++;
    return true;
}

void sk_ctx_drop(sk_ctx *c, int reason, sk_time now)
{
    if (!sk_ctx_count_drop(c, reason) || c->cfg.trace == NULL)
        return;
    sk_trace_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SK_TRACE_DROP;
    ev.now = now;
    ev.drop_reason = reason;
    c->cfg.trace(c->cfg.trace_ctx, &ev);
}
