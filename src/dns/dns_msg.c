/* DNS message codec: RFC 1035 §4.1 (format), §4.1.4 (compression),
 * RFC 3596 §2.2 (AAAA), RFC 2181 §8 (TTL), RFC 4343 (case). */
#include "dns/dns_msg.h"

#include "base/bytes.h"

#include <string.h>

#define NAME_HOPS_MAX 64 /* pointers followed in one name (a loop guard) */

int sk_dns_name_encode(const char *text, uint8_t *out, size_t cap)
{
    size_t o = 0, tl = strlen(text);
    if (tl == 0 || (tl == 1 && text[0] == '.') || tl > 254)
        return -1;
    if (text[tl - 1] == '.')
        tl--; /* the final dot is the root label, written below */
    size_t i = 0;
    while (i < tl) {
        size_t j = i;
        while (j < tl && text[j] != '.')
            j++;
        size_t n = j - i;
        if (n == 0 || n > 63 || o + 1 + n + 1 > SK_DNS_NAME_WIRE_MAX || o + 1 + n + 1 > cap)
            return -1; /* empty label, long label (§2.3.4), long name */
        out[o++] = (uint8_t)n;
        memcpy(out + o, text + i, n);
        o += n;
        i = j + 1;
        if (j < tl && j + 1 == tl)
            return -1; /* "a.." */
    }
    out[o++] = 0;
    return (int)o;
}

int sk_dns_name_decode(const uint8_t *msg, size_t len, size_t off, uint8_t *out, size_t *next)
{
    size_t pos = off, o = 0;
    int hops = 0;
    bool jumped = false;
    for (;;) {
        if (pos >= len)
            return -1;
        uint8_t c = msg[pos];
        if ((c & 0xc0) == 0xc0) {
            if (pos + 1 >= len || ++hops > NAME_HOPS_MAX)
                return -1;
            size_t target = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
            if (target >= pos)
                return -1; /* forward or self pointer: only earlier names */
            if (!jumped)
                *next = pos + 2;
            jumped = true;
            pos = target;
            continue;
        }
        if (c & 0xc0)
            return -1; /* 0x40, 0x80: reserved label types (§4.1.4) */
        if (c == 0) {
            out[o++] = 0;
            if (!jumped)
                *next = pos + 1;
            return (int)o;
        }
        if (pos + 1 + c > len || o + 1 + c + 1 > SK_DNS_NAME_WIRE_MAX)
            return -1; /* label past the end, or name over 255 bytes */
        memcpy(out + o, msg + pos, 1 + (size_t)c);
        o += 1 + (size_t)c;
        pos += 1 + (size_t)c;
    }
}

static uint8_t lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }

bool sk_dns_name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

bool sk_dns_hdr_parse(const uint8_t *msg, size_t len, sk_dns_hdr *h)
{
    if (len < SK_DNS_HDR_LEN)
        return false;
    uint16_t fl = sk_load_be16(msg + 2);
    h->id = sk_load_be16(msg);
    h->qr = fl & 0x8000;
    h->opcode = (uint8_t)(fl >> 11 & 0xf);
    h->aa = fl & 0x0400;
    h->tc = fl & 0x0200;
    h->rd = fl & 0x0100;
    h->ra = fl & 0x0080;
    h->rcode = (uint8_t)(fl & 0xf);
    h->qdcount = sk_load_be16(msg + 4);
    h->ancount = sk_load_be16(msg + 6);
    h->nscount = sk_load_be16(msg + 8);
    h->arcount = sk_load_be16(msg + 10);
    return true;
}

size_t sk_dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname,
                          size_t qlen, uint16_t qtype)
{
    size_t n = SK_DNS_HDR_LEN + qlen + 4;
    if (n > cap)
        return 0;
    memset(buf, 0, SK_DNS_HDR_LEN);
    sk_store_be16(buf, id);
    sk_store_be16(buf + 2, 0x0100); /* QUERY, RD=1 (§4.1.1) */
    sk_store_be16(buf + 4, 1);
    memcpy(buf + SK_DNS_HDR_LEN, qname, qlen);
    sk_store_be16(buf + SK_DNS_HDR_LEN + qlen, qtype);
    sk_store_be16(buf + SK_DNS_HDR_LEN + qlen + 2, SK_DNS_CLASS_IN);
    return n;
}

int sk_dns_question_matches(const uint8_t *msg, size_t len, const uint8_t *qname, size_t qlen,
                            uint16_t qtype, size_t *after)
{
    uint8_t name[SK_DNS_NAME_WIRE_MAX];
    size_t next = 0;
    if (len < SK_DNS_HDR_LEN)
        return -1;
    if (sk_load_be16(msg + 4) != 1)
        return 0;
    int n = sk_dns_name_decode(msg, len, SK_DNS_HDR_LEN, name, &next);
    if (n < 0 || next + 4 > len)
        return -1;
    *after = next + 4;
    return sk_dns_name_eq(name, (size_t)n, qname, qlen) && sk_load_be16(msg + next) == qtype &&
           sk_load_be16(msg + next + 2) == SK_DNS_CLASS_IN;
}

