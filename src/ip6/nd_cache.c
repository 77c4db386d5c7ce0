/* RFC 4861 §7.3 neighbour cache: Neighbor Unreachability Detection and
 * address resolution for one IPv6 link, sans-I/O.
 *
 * States and events follow Appendix C; the NA rules are §7.2.5's text
 * (where Appendix C's table is shorter, e.g. an NA with O=0 and a different
 * address turns REACHABLE into STALE whatever S says). Timers are one
 * deadline per entry: INCOMPLETE and PROBE retransmit every RetransTimer
 * (1 s) and give up after MAX_MULTICAST_SOLICIT / MAX_UNICAST_SOLICIT (3)
 * solicitations; REACHABLE lasts ReachableTime (uniform in [0.5, 1.5) x
 * BaseReachableTime, §6.3.2, from the seeded generator); DELAY lasts
 * DELAY_FIRST_PROBE_TIME (5 s). STALE has no timer.
 *
 * Limits, each failing in a counted way. They are written for a flood of
 * packets to on-link next hops that never answer (replies to spoofed
 * on-link sources): entries that never resolve must not push out or starve
 * neighbours in use.
 *   - cfg.entries entries. A new entry takes a free slot, else the oldest
 *     INCOMPLETE entry (its held packets dropped: drop_evicted), else the
 *     least recently used STALE entry, else the LRU REACHABLE/DELAY/PROBE
 *     one. A neighbour in use never turns INCOMPLETE again (it keeps its
 *     address through STALE, DELAY and PROBE), so an INCOMPLETE entry is
 *     always a next hop that has not answered yet.
 *   - cfg.unresolved_max INCOMPLETE entries at once: past it a new
 *     INCOMPLETE entry can only take the oldest INCOMPLETE one, so the
 *     rest of the table stays with neighbours that answered.
 *   - cfg.held_per_entry packets per INCOMPLETE entry and cfg.held_total in
 *     all (§7.2.2: "SHOULD retain ... at least one packet ... MAY keep
 *     more"): the newest is kept; the victim is the entry's own oldest
 *     packet, else the oldest packet of an entry holding several, else the
 *     arriving packet (every waiting next hop keeps its latest one).
 *   - resolution that fails turns every held packet into an UNREACHABLE
 *     intent (ICMPv6 destination unreachable, code 3, §7.2.2).
 *   - intents wait in a queue of held_total + 2 x entries + 8; one that
 *     does not fit is dropped and counted (a held packet then with it). */
#include "ip6/nd_cache.h"

#include "base/skassert.h"
#include "synack/error.h"

#include <string.h>

static sk_time reachable_time(sk_nd_cache *nd)
{
    /* §6.3.2: uniformly distributed between MIN_RANDOM_FACTOR (0.5) and
     * MAX_RANDOM_FACTOR (1.5) times BaseReachableTime. */
    sk_time base = nd->base_reachable;
    return base / 2 + sk_rng_below(&nd->rng, base > 0 ? base : 1);
}

/* ReachableTime for an entry entering REACHABLE at now: drawn again when
 * it is SK_ND_REACHABLE_REDRAW old (§6.3.4), lazily, so no timer runs for
 * it. */
static sk_time reachable_at(sk_nd_cache *nd, sk_time now)
{
    if (sk_time_due(nd->redraw_at, now)) {
        nd->reachable = reachable_time(nd);
        nd->redraw_at = sk_time_after(now, SK_ND_REACHABLE_REDRAW);
    }
    return sk_time_after(now, nd->reachable);
}

static size_t held_bytes(const sk_nd_config *c) { return (size_t)c->held_max_len * c->held_total; }
static uint32_t queue_cap(const sk_nd_config *c) { return c->held_total + 2 * c->entries + 8; }

