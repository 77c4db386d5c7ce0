/* ARP (RFC 826) for the Ethernet link: a fixed neighbour table, the packets
 * held while a next hop is being resolved, answers to requests for our
 * address, and a gratuitous ARP at start.
 *
 * Limits, each failing in a counted way. They are written for a flood of
 * packets to on-link next hops that never answer (SYN-ACKs to spoofed
 * on-link sources): such entries must not push out or starve neighbours in
 * use. An entry is `known` once it has been resolved; an INCOMPLETE entry
 * that is not known is "unresolved" below.
 *   - cfg.arp_cache_size entries. A new entry takes a free slot, else an
 *     expired one, else the oldest unresolved entry (its held packets are
 *     dropped, ARP_EVICTED; stats.arp_evict_unresolved), else the least
 *     recently used resolved entry (stats.arp_evict_resolved). An entry
 *     asking again for a known neighbour is never taken: when every entry
 *     is one, the packet is dropped (ARP_CACHE_FULL).
 *   - cfg.arp_unresolved_max unresolved entries at once (default half the
 *     table): past it a new unresolved entry can only take the oldest
 *     unresolved one, so resolved neighbours keep the rest of the table
 *     (Linux bounds the same flood with gc_thresh and its forced GC of
 *     entries not updated for 5 s; a fixed share is simpler to reason about).
 *   - cfg.arp_queue_len held packets in all (each a copy of up to one MTU,
 *     so at most arp_queue_len * mtu bytes, allocated at creation) and
 *     cfg.arp_held_per_entry per next hop (Linux's unres_qlen). Past either
 *     one packet is dropped (ARP_QUEUE_FULL) so that each unresolved next
 *     hop keeps its latest packet (RFC 1122 §2.3.2.2), chosen by
 *     arp_victim: a known next hop's packet displaces an unresolved one's
 *     first (several held, then a single one), then its own oldest; an
 *     unresolved next hop's packet displaces its own oldest, else the
 *     oldest of an unresolved next hop holding several, else it is the one
 *     dropped. At its own bound a next hop displaces only its own oldest.
 *   - cfg.arp_tries requests, cfg.arp_retry_us apart; one retry interval
 *     after the last request the entry is given up and its held packets are
 *     dropped (ARP_UNRESOLVED). Nothing else is sent: TCP's retransmission
 *     timer will ask again.
 *   - resolved entries are used for cfg.arp_timeout_us after they were
 *     last learned or refreshed (RFC 1122 §2.3.2.1 asks for a timeout), then
 *     resolved again by the next packet.
 *   - SK_ARP_REPLYQ_CAP replies waiting for output (ARP_REPLY_QUEUE_FULL).
 *
 * Learning follows RFC 826's merge rule: a packet from a sender we already
 * know refreshes its entry whoever the target is; a new entry is created
 * only from a packet whose target is our address (and only for an on-link
 * sender, the only kind we ever use as a next hop). Packets not targeting
 * us are then counted as ARP_NOT_FOR_US. Frames go out unpadded (42 bytes):
 * TAP and veth do not need the 60-byte minimum, a NIC pads (RFC 894). */
#include "iface/iface.h"

#include "base/skassert.h"

#include "synack/error.h"
#include "wire/arp.h"

#include <string.h>

static const sk_mac mac_zero = {{0, 0, 0, 0, 0, 0}};