typedef struct {
    uint8_t owner[SK_DNS_NAME_WIRE_MAX];
    size_t owner_len;
    uint16_t type, cls;
    uint32_t ttl;
    size_t rdata, rdlen;
} rr_view;

/* One resource record at *p (§4.1.3); *p moves past it. */
static bool rr_read(const uint8_t *msg, size_t len, size_t *p, rr_view *rr)
{
    size_t next = 0;
    int n = sk_dns_name_decode(msg, len, *p, rr->owner, &next);
    if (n < 0 || next + 10 > len)
        return false;
    rr->owner_len = (size_t)n;
    rr->type = sk_load_be16(msg + next);
    rr->cls = sk_load_be16(msg + next + 2);
    rr->ttl = sk_load_be32(msg + next + 4);
    if (rr->ttl & 0x80000000u)
        rr->ttl = 0; /* RFC 2181 §8: a TTL with the top bit set is 0 */
    rr->rdlen = sk_load_be16(msg + next + 8);
    rr->rdata = next + 10;
    if (rr->rdata + rr->rdlen > len)
        return false;
    *p = rr->rdata + rr->rdlen;
    return true;
}

static bool rr_valid(const uint8_t *msg, const rr_view *rr)
{
    if (rr->cls != SK_DNS_CLASS_IN)
        return true; /* other classes are skipped, not judged */
    if (rr->type == SK_DNS_TYPE_A)
        return rr->rdlen == 4;
    if (rr->type == SK_DNS_TYPE_AAAA)
        return rr->rdlen == 16;
    if (rr->type == SK_DNS_TYPE_CNAME) {
        uint8_t tmp[SK_DNS_NAME_WIRE_MAX];
        size_t next = 0;
        /* the target must end exactly at the end of RDATA */
        return sk_dns_name_decode(msg, rr->rdata + rr->rdlen, rr->rdata, tmp, &next) > 0 &&
               next == rr->rdata + rr->rdlen;
    }
    (void)msg;
    return true;
}

static void take_ttl(sk_dns_answer *ans, uint32_t ttl)
{
    if (ttl < ans->ttl)
        ans->ttl = ttl;
}

/* One pass over the answers: follow a CNAME of `target` (returns 1 and
 * rewrites target), or, with want_type, collect the records of target. */
static int answers_pass(const uint8_t *msg, size_t len, size_t after, uint16_t ancount,
                        uint8_t *target, size_t *tlen, uint16_t want_type, sk_dns_answer *ans)
{
    size_t p = after;
    rr_view rr;
    for (uint16_t i = 0; i < ancount; i++) {
        if (!rr_read(msg, len, &p, &rr) || !rr_valid(msg, &rr))
            return -1;
        if (rr.cls != SK_DNS_CLASS_IN || !sk_dns_name_eq(rr.owner, rr.owner_len, target, *tlen))
            continue;
        if (want_type == 0 && rr.type == SK_DNS_TYPE_CNAME) {
            size_t next = 0;
            *tlen = (size_t)sk_dns_name_decode(msg, len, rr.rdata, target, &next);
            take_ttl(ans, rr.ttl);
            return 1;
        }
        if (want_type != 0 && rr.type == want_type && ans->count < 8) {
            sk_ipaddr *a = &ans->addrs[ans->count++];
            memset(a, 0, sizeof *a);
            a->family = want_type == SK_DNS_TYPE_A ? SK_AF_INET4 : SK_AF_INET6;
            memcpy(a->b, msg + rr.rdata, rr.rdlen);
            take_ttl(ans, rr.ttl);
        }
    }
    return 0;
}

int sk_dns_parse_answers(const uint8_t *msg, size_t len, size_t after, uint16_t ancount,
                         const uint8_t *qname, size_t qlen, uint16_t qtype, sk_dns_answer *ans)
{
    uint8_t target[SK_DNS_NAME_WIRE_MAX];
    size_t tlen = qlen;
    memset(ans, 0, sizeof *ans);
    ans->ttl = UINT32_MAX;
    memcpy(target, qname, qlen);
    for (;;) {
        int r = answers_pass(msg, len, after, ancount, target, &tlen, 0, ans);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        if (++ans->cname_hops > SK_DNS_CNAME_MAX)
            return 0; /* chain too long: no address taken from it */
    }
    if (answers_pass(msg, len, after, ancount, target, &tlen, qtype, ans) < 0)
        return -1;
    return 0;
}