int sk_nd_create(const sk_nd_config *cfg, sk_time now, sk_nd_cache **out)
{
    *out = NULL;
    if (cfg->entries == 0 || cfg->held_total == 0 || cfg->held_per_entry == 0 ||
        cfg->held_max_len == 0 || cfg->held_max_len > 65535 || cfg->alloc.allocate == NULL)
        return SK_EINVAL;
    sk_nd_cache *nd = sk_ip6_alloc(&cfg->alloc, sizeof *nd);
    if (nd == NULL)
        return SK_ENOMEM;
    memset(nd, 0, sizeof *nd);
    nd->cfg = *cfg;
    nd->e = sk_ip6_alloc(&cfg->alloc, sizeof(sk_nd_entry) * cfg->entries);
    nd->held = sk_ip6_alloc(&cfg->alloc, sizeof(sk_nd_held) * cfg->held_total);
    nd->held_mem = sk_ip6_alloc(&cfg->alloc, held_bytes(cfg));
    if (nd->e == NULL || nd->held == NULL || nd->held_mem == NULL ||
        sk_i6q_init(&nd->iq, &cfg->alloc, queue_cap(cfg)) != 0) {
        sk_nd_destroy(nd);
        return SK_ENOMEM;
    }
    memset(nd->e, 0, sizeof(sk_nd_entry) * cfg->entries);
    memset(nd->held, 0, sizeof(sk_nd_held) * cfg->held_total);
    for (uint32_t i = 0; i < cfg->held_total; i++)
        nd->held[i].data = nd->held_mem + (size_t)i * cfg->held_max_len;
    sk_rng_seed(&nd->rng, cfg->seed);
    nd->base_reachable = SK_ND_BASE_REACHABLE;
    nd->next_due = SK_TIME_NEVER;
    nd->reachable = reachable_time(nd);
    nd->redraw_at = sk_time_after(now, SK_ND_REACHABLE_REDRAW);
    nd->retrans = SK_ND_RETRANS_TIMER;
    *out = nd;
    return 0;
}

void sk_nd_destroy(sk_nd_cache *nd)
{
    if (nd == NULL)
        return;
    sk_allocator a = nd->cfg.alloc;
    sk_ip6_release(&a, nd->e, sizeof(sk_nd_entry) * nd->cfg.entries);
    sk_ip6_release(&a, nd->held, sizeof(sk_nd_held) * nd->cfg.held_total);
    sk_ip6_release(&a, nd->held_mem, held_bytes(&nd->cfg));
    if (nd->iq.q != NULL)
        sk_i6q_free(&nd->iq, &a);
    sk_ip6_release(&a, nd, sizeof *nd);
}

static sk_nd_entry *nd_find(const sk_nd_cache *nd, const sk_ip6_addr *ip)
{
    for (uint32_t i = 0; i < nd->cfg.entries; i++)
        if (nd->e[i].state != SK_ND_FREE && sk_ip6_eq(nd->e[i].ip, *ip))
            return &nd->e[i];
    return NULL;
}

const sk_nd_entry *sk_nd_find(const sk_nd_cache *nd, const sk_ip6_addr *ip)
{
    return nd_find(nd, ip);
}

bool sk_nd_probably_reachable(const sk_nd_cache *nd, const sk_ip6_addr *ip)
{
    const sk_nd_entry *en = nd_find(nd, ip);
    return en != NULL && en->state != SK_ND_INCOMPLETE;
}

static void push(sk_nd_cache *nd, const sk_ip6_intent *in)
{
    if (!sk_i6q_push(&nd->iq, in))
        nd->stats.drop_intent_full++;
}

/* Every timer set to a time goes through here, so that next_due stays a
 * lower bound of all timers (a timer cleared to NEVER needs no update). */
static void arm(sk_nd_cache *nd, sk_nd_entry *en, sk_time t)
{
    en->timer = t;
    nd->next_due = sk_time_min(nd->next_due, t);
}

static void send_ns(sk_nd_cache *nd, sk_nd_entry *en, bool multicast, sk_time now)
{
    sk_ip6_intent in = {0};
    in.kind = SK_I6_SEND_NS;
    in.flags = SK_I6F_SLLAO;
    in.target = en->ip;
    in.dst = multicast ? sk_ip6_solicited_node(en->ip) : en->ip;
    in.mac = multicast ? sk_ip6_mcast_mac(in.dst) : en->mac;
    push(nd, &in);
    en->probes++;
    arm(nd, en, sk_time_after(now, nd->retrans));
    nd->stats.ns_out++;
}

