/* RFC 8200 §4.5 reassembly of IPv6 fragments, sans-I/O.
 *
 * A datagram is keyed by (source, destination, Identification). Limits,
 * each counted: cfg.datagrams reassemblies at once (each with a 64 KiB
 * buffer and a 1232-byte copy of its first fragment, allocated at
 * creation), cfg.max_bytes of fragment data held in all of them, and
 * SK_IP6R_PIECES fragments per datagram.
 *
 * Per fragment, in this order:
 *   - offset 0 and M = 0 is an atomic fragment (RFC 6946 §4): returned as
 *     it is, no reassembly touched;
 *   - M = 1 with a length not a multiple of 8: dropped, ICMPv6 parameter
 *     problem code 0 pointing at the Payload Length field (4);
 *   - a reassembled Payload Length past 65535: dropped, parameter problem
 *     code 0 pointing at the Fragment Offset field;
 *   - a first fragment without the whole header chain up to and including
 *     the upper-layer header (RFC 7112 §5): dropped, parameter problem
 *     code 3, pointer 0;
 *   - RFC 5722: a fragment overlapping one received before discards the
 *     whole datagram, and every later fragment of it until its timer runs
 *     out (no ICMP). An exact duplicate (same range, same bytes) is dropped
 *     alone, as RFC 8200 §4.5 allows.
 *   - a last fragment that disagrees with the known end, or data past it,
 *     discards the datagram too.
 * The timer is 60 s from the first fragment to arrive; at expiry, if the
 * fragment at offset 0 had arrived, ICMPv6 time exceeded code 1 goes to
 * the source quoting it. */
#include "ip6/ip6_reass.h"

#include "synack/error.h"

#include <string.h>

#define SLOT_BYTES ((size_t)SK_IP6R_MAX + SK_IP6R_QUOTE)

static uint32_t qcap(const sk_ip6r_config *c) { return c->datagrams + 16; }

int sk_ip6r_create(const sk_ip6r_config *cfg, sk_ip6_reass **out)
{
    *out = NULL;
    if (cfg->datagrams == 0 || cfg->max_bytes == 0 || cfg->alloc.allocate == NULL)
        return SK_EINVAL;
    sk_ip6_reass *r = sk_ip6_alloc(&cfg->alloc, sizeof *r);
    if (r == NULL)
        return SK_ENOMEM;
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    r->d = sk_ip6_alloc(&cfg->alloc, sizeof(sk_ip6r_dgram) * cfg->datagrams);
    r->mem = sk_ip6_alloc(&cfg->alloc, SLOT_BYTES * cfg->datagrams);
    r->qmem = sk_ip6_alloc(&cfg->alloc, (size_t)SK_IP6R_QUOTE * qcap(cfg));
    if (r->d == NULL || r->mem == NULL || r->qmem == NULL ||
        sk_i6q_init(&r->iq, &cfg->alloc, qcap(cfg)) != 0) {
        sk_ip6r_destroy(r);
        return SK_ENOMEM;
    }
    memset(r->d, 0, sizeof(sk_ip6r_dgram) * cfg->datagrams);
    for (uint32_t i = 0; i < cfg->datagrams; i++) {
        r->d[i].buf = r->mem + SLOT_BYTES * i;
        r->d[i].first = r->d[i].buf + SK_IP6R_MAX;
    }
    *out = r;
    return 0;
}

void sk_ip6r_destroy(sk_ip6_reass *r)
{
    if (r == NULL)
        return;
    sk_allocator a = r->cfg.alloc;
    sk_ip6_release(&a, r->d, sizeof(sk_ip6r_dgram) * r->cfg.datagrams);
    sk_ip6_release(&a, r->mem, SLOT_BYTES * r->cfg.datagrams);
    sk_ip6_release(&a, r->qmem, (size_t)SK_IP6R_QUOTE * qcap(&r->cfg));
    if (r->iq.q != NULL)
        sk_i6q_free(&r->iq, &a);
    sk_ip6_release(&a, r, sizeof *r);
}

/* An ICMPv6 error intent quoting `q`/`n` (copied: it outlives the call). */
static void icmp_error(sk_ip6_reass *r, uint8_t kind, uint8_t code, uint32_t ptr,
                       const sk_ip6_addr *to, const uint8_t *q, size_t n)
{
    sk_ip6_intent in = {0};
    uint32_t idx = (r->iq.head + r->iq.len) % r->iq.cap;
    uint8_t *copy = r->qmem + (size_t)SK_IP6R_QUOTE * idx;
    in.kind = kind;
    in.code = code;
    in.value = ptr;
    in.dst = *to;
    in.len = n < SK_IP6R_QUOTE ? n : SK_IP6R_QUOTE;
    in.data = copy;
    if (r->iq.len == r->iq.cap) {
        r->stats.drop_intent_full++;
        return;
    }
    if (in.len > 0)
        memcpy(copy, q, in.len);
    sk_i6q_push(&r->iq, &in);
}

