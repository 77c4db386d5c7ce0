/* IPv4 reassembly (RFC 791 §3.2, RFC 1122 §3.3.2, RFC 815).
 *
 * Memory: cfg.ip_reass_max datagrams at once, each with a 64 KiB payload
 * buffer allocated at creation. A fragment of a new datagram when every
 * slot is busy is dropped (IP_FRAG_NOMEM); the datagrams already in
 * progress keep their slots until they complete or time out.
 *
 * Bookkeeping: a sorted list of received byte ranges (at most
 * SK_IPR_RANGES; a datagram that fragments into more disjoint pieces than
 * that is dropped as IP_FRAG_NOMEM), complete when one range covers
 * [0, total) and both the first and the last fragment have been seen.
 *
 * Overlaps (RFC 5722 spirit, chosen for IPv4 as Linux does for IPv6): a
 * fragment that overlaps bytes already received is accepted only when the
 * overlapping bytes are identical (a duplicate or a retransmission); any
 * difference drops the whole datagram (IP_FRAG_OVERLAP). The slot then stays
 * "dead" until the datagram's timer runs out, so that the fragments still
 * in flight are dropped too instead of starting a new datagram. The same
 * happens for inconsistent ends (two last fragments that disagree, data past
 * the last fragment, or a reassembled size over 65535: IP_FRAG_BAD).
 *
 * Single fragments that cannot be right are dropped alone (IP_FRAG_BAD): no
 * data, a non-final fragment whose length is not a multiple of 8 (RFC 791),
 * or one that ends past 65535 - 20.
 *
 * Timeout: cfg.ip_reass_timeout_us after the first fragment (RFC 1122
 * §3.3.2 leaves the value to the host; 30 s as Linux), counted once per
 * datagram (IP_FRAG_TIMEOUT); when fragment zero had arrived an ICMP time
 * exceeded, code 1, goes to the source (RFC 792; RFC 1122 §3.3.2). */
#include "iface/iface.h"

#include "base/bytes.h"
#include "base/skassert.h"
#include "synack/error.h"
#include "wire/icmp4.h"

#include <string.h>

#define IPR_MAX_END (65535u - SK_IP4_HDR_LEN)

int sk_ipr_init(sk_iface *ifc)
{
    sk_ipr *r = &ifc->reass;
    r->n = ifc->cfg->ip_reass_max;
    if (r->n == 0)
        return 0;
    r->d = sk_iface_alloc(ifc, sizeof(sk_ipr_dgram) * r->n);
    if (r->d == NULL)
        return SK_ENOMEM;
    memset(r->d, 0, sizeof(sk_ipr_dgram) * r->n);
    for (uint32_t i = 0; i < r->n; i++) {
        r->d[i].buf = sk_iface_alloc(ifc, SK_IPR_BUF);
        if (r->d[i].buf == NULL)
            return SK_ENOMEM;
    }
    return 0;
}

void sk_ipr_free(sk_iface *ifc)
{
    sk_ipr *r = &ifc->reass;
    if (r->d != NULL) {
        for (uint32_t i = 0; i < r->n; i++)
            sk_iface_release(ifc, r->d[i].buf, SK_IPR_BUF);
        sk_iface_release(ifc, r->d, sizeof(sk_ipr_dgram) * r->n);
    }
    memset(r, 0, sizeof *r);
}

static sk_ipr_dgram *ipr_find(sk_ipr *r, const sk_ip4_repr *f)
{
    for (uint32_t i = 0; i < r->n; i++) {
        sk_ipr_dgram *d = &r->d[i];
        if (d->state != SK_IPR_FREE && d->id == f->id && d->proto == f->proto &&
            sk_ip4_eq(d->src, f->src) && sk_ip4_eq(d->dst, f->dst))
            return d;
    }
    return NULL;
}

static sk_ipr_dgram *ipr_new(sk_iface *ifc, const sk_ip4_repr *f, sk_time now)
{
    sk_ipr *r = &ifc->reass;
    for (uint32_t i = 0; i < r->n; i++) {
        sk_ipr_dgram *d = &r->d[i];
        if (d->state != SK_IPR_FREE)
            continue;
        uint8_t *buf = d->buf;
        memset(d, 0, sizeof *d);
        d->buf = buf;
        d->state = SK_IPR_ACTIVE;
        r->n_busy++;
        d->id = f->id;
        d->proto = f->proto;
        d->src = f->src;
        d->dst = f->dst;
        d->expires = sk_time_after(now, ifc->cfg->ip_reass_timeout_us);
        ifc->reass.next_due = sk_time_min(ifc->reass.next_due, d->expires);
        return d;
    }
    return NULL;
}

