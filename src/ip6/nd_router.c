/* RFC 4861 host side of router and prefix discovery, sans-I/O.
 *
 *   - Default router list (§6.3.4): a router with a non-zero Router
 *     Lifetime is added or refreshed, a zero lifetime removes it; entries
 *     time out. Full list: the new router is ignored (counted).
 *   - Prefix list (§6.3.4): prefixes with the L flag; a link-local prefix
 *     is ignored; valid lifetime 0 removes, infinity (0xffffffff) never
 *     expires. Full list: ignored (counted).
 *   - MTU option: taken only within [1280, link MTU] (§6.3.4 "MUST NOT ...
 *     exceeds the maximum the link supports"; RFC 8200 §5's minimum).
 *   - Next hop (§5.2): multicast and link-local destinations and those
 *     under an on-link prefix are on-link; others go to a default router
 *     chosen by §6.3.6 (the first one not INCOMPLETE in the neighbour
 *     cache, else round-robin). With no router an off-link destination is
 *     unreachable (RFC 4943 removed the "assume on-link" rule). The result
 *     is kept in a bounded destination cache (LRU reuse, counted), flushed
 *     when the prefix list changes and per router when a router goes.
 *   - Redirect (§8.3): accepted only from the current first hop of `dst`.
 *   - Router solicitation (§6.3.7): the first after a random delay in
 *     [0, MAX_RTR_SOLICITATION_DELAY], then RTR_SOLICITATION_INTERVAL apart,
 *     MAX_RTR_SOLICITATIONS in all, none after an RA with a non-zero Router
 *     Lifetime. */
#include "ip6/nd_router.h"

#include "synack/error.h"

#include <string.h>

static sk_time lifetime(sk_time now, uint32_t seconds)
{
    return seconds == SK_NDR_INFINITE ? SK_TIME_NEVER : sk_time_after(now, SK_SEC(seconds));
}

int sk_ndr_create(const sk_ndr_config *cfg, sk_time now, sk_nd_router **out)
{
    *out = NULL;
    if (cfg->routers == 0 || cfg->prefixes == 0 || cfg->dests == 0 ||
        cfg->link_mtu < SK_NDR_MIN_MTU || cfg->alloc.allocate == NULL)
        return SK_EINVAL;
    sk_nd_router *r = sk_ip6_alloc(&cfg->alloc, sizeof *r);
    if (r == NULL)
        return SK_ENOMEM;
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    r->r = sk_ip6_alloc(&cfg->alloc, sizeof(sk_ndr_router) * cfg->routers);
    r->p = sk_ip6_alloc(&cfg->alloc, sizeof(sk_ndr_prefix) * cfg->prefixes);
    r->d = sk_ip6_alloc(&cfg->alloc, sizeof(sk_ndr_dest) * cfg->dests);
    if (r->r == NULL || r->p == NULL || r->d == NULL || sk_i6q_init(&r->iq, &cfg->alloc, 8) != 0) {
        sk_ndr_destroy(r);
        return SK_ENOMEM;
    }
    memset(r->r, 0, sizeof(sk_ndr_router) * cfg->routers);
    memset(r->p, 0, sizeof(sk_ndr_prefix) * cfg->prefixes);
    memset(r->d, 0, sizeof(sk_ndr_dest) * cfg->dests);
    r->mtu = cfg->link_mtu;
    r->cur_hop_limit = 64;
    sk_rng_seed(&r->rng, cfg->seed);
    r->rs_at = sk_time_after(now, sk_rng_below(&r->rng, SK_NDR_MAX_RTR_SOLICITATION_DELAY + 1));
    *out = r;
    return 0;
}

void sk_ndr_destroy(sk_nd_router *r)
{
    if (r == NULL)
        return;
    sk_allocator a = r->cfg.alloc;
    sk_ip6_release(&a, r->r, sizeof(sk_ndr_router) * r->cfg.routers);
    sk_ip6_release(&a, r->p, sizeof(sk_ndr_prefix) * r->cfg.prefixes);
    sk_ip6_release(&a, r->d, sizeof(sk_ndr_dest) * r->cfg.dests);
    if (r->iq.q != NULL)
        sk_i6q_free(&r->iq, &a);
    sk_ip6_release(&a, r, sizeof *r);
}

