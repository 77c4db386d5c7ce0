/* DNS codec: golden dnsmasq responses (tests/support/golden_dns.h, from
 * tests/tools/capture_dns.sh) parsed field by field, the query re-built byte
 * for byte, name rules (RFC 1035 §2.3.4), compression (§4.1.4) and every
 * malformed form: loops, forward and out-of-bounds pointers, reserved label
 * types, truncation at every length, bad RDATA lengths, long CNAME chains. */
#include "dns/dns_msg.h"
#include "golden_dns.h"
#include "sk_test.h"

static size_t put_name(uint8_t *m, size_t o, const char *text)
{
    int n = sk_dns_name_encode(text, m + o, 255);
    SK_CHECK(n > 0);
    return o + (size_t)(n > 0 ? n : 0);
}

static size_t put_rr(uint8_t *m, size_t o, uint16_t type, uint32_t ttl, const uint8_t *rd,
                     uint16_t rdlen)
{
    m[o] = (uint8_t)(type >> 8), m[o + 1] = (uint8_t)type;
    m[o + 2] = 0, m[o + 3] = 1;
    m[o + 4] = (uint8_t)(ttl >> 24), m[o + 5] = (uint8_t)(ttl >> 16);
    m[o + 6] = (uint8_t)(ttl >> 8), m[o + 7] = (uint8_t)ttl;
    m[o + 8] = (uint8_t)(rdlen >> 8), m[o + 9] = (uint8_t)rdlen;
    memcpy(m + o + 10, rd, rdlen);
    return o + 10 + rdlen;
}

/* header + question "a.test" A; returns the offset after the question */
static size_t start_msg(uint8_t *m, uint16_t ancount)
{
    memset(m, 0, 12);
    m[0] = 0x12, m[1] = 0x34, m[2] = 0x81, m[3] = 0x80, m[5] = 1;
    m[7] = (uint8_t)ancount;
    size_t o = put_name(m, 12, "a.test");
    m[o] = 0, m[o + 1] = 1, m[o + 2] = 0, m[o + 3] = 1;
    return o + 4;
}

static void test_golden_query_rebuilt(void)
{
    uint8_t name[255], buf[512];
    int n = sk_dns_name_encode("www.example.test", name, sizeof name);
    SK_CHECK_EQ_I(n, 18);
    size_t len = sk_dns_build_query(buf, sizeof buf, 0x1234, name, (size_t)n, SK_DNS_TYPE_A);
    SK_CHECK_EQ(len, sizeof golden_dns_a_query);
    SK_CHECK_MEM(buf, golden_dns_a_query, sizeof golden_dns_a_query);
    SK_CHECK_EQ(sk_dns_build_query(buf, 33, 0x1234, name, (size_t)n, SK_DNS_TYPE_A), 0);
}

static void test_golden_a(void)
{
    sk_dns_hdr h;
    uint8_t name[255];
    size_t after = 0;
    int n = sk_dns_name_encode("WWW.Example.TEST.", name, sizeof name); /* case, final dot */
    SK_CHECK(sk_dns_hdr_parse(golden_dns_a, sizeof golden_dns_a, &h));
    SK_CHECK_EQ(h.id, 0x1234);
    SK_CHECK(h.qr && h.aa && h.rd && h.ra && !h.tc);
    SK_CHECK_EQ(h.opcode, 0);
    SK_CHECK_EQ(h.rcode, 0);
    SK_CHECK_EQ(h.qdcount, 1);
    SK_CHECK_EQ(h.ancount, 3);
    SK_CHECK_EQ_I(sk_dns_question_matches(golden_dns_a, sizeof golden_dns_a, name, (size_t)n,
                                          SK_DNS_TYPE_A, &after), 1);
    SK_CHECK_EQ(after, 34);
    SK_CHECK_EQ_I(sk_dns_question_matches(golden_dns_a, sizeof golden_dns_a, name, (size_t)n,
                                          SK_DNS_TYPE_AAAA, &after), 0);
    sk_dns_answer a;
    SK_CHECK_EQ_I(sk_dns_parse_answers(golden_dns_a, sizeof golden_dns_a, after, h.ancount, name,
                                       (size_t)n, SK_DNS_TYPE_A, &a), 0);
    SK_CHECK_EQ(a.count, 2);
    SK_CHECK_EQ(a.cname_hops, 1);
    SK_CHECK_EQ(a.ttl, 300);
    SK_CHECK_EQ(a.addrs[0].family, SK_AF_INET4);
    SK_CHECK_MEM(a.addrs[0].b, ((const uint8_t[]){192, 0, 2, 10}), 4);
    SK_CHECK_MEM(a.addrs[1].b, ((const uint8_t[]){192, 0, 2, 11}), 4);
}

