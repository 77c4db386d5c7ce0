/* RFC 8201 Path MTU Discovery for IPv6: a bounded per-destination cache.
 * The link MTU is the ceiling (an RA may lower it: sk_pmtu6_set_link_mtu;
 * TCP learns a lower link MTU from the interface, not from an intent here).
 *
 *   - A Packet Too Big lowers the estimate for its destination (§4: never
 *     raised by one); a value below 1280 counts as 1280 (RFC 8200 §5: no
 *     link is smaller; cfg.floor, 552 for the interface's IPv4 cache,
 *     whose keys are IPv4-mapped addresses), and nothing goes above the
 *     link MTU.
 *   - Every decrease queues an SK_I6_PMTU intent: TCP lowers the MSS of
 *     its connections to that destination (§5.2: "the packetization layer
 *     must be notified").
 *   - Aging (§4): 10 minutes after the last decrease the entry is dropped
 *     and the estimate is the link MTU again (SK_I6_PMTU with it), so a
 *     larger path is found again; a later PTB lowers it once more.
 *   - Full cache: the least recently used entry is reused (counted); its
 *     destination falls back to the link MTU and learns again. */
#include "ip6/pmtu6.h"

#include "synack/error.h"

#include <string.h>

int sk_pmtu6_create(const sk_pmtu6_config *cfg, sk_pmtu6 **out)
{
    *out = NULL;
    uint32_t floor = cfg->floor != 0 ? cfg->floor : SK_PMTU6_MIN;
    if (cfg->entries == 0 || cfg->link_mtu < floor || cfg->alloc.allocate == NULL)
        return SK_EINVAL;
    sk_pmtu6 *p = sk_ip6_alloc(&cfg->alloc, sizeof *p);
    if (p == NULL)
        return SK_ENOMEM;
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    p->cfg.floor = floor;
    p->e = sk_ip6_alloc(&cfg->alloc, sizeof(sk_pmtu6_entry) * cfg->entries);
    if (p->e == NULL || sk_i6q_init(&p->iq, &cfg->alloc, cfg->entries + 8) != 0) {
        sk_pmtu6_destroy(p);
        return SK_ENOMEM;
    }
    memset(p->e, 0, sizeof(sk_pmtu6_entry) * cfg->entries);
    *out = p;
    return 0;
}

void sk_pmtu6_destroy(sk_pmtu6 *p)
{
    if (p == NULL)
        return;
    sk_allocator a = p->cfg.alloc;
    sk_ip6_release(&a, p->e, sizeof(sk_pmtu6_entry) * p->cfg.entries);
    if (p->iq.q != NULL)
        sk_i6q_free(&p->iq, &a);
    sk_ip6_release(&a, p, sizeof *p);
}

static sk_pmtu6_entry *find(sk_pmtu6 *p, const sk_ip6_addr *dst)
{
    /* every segment's MSS asks: an empty cache (the usual case) is one test */
    for (uint32_t i = 0; i < p->cfg.entries && p->n_used > 0; i++)
        if (p->e[i].used && sk_ip6_eq(p->e[i].dst, *dst))
            return &p->e[i];
    return NULL;
}

static void tell(sk_pmtu6 *p, const sk_ip6_addr *dst, uint32_t mtu)
{
    sk_ip6_intent in = {0};
    in.kind = SK_I6_PMTU;
    in.target = *dst;
    in.value = mtu;
    if (!sk_i6q_push(&p->iq, &in))
        p->stats.drop_intent_full++;
}

uint32_t sk_pmtu6_lookup(sk_pmtu6 *p, const sk_ip6_addr *dst, sk_time now)
{
    sk_pmtu6_entry *en = find(p, dst);
    if (en == NULL || sk_time_due(en->expires, now))
        return p->cfg.link_mtu; /* aged out even before run_timers */
    en->stamp = ++p->tick;
    return en->mtu;
}

static sk_pmtu6_entry *slot(sk_pmtu6 *p)
{
    sk_pmtu6_entry *best = NULL;
    for (uint32_t i = 0; i < p->cfg.entries; i++) {
        if (!p->e[i].used)
            return &p->e[i];
        if (best == NULL || p->e[i].stamp < best->stamp)
            best = &p->e[i];
    }
    p->stats.evicted++;
    return best;
}

void sk_pmtu6_input_ptb(sk_pmtu6 *p, sk_time now, const sk_ip6_addr *dst, uint32_t mtu)
{
    p->stats.ptb_in++;
    if (mtu < p->cfg.floor) {
        p->stats.ptb_below_min++;
        mtu = p->cfg.floor;
    }
    uint32_t cur = sk_pmtu6_lookup(p, dst, now);
    if (mtu >= cur) {
        p->stats.ptb_not_lower++;
        return;
    }
    sk_pmtu6_entry *en = find(p, dst);
    if (en == NULL) {
        en = slot(p);
        p->n_used += en->used ? 0 : 1;
        en->used = true;
        en->dst = *dst;
    }
    en->mtu = mtu;
    en->expires = sk_time_after(now, SK_PMTU6_AGING);
    p->next_due = sk_time_min(p->next_due, en->expires);
    en->stamp = ++p->tick;
    p->stats.decreased++;
    tell(p, dst, mtu);
}

void sk_pmtu6_set_link_mtu(sk_pmtu6 *p, uint32_t link_mtu)
{
    if (link_mtu < p->cfg.floor)
        return;
    p->cfg.link_mtu = link_mtu;
    for (uint32_t i = 0; i < p->cfg.entries; i++)
        if (p->e[i].used && p->e[i].mtu >= link_mtu) {
            p->e[i].used = false;
            p->n_used--;
        }
}

/* Called for every frame in and out: nothing to scan before next_due. The
 * scan runs what is due, then takes next_due exactly again. */
void sk_pmtu6_run_timers(sk_pmtu6 *p, sk_time now)
{
    if (!sk_time_due(p->next_due, now))
        return;
    for (uint32_t i = 0; i < p->cfg.entries && p->n_used > 0; i++) {
        sk_pmtu6_entry *en = &p->e[i];
        if (en->used && sk_time_due(en->expires, now)) {
            en->used = false;
            p->n_used--;
            p->stats.aged++;
            tell(p, &en->dst, p->cfg.link_mtu);
        }
    }
    p->next_due = sk_pmtu6_poll_at(p);
}

sk_time sk_pmtu6_poll_at(const sk_pmtu6 *p)
{
    sk_time t = SK_TIME_NEVER;
    for (uint32_t i = 0; i < p->cfg.entries && p->n_used > 0; i++)
        if (p->e[i].used)
            t = sk_time_min(t, p->e[i].expires);
    return t;
}

bool sk_pmtu6_next_intent(sk_pmtu6 *p, sk_ip6_intent *out) { return sk_i6q_pop(&p->iq, out); }
