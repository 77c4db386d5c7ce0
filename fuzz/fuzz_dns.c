/* libFuzzer target for the DNS codec and resolver. The first byte picks:
 * even: the rest is a DNS message: header, question, answers and a name at
 * every offset are parsed; a decoded name is a well-formed label sequence
 * of at most 255 bytes, an answer holds at most 8 addresses of the asked
 * family. odd: the rest drives a resolver (two servers, one query for both
 * families) as a script of steps: a response (the query's ID, port and
 * server patched in, so the checks behind them are reached), time passing,
 * and a TCP exchange. Invariants: every datagram out is at most 512 bytes to
 * a configured server; after run_timers(now) poll_at is later than now; a
 * finished query has a status that is not PENDING and at most 8 addresses;
 * the same query again is answered from the cache whole, or asked. */
#include "dns/dns_msg.h"
#include "synack/error.h"

#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const uint8_t *w, int n)
{
    CHECK(n >= 1 && n <= 255);
    size_t p = 0;
    while (w[p] != 0) {
        CHECK(w[p] <= 63);
        p += 1 + (size_t)w[p];
        CHECK(p < (size_t)n);
    }
    CHECK(p + 1 == (size_t)n);
}

static void parse_message(const uint8_t *d, size_t n)
{
    static const uint8_t qname[] = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p',
                                    'l', 'e', 4, 't', 'e', 's', 't', 0};
    uint8_t w[255];
    size_t next = 0, after = 0;
    for (size_t off = 0; off < n && off < 600; off++) {
        int len = sk_dns_name_decode(d, n, off, w, &next);
        if (len >= 0) {
            check_name(w, len);
            CHECK(next > off && next <= n);
        }
    }
    sk_dns_hdr h;
    if (!sk_dns_hdr_parse(d, n, &h))
        return;
    for (uint16_t qt = 1; qt <= 28; qt += 27) {
        if (sk_dns_question_matches(d, n, qname, sizeof qname, qt, &after) != 1)
            continue;
        sk_dns_answer a;
        if (sk_dns_parse_answers(d, n, after, h.ancount, qname, sizeof qname, qt, &a) == 0) {
            CHECK(a.count <= 8);
            for (size_t i = 0; i < a.count; i++)
                CHECK(a.addrs[i].family == (qt == 1 ? SK_AF_INET4 : SK_AF_INET6));
        }
    }
}

typedef struct {
    uint16_t id, port;
    sk_endpoint dst;
} one_sent;

/* the last two datagrams sent: [1] the newest */
typedef struct {
    one_sent s[2];
} last_sent;

static void drain(sk_dns_resolver *r, uint64_t now, last_sent *ls)
{
    sk_dns_datagram d;
    int guard = 0;
    while (sk_dns_next_datagram(r, now, &d)) {
        CHECK(++guard <= 2 * SK_DNS_MAX_QUERIES);
        CHECK(d.len >= 12 && d.len <= SK_DNS_UDP_MAX);
        CHECK(sk_ipaddr_eq(&d.dst.addr, &r->cfg.servers[0].addr) ||
              sk_ipaddr_eq(&d.dst.addr, &r->cfg.servers[1].addr));
        ls->s[0] = ls->s[1];
        ls->s[1].id = (uint16_t)(d.data[0] << 8 | d.data[1]);
        ls->s[1].port = d.src_port;
        ls->s[1].dst = d.dst;
    }
}

static void drive(const uint8_t *d, size_t n)
{
    static sk_dns_resolver r;
    sk_dns_config c;
    memset(&c, 0, sizeof c);
    c.servers[0].addr.family = c.servers[1].addr.family = SK_AF_INET4;
    c.servers[0].addr.b[0] = 192, c.servers[0].addr.b[3] = 53;
    c.servers[1].addr.family = SK_AF_INET6;
    c.servers[1].addr.b[0] = 0x20;
    c.server_count = 2;
    c.seed = n;
    CHECK(sk_dns_init(&r, &c) == SK_OK);
    uint64_t now = 1000000;
    sk_dns_query q;
    CHECK(sk_dns_start(&r, "www.example.test", SK_DNS_WANT_BOTH, now, &q) == SK_OK);
    last_sent ls;
    memset(&ls, 0, sizeof ls);
    uint32_t conn = 0;
    drain(&r, now, &ls);
    size_t p = 0;
    uint8_t buf[700], tmp[64];
    while (p + 2 <= n) {
        uint8_t op = d[p], len = d[p + 1];
        p += 2;
        size_t take = len < n - p ? len : n - p;
        memcpy(buf, d + p, take);
        p += take;
        const one_sent *to = &ls.s[(op & 8) ? 0 : 1]; /* bit 3: the one before */
        if (take >= 2 && !(op & 0x80))
            buf[0] = (uint8_t)(to->id >> 8), buf[1] = (uint8_t)to->id;
        sk_dns_tcp_intent w;
        switch (op & 7) {
        case 0: sk_dns_input(&r, now, &to->dst, to->port, buf, take); break;
        case 1: now += (uint64_t)len * 50000; sk_dns_run_timers(&r, now);
                CHECK(sk_dns_poll_at(&r) > now); break;
        case 2: /* one intent per step, so CLOSEs pile up between steps */
                if (sk_dns_tcp_want(&r, &w) && w.op == SK_DNS_TCP_OPEN) {
                    conn = w.conn;
                    sk_dns_tcp_opened(&r, now, conn);
                }
                break;
        case 3: while (sk_dns_tcp_output(&r, conn, tmp, sizeof tmp) > 0) {} break;
        case 4: sk_dns_tcp_input(&r, now, conn, buf, take); break;
        case 5: sk_dns_tcp_closed(&r, now, conn); break;
        default: sk_dns_input(&r, now, &c.servers[op & 1], (uint16_t)(to->port ^ (op >> 4)), buf, take); break;
        }
        drain(&r, now, &ls);
    }
    sk_dns_result res;
    if (sk_dns_result_get(&r, q, &res) == SK_OK) {
        CHECK(res.status != SK_DNS_PENDING && res.status < SK_DNS_STATUS_COUNT);
        CHECK(res.count <= SK_DNS_MAX_ADDRS);
        CHECK(res.status == SK_DNS_OK ? res.count > 0 : res.count == 0);
    }
    CHECK(sk_dns_release(&r, q) == SK_OK);
    /* asked again at once: whatever the cache answers is a whole answer;
     * with all of the first answer cached, nothing is sent */
    uint64_t hits = r.stats.cache_hits, sent = r.stats.queries_sent;
    CHECK(sk_dns_start(&r, "WWW.example.test", SK_DNS_WANT_BOTH, now, &q) == SK_OK);
    if (sk_dns_result_get(&r, q, &res) == SK_OK) {
        CHECK(res.status == SK_DNS_OK && res.count > 0 && res.ttl > 0);
        CHECK(r.stats.cache_hits == hits + 2);
        drain(&r, now, &ls);
        CHECK(r.stats.queries_sent == sent);
    }
    CHECK(sk_dns_release(&r, q) == SK_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        drive(data + 1, size - 1);
    else
        parse_message(data + 1, size - 1);
    return 0;
}
