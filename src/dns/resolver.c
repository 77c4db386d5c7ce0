/* DNS stub resolver state machine (RFC 1035 §4.2.1, §7; RFC 5452; RFC 7766).
 *
 * Each query holds one or two questions (A, AAAA), each its own exchange:
 * attempt k goes to server k mod n with a timeout of timeout_us << (k / n)
 * (defaults: 1 s in the first pass over the servers, 2 s in the second, 4 s
 * in the third; RFC 1035 §4.2.1 leaves the numbers to us, RFC 1536 §1 asks
 * for exponential backoff). Every attempt draws a new ID and a new source
 * port from the resolver's seeded generator (RFC 5452 §9.2), so a late answer
 * to an earlier attempt is dropped (NO_PORT). A response is taken only from
 * the server's address and port, to the port and ID of the attempt, with
 * QR=1, opcode QUERY and our question (RFC 5452 §4.1-4.3). SERVFAIL, REFUSED,
 * NOTIMP and FORMERR mark that server failed for this question and move on at
 * once; NXDOMAIN ends the query. TC=1 moves the attempt to TCP (RFC 7766
 * §5): the host is asked to open a connection, the query goes out with its
 * 2-byte length (§8), the attempt's timer restarts. */
#include "synack/dns.h"

#include "base/rng.h"
#include "base/skassert.h"
#include "dns/dns_cache.h"
#include "dns/dns_msg.h"
#include "synack/error.h"

#include <string.h>

enum { PH_IDLE, PH_UDP, PH_TCP_OPENING, PH_TCP_WAIT, PH_DONE };
static const uint16_t qtypes[2] = {SK_DNS_TYPE_A, SK_DNS_TYPE_AAAA};

static uint16_t rng_u16(sk_dns_resolver *r, uint32_t base, uint32_t span)
{
    sk_rng g;
    memcpy(g.s, r->rng.s, sizeof g.s);
    uint16_t v = (uint16_t)(base + sk_rng_below(&g, span));
    memcpy(r->rng.s, g.s, sizeof g.s);
    return v;
}

static uint8_t nservers(const sk_dns_resolver *r) { return r->cfg.server_count; }

static uint32_t slot_handle(const sk_dns_resolver *r, size_t i)
{
    return (uint32_t)r->slots[i].gen << 8 | (uint32_t)i;
}

static uint32_t conn_of(const sk_dns_resolver *r, size_t si, size_t qi)
{
    return slot_handle(r, si) << 5 | (uint32_t)r->slots[si].q[qi].attempt << 1 | (uint32_t)qi;
}

static sk_dns_slot_ *slot_of(sk_dns_resolver *r, uint32_t h)
{
    size_t i = h & 0xff;
    if (i >= SK_DNS_MAX_QUERIES || !r->slots[i].used || r->slots[i].gen != (h >> 8))
        return NULL;
    return &r->slots[i];
}

static sk_dns_question_ *question_of_conn(sk_dns_resolver *r, uint32_t conn)
{
    sk_dns_slot_ *s = slot_of(r, conn >> 5);
    if (!s)
        return NULL;
    sk_dns_question_ *q = &s->q[conn & 1];
    if (q->qtype_idx == 0xff || q->attempt != ((conn >> 1) & 0xf))
        return NULL;
    return q;
}

static sk_dns_slot_ *slot_of_question(sk_dns_resolver *r, const sk_dns_question_ *q, size_t *si)
{
    for (size_t i = 0; i < SK_DNS_MAX_QUERIES; i++)
        if (q == &r->slots[i].q[0] || q == &r->slots[i].q[1]) {
            *si = i;
            return &r->slots[i];
        }
    return NULL;
}