int sk_arp_init(sk_iface *ifc)
{
    sk_arp *a = &ifc->arp;
    const sk_stack_config *cfg = ifc->cfg;
    if (cfg->link != SK_LINK_ETHERNET)
        return 0;
    a->n_entries = cfg->arp_cache_size;
    a->n_held = cfg->arp_queue_len;
    a->held_per_entry = cfg->arp_held_per_entry > 0 ? cfg->arp_held_per_entry : 1;
    if (a->held_per_entry > a->n_held)
        a->held_per_entry = a->n_held > 0 ? a->n_held : 1;
    a->unresolved_max = cfg->arp_unresolved_max > 0 ? cfg->arp_unresolved_max
                                                    : cfg->arp_cache_size / 2u;
    if (a->unresolved_max == 0)
        a->unresolved_max = 1;
    a->entries = sk_iface_alloc(ifc, sizeof(sk_arp_entry) * a->n_entries);
    a->held = sk_iface_alloc(ifc, sizeof(sk_arp_held) * (a->n_held + 1));
    a->held_mem = sk_iface_alloc(ifc, (size_t)ifc->mtu_alloc * (a->n_held + 1));
    if (a->entries == NULL || a->held == NULL || a->held_mem == NULL)
        return SK_ENOMEM;
    memset(a->entries, 0, sizeof(sk_arp_entry) * a->n_entries);
    memset(a->held, 0, sizeof(sk_arp_held) * (a->n_held + 1));
    for (uint32_t i = 0; i < a->n_held; i++)
        a->held[i].data = a->held_mem + (size_t)i * ifc->mtu_alloc;
    a->garp_pending = ifc->addr4.b[0] != 0;
    return 0;
}

void sk_arp_free(sk_iface *ifc)
{
    sk_arp *a = &ifc->arp;
    sk_iface_release(ifc, a->entries, sizeof(sk_arp_entry) * a->n_entries);
    sk_iface_release(ifc, a->held, sizeof(sk_arp_held) * (a->n_held + 1));
    sk_iface_release(ifc, a->held_mem, (size_t)ifc->mtu_alloc * (a->n_held + 1));
    memset(a, 0, sizeof *a);
}

/* The entry for ip, trying the last hit first (a stack mostly talks to
 * one next hop: its gateway or a single peer). */
static sk_arp_entry *arp_find(sk_arp *a, sk_ip4 ip)
{
    sk_arp_entry *en = &a->entries[a->hint];
    if (en->state != SK_ARP_FREE && sk_ip4_eq(en->ip, ip))
        return en;
    for (uint32_t i = 0; i < a->n_entries; i++) {
        en = &a->entries[i];
        if (en->state != SK_ARP_FREE && sk_ip4_eq(en->ip, ip)) {
            a->hint = i;
            return en;
        }
    }
    return NULL;
}

#ifndef NDEBUG
/* Debug builds: the counters agree with the tables; the bounds hold
 * (held packets per next hop, unresolved entries). */
static bool arp_counts_ok(const sk_arp *a)
{
    uint32_t inc = 0, unres = 0, ready = 0, used = 0, waiting = 0;
    for (uint32_t i = 0; i < a->n_entries; i++) {
        const sk_arp_entry *en = &a->entries[i];
        inc += en->state == SK_ARP_INCOMPLETE;
        unres += en->state == SK_ARP_INCOMPLETE && !en->known;
        waiting += en->state == SK_ARP_INCOMPLETE ? en->n_held : 0;
        if (en->n_held > a->held_per_entry || (en->state != SK_ARP_INCOMPLETE && en->n_held > 0))
            return false;
    }
    if (unres > a->unresolved_max)
        return false;
    for (uint32_t i = 0; i < a->n_held; i++) {
        used += a->held[i].len > 0;
        ready += a->held[i].len > 0 && a->held[i].ready;
    }
    return inc == a->n_incomplete && ready == a->held_ready && used == a->held_used &&
           waiting == used - ready;
}
#endif

/* The candidates for a new entry, found in one pass. */
typedef struct {
    sk_arp_entry *free, *expired, *unres, *lru;
    uint32_t n_unres;
} arp_cands;

static void arp_scan(const sk_arp *a, sk_time now, arp_cands *c)
{
    memset(c, 0, sizeof *c);
    for (uint32_t i = 0; i < a->n_entries; i++) {
        sk_arp_entry *en = &a->entries[i];
        if (en->state == SK_ARP_FREE) {
            if (c->free == NULL)
                c->free = en;
        } else if (en->state == SK_ARP_INCOMPLETE) {
            if (en->known)
                continue; /* a neighbour in use: never taken */
            c->n_unres++;
            if (c->unres == NULL || en->used < c->unres->used)
                c->unres = en;
        } else if (en->when <= now) {
            if (c->expired == NULL || en->when < c->expired->when)
                c->expired = en;
        } else if (c->lru == NULL || en->used < c->lru->used) {
            c->lru = en;
        }
    }
}