static void test_golden_aaaa_nx_many(void)
{
    sk_dns_hdr h;
    uint8_t name[255];
    size_t after = 0;
    sk_dns_answer a;
    int n = sk_dns_name_encode("www.example.test", name, sizeof name);
    SK_CHECK(sk_dns_hdr_parse(golden_dns_aaaa, sizeof golden_dns_aaaa, &h));
    SK_CHECK_EQ_I(sk_dns_question_matches(golden_dns_aaaa, sizeof golden_dns_aaaa, name, (size_t)n,
                                          SK_DNS_TYPE_AAAA, &after), 1);
    SK_CHECK_EQ_I(sk_dns_parse_answers(golden_dns_aaaa, sizeof golden_dns_aaaa, after, h.ancount,
                                       name, (size_t)n, SK_DNS_TYPE_AAAA, &a), 0);
    SK_CHECK_EQ(a.count, 1);
    SK_CHECK_EQ(a.addrs[0].family, SK_AF_INET6);
    SK_CHECK_MEM(a.addrs[0].b, ((const uint8_t[]){0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}), 16);
    SK_CHECK(sk_dns_hdr_parse(golden_dns_nx, sizeof golden_dns_nx, &h));
    SK_CHECK_EQ(h.rcode, SK_DNS_RCODE_NXDOMAIN);
    SK_CHECK_EQ(h.ancount, 0);
    SK_CHECK(sk_dns_hdr_parse(golden_dns_many_udp, sizeof golden_dns_many_udp, &h));
    SK_CHECK(h.tc);
    n = sk_dns_name_encode("many.example.test", name, sizeof name);
    SK_CHECK(sk_dns_hdr_parse(golden_dns_many_tcp, sizeof golden_dns_many_tcp, &h));
    SK_CHECK(!h.tc);
    SK_CHECK_EQ(h.ancount, 40);
    SK_CHECK_EQ_I(sk_dns_question_matches(golden_dns_many_tcp, sizeof golden_dns_many_tcp, name,
                                          (size_t)n, SK_DNS_TYPE_A, &after), 1);
    SK_CHECK_EQ_I(sk_dns_parse_answers(golden_dns_many_tcp, sizeof golden_dns_many_tcp, after,
                                       h.ancount, name, (size_t)n, SK_DNS_TYPE_A, &a), 0);
    SK_CHECK_EQ(a.count, 8); /* bounded */
    /* the first eight records in dnsmasq's order: 16 bytes each (pointer
     * name, type, class, TTL, length, address) */
    for (size_t k = 0; k < 8; k++)
        SK_CHECK_MEM(a.addrs[k].b, golden_dns_many_tcp + after + 16 * k + 12, 4);
}

static void test_name_encode_rules(void)
{
    uint8_t w[300];
    char text[300];
    memset(text, 'a', 63);
    text[63] = 0;
    SK_CHECK_EQ_I(sk_dns_name_encode(text, w, sizeof w), 65); /* 63-byte label */
    text[63] = 'a', text[64] = 0;
    SK_CHECK_EQ_I(sk_dns_name_encode(text, w, sizeof w), -1); /* 64 */
    /* 4 labels of 63 = 4*64+1 = 257 wire bytes: too long; 3*63+61 = 254 + 1 */
    memset(text, 'b', 300);
    text[63] = text[127] = text[191] = '.';
    text[253] = 0; /* labels 63, 63, 63, 61: wire 64*3 + 62 + 1 = 255 */
    SK_CHECK_EQ_I(sk_dns_name_encode(text, w, sizeof w), 255);
    text[253] = 'b', text[254] = 0; /* one more byte: 256 */
    SK_CHECK_EQ_I(sk_dns_name_encode(text, w, sizeof w), -1);
    SK_CHECK_EQ_I(sk_dns_name_encode("", w, sizeof w), -1);
    SK_CHECK_EQ_I(sk_dns_name_encode(".", w, sizeof w), -1);
    SK_CHECK_EQ_I(sk_dns_name_encode("a..b", w, sizeof w), -1);
    SK_CHECK_EQ_I(sk_dns_name_encode(".a", w, sizeof w), -1);
    SK_CHECK_EQ_I(sk_dns_name_encode("a..", w, sizeof w), -1);
    SK_CHECK_EQ_I(sk_dns_name_encode("a.b", w, 4), -1); /* cap */
    SK_CHECK_EQ_I(sk_dns_name_encode("a.b.", w, sizeof w), 5);
    SK_CHECK_MEM(w, ((const uint8_t[]){1, 'a', 1, 'b', 0}), 5);
}