int sk_dns_init(sk_dns_resolver *r, const sk_dns_config *cfg)
{
    if (!r || !cfg || cfg->server_count == 0 || cfg->server_count > SK_DNS_MAX_SERVERS ||
        cfg->rounds > 5 || cfg->timeout_us > 60000000)
        return SK_EINVAL;
    for (size_t i = 0; i < cfg->server_count; i++) {
        uint8_t f = cfg->servers[i].addr.family;
        if (f != SK_AF_INET4 && f != SK_AF_INET6)
            return SK_EINVAL;
    }
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    if (r->cfg.timeout_us == 0)
        r->cfg.timeout_us = 1000000;
    if (r->cfg.rounds == 0)
        r->cfg.rounds = 3;
    for (size_t i = 0; i < cfg->server_count; i++)
        if (r->cfg.servers[i].port == 0)
            r->cfg.servers[i].port = 53;
    sk_rng g;
    sk_rng_seed(&g, cfg->seed);
    memcpy(r->rng.s, g.s, sizeof g.s);
    for (size_t i = 0; i < SK_DNS_MAX_QUERIES; i++)
        r->slots[i].gen = 1;
    return SK_OK;
}

static bool port_in_use(const sk_dns_resolver *r, uint16_t port)
{
    for (size_t i = 0; i < SK_DNS_MAX_QUERIES; i++)
        for (size_t k = 0; k < 2; k++) {
            const sk_dns_question_ *q = &r->slots[i].q[k];
            if (r->slots[i].used && q->phase == PH_UDP && q->port == port)
                return true;
        }
    return false;
}

/* Attempt q->attempt begins now: server, ID, port, deadline (RFC 5452 §9.2:
 * random ID and port, 16384 ports in the dynamic range of RFC 6335). */
static void attempt_begin(sk_dns_resolver *r, sk_dns_question_ *q, uint64_t now)
{
    q->server = (uint8_t)(q->attempt % nservers(r));
    q->id = rng_u16(r, 0, 65536);
    q->port = 0;
    for (int tries = 0; tries < 16 && (q->port == 0 || port_in_use(r, q->port)); tries++)
        q->port = rng_u16(r, 49152, 16384);
    q->phase = PH_UDP;
    q->must_send = 1;
    q->tcp_open = 0;
    q->tcp_in_len = 0;
    q->tcp_out_off = 0;
    q->deadline = now + (r->cfg.timeout_us << (q->attempt / nservers(r)));
}

static void finish(sk_dns_question_ *q, int status)
{
    q->phase = PH_DONE;
    q->status = (uint8_t)status;
    q->must_send = 0;
    q->tcp_open = 0;
    q->deadline = UINT64_MAX;
}

/* The list cannot overflow: sk_dns_tcp_want hands out every CLOSE before any
 * OPEN, so when the host takes an OPEN no CLOSE is waiting; from then on each
 * question has at most one connection the host opened, and it asks for at
 * most one CLOSE before the host must take an OPEN again. A released slot's
 * new question cannot get a connection without the same. So at most one
 * CLOSE per question waits: 2 * SK_DNS_MAX_QUERIES. */
static void tcp_close_intent(sk_dns_resolver *r, uint32_t conn)
{
    SK_ASSERT(r->tcp_close_count < 2 * SK_DNS_MAX_QUERIES);
    if (r->tcp_close_count < 2 * SK_DNS_MAX_QUERIES)
        r->tcp_close[r->tcp_close_count++] = conn;
}

/* Leave the current attempt: close its TCP connection if it had one, then
 * the next attempt at a server that has not failed, or the end. */
static void next_attempt(sk_dns_resolver *r, sk_dns_question_ *q, uint64_t now)
{
    size_t si = 0;
    sk_dns_slot_ *s = slot_of_question(r, q, &si);
    if (q->phase == PH_TCP_OPENING || q->phase == PH_TCP_WAIT)
        if (!q->tcp_open) /* the host was told to open it */
            tcp_close_intent(r, conn_of(r, si, (size_t)(q - s->q)));
    unsigned total = (unsigned)r->cfg.rounds * nservers(r);
    unsigned all = (1u << nservers(r)) - 1;
    for (unsigned a = q->attempt + 1u; a < total && (q->failed & all) != all; a++) {
        if (q->failed & (1u << (a % nservers(r))))
            continue;
        q->attempt = (uint8_t)a;
        r->stats.retries++;
        attempt_begin(r, q, now);
        return;
    }
    finish(q, (q->failed & all) == all ? SK_DNS_SERVFAIL : SK_DNS_TIMEOUT);
}