static void free_held(sk_nd_cache *nd, sk_nd_held *h)
{
    h->len = 0;
    h->out = false;
    nd->held_used--;
}

/* Every packet en holds becomes an intent of `kind` (RELEASE/UNREACHABLE). */
static void hand_out_held(sk_nd_cache *nd, sk_nd_entry *en, uint8_t kind)
{
    uint32_t idx = (uint32_t)(en - nd->e);
    while (en->n_held > 0) {
        sk_nd_held *best = NULL;
        for (uint32_t i = 0; i < nd->cfg.held_total; i++) {
            sk_nd_held *h = &nd->held[i];
            if (h->len > 0 && !h->out && h->entry == idx && (best == NULL || h->order < best->order))
                best = h;
        }
        SK_ASSERT(best != NULL);
        en->n_held--;
        sk_ip6_intent in = {0};
        in.kind = kind;
        in.target = en->ip;
        in.mac = en->mac;
        in.slot = (uint32_t)(best - nd->held);
        in.data = best->data;
        in.len = best->len;
        if (!sk_i6q_push(&nd->iq, &in)) {
            nd->stats.drop_intent_full++;
            free_held(nd, best);
            continue;
        }
        best->out = true;
        if (kind == SK_I6_RELEASE)
            nd->stats.held_released++;
        else
            nd->stats.drop_unresolved++;
    }
}

static void drop_entry_held(sk_nd_cache *nd, sk_nd_entry *en)
{
    uint32_t idx = (uint32_t)(en - nd->e);
    for (uint32_t i = 0; en->n_held > 0 && i < nd->cfg.held_total; i++) {
        sk_nd_held *h = &nd->held[i];
        if (h->len > 0 && !h->out && h->entry == idx) {
            free_held(nd, h);
            en->n_held--;
        }
    }
}

/* The LRU entry in `state` (INCOMPLETE: the oldest, as their `used` is
 * their creation), optionally only those holding nothing. */
static sk_nd_entry *lru_in(sk_nd_cache *nd, uint8_t state, bool empty_only)
{
    sk_nd_entry *best = NULL;
    for (uint32_t i = 0; i < nd->cfg.entries; i++) {
        sk_nd_entry *en = &nd->e[i];
        bool match = state == SK_ND_REACHABLE
                         ? (en->state == SK_ND_REACHABLE || en->state == SK_ND_DELAY ||
                            en->state == SK_ND_PROBE)
                         : en->state == state;
        if (match && (!empty_only || en->n_held == 0) && (best == NULL || en->used < best->used))
            best = en;
    }
    return best;
}

static uint32_t n_incomplete(const sk_nd_cache *nd)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < nd->cfg.entries; i++)
        n += nd->e[i].state == SK_ND_INCOMPLETE;
    return n;
}

static uint32_t unresolved_max(const sk_nd_config *c)
{
    return c->unresolved_max > 0 && c->unresolved_max < c->entries ? c->unresolved_max
                                                                   : c->entries;
}

/* A slot for a new entry (see the limits above), cleared, or NULL;
 * `unresolved`: for a next hop to be solicited (INCOMPLETE). */
static sk_nd_entry *nd_slot(sk_nd_cache *nd, bool unresolved)
{
    sk_nd_entry *en = NULL;
    bool capped = unresolved && n_incomplete(nd) >= unresolved_max(&nd->cfg);
    for (uint32_t i = 0; !capped && en == NULL && i < nd->cfg.entries; i++)
        if (nd->e[i].state == SK_ND_FREE)
            en = &nd->e[i];
    if (en == NULL && (en = lru_in(nd, SK_ND_INCOMPLETE, false)) != NULL) {
        nd->stats.evict_incomplete++;
        nd->stats.drop_evicted += en->n_held;
        drop_entry_held(nd, en);
    }
    if (en == NULL && !capped && (en = lru_in(nd, SK_ND_STALE, false)) != NULL)
        nd->stats.evict_stale++;
    if (en == NULL && !capped && (en = lru_in(nd, SK_ND_REACHABLE, false)) != NULL)
        nd->stats.evict_other++;
    if (en != NULL)
        memset(en, 0, sizeof *en);
    return en;
}