static void test_name_decode_pointers(void)
{
    uint8_t out[255];
    size_t next = 0;
    /* "x" then a pointer to "a.test" at 12 */
    uint8_t m[64] = {0};
    size_t o = put_name(m, 12, "a.test"); /* 12..19 */
    m[o] = 1, m[o + 1] = 'x', m[o + 2] = 0xc0, m[o + 3] = 12;
    SK_CHECK_EQ_I(sk_dns_name_decode(m, o + 4, o, out, &next), 10);
    SK_CHECK_EQ(next, o + 4);
    SK_CHECK_MEM(out, ((const uint8_t[]){1, 'x', 1, 'a', 4, 't', 'e', 's', 't', 0}), 10);
    m[o + 3] = (uint8_t)(o + 2); /* points at itself: a loop */
    SK_CHECK_EQ_I(sk_dns_name_decode(m, o + 4, o, out, &next), -1);
    m[o + 3] = (uint8_t)(o + 4); /* forward */
    m[o + 4] = 0;
    SK_CHECK_EQ_I(sk_dns_name_decode(m, o + 5, o, out, &next), -1);
    m[o + 2] = 0xc1, m[o + 3] = 0; /* 256: past the end, forward too */
    SK_CHECK_EQ_I(sk_dns_name_decode(m, o + 4, o, out, &next), -1);
    m[o + 2] = 0xc0, m[o + 3] = 12;
    SK_CHECK_EQ_I(sk_dns_name_decode(m, o + 3, o, out, &next), -1); /* pointer cut */
    m[o + 2] = 0x40; /* reserved label types */
    SK_CHECK_EQ_I(sk_dns_name_decode(m, o + 4, o, out, &next), -1);
    m[o + 2] = 0x80;
    SK_CHECK_EQ_I(sk_dns_name_decode(m, o + 4, o, out, &next), -1);
    m[o] = 5; /* label longer than what is left */
    SK_CHECK_EQ_I(sk_dns_name_decode(m, o + 3, o, out, &next), -1);
    SK_CHECK_EQ_I(sk_dns_name_decode(m, 12, 12, out, &next), -1); /* nothing at all */
}

static void test_name_decode_too_long_through_pointers(void)
{
    /* five 60-byte labels, each ending in a pointer to the previous one:
     * every pointer points backwards, but the name grows past 255 */
    uint8_t m[400] = {0};
    size_t o = 12, prev = 0, out_len = 0, next = 0;
    uint8_t out[255];
    for (int i = 0; i < 5; i++) {
        size_t at = o;
        m[o++] = 60;
        memset(m + o, 'a' + i, 60);
        o += 60;
        if (i == 0) {
            m[o++] = 0;
        } else {
            m[o++] = (uint8_t)(0xc0 | prev >> 8);
            m[o++] = (uint8_t)prev;
        }
        prev = at;
    }
    int n = sk_dns_name_decode(m, o, 12 + 62 + 63, out, &next); /* 3 labels: 184 */
    SK_CHECK_EQ_I(n, 3 * 61 + 1);
    out_len = (size_t)sk_dns_name_decode(m, o, prev, out, &next);
    SK_CHECK_EQ(out_len, (size_t)-1);
}

static void test_truncated_everywhere(void)
{
    uint8_t name[255];
    int n = sk_dns_name_encode("www.example.test", name, sizeof name);
    for (size_t len = 0; len < sizeof golden_dns_a; len++) {
        size_t after = 0;
        sk_dns_answer a;
        int m = sk_dns_question_matches(golden_dns_a, len, name, (size_t)n, SK_DNS_TYPE_A, &after);
        if (len < 34) {
            SK_CHECK_MSG(m == -1, "len %zu: question %d", len, m);
            continue;
        }
        SK_CHECK_EQ_I(m, 1);
        SK_CHECK_MSG(sk_dns_parse_answers(golden_dns_a, len, after, 3, name, (size_t)n,
                                          SK_DNS_TYPE_A, &a) == -1, "len %zu accepted", len);
    }
}