int sk_dns_start(sk_dns_resolver *r, const char *name, int want, uint64_t now, sk_dns_query *out)
{
    uint8_t wire[SK_DNS_NAME_WIRE_MAX];
    if (!r || !name || !out || want < SK_DNS_WANT_A || want > SK_DNS_WANT_BOTH)
        return SK_EINVAL;
    int n = sk_dns_name_encode(name, wire, sizeof wire);
    if (n < 0)
        return SK_EINVAL;
    size_t i = 0;
    while (i < SK_DNS_MAX_QUERIES && r->slots[i].used)
        i++;
    if (i == SK_DNS_MAX_QUERIES)
        return SK_ENOSPC;
    sk_dns_slot_ *s = &r->slots[i];
    s->used = 1;
    s->qname_len = (uint8_t)n;
    memcpy(s->qname, wire, (size_t)n);
    for (size_t k = 0; k < 2; k++) {
        memset(&s->q[k], 0, offsetof(sk_dns_question_, tcp_in));
        s->q[k].qtype_idx = 0xff;
        if (!(want & (1 << k)))
            continue;
        s->q[k].qtype_idx = (uint8_t)k;
        const sk_dns_cache_entry_ *e = sk_dns_cache_get(r, wire, (size_t)n, (uint8_t)k, now);
        if (e) { /* the TTL left, rounded up: a live entry never says 0 */
            s->q[k].count = e->count;
            memcpy(s->q[k].addrs, e->addrs, sizeof e->addrs);
            s->q[k].ttl = (uint32_t)((e->expires - now + 999999) / 1000000);
            finish(&s->q[k], SK_DNS_OK);
            r->stats.cache_hits++;
        } else {
            attempt_begin(r, &s->q[k], now);
        }
    }
    *out = slot_handle(r, i);
    return SK_OK;
}

static void combine(const sk_dns_slot_ *s, sk_dns_result *out)
{
    static const uint8_t rank[SK_DNS_STATUS_COUNT] = {
        [SK_DNS_TIMEOUT] = 1, [SK_DNS_SERVFAIL] = 2, [SK_DNS_NODATA] = 3, [SK_DNS_NXDOMAIN] = 4};
    memset(out, 0, sizeof *out);
    out->ttl = UINT32_MAX;
    int worst = SK_DNS_TIMEOUT;
    for (size_t k = 0; k < 2; k++) {
        const sk_dns_question_ *q = &s->q[k];
        if (q->qtype_idx == 0xff)
            continue;
        for (size_t a = 0; a < q->count && out->count < SK_DNS_MAX_ADDRS; a++)
            out->addrs[out->count++] = q->addrs[a];
        if (q->status == SK_DNS_OK && q->ttl < out->ttl)
            out->ttl = q->ttl;
        if (q->status != SK_DNS_OK && rank[q->status] > rank[worst])
            worst = q->status;
    }
    out->status = out->count > 0 ? SK_DNS_OK : worst;
    if (out->count == 0)
        out->ttl = 0;
}

int sk_dns_result_get(const sk_dns_resolver *r, sk_dns_query h, sk_dns_result *out)
{
    sk_dns_slot_ *s = slot_of((sk_dns_resolver *)(uintptr_t)r, h);
    if (!s || !out)
        return SK_EBADHANDLE;
    for (size_t k = 0; k < 2; k++)
        if (s->q[k].qtype_idx != 0xff && s->q[k].phase != PH_DONE) {
            memset(out, 0, sizeof *out);
            out->status = SK_DNS_PENDING;
            return SK_EAGAIN;
        }
    combine(s, out);
    return SK_OK;
}

int sk_dns_release(sk_dns_resolver *r, sk_dns_query h)
{
    sk_dns_slot_ *s = slot_of(r, h);
    if (!s)
        return SK_EBADHANDLE;
    size_t si = h & 0xff;
    for (size_t k = 0; k < 2; k++) {
        sk_dns_question_ *q = &s->q[k];
        if ((q->phase == PH_TCP_OPENING || q->phase == PH_TCP_WAIT) && !q->tcp_open)
            tcp_close_intent(r, conn_of(r, si, k));
        q->phase = PH_IDLE;
        q->qtype_idx = 0xff;
    }
    s->used = 0;
    s->gen = (uint16_t)(s->gen == 0xffff ? 1 : s->gen + 1);
    return SK_OK;
}