static sk_nd_entry *nd_new(sk_nd_cache *nd, const sk_ip6_addr *ip, uint8_t state)
{
    sk_nd_entry *en = nd_slot(nd, state == SK_ND_INCOMPLETE);
    if (en == NULL)
        return NULL;
    en->ip = *ip;
    en->state = state;
    en->timer = SK_TIME_NEVER;
    en->used = ++nd->tick;
    return en;
}

/* The held packet to give up so that one for en fits, or NULL: drop the
 * arriving one (see the limits above). */
static sk_nd_held *held_victim(sk_nd_cache *nd, const sk_nd_entry *en)
{
    uint32_t idx = (uint32_t)(en - nd->e);
    bool own = en->n_held > 0;
    sk_nd_held *best = NULL;
    for (uint32_t i = 0; i < nd->cfg.held_total; i++) {
        sk_nd_held *h = &nd->held[i];
        if (h->len == 0 || h->out)
            continue;
        bool fits = own ? h->entry == idx : nd->e[h->entry].n_held > 1;
        if (fits && (best == NULL || h->order < best->order))
            best = h;
    }
    return best;
}

static void hold(sk_nd_cache *nd, sk_nd_entry *en, const uint8_t *pkt, size_t len)
{
    sk_nd_held *h = NULL;
    if (en->n_held < nd->cfg.held_per_entry && nd->held_used < nd->cfg.held_total) {
        for (uint32_t i = 0; h == NULL && i < nd->cfg.held_total; i++)
            if (nd->held[i].len == 0)
                h = &nd->held[i];
    } else {
        if (en->n_held >= nd->cfg.held_per_entry)
            nd->stats.drop_held_entry_full++;
        else
            nd->stats.drop_held_total_full++;
        h = held_victim(nd, en);
        if (h == NULL)
            return; /* the arriving packet is the one given up */
        nd->e[h->entry].n_held--;
        free_held(nd, h);
    }
    memcpy(h->data, pkt, len);
    h->len = (uint16_t)len;
    h->out = false;
    h->entry = (uint32_t)(en - nd->e);
    h->order = ++nd->order;
    nd->held_used++;
    en->n_held++;
}

/* A REACHABLE entry whose time ran out is STALE even before run_timers. */
static void expire_reachable(sk_nd_entry *en, sk_time now)
{
    if (en->state == SK_ND_REACHABLE && sk_time_due(en->timer, now)) {
        en->state = SK_ND_STALE;
        en->timer = SK_TIME_NEVER;
    }
}

int sk_nd_resolve(sk_nd_cache *nd, sk_time now, const sk_ip6_addr *ip, const uint8_t *pkt,
                  size_t len, sk_mac *mac)
{
    if (sk_ip6_is_multicast(*ip)) {
        *mac = sk_ip6_mcast_mac(*ip); /* RFC 2464 §7 */
        return SK_ND_SEND;
    }
    sk_nd_entry *en = nd_find(nd, ip);
    if (en != NULL && en->state != SK_ND_INCOMPLETE) {
        en->used = ++nd->tick;
        expire_reachable(en, now);
        if (en->state == SK_ND_STALE) { /* Appendix C: STALE, sending packet */
            en->state = SK_ND_DELAY;
            arm(nd, en, sk_time_after(now, SK_ND_DELAY_FIRST_PROBE));
        }
        *mac = en->mac;
        return SK_ND_SEND;
    }
    if (len == 0 || len > nd->cfg.held_max_len) {
        nd->stats.drop_held_too_long++;
        return SK_ND_DROPPED;
    }
    if (en == NULL) { /* Appendix C: no entry, packet to send */
        en = nd_new(nd, ip, SK_ND_INCOMPLETE);
        if (en == NULL) {
            nd->stats.drop_table_full++;
            return SK_ND_DROPPED;
        }
        send_ns(nd, en, true, now);
    }
    /* an INCOMPLETE entry keeps `used` from its creation: oldest first */
    uint64_t before = nd->order;
    hold(nd, en, pkt, len);
    return nd->order != before ? SK_ND_HELD : SK_ND_DROPPED;
}