/* The datagram is dropped; later fragments of it are dropped too. */
static int ipr_kill(sk_iface *ifc, sk_ipr_dgram *d, int reason, sk_time now)
{
    d->state = SK_IPR_DEAD;
    d->dead_reason = reason;
    sk_iface_drop(ifc, reason, now);
    return reason;
}

static int ipr_frag_ok(const sk_ip4_repr *f)
{
    uint32_t end = (uint32_t)f->frag_off + (uint32_t)f->payload_len;
    if (f->payload_len == 0 || end > IPR_MAX_END)
        return SK_DROP_IP_FRAG_BAD;
    if (f->mf && f->payload_len % 8 != 0)
        return SK_DROP_IP_FRAG_BAD;
    return 0;
}

/* Bytes [start, end) that overlap what we hold must be the same bytes. */
static bool ipr_same_overlap(const sk_ipr_dgram *d, uint32_t start, uint32_t end,
                             const uint8_t *data)
{
    for (uint8_t i = 0; i < d->n_r; i++) {
        uint32_t lo = d->r[i].start > start ? d->r[i].start : start;
        uint32_t hi = d->r[i].end < end ? d->r[i].end : end;
        if (lo < hi && memcmp(d->buf + lo, data + (lo - start), hi - lo) != 0)
            return false;
    }
    return true;
}

/* Add [start, end) to the sorted list of disjoint, non-adjacent ranges;
 * false when the result would need more than SK_IPR_RANGES. */
static bool ipr_add_range(sk_ipr_dgram *d, uint32_t start, uint32_t end)
{
    sk_ipr_range all[SK_IPR_RANGES + 1];
    uint8_t n = 0, k = 0;
    while (k < d->n_r && d->r[k].start < start)
        all[n++] = d->r[k++];
    all[n].start = start;
    all[n].end = end;
    n++;
    while (k < d->n_r)
        all[n++] = d->r[k++];
    uint8_t m = 0;
    for (uint8_t i = 0; i < n; i++) {
        if (m > 0 && all[i].start <= all[m - 1].end) {
            if (all[i].end > all[m - 1].end)
                all[m - 1].end = all[i].end;
        } else {
            all[m++] = all[i];
        }
    }
    if (m > SK_IPR_RANGES)
        return false;
    memcpy(d->r, all, sizeof(sk_ipr_range) * m);
    d->n_r = m;
    return true;
}

/* Fragment f's ends against what we know of the datagram's end. */
static int ipr_check_end(sk_ipr_dgram *d, const sk_ip4_repr *f, uint32_t end)
{
    if (!f->mf) {
        if (d->have_last && d->total != end)
            return SK_DROP_IP_FRAG_BAD;
        if (d->n_r > 0 && d->r[d->n_r - 1].end > end)
            return SK_DROP_IP_FRAG_BAD;
    } else if (d->have_last && end > d->total) {
        return SK_DROP_IP_FRAG_BAD;
    }
    return 0;
}

static void ipr_whole(const sk_ipr_dgram *d, sk_ip4_repr *w)
{
    memset(w, 0, sizeof *w);
    w->hdr_len = d->hdr_len;
    w->tos = d->hdr[1];
    w->total_len = (uint16_t)(d->hdr_len + d->total);
    w->id = d->id;
    w->df = (d->hdr[6] & 0x40) != 0;
    w->ttl = d->hdr[8];
    w->proto = d->proto;
    w->checksum = sk_load_be16(d->hdr + 10);
    w->src = d->src;
    w->dst = d->dst;
    w->options = d->hdr + SK_IP4_HDR_LEN; /* the header is options - 20 */
    w->options_len = (size_t)d->hdr_len - SK_IP4_HDR_LEN;
    w->payload = d->buf;
    w->payload_len = d->total;
}