bool sk_dns_next_datagram(sk_dns_resolver *r, uint64_t now, sk_dns_datagram *out)
{
    (void)now;
    for (size_t i = 0; i < SK_DNS_MAX_QUERIES; i++) {
        sk_dns_slot_ *s = &r->slots[i];
        for (size_t k = 0; s->used && k < 2; k++) {
            sk_dns_question_ *q = &s->q[k];
            if (q->phase != PH_UDP || !q->must_send)
                continue;
            q->must_send = 0;
            out->len = sk_dns_build_query(r->out, sizeof r->out, q->id, s->qname, s->qname_len,
                                          qtypes[q->qtype_idx]);
            out->data = r->out;
            out->src_port = q->port;
            out->dst = r->cfg.servers[q->server];
            r->stats.queries_sent++;
            return true;
        }
    }
    return false;
}

/* A response that passed the checks of its transport (RFC 1035 §4.1.1
 * RCODE; RFC 2308 §2.1 NXDOMAIN; RFC 7766 §5 TC). Returns false when the
 * answer section is malformed (the caller drops and counts it). */
static bool take_response(sk_dns_resolver *r, sk_dns_slot_ *s, sk_dns_question_ *q,
                          const uint8_t *msg, size_t len, size_t after, uint64_t now)
{
    sk_dns_hdr h;
    sk_dns_hdr_parse(msg, len, &h);
    bool tcp = q->phase == PH_TCP_WAIT;
    if (h.tc && !tcp) {
        q->phase = PH_TCP_OPENING;
        q->tcp_open = 1;
        q->must_send = 0;
        q->tcp_in_len = 0;
        q->tcp_out_off = 0;
        q->deadline = now + (r->cfg.timeout_us << (q->attempt / nservers(r)));
        r->stats.tcp_fallbacks++;
        return true;
    }
    if (h.rcode == SK_DNS_RCODE_NXDOMAIN || h.rcode == SK_DNS_RCODE_NOERROR) {
        sk_dns_answer ans;
        if (h.rcode == SK_DNS_RCODE_NOERROR &&
            sk_dns_parse_answers(msg, len, after, h.ancount, s->qname, s->qname_len,
                                 qtypes[q->qtype_idx], &ans) < 0)
            return false;
        size_t si = 0;
        slot_of_question(r, q, &si);
        if (tcp)
            tcp_close_intent(r, conn_of(r, si, (size_t)(q - s->q)));
        if (h.rcode == SK_DNS_RCODE_NXDOMAIN) {
            finish(q, SK_DNS_NXDOMAIN);
            return true;
        }
        q->count = ans.count;
        memcpy(q->addrs, ans.addrs, sizeof ans.addrs);
        q->ttl = ans.ttl;
        finish(q, ans.count > 0 ? SK_DNS_OK : SK_DNS_NODATA);
        sk_dns_cache_put(r, s->qname, s->qname_len, q->qtype_idx, q->addrs, q->count, q->ttl, now);
        return true;
    }
    /* SERVFAIL, NOTIMP, REFUSED, FORMERR, or an unknown code: next server */
    q->failed = (uint8_t)(q->failed | 1u << q->server);
    next_attempt(r, q, now);
    return true;
}

static int drop(sk_dns_resolver *r, int reason)
{
    r->stats.drops[reason]++;
    return reason;
}

/* The checks every response passes (RFC 5452 §4.1-4.3, RFC 1035 §4.1.1). */
static int check_response(const sk_dns_slot_ *s, const sk_dns_question_ *q, const uint8_t *msg,
                          size_t len, size_t *after)
{
    sk_dns_hdr h;
    if (!sk_dns_hdr_parse(msg, len, &h))
        return SK_DNS_DROP_SHORT;
    if (h.id != q->id)
        return SK_DNS_DROP_WRONG_ID;
    if (!h.qr || h.opcode != 0)
        return SK_DNS_DROP_NOT_RESPONSE;
    int m = sk_dns_question_matches(msg, len, s->qname, s->qname_len, qtypes[q->qtype_idx], after);
    if (m < 0)
        return SK_DNS_DROP_MALFORMED;
    return m ? -1 : SK_DNS_DROP_WRONG_QUESTION;
}