/* The link-layer address is known: INCOMPLETE -> `state`, packets out. */
static void resolved(sk_nd_cache *nd, sk_nd_entry *en, sk_mac lla, uint8_t state, sk_time now)
{
    en->mac = lla;
    en->probes = 0;
    en->state = state;
    arm(nd, en, state == SK_ND_REACHABLE ? reachable_at(nd, now) : SK_TIME_NEVER);
    nd->stats.resolved++;
    hand_out_held(nd, en, SK_I6_RELEASE);
}

static void enter_stale(sk_nd_entry *en, sk_mac lla)
{
    en->mac = lla;
    en->probes = 0;
    en->state = SK_ND_STALE;
    en->timer = SK_TIME_NEVER;
}

/* NS, RA or Redirect (Appendix C's unsolicited rows; §7.2.3, §6.3.4, §8.3). */
static void input_unsolicited(sk_nd_cache *nd, sk_time now, const sk_nd_event *ev)
{
    sk_nd_entry *en = nd_find(nd, &ev->ip);
    if (!ev->has_lla) {
        /* A Redirect naming an unknown target starts resolving it. */
        if (en == NULL && ev->kind == SK_ND_EV_REDIRECT &&
            (en = nd_new(nd, &ev->ip, SK_ND_INCOMPLETE)) != NULL)
            send_ns(nd, en, true, now);
    } else if (en == NULL) {
        if ((en = nd_new(nd, &ev->ip, SK_ND_STALE)) != NULL)
            enter_stale(en, ev->lla);
        else
            nd->stats.drop_table_full++;
    } else if (en->state == SK_ND_INCOMPLETE) {
        resolved(nd, en, ev->lla, SK_ND_STALE, now);
    } else {
        expire_reachable(en, now);
        if (memcmp(en->mac.b, ev->lla.b, 6) != 0)
            enter_stale(en, ev->lla);
    }
    if (en != NULL && ev->kind == SK_ND_EV_RA)
        en->is_router = true; /* §6.3.4 */
}

static void set_router_flag(sk_nd_cache *nd, sk_nd_entry *en, bool router)
{
    if (en->is_router && !router) { /* §7.2.5: tell the router list */
        sk_ip6_intent in = {0};
        in.kind = SK_I6_NOT_ROUTER;
        in.target = en->ip;
        push(nd, &in);
    }
    en->is_router = router;
}

/* §7.2.5, the NA for an entry that is not INCOMPLETE. */
static void na_known(sk_nd_cache *nd, sk_nd_entry *en, const sk_nd_event *ev, sk_time now)
{
    expire_reachable(en, now);
    bool differs = ev->has_lla && memcmp(en->mac.b, ev->lla.b, 6) != 0;
    if (!ev->override && differs) {
        if (en->state == SK_ND_REACHABLE) {
            en->state = SK_ND_STALE;
            en->timer = SK_TIME_NEVER;
        }
        return;
    }
    if (differs)
        en->mac = ev->lla;
    if (ev->solicited) {
        en->state = SK_ND_REACHABLE;
        en->probes = 0;
        arm(nd, en, reachable_at(nd, now));
    } else if (differs) {
        enter_stale(en, ev->lla);
    }
    set_router_flag(nd, en, ev->router);
}

static void input_na(sk_nd_cache *nd, sk_time now, const sk_nd_event *ev)
{
    sk_nd_entry *en = nd_find(nd, &ev->ip);
    if (en == NULL) {
        nd->stats.drop_na_unknown++; /* §7.2.5: no entry, silently discarded */
        return;
    }
    if (en->state != SK_ND_INCOMPLETE) {
        na_known(nd, en, ev, now);
        return;
    }
    if (!ev->has_lla) {
        nd->stats.drop_na_no_lla++;
        return;
    }
    en->is_router = ev->router;
    resolved(nd, en, ev->lla, ev->solicited ? SK_ND_REACHABLE : SK_ND_STALE, now);
}

