/* The stack context (ctx.h): configuration, statistics, keys, drops. */
#include "base/ctx.h"

#include "synack/error.h"

#include <string.h>

static bool ip4_zero(sk_ip4 a)
{
    return (a.b[0] | a.b[1] | a.b[2] | a.b[3]) == 0;
}

int sk_ctx_resolve_addrs(sk_stack_config *cfg)
{
    static const sk_ip4 zero = {{0, 0, 0, 0}};
    if (cfg->n_addrs > 0) {
        if (!ip4_zero(cfg->addr) || !ip4_zero(cfg->gateway))
            return SK_EINVAL; /* two sources of truth */
    } else {
        cfg->addrs[0].addr = sk_addr4(cfg->addr);
        cfg->addrs[0].prefix_len = cfg->prefix_len;
        cfg->n_addrs = 1;
        if (!ip4_zero(cfg->gateway)) {
            if (cfg->n_routes >= SK_CFG_ROUTES)
                return SK_EINVAL;
            sk_route *r = &cfg->routes[cfg->n_routes++];
            memset(r, 0, sizeof *r);
            r->dst = sk_addr4(zero);
            r->gateway = sk_addr4(cfg->gateway);
        }
    }
    cfg->addr = zero;
    cfg->gateway = zero;
    cfg->prefix_len = 0;
    return 0;
}

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