void sk_dns_input(sk_dns_resolver *r, uint64_t now, const sk_endpoint *from, uint16_t dst_port,
                  const uint8_t *data, size_t len)
{
    if (len < SK_DNS_HDR_LEN) {
        drop(r, SK_DNS_DROP_SHORT);
        return;
    }
    for (size_t i = 0; i < SK_DNS_MAX_QUERIES; i++) {
        sk_dns_slot_ *s = &r->slots[i];
        for (size_t k = 0; s->used && k < 2; k++) {
            sk_dns_question_ *q = &s->q[k];
            if (q->phase != PH_UDP || q->port != dst_port)
                continue;
            const sk_endpoint *srv = &r->cfg.servers[q->server];
            if (!sk_ipaddr_eq(&from->addr, &srv->addr) || from->port != srv->port) {
                drop(r, SK_DNS_DROP_WRONG_SOURCE);
                return;
            }
            size_t after = 0;
            int why = check_response(s, q, data, len, &after);
            if (why >= 0)
                drop(r, why);
            else if (!take_response(r, s, q, data, len, after, now))
                drop(r, SK_DNS_DROP_MALFORMED);
            return;
        }
    }
    drop(r, SK_DNS_DROP_NO_PORT);
}

bool sk_dns_tcp_want(sk_dns_resolver *r, sk_dns_tcp_intent *out)
{
    if (r->tcp_close_count > 0) {
        memset(out, 0, sizeof *out);
        out->op = SK_DNS_TCP_CLOSE;
        out->conn = r->tcp_close[0];
        memmove(r->tcp_close, r->tcp_close + 1, --r->tcp_close_count * sizeof r->tcp_close[0]);
        return true;
    }
    for (size_t i = 0; i < SK_DNS_MAX_QUERIES; i++)
        for (size_t k = 0; r->slots[i].used && k < 2; k++) {
            sk_dns_question_ *q = &r->slots[i].q[k];
            if (q->phase != PH_TCP_OPENING || !q->tcp_open)
                continue;
            q->tcp_open = 0;
            out->op = SK_DNS_TCP_OPEN;
            out->conn = conn_of(r, i, k);
            out->server = r->cfg.servers[q->server];
            return true;
        }
    return false;
}

void sk_dns_tcp_opened(sk_dns_resolver *r, uint64_t now, uint32_t conn)
{
    (void)now;
    sk_dns_question_ *q = question_of_conn(r, conn);
    if (q && q->phase == PH_TCP_OPENING && !q->tcp_open)
        q->phase = PH_TCP_WAIT;
}

size_t sk_dns_tcp_output(sk_dns_resolver *r, uint32_t conn, uint8_t *buf, size_t cap)
{
    sk_dns_question_ *q = question_of_conn(r, conn);
    if (!q || q->phase != PH_TCP_WAIT)
        return 0;
    sk_dns_slot_ *s = slot_of(r, conn >> 5);
    size_t n = sk_dns_build_query(r->out + 2, sizeof r->out - 2, q->id, s->qname, s->qname_len,
                                  qtypes[q->qtype_idx]);
    r->out[0] = (uint8_t)(n >> 8); /* RFC 1035 §4.2.2, RFC 7766 §8 */
    r->out[1] = (uint8_t)n;
    size_t left = n + 2 - q->tcp_out_off;
    size_t take = left < cap ? left : cap;
    memcpy(buf, r->out + q->tcp_out_off, take);
    q->tcp_out_off = (uint16_t)(q->tcp_out_off + take);
    return take;
}

static void tcp_message(sk_dns_resolver *r, uint32_t conn, sk_dns_question_ *q, uint64_t now)
{
    sk_dns_slot_ *s = slot_of(r, conn >> 5);
    size_t len = (size_t)q->tcp_in[0] << 8 | q->tcp_in[1], after = 0;
    const uint8_t *msg = q->tcp_in + 2;
    int why = check_response(s, q, msg, len, &after);
    if (why < 0 && take_response(r, s, q, msg, len, after, now))
        return;
    /* a bad message on our own connection: the server is no good */
    drop(r, why >= 0 ? why : SK_DNS_DROP_MALFORMED);
    q->failed = (uint8_t)(q->failed | 1u << q->server);
    next_attempt(r, q, now);
}