/* An unresolved entry gives way: its held packets are dropped. */
static void arp_evict_unresolved(sk_iface *ifc, sk_arp_entry *en, sk_time now)
{
    sk_arp *a = &ifc->arp;
    uint32_t idx = (uint32_t)(en - a->entries);
    for (uint32_t j = 0; en->n_held > 0 && j < a->n_held; j++) {
        sk_arp_held *h = &a->held[j];
        if (h->len > 0 && !h->ready && h->entry == idx) {
            h->len = 0;
            a->held_used--;
            en->n_held--;
            sk_iface_drop(ifc, SK_DROP_ARP_EVICTED, now);
        }
    }
    en->state = SK_ARP_FREE;
    a->n_incomplete--;
    ifc->ctx->stats.arp_evict_unresolved++;
}

/* A slot for a new entry (see the limits above), or NULL; `unresolved`:
 * for a next hop to be asked for, else for one that just told us. */
static sk_arp_entry *arp_slot(sk_iface *ifc, sk_time now, bool unresolved)
{
    sk_arp *a = &ifc->arp;
    arp_cands c;
    arp_scan(a, now, &c);
    sk_arp_entry *en;
    if (unresolved && c.n_unres >= a->unresolved_max)
        en = c.unres;
    else if (c.free != NULL || c.expired != NULL)
        en = c.free != NULL ? c.free : c.expired;
    else
        en = c.unres != NULL ? c.unres : c.lru;
    if (en != NULL && en == c.unres)
        arp_evict_unresolved(ifc, en, now);
    else if (en != NULL && en == c.lru)
        ifc->ctx->stats.arp_evict_resolved++;
    return en;
}

bool sk_arp_lookup(sk_iface *ifc, sk_ip4 ip, sk_time now, sk_mac *mac)
{
    sk_arp_entry *en = arp_find(&ifc->arp, ip);
    if (en == NULL || en->state != SK_ARP_REACHABLE || en->when <= now)
        return false;
    en->used = ++ifc->arp.tick;
    *mac = en->mac;
    return true;
}

/* Write an ARP frame into buf (cap >= 42 is guaranteed by the caller). */
static size_t arp_frame(const sk_iface *ifc, uint8_t *buf, uint16_t op, sk_mac eth_dst,
                        sk_mac tha, sk_ip4 tpa)
{
    sk_eth_repr eth;
    eth.dst = eth_dst;
    eth.src = ifc->cfg->mac;
    eth.ethertype = SK_ETHERTYPE_ARP;
    sk_eth_emit(&eth, buf, SK_ETH_HDR_LEN);
    sk_arp_repr arp;
    arp.op = op;
    arp.sha = ifc->cfg->mac;
    arp.spa = ifc->addr4;
    arp.tha = tha;
    arp.tpa = tpa;
    sk_arp_emit(&arp, buf + SK_ETH_HDR_LEN, SK_ARP_LEN);
    return SK_ETH_HDR_LEN + SK_ARP_LEN;
}

static size_t arp_request(sk_iface *ifc, sk_arp_entry *en, sk_time now, uint8_t *buf)
{
    en->tries++;
    en->when = sk_time_after(now, ifc->cfg->arp_retry_us);
    ifc->ctx->stats.arp_requests_out++;
    return arp_frame(ifc, buf, SK_ARP_REQUEST, sk_mac_broadcast, mac_zero, en->ip);
}

/* How good a victim h is for a packet to en (see the limits above):
 * higher first, 0 never. */
static int victim_rank(const sk_arp *a, const sk_arp_entry *en, bool own_only,
                       const sk_arp_held *h)
{
    const sk_arp_entry *o = &a->entries[h->entry];
    if (own_only)
        return o == en;
    if (en->known && o != en)
        return o->known ? 0 : o->n_held > 1 ? 4 : 3;
    if (o == en)
        return 2;
    return !o->known && o->n_held > 1;
}