static void flush_dests(sk_nd_router *r, const sk_ip6_addr *via)
{
    for (uint32_t i = 0; i < r->cfg.dests; i++)
        if (r->d[i].used && (via == NULL || sk_ip6_eq(r->d[i].next_hop, *via)))
            r->d[i].used = false;
}

static sk_ndr_router *find_router(sk_nd_router *r, const sk_ip6_addr *ip)
{
    for (uint32_t i = 0; i < r->cfg.routers; i++)
        if (r->r[i].used && sk_ip6_eq(r->r[i].ip, *ip))
            return &r->r[i];
    return NULL;
}

static void remove_router(sk_nd_router *r, sk_ndr_router *rt)
{
    rt->used = false;
    flush_dests(r, &rt->ip); /* §6.3.5: next-hop determination again */
}

/* §6.3.4: Router Lifetime. */
static void ra_router(sk_nd_router *r, sk_time now, const sk_ra_info *ra)
{
    sk_ndr_router *rt = find_router(r, &ra->src);
    if (ra->router_lifetime_s == 0) {
        if (rt != NULL) {
            remove_router(r, rt);
            r->stats.routers_removed++;
        }
        return;
    }
    for (uint32_t i = 0; rt == NULL && i < r->cfg.routers; i++) {
        if (!r->r[i].used) {
            rt = &r->r[i];
            rt->used = true;
            rt->ip = ra->src;
            r->stats.routers_added++;
        }
    }
    if (rt == NULL) {
        r->stats.drop_router_list_full++;
        return;
    }
    rt->expires = sk_time_after(now, SK_SEC(ra->router_lifetime_s));
    r->next_due = sk_time_min(r->next_due, rt->expires);
}

static sk_ndr_prefix *find_prefix(sk_nd_router *r, const sk_ip6_addr *p, uint8_t len)
{
    for (uint32_t i = 0; i < r->cfg.prefixes; i++)
        if (r->p[i].used && r->p[i].len == len && sk_ip6_same_prefix(r->p[i].prefix, *p, len))
            return &r->p[i];
    return NULL;
}

/* §6.3.4: a Prefix Information option with the on-link flag. */
static void ra_prefix(sk_nd_router *r, sk_time now, const sk_ra_prefix *pi)
{
    if (!pi->on_link || pi->len > 128)
        return;
    if (sk_ip6_is_link_local(pi->prefix)) {
        r->stats.drop_prefix_link_local++;
        return;
    }
    sk_ndr_prefix *p = find_prefix(r, &pi->prefix, pi->len);
    if (p != NULL && pi->valid_s == 0) {
        p->used = false; /* "time-out the prefix immediately" */
        r->stats.prefixes_expired++;
        flush_dests(r, NULL);
        return;
    }
    if (p == NULL && pi->valid_s == 0)
        return;
    for (uint32_t i = 0; p == NULL && i < r->cfg.prefixes; i++) {
        if (!r->p[i].used) {
            p = &r->p[i];
            p->used = true;
            p->prefix = pi->prefix;
            p->len = pi->len;
            r->stats.prefixes_added++;
            flush_dests(r, NULL);
        }
    }
    if (p == NULL) {
        r->stats.drop_prefix_list_full++;
        return;
    }
    p->expires = lifetime(now, pi->valid_s);
    r->next_due = sk_time_min(r->next_due, p->expires);
}