void sk_dns_tcp_input(sk_dns_resolver *r, uint64_t now, uint32_t conn, const uint8_t *data,
                      size_t len)
{
    sk_dns_question_ *q = question_of_conn(r, conn);
    if (!q || q->phase != PH_TCP_WAIT) {
        drop(r, SK_DNS_DROP_TCP_UNEXPECTED);
        return;
    }
    while (len > 0 && q->phase == PH_TCP_WAIT) {
        size_t need = 2;
        if (q->tcp_in_len >= 2)
            need = 2 + ((size_t)q->tcp_in[0] << 8 | q->tcp_in[1]);
        size_t take = need - q->tcp_in_len < len ? need - q->tcp_in_len : len;
        memcpy(q->tcp_in + q->tcp_in_len, data, take);
        q->tcp_in_len = (uint16_t)(q->tcp_in_len + take);
        data += take;
        len -= take;
        if (q->tcp_in_len < 2)
            return;
        need = 2 + ((size_t)q->tcp_in[0] << 8 | q->tcp_in[1]);
        if (need > sizeof q->tcp_in) {
            drop(r, SK_DNS_DROP_TCP_TOO_LONG);
            q->failed = (uint8_t)(q->failed | 1u << q->server);
            next_attempt(r, q, now);
            return;
        }
        if (q->tcp_in_len == need)
            tcp_message(r, conn, q, now);
    }
}

void sk_dns_tcp_closed(sk_dns_resolver *r, uint64_t now, uint32_t conn)
{
    sk_dns_question_ *q = question_of_conn(r, conn);
    if (!q || (q->phase != PH_TCP_OPENING && q->phase != PH_TCP_WAIT))
        return;
    q->tcp_open = 1; /* already closed: no CLOSE intent for it */
    q->failed = (uint8_t)(q->failed | 1u << q->server);
    next_attempt(r, q, now);
}

uint64_t sk_dns_poll_at(const sk_dns_resolver *r)
{
    uint64_t t = UINT64_MAX;
    for (size_t i = 0; i < SK_DNS_MAX_QUERIES; i++)
        for (size_t k = 0; r->slots[i].used && k < 2; k++) {
            const sk_dns_question_ *q = &r->slots[i].q[k];
            if (q->phase != PH_IDLE && q->phase != PH_DONE && q->deadline < t)
                t = q->deadline;
        }
    return t;
}

void sk_dns_run_timers(sk_dns_resolver *r, uint64_t now)
{
    for (size_t i = 0; i < SK_DNS_MAX_QUERIES; i++)
        for (size_t k = 0; r->slots[i].used && k < 2; k++) {
            sk_dns_question_ *q = &r->slots[i].q[k];
            if (q->phase != PH_IDLE && q->phase != PH_DONE && q->deadline <= now)
                next_attempt(r, q, now); /* RFC 1035 §4.2.1: retransmit */
        }
}

const sk_dns_stats *sk_dns_get_stats(const sk_dns_resolver *r) { return &r->stats; }

const char *sk_dns_status_str(int status)
{
    static const char *const msgs[] = {
#define SK_DNS_STATUS_MSG_(name, msg) msg,
        SK_DNS_STATUSES(SK_DNS_STATUS_MSG_)
#undef SK_DNS_STATUS_MSG_
    };
    return status >= 0 && status < SK_DNS_STATUS_COUNT ? msgs[status] : "unknown status";
}

const char *sk_dns_drop_str(int reason)
{
    static const char *const msgs[] = {
#define SK_DNS_DROP_MSG_(name, msg) msg,
        SK_DNS_DROPS(SK_DNS_DROP_MSG_)
#undef SK_DNS_DROP_MSG_
    };
    return reason >= 0 && reason < SK_DNS_DROP_COUNT ? msgs[reason] : "unknown reason";
}