void sk_nd_input(sk_nd_cache *nd, sk_time now, const sk_nd_event *ev)
{
    if (sk_ip6_is_unspecified(ev->ip) || sk_ip6_is_multicast(ev->ip))
        return; /* a DAD probe or a bad target: nothing to learn */
    if (ev->kind == SK_ND_EV_NA)
        input_na(nd, now, ev);
    else
        input_unsolicited(nd, now, ev);
}

void sk_nd_confirm(sk_nd_cache *nd, sk_time now, const sk_ip6_addr *ip)
{
    sk_nd_entry *en = nd_find(nd, ip);
    if (en == NULL || en->state == SK_ND_INCOMPLETE)
        return;
    en->state = SK_ND_REACHABLE; /* §7.3.1 */
    en->probes = 0;
    arm(nd, en, reachable_at(nd, now));
}

void sk_nd_set_params(sk_nd_cache *nd, uint32_t base_reachable_ms, uint32_t retrans_ms)
{
    /* §6.3.4: a new BaseReachableTime recomputes ReachableTime. */
    if (base_reachable_ms != 0 && SK_MSEC(base_reachable_ms) != nd->base_reachable) {
        nd->base_reachable = SK_MSEC(base_reachable_ms);
        nd->reachable = reachable_time(nd);
    }
    if (retrans_ms != 0)
        nd->retrans = SK_MSEC(retrans_ms);
}

static void entry_timer(sk_nd_cache *nd, sk_nd_entry *en, sk_time now)
{
    switch (en->state) {
    case SK_ND_INCOMPLETE:
        if (en->probes < SK_ND_MAX_MULTICAST_SOLICIT) {
            send_ns(nd, en, true, now);
            return;
        }
        nd->stats.failed++;
        hand_out_held(nd, en, SK_I6_UNREACHABLE);
        en->state = SK_ND_FREE;
        return;
    case SK_ND_REACHABLE:
        en->state = SK_ND_STALE;
        en->timer = SK_TIME_NEVER;
        return;
    case SK_ND_DELAY:
        en->state = SK_ND_PROBE;
        en->probes = 0;
        send_ns(nd, en, false, now);
        return;
    case SK_ND_PROBE:
        if (en->probes < SK_ND_MAX_UNICAST_SOLICIT) {
            send_ns(nd, en, false, now);
            return;
        }
        nd->stats.probe_failed++;
        en->state = SK_ND_FREE;
        return;
    default:
        en->timer = SK_TIME_NEVER;
        return;
    }
}

/* Called for every frame in and out: nothing to scan before next_due. The
 * scan runs what is due, then takes next_due exactly again. */
void sk_nd_run_timers(sk_nd_cache *nd, sk_time now)
{
    if (!sk_time_due(nd->next_due, now))
        return;
    nd->next_due = SK_TIME_NEVER;
    for (uint32_t i = 0; i < nd->cfg.entries; i++) {
        sk_nd_entry *en = &nd->e[i];
        if (en->state != SK_ND_FREE && sk_time_due(en->timer, now))
            entry_timer(nd, en, now);
        if (en->state != SK_ND_FREE)
            nd->next_due = sk_time_min(nd->next_due, en->timer);
    }
}

sk_time sk_nd_poll_at(const sk_nd_cache *nd)
{
    sk_time t = SK_TIME_NEVER;
    for (uint32_t i = 0; i < nd->cfg.entries; i++)
        if (nd->e[i].state != SK_ND_FREE)
            t = sk_time_min(t, nd->e[i].timer);
    return t;
}

bool sk_nd_next_intent(sk_nd_cache *nd, sk_ip6_intent *out)
{
    if (!sk_i6q_pop(&nd->iq, out))
        return false;
    if (out->kind == SK_I6_RELEASE || out->kind == SK_I6_UNREACHABLE)
        free_held(nd, &nd->held[out->slot]); /* bytes stay until the next call */
    return true;
}