/* The held packet to give up for one to en, or NULL: the arriving one. */
static sk_arp_held *arp_victim(const sk_arp *a, const sk_arp_entry *en)
{
    bool own_only = en->n_held >= a->held_per_entry;
    sk_arp_held *best = NULL;
    int best_rank = 0;
    for (uint32_t i = 0; i < a->n_held; i++) {
        sk_arp_held *h = &a->held[i];
        if (h->len == 0 || h->ready)
            continue;
        int r = victim_rank(a, en, own_only, h);
        if (r > best_rank || (r == best_rank && r > 0 && (int32_t)(h->order - best->order) < 0)) {
            best = h;
            best_rank = r;
        }
    }
    return best;
}

/* A free held-packet slot for a packet to en, or NULL (counted). */
static sk_arp_held *arp_held_slot(sk_iface *ifc, sk_arp_entry *en, sk_time now)
{
    sk_arp *a = &ifc->arp;
    if (a->held_used < a->n_held && en->n_held < a->held_per_entry) {
        for (uint32_t i = 0; i < a->n_held; i++)
            if (a->held[i].len == 0)
                return &a->held[i];
    }
    sk_iface_drop(ifc, SK_DROP_ARP_QUEUE_FULL, now);
    sk_arp_held *v = arp_victim(a, en);
    if (v != NULL) {
        a->entries[v->entry].n_held--;
        v->len = 0;
        a->held_used--;
    }
    return v;
}

size_t sk_arp_hold(sk_iface *ifc, sk_time now, sk_ip4 nexthop, size_t ip_len, uint8_t *buf,
                   size_t cap)
{
    sk_arp *a = &ifc->arp;
    (void)cap;
    sk_arp_entry *en = arp_find(a, nexthop);
    if (en == NULL || en->state == SK_ARP_REACHABLE) { /* absent or expired */
        bool known = en != NULL; /* expired: asked again, still a neighbour in use */
        if (en == NULL)
            en = arp_slot(ifc, now, true);
        if (en == NULL) {
            sk_iface_drop(ifc, SK_DROP_ARP_CACHE_FULL, now);
            return 0;
        }
        memset(en, 0, sizeof *en);
        en->ip = nexthop;
        en->state = SK_ARP_INCOMPLETE;
        en->known = known;
        en->when = now;
        en->used = ++a->tick;
        a->n_incomplete++;
        /* its first request is due now; `when` only moves later after
         * that (retries, give-up), which a lower bound need not follow */
        a->next_due = sk_time_min(a->next_due, now);
    }
    sk_arp_held *h = arp_held_slot(ifc, en, now);
    if (h != NULL) {
        memcpy(h->data, buf + SK_ETH_HDR_LEN, ip_len);
        h->len = (uint16_t)ip_len;
        h->ready = false;
        h->nexthop = nexthop;
        h->entry = (uint32_t)(en - a->entries);
        h->order = a->held_order++;
        a->held_used++;
        en->n_held++;
    }
    SK_ASSERT(arp_counts_ok(a));
    if (en->tries < ifc->cfg->arp_tries && en->when <= now)
        return arp_request(ifc, en, now, buf);
    return 0;
}

/* The oldest held packet whose next hop is resolved. */
static sk_arp_held *arp_ready(const sk_arp *a)
{
    sk_arp_held *best = NULL;
    if (a->held_ready == 0)
        return NULL;
    for (uint32_t i = 0; i < a->n_held; i++) {
        sk_arp_held *h = &a->held[i];
        if (h->len > 0 && h->ready && (best == NULL || (int32_t)(h->order - best->order) < 0))
            best = h;
    }
    return best;
}

static size_t arp_send_held(sk_iface *ifc, sk_arp_held *h, uint8_t *buf)
{
    sk_eth_repr eth;
    eth.dst = h->mac;
    eth.src = ifc->cfg->mac;
    eth.ethertype = SK_ETHERTYPE_IPV4;
    sk_eth_emit(&eth, buf, SK_ETH_HDR_LEN);
    memcpy(buf + SK_ETH_HDR_LEN, h->data, h->len);
    size_t n = SK_ETH_HDR_LEN + h->len;
    h->len = 0;
    ifc->arp.held_used--;
    ifc->arp.held_ready--;
    return n;
}