int sk_ipr_input(sk_iface *ifc, sk_time now, const sk_ip4_repr *f, sk_ip4_repr *whole,
                 sk_ipr_dgram **slot)
{
    int err = ipr_frag_ok(f);
    if (err != 0) {
        sk_iface_drop(ifc, err, now);
        return err;
    }
    sk_ipr_dgram *d = ipr_find(&ifc->reass, f);
    if (d != NULL && d->state == SK_IPR_DEAD) {
        sk_iface_drop(ifc, d->dead_reason, now);
        return d->dead_reason;
    }
    if (d == NULL && (d = ipr_new(ifc, f, now)) == NULL) {
        sk_iface_drop(ifc, SK_DROP_IP_FRAG_NOMEM, now);
        return SK_DROP_IP_FRAG_NOMEM;
    }
    uint32_t start = f->frag_off, end = start + (uint32_t)f->payload_len;
    if ((err = ipr_check_end(d, f, end)) != 0)
        return ipr_kill(ifc, d, err, now);
    if (!ipr_same_overlap(d, start, end, f->payload))
        return ipr_kill(ifc, d, SK_DROP_IP_FRAG_OVERLAP, now);
    if (!ipr_add_range(d, start, end))
        return ipr_kill(ifc, d, SK_DROP_IP_FRAG_NOMEM, now);
    memcpy(d->buf + start, f->payload, f->payload_len);
    if (!f->mf) {
        d->have_last = true;
        d->total = end;
    }
    if (start == 0) {
        d->hdr_len = f->hdr_len;
        memcpy(d->hdr, f->payload - f->hdr_len, f->hdr_len);
    }
    ifc->ctx->stats.ip_frags_in++;
    if (!d->have_last || d->hdr_len == 0 || d->n_r != 1 || d->r[0].end != d->total)
        return 1;
    if ((uint32_t)d->hdr_len + d->total > 65535u)
        return ipr_kill(ifc, d, SK_DROP_IP_FRAG_BAD, now);
    ifc->ctx->stats.ip_reassembled++;
    ipr_whole(d, whole);
    *slot = d;
    return 0;
}

void sk_ipr_done(sk_iface *ifc, sk_ipr_dgram *d)
{
    SK_ASSERT(d->state != SK_IPR_FREE && ifc->reass.n_busy > 0);
    d->state = SK_IPR_FREE;
    ifc->reass.n_busy--;
}

static void ipr_expire(sk_iface *ifc, sk_ipr_dgram *d, sk_time now)
{
    bool dead = d->state == SK_IPR_DEAD;
    d->state = SK_IPR_FREE;
    ifc->reass.n_busy--;
    if (dead)
        return;
    sk_iface_drop(ifc, SK_DROP_IP_FRAG_TIMEOUT, now);
    if (d->hdr_len == 0 || d->n_r == 0 || d->r[0].start != 0)
        return;
    sk_ip4_repr orig;
    ipr_whole(d, &orig);
    orig.payload_len = d->r[0].end;
    bool bcast = !sk_ip4_eq(d->dst, ifc->addr4);
    sk_icmp_error(ifc, now, SK_ICMP_TIME_EXCEEDED, 1, &orig, d->hdr, bcast);
}

#ifndef NDEBUG
static bool ipr_count_ok(const sk_ipr *r)
{
    uint32_t busy = 0;
    for (uint32_t i = 0; i < r->n; i++)
        busy += r->d[i].state != SK_IPR_FREE;
    return busy == r->n_busy;
}
#endif

void sk_ipr_run_timers(sk_iface *ifc, sk_time now)
{
    sk_ipr *r = &ifc->reass;
    SK_ASSERT(ipr_count_ok(r));
    if (!sk_time_due(r->next_due, now))
        return;
    for (uint32_t i = 0; r->n_busy > 0 && i < r->n; i++)
        if (r->d[i].state != SK_IPR_FREE && r->d[i].expires <= now)
            ipr_expire(ifc, &r->d[i], now);
    r->next_due = sk_ipr_poll_at(ifc);
}

sk_time sk_ipr_poll_at(const sk_iface *ifc)
{
    const sk_ipr *r = &ifc->reass;
    sk_time t = SK_TIME_NEVER;
    for (uint32_t i = 0; r->n_busy > 0 && i < r->n; i++)
        if (r->d[i].state != SK_IPR_FREE)
            t = sk_time_min(t, r->d[i].expires);
    return t;
}