static sk_ip6r_dgram *find(sk_ip6_reass *r, const sk_ip6_frag *f)
{
    for (uint32_t i = 0; i < r->cfg.datagrams; i++) {
        sk_ip6r_dgram *d = &r->d[i];
        if (d->state != SK_IP6R_FREE && d->id == f->id && sk_ip6_eq(d->src, f->src) &&
            sk_ip6_eq(d->dst, f->dst))
            return d;
    }
    return NULL;
}

static sk_ip6r_dgram *new_dgram(sk_ip6_reass *r, const sk_ip6_frag *f, sk_time now)
{
    for (uint32_t i = 0; i < r->cfg.datagrams; i++) {
        sk_ip6r_dgram *d = &r->d[i];
        if (d->state != SK_IP6R_FREE)
            continue;
        uint8_t *buf = d->buf, *first = d->first;
        memset(d, 0, sizeof *d);
        d->buf = buf;
        d->first = first;
        d->state = SK_IP6R_ACTIVE;
        d->src = f->src;
        d->dst = f->dst;
        d->id = f->id;
        d->expires = sk_time_after(now, SK_IP6R_TIMEOUT);
        r->next_due = sk_time_min(r->next_due, d->expires);
        return d;
    }
    return NULL;
}

static void release_bytes(sk_ip6_reass *r, sk_ip6r_dgram *d)
{
    r->bytes -= d->bytes;
    d->bytes = 0;
}

/* Discard the datagram; later fragments are dropped until it expires. */
static int kill(sk_ip6_reass *r, sk_ip6r_dgram *d, uint64_t *counter)
{
    (*counter)++;
    release_bytes(r, d);
    d->state = SK_IP6R_DEAD;
    return SK_IP6R_DROPPED;
}

/* RFC 7112 §5: the smallest upper-layer header the first fragment holds. */
static uint32_t ulp_min(uint8_t ulp)
{
    switch (ulp) {
    case 6: return 20; /* TCP */
    case 17: return 8; /* UDP */
    case 58: return 4; /* ICMPv6 type, code, checksum */
    default: return 0; /* No Next Header (59) and others: the chain's end */
    }
}

/* The per-fragment checks that need no reassembly state. */
static int frag_checks(sk_ip6_reass *r, const sk_ip6_frag *f)
{
    uint32_t end = (uint32_t)f->offset + f->len;
    if (f->more && f->len % 8 != 0) {
        r->stats.drop_frag_len++;
        icmp_error(r, SK_I6_PARAM_PROBLEM, 0, 4, &f->src, f->pkt, f->pkt_len);
        return SK_IP6R_DROPPED;
    }
    if ((uint32_t)f->unfrag_len + end > SK_IP6R_MAX) {
        r->stats.drop_too_big++;
        icmp_error(r, SK_I6_PARAM_PROBLEM, 0, 40u + f->unfrag_len + 2u, &f->src, f->pkt,
                   f->pkt_len);
        return SK_IP6R_DROPPED;
    }
    if (f->len == 0) {
        r->stats.drop_empty++;
        return SK_IP6R_DROPPED;
    }
    if (f->offset == 0 && (!f->ulp_found || (uint32_t)f->ulp_off + ulp_min(f->ulp) > f->len)) {
        r->stats.drop_chain++;
        icmp_error(r, SK_I6_PARAM_PROBLEM, 3, 0, &f->src, f->pkt, f->pkt_len);
        return SK_IP6R_DROPPED;
    }
    return SK_IP6R_HELD;
}

/* 1: exact duplicate, -1: overlap, 0: new range. */
static int overlaps(const sk_ip6r_dgram *d, const sk_ip6_frag *f)
{
    uint32_t s = f->offset, e = s + f->len;
    for (uint32_t i = 0; i < d->n_pieces; i++) {
        uint32_t ps = d->piece[i].start, pe = ps + d->piece[i].len;
        if (e <= ps || s >= pe)
            continue;
        if (s == ps && e == pe && memcmp(d->buf + s, f->data, f->len) == 0)
            return 1;
        return -1;
    }
    return 0;
}

/* The end of the datagram: known from the last fragment (M = 0). */
static bool end_ok(sk_ip6r_dgram *d, const sk_ip6_frag *f)
{
    uint32_t e = (uint32_t)f->offset + f->len;
    if (!f->more) {
        if (d->have_last && d->total != e)
            return false;
        for (uint32_t i = 0; i < d->n_pieces; i++)
            if ((uint32_t)d->piece[i].start + d->piece[i].len > e)
                return false;
        d->have_last = true;
        d->total = e;
        return true;
    }
    return !d->have_last || e <= d->total;
}