/* Gratuitous ARP, replies, due requests, then released packets. */
size_t sk_arp_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap)
{
    sk_arp *a = &ifc->arp;
    (void)cap;
    if (a->garp_pending) {
        /* RFC 5227 §3 / RFC 5944 §4.6: a request for our own address
         * announces (and refreshes in others' caches) our MAC. */
        a->garp_pending = false;
        ifc->ctx->stats.arp_requests_out++;
        return arp_frame(ifc, buf, SK_ARP_REQUEST, sk_mac_broadcast, mac_zero, ifc->addr4);
    }
    if (a->replyq_len > 0) {
        sk_arp_target t = a->replyq[a->replyq_head];
        a->replyq_head = (a->replyq_head + 1) % SK_ARP_REPLYQ_CAP;
        a->replyq_len--;
        ifc->ctx->stats.arp_replies_out++;
        return arp_frame(ifc, buf, SK_ARP_REPLY, t.mac, t.mac, t.ip);
    }
    for (uint32_t i = 0; a->n_incomplete > 0 && i < a->n_entries; i++) {
        sk_arp_entry *en = &a->entries[i];
        if (en->state == SK_ARP_INCOMPLETE && en->tries < ifc->cfg->arp_tries && en->when <= now)
            return arp_request(ifc, en, now, buf);
    }
    sk_arp_held *h = arp_ready(a);
    return h != NULL ? arp_send_held(ifc, h, buf) : 0;
}

/* Give up entries whose last request went unanswered for a retry interval. */
/* RFC 1122 §2.3.2.2 ("the link layer SHOULD ... inform the transport"):
 * every connection whose next hop is `ip` learns that it is unreachable. */
typedef struct {
    const sk_iface *ifc;
    sk_ip4 hop;
} arp_dead_hop;

static bool routes_via(const void *ctx, const sk_tuple *tu)
{
    const arp_dead_hop *d = ctx;
    sk_ip4 hop;
    return sk_addr_is4(&tu->raddr) && sk_iface_route(d->ifc, sk_addr_ip4(&tu->raddr), &hop) == 0 && sk_ip4_eq(hop, d->hop);
}

static void tell_tcp_unreachable(sk_iface *ifc, sk_ip4 ip, sk_time now)
{
    arp_dead_hop d = {ifc, ip};
    sk_tcp_unreachable_via(ifc->tcp, routes_via, &d, now);
}

/* Called for every frame in and out: nothing to scan before next_due. The
 * scan gives up what is due, then takes next_due exactly again. */
void sk_arp_run_timers(sk_iface *ifc, sk_time now)
{
    sk_arp *a = &ifc->arp;
    SK_ASSERT(arp_counts_ok(a));
    if (!sk_time_due(a->next_due, now))
        return;
    a->next_due = SK_TIME_NEVER;
    for (uint32_t i = 0; a->n_incomplete > 0 && i < a->n_entries; i++) {
        sk_arp_entry *en = &a->entries[i];
        if (en->state != SK_ARP_INCOMPLETE)
            continue;
        if (en->tries < ifc->cfg->arp_tries || en->when > now) {
            a->next_due = sk_time_min(a->next_due, en->when);
            continue;
        }
        for (uint32_t j = 0; j < a->n_held; j++) {
            sk_arp_held *h = &a->held[j];
            if (h->len > 0 && !h->ready && sk_ip4_eq(h->nexthop, en->ip)) {
                h->len = 0;
                a->held_used--;
                sk_iface_drop(ifc, SK_DROP_ARP_UNRESOLVED, now);
            }
        }
        en->state = SK_ARP_FREE;
        en->n_held = 0;
        a->n_incomplete--;
        tell_tcp_unreachable(ifc, en->ip, now);
    }
}