static void test_bad_rdata_and_skipped_types(void)
{
    uint8_t m[512], name[255], rd[16] = {192, 0, 2, 1, 9};
    sk_dns_answer a;
    int n = sk_dns_name_encode("a.test", name, sizeof name);
    size_t q = start_msg(m, 2);
    size_t o = put_name(m, q, "a.test");
    o = put_rr(m, o, 15, 60, (const uint8_t[]){0, 10, 0}, 3); /* MX, skipped */
    o = put_name(m, o, "a.test");
    o = put_rr(m, o, SK_DNS_TYPE_A, 0x80000001u, rd, 4); /* TTL top bit: 0 */
    SK_CHECK_EQ_I(sk_dns_parse_answers(m, o, q, 2, name, (size_t)n, SK_DNS_TYPE_A, &a), 0);
    SK_CHECK_EQ(a.count, 1);
    SK_CHECK_EQ(a.ttl, 0);
    o = put_name(m, q, "a.test");
    o = put_rr(m, o, SK_DNS_TYPE_A, 60, rd, 5); /* A with 5 bytes */
    SK_CHECK_EQ_I(sk_dns_parse_answers(m, o, q, 1, name, (size_t)n, SK_DNS_TYPE_A, &a), -1);
    o = put_name(m, q, "a.test");
    o = put_rr(m, o, SK_DNS_TYPE_AAAA, 60, rd, 4); /* AAAA with 4 */
    SK_CHECK_EQ_I(sk_dns_parse_answers(m, o, q, 1, name, (size_t)n, SK_DNS_TYPE_A, &a), -1);
    o = put_name(m, q, "a.test"); /* CNAME whose target overruns RDATA */
    o = put_rr(m, o, SK_DNS_TYPE_CNAME, 60, (const uint8_t[]){3, 'b', 'c', 'd', 0}, 3);
    SK_CHECK_EQ_I(sk_dns_parse_answers(m, o + 2, q, 1, name, (size_t)n, SK_DNS_TYPE_A, &a), -1);
    o = put_name(m, q, "a.test"); /* more records announced than present */
    o = put_rr(m, o, SK_DNS_TYPE_A, 60, rd, 4);
    SK_CHECK_EQ_I(sk_dns_parse_answers(m, o, q, 2, name, (size_t)n, SK_DNS_TYPE_A, &a), -1);
}

static void test_cname_chain_bounded(void)
{
    uint8_t m[512], name[255], rd[4] = {192, 0, 2, 7};
    sk_dns_answer a;
    int n = sk_dns_name_encode("a.test", name, sizeof name);
    /* a -> a: a loop of CNAMEs, bounded at SK_DNS_CNAME_MAX links */
    size_t q = start_msg(m, 2);
    size_t o = put_name(m, q, "a.test");
    o = put_rr(m, o, SK_DNS_TYPE_CNAME, 60, (const uint8_t[]){0xc0, 12}, 2);
    o = put_name(m, o, "a.test");
    o = put_rr(m, o, SK_DNS_TYPE_A, 60, rd, 4);
    SK_CHECK_EQ_I(sk_dns_parse_answers(m, o, q, 2, name, (size_t)n, SK_DNS_TYPE_A, &a), 0);
    SK_CHECK_EQ(a.count, 0);
    SK_CHECK_EQ(a.cname_hops, SK_DNS_CNAME_MAX + 1);
    /* an address of a name not on the chain is not taken */
    o = put_name(m, q, "b.test");
    o = put_rr(m, o, SK_DNS_TYPE_A, 60, rd, 4);
    SK_CHECK_EQ_I(sk_dns_parse_answers(m, o, q, 1, name, (size_t)n, SK_DNS_TYPE_A, &a), 0);
    SK_CHECK_EQ(a.count, 0);
    /* the chain in reverse order: b's A first, then a CNAME b */
    o = put_name(m, q, "B.TEST");
    o = put_rr(m, o, SK_DNS_TYPE_A, 30, rd, 4);
    o = put_name(m, o, "a.test");
    o = put_rr(m, o, SK_DNS_TYPE_CNAME, 60, (const uint8_t[]){1, 'b', 0xc0, 14}, 4);
    SK_CHECK_EQ_I(sk_dns_parse_answers(m, o, q, 2, name, (size_t)n, SK_DNS_TYPE_A, &a), 0);
    SK_CHECK_EQ(a.count, 1);
    SK_CHECK_EQ(a.cname_hops, 1);
    SK_CHECK_EQ(a.ttl, 30);
}

int main(void)
{
    SK_RUN(test_golden_query_rebuilt);
    SK_RUN(test_golden_a);
    SK_RUN(test_golden_aaaa_nx_many);
    SK_RUN(test_name_encode_rules);
    SK_RUN(test_name_decode_pointers);
    SK_RUN(test_name_decode_too_long_through_pointers);
    SK_RUN(test_truncated_everywhere);
    SK_RUN(test_bad_rdata_and_skipped_types);
    SK_RUN(test_cname_chain_bounded);
    return sk_test_finish();
}