static void store(sk_ip6r_dgram *d, const sk_ip6_frag *f)
{
    memcpy(d->buf + f->offset, f->data, f->len);
    d->piece[d->n_pieces].start = f->offset;
    d->piece[d->n_pieces].len = f->len;
    d->n_pieces++;
    d->bytes += f->len;
    if (f->offset == 0) {
        d->have_first = true;
        d->next_header = f->next_header;
        d->first_len = (uint16_t)(f->pkt_len < SK_IP6R_QUOTE ? f->pkt_len : SK_IP6R_QUOTE);
        if (d->first_len > 0)
            memcpy(d->first, f->pkt, d->first_len);
    }
}

static int atomic(sk_ip6_reass *r, const sk_ip6_frag *f, sk_ip6_dgram *out)
{
    r->stats.atomic++;
    out->src = f->src;
    out->dst = f->dst;
    out->next_header = f->next_header;
    out->atomic = true;
    out->data = f->data;
    out->len = f->len;
    return SK_IP6R_DONE;
}

/* A fragment for d that passed the checks. */
static int add(sk_ip6_reass *r, sk_ip6r_dgram *d, const sk_ip6_frag *f, sk_ip6_dgram *out)
{
    int ov = overlaps(d, f);
    if (ov > 0) {
        r->stats.drop_dup++;
        return SK_IP6R_DROPPED;
    }
    if (ov < 0)
        return kill(r, d, &r->stats.drop_overlap);
    if (!end_ok(d, f))
        return kill(r, d, &r->stats.drop_bad_end);
    if (d->n_pieces == SK_IP6R_PIECES)
        return kill(r, d, &r->stats.drop_pieces);
    if (r->bytes + f->len > r->cfg.max_bytes) {
        r->stats.drop_bytes_full++;
        return SK_IP6R_DROPPED;
    }
    store(d, f);
    r->bytes += f->len;
    if (!d->have_last || d->bytes != d->total)
        return SK_IP6R_HELD;
    r->stats.reassembled++;
    out->src = d->src;
    out->dst = d->dst;
    out->next_header = d->next_header;
    out->atomic = false;
    out->data = d->buf; /* not overwritten before the next call */
    out->len = d->total;
    release_bytes(r, d);
    d->state = SK_IP6R_FREE;
    return SK_IP6R_DONE;
}

int sk_ip6r_input(sk_ip6_reass *r, sk_time now, const sk_ip6_frag *f, sk_ip6_dgram *out)
{
    r->stats.frags_in++;
    if (f->offset == 0 && !f->more)
        return atomic(r, f, out); /* RFC 6946 §4 */
    if (frag_checks(r, f) != SK_IP6R_HELD)
        return SK_IP6R_DROPPED;
    sk_ip6r_dgram *d = find(r, f);
    if (d != NULL && d->state == SK_IP6R_DEAD) {
        r->stats.drop_dead++;
        return SK_IP6R_DROPPED;
    }
    if (d == NULL && (d = new_dgram(r, f, now)) == NULL) {
        r->stats.drop_no_slot++;
        return SK_IP6R_DROPPED;
    }
    int v = add(r, d, f, out);
    if (d->state == SK_IP6R_ACTIVE && d->n_pieces == 0)
        d->state = SK_IP6R_FREE; /* its only fragment did not fit */
    return v;
}

/* Called for every frame in and out: nothing to scan before next_due. The
 * scan runs what is due, then takes next_due exactly again. */
void sk_ip6r_run_timers(sk_ip6_reass *r, sk_time now)
{
    if (!sk_time_due(r->next_due, now))
        return;
    for (uint32_t i = 0; i < r->cfg.datagrams; i++) {
        sk_ip6r_dgram *d = &r->d[i];
        if (d->state == SK_IP6R_FREE || !sk_time_due(d->expires, now))
            continue;
        if (d->state == SK_IP6R_ACTIVE) {
            r->stats.timeouts++;
            if (d->have_first) {
                r->stats.time_exceeded++;
                icmp_error(r, SK_I6_TIME_EXCEEDED, 1, 0, &d->src, d->first, d->first_len);
            }
            release_bytes(r, d);
        }
        d->state = SK_IP6R_FREE;
    }
    r->next_due = sk_ip6r_poll_at(r);
}

sk_time sk_ip6r_poll_at(const sk_ip6_reass *r)
{
    sk_time t = SK_TIME_NEVER;
    for (uint32_t i = 0; i < r->cfg.datagrams; i++)
        if (r->d[i].state != SK_IP6R_FREE)
            t = sk_time_min(t, r->d[i].expires);
    return t;
}

bool sk_ip6r_next_intent(sk_ip6_reass *r, sk_ip6_intent *out) { return sk_i6q_pop(&r->iq, out); }