sk_time sk_arp_poll_at(const sk_iface *ifc)
{
    const sk_arp *a = &ifc->arp;
    if (a->garp_pending || a->replyq_len > 0 || arp_ready(a) != NULL)
        return 0;
    sk_time t = SK_TIME_NEVER;
    for (uint32_t i = 0; a->n_incomplete > 0 && i < a->n_entries; i++)
        if (a->entries[i].state == SK_ARP_INCOMPLETE)
            t = sk_time_min(t, a->entries[i].when);
    return t;
}

/* ---- input ---- */

/* The sender's mapping is known now: resolve the entry, release its packets. */
static void arp_learn(sk_iface *ifc, sk_arp_entry *en, sk_mac mac, sk_time now)
{
    sk_arp *a = &ifc->arp;
    if (en->state == SK_ARP_INCOMPLETE)
        a->n_incomplete--;
    en->mac = mac;
    en->state = SK_ARP_REACHABLE;
    en->known = true;
    en->used = ++a->tick;
    en->tries = 0;
    en->n_held = 0; /* every packet waiting for it is ready now */
    en->when = sk_time_after(now, ifc->cfg->arp_timeout_us);
    for (uint32_t j = 0; j < a->n_held; j++) {
        sk_arp_held *h = &a->held[j];
        if (h->len > 0 && !h->ready && sk_ip4_eq(h->nexthop, en->ip)) {
            h->ready = true;
            h->mac = mac;
            a->held_ready++;
        }
    }
}

static bool arp_sender_bad(const sk_iface *ifc, const sk_arp_repr *p)
{
    return sk_mac_is_multicast(p->sha) || sk_ip4_is_broadcast(p->spa) ||
           sk_ip4_is_multicast(p->spa) || sk_ip4_eq(p->spa, ifc->addr4);
}

static void arp_queue_reply(sk_iface *ifc, const sk_arp_repr *p, sk_time now)
{
    sk_arp *a = &ifc->arp;
    if (a->replyq_len == SK_ARP_REPLYQ_CAP) {
        sk_iface_drop(ifc, SK_DROP_ARP_REPLY_QUEUE_FULL, now);
        return;
    }
    sk_arp_target *t = &a->replyq[(a->replyq_head + a->replyq_len) % SK_ARP_REPLYQ_CAP];
    t->mac = p->sha;
    t->ip = p->spa;
    a->replyq_len++;
}

void sk_arp_input(sk_iface *ifc, sk_time now, const sk_eth_repr *eth)
{
    sk_arp_repr p;
    int r = sk_arp_parse(eth->payload, eth->payload_len, &p);
    if (r != 0) {
        sk_iface_drop(ifc, r, now);
        return;
    }
    if (p.op == SK_ARP_REQUEST)
        ifc->ctx->stats.arp_requests_in++;
    else
        ifc->ctx->stats.arp_replies_in++;
    if (arp_sender_bad(ifc, &p)) {
        sk_iface_drop(ifc, SK_DROP_ARP_BAD_SENDER, now);
        return;
    }
    bool probe = p.spa.b[0] == 0 && p.spa.b[1] == 0 && p.spa.b[2] == 0 && p.spa.b[3] == 0;
    sk_arp_entry *en = probe ? NULL : arp_find(&ifc->arp, p.spa);
    if (en != NULL) /* RFC 826: merge */
        arp_learn(ifc, en, p.sha, now);
    if (!sk_ip4_eq(p.tpa, ifc->addr4)) {
        sk_iface_drop(ifc, SK_DROP_ARP_NOT_FOR_US, now);
        return;
    }
    if (en == NULL && !probe && sk_iface_on_link(ifc, p.spa)) {
        en = arp_slot(ifc, now, false);
        if (en != NULL) {
            memset(en, 0, sizeof *en);
            en->ip = p.spa;
            arp_learn(ifc, en, p.sha, now);
        }
    }
    /* RFC 5227 §2.1.1: a probe (sender 0.0.0.0) is answered like any request */
    if (p.op == SK_ARP_REQUEST)
        arp_queue_reply(ifc, &p, now);
}