void sk_ndr_input_ra(sk_nd_router *r, sk_nd_cache *nd, sk_time now, const sk_ra_info *ra)
{
    r->stats.ra_in++;
    if (ra->router_lifetime_s != 0)
        r->rs_at = SK_TIME_NEVER; /* §6.3.7: desist */
    if (ra->cur_hop_limit != 0)
        r->cur_hop_limit = ra->cur_hop_limit;
    ra_router(r, now, ra);
    for (uint32_t i = 0; i < ra->n_prefixes && i < SK_NDR_MAX_PREFIXES_PER_RA; i++)
        ra_prefix(r, now, &ra->prefix[i]);
    if (ra->mtu != 0) {
        if (ra->mtu < SK_NDR_MIN_MTU || ra->mtu > r->cfg.link_mtu)
            r->stats.drop_mtu_bad++;
        else
            r->mtu = ra->mtu;
    }
    if (nd != NULL) {
        sk_nd_event ev = {0};
        ev.kind = SK_ND_EV_RA;
        ev.ip = ra->src;
        ev.has_lla = ra->has_sllao;
        ev.lla = ra->sllao;
        sk_nd_input(nd, now, &ev);
        sk_nd_set_params(nd, ra->reachable_ms, ra->retrans_ms);
    }
}

void sk_ndr_router_gone(sk_nd_router *r, const sk_ip6_addr *ip)
{
    sk_ndr_router *rt = find_router(r, ip);
    if (rt != NULL) {
        remove_router(r, rt);
        r->stats.routers_removed++;
    }
}

bool sk_ndr_on_link(const sk_nd_router *r, sk_time now, const sk_ip6_addr *dst)
{
    if (sk_ip6_is_multicast(*dst) || sk_ip6_is_link_local(*dst))
        return true;
    for (uint32_t i = 0; i < r->cfg.prefixes; i++) {
        const sk_ndr_prefix *p = &r->p[i];
        if (p->used && !sk_time_due(p->expires, now) && sk_ip6_same_prefix(*dst, p->prefix, p->len))
            return true;
    }
    return false;
}

/* §6.3.6: a router not INCOMPLETE in the cache, else round-robin. */
static const sk_ndr_router *select_router(sk_nd_router *r, const sk_nd_cache *nd, sk_time now)
{
    uint32_t n = r->cfg.routers;
    for (uint32_t i = 0; nd != NULL && i < n; i++) {
        const sk_ndr_router *rt = &r->r[i];
        if (rt->used && !sk_time_due(rt->expires, now) && sk_nd_probably_reachable(nd, &rt->ip))
            return rt;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = (r->rr + k) % n;
        const sk_ndr_router *rt = &r->r[i];
        if (rt->used && !sk_time_due(rt->expires, now)) {
            r->rr = (i + 1) % n;
            return rt;
        }
    }
    return NULL;
}

static sk_ndr_dest *find_dest(sk_nd_router *r, const sk_ip6_addr *dst)
{
    for (uint32_t i = 0; i < r->cfg.dests; i++)
        if (r->d[i].used && sk_ip6_eq(r->d[i].dst, *dst))
            return &r->d[i];
    return NULL;
}

static void store_dest(sk_nd_router *r, const sk_ip6_addr *dst, const sk_ip6_addr *nh)
{
    sk_ndr_dest *d = find_dest(r, dst);
    for (uint32_t i = 0; d == NULL && i < r->cfg.dests; i++)
        if (!r->d[i].used)
            d = &r->d[i];
    if (d == NULL) {
        d = &r->d[0];
        for (uint32_t i = 1; i < r->cfg.dests; i++)
            if (r->d[i].stamp < d->stamp)
                d = &r->d[i];
        r->stats.dest_evicted++;
    }
    d->used = true;
    d->redirected = false;
    d->dst = *dst;
    d->next_hop = *nh;
    d->stamp = ++r->tick;
}

void sk_ndr_redirect(sk_nd_router *r, const sk_ip6_addr *dst, const sk_ip6_addr *target)
{
    store_dest(r, dst, target);
    find_dest(r, dst)->redirected = true;
    r->any_redirect = true;
}

bool sk_ndr_redirected(const sk_nd_router *r, const sk_ip6_addr *dst, sk_ip6_addr *next_hop)
{
    for (uint32_t i = 0; r->any_redirect && i < r->cfg.dests; i++) {
        const sk_ndr_dest *d = &r->d[i];
        if (d->used && d->redirected && sk_ip6_eq(d->dst, *dst)) {
            *next_hop = d->next_hop;
            return true;
        }
    }
    return false;
}

int sk_ndr_next_hop(sk_nd_router *r, const sk_nd_cache *nd, sk_time now, const sk_ip6_addr *dst,
                    sk_ip6_addr *next_hop)
{
    if (sk_ip6_is_multicast(*dst) || sk_ip6_is_link_local(*dst)) {
        *next_hop = *dst;
        return 0;
    }
    sk_ndr_dest *d = find_dest(r, dst);
    if (d != NULL) {
        d->stamp = ++r->tick;
        *next_hop = d->next_hop;
        return 0;
    }
    if (sk_ndr_on_link(r, now, dst)) {
        *next_hop = *dst;
    } else {
        const sk_ndr_router *rt = select_router(r, nd, now);
        if (rt == NULL) {
            r->stats.no_route++;
            return SK_EHOSTUNREACH;
        }
        *next_hop = rt->ip;
    }
    store_dest(r, dst, next_hop);
    return 0;
}

void sk_ndr_input_redirect(sk_nd_router *r, const sk_nd_cache *nd, sk_time now,
                           const sk_ip6_addr *src, const sk_ip6_addr *target,
                           const sk_ip6_addr *dst)
{
    sk_ip6_addr cur;
    /* §8.1: the source must be the current first-hop router for dst;
     * §8.1: the target is link-local (a router) or the destination. */
    if (sk_ndr_next_hop(r, nd, now, dst, &cur) != 0 || !sk_ip6_eq(cur, *src) ||
        sk_ip6_eq(cur, *dst) || sk_ip6_is_multicast(*dst) ||
        (!sk_ip6_is_link_local(*target) && !sk_ip6_eq(*target, *dst))) {
        r->stats.drop_redirect_bad++;
        return;
    }
    sk_ndr_redirect(r, dst, target);
}

/* Called for every frame in and out: nothing to scan before next_due. The
 * scan runs what is due, then takes next_due exactly again. */
void sk_ndr_run_timers(sk_nd_router *r, sk_time now)
{
    if (!sk_time_due(r->next_due, now))
        return;
    if (sk_time_due(r->rs_at, now)) {
        sk_ip6_intent in = {0};
        in.kind = SK_I6_SEND_RS;
        in.flags = SK_I6F_SLLAO;
        in.dst = sk_ip6_all_routers();
        in.mac = sk_ip6_mcast_mac(in.dst);
        if (!sk_i6q_push(&r->iq, &in))
            r->stats.drop_intent_full++;
        r->stats.rs_out++;
        r->rs_sent++;
        r->rs_at = r->rs_sent < SK_NDR_MAX_RTR_SOLICITATIONS
                       ? sk_time_after(now, SK_NDR_RTR_SOLICITATION_INTERVAL)
                       : SK_TIME_NEVER;
    }
    for (uint32_t i = 0; i < r->cfg.routers; i++) {
        if (r->r[i].used && sk_time_due(r->r[i].expires, now)) {
            remove_router(r, &r->r[i]);
            r->stats.routers_expired++;
        }
    }
    for (uint32_t i = 0; i < r->cfg.prefixes; i++) {
        if (r->p[i].used && sk_time_due(r->p[i].expires, now)) {
            r->p[i].used = false;
            r->stats.prefixes_expired++;
            flush_dests(r, NULL);
        }
    }
    r->next_due = sk_ndr_poll_at(r);
}

sk_time sk_ndr_poll_at(const sk_nd_router *r)
{
    sk_time t = r->rs_at;
    for (uint32_t i = 0; i < r->cfg.routers; i++)
        if (r->r[i].used)
            t = sk_time_min(t, r->r[i].expires);
    for (uint32_t i = 0; i < r->cfg.prefixes; i++)
        if (r->p[i].used)
            t = sk_time_min(t, r->p[i].expires);
    return t;
}

bool sk_ndr_next_intent(sk_nd_router *r, sk_ip6_intent *out) { return sk_i6q_pop(&r->iq, out); }
