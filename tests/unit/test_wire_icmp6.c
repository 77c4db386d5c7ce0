/* wire/icmp6 and wire/mld6: ICMPv6 (RFC 4443) echo and errors, the IPv6
 * pseudo-header checksum (RFC 8200 §8.1), the 1280-byte quote limit
 * (RFC 4443 §2.4(c)), MLDv2 reports (RFC 3810 §5.2). Golden frames from
 * tests/support/golden_ip6.h: Linux's ping, router B's errors (port
 * unreachable, hop limit exceeded, packet too big at MTU 1280) and A's
 * first MLDv2 report. */
#include "base/bytes.h"
#include "golden_ip6.h"
#include "sk_test.h"
#include "synack/stats.h"
#include "wire/icmp6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/mld6.h"

static uint8_t out[2048];

static sk_ip6 A6(const char *s)
{
    sk_ip6 a;
    memset(&a, 0, sizeof a);
    SK_CHECK_EQ_I(sk_ip6_from_str(s, &a), 0);
    return a;
}

/* The IPv6 header of a golden frame and its ICMPv6 message (no extension
 * headers in these frames). */
static const uint8_t *msg_of(const uint8_t *frame, size_t flen, sk_ip6_repr *ip, size_t *len)
{
    SK_CHECK_EQ_I(sk_ip6_parse(frame + 14, flen - 14, ip), 0);
    *len = ip->payload_len;
    return ip->payload;
}

#define MSG(frame, ip, len) msg_of((frame), sizeof(frame), (ip), (len))

static void check_reemit(const uint8_t *frame, size_t flen)
{
    sk_ip6_repr ip;
    sk_icmp6_repr r;
    size_t len;
    const uint8_t *m = msg_of(frame, flen, &ip, &len);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, m, len, &r), 0);
    SK_CHECK_EQ(sk_icmp6_emit(ip.src, ip.dst, &r, out, sizeof out), len);
    SK_CHECK_MEM(out, m, len);
}

static void test_golden_echo(void)
{
    sk_ip6_repr ip;
    sk_icmp6_repr r;
    size_t len;
    const uint8_t *m = MSG(echo6_request, &ip, &len);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, m, len, &r), 0);
    SK_CHECK_EQ(r.type, SK_ICMP6_ECHO_REQUEST);
    SK_CHECK_EQ(r.code, 0u);
    SK_CHECK_EQ(r.checksum, 0x2678u);
    SK_CHECK_EQ(r.echo_id, 0x273du);
    SK_CHECK_EQ(r.echo_seq, 1u);
    SK_CHECK_EQ(r.data_len, 56u);
    SK_CHECK(r.data == m + 8);
    SK_CHECK_EQ(r.data[16], 0x10u); /* ping's pattern after its timestamp */
    m = MSG(echo6_reply, &ip, &len);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, m, len, &r), 0);
    SK_CHECK_EQ(r.type, SK_ICMP6_ECHO_REPLY);
    SK_CHECK_EQ(r.checksum, 0x2578u);
    SK_CHECK_EQ(r.echo_id, 0x273du);
    check_reemit(echo6_request, sizeof echo6_request);
    check_reemit(echo6_reply, sizeof echo6_reply);
}

static void test_golden_errors(void)
{
    sk_ip6_repr ip, q;
    sk_icmp6_repr r;
    size_t len;
    const uint8_t *m = MSG(port_unreach6, &ip, &len);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, m, len, &r), 0);
    SK_CHECK_EQ(r.type, SK_ICMP6_DEST_UNREACH);
    SK_CHECK_EQ(r.code, SK_ICMP6_UNREACH_PORT);
    SK_CHECK_EQ(r.checksum, 0xf0d8u);
    SK_CHECK_EQ(r.data_len, 55u); /* the whole 'closed\n' datagram: 40 + 8 + 7 */
    SK_CHECK_EQ_I(sk_ip6_parse(r.data, r.data_len, &q), 0);
    SK_CHECK(sk_ip6_eq(q.src, A6("2001:db8:1::a")) && sk_ip6_eq(q.dst, A6("2001:db8:1::b")));
    SK_CHECK_EQ(q.next_header, SK_IPPROTO_UDP);
    SK_CHECK_EQ(sk_load_be16(q.payload + 2), 9999u);

    m = MSG(time_exceeded6, &ip, &len);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, m, len, &r), 0);
    SK_CHECK_EQ(r.type, SK_ICMP6_TIME_EXCEEDED);
    SK_CHECK_EQ(r.code, SK_ICMP6_TIME_HOP_LIMIT);
    SK_CHECK_EQ(r.data_len, 104u);
    SK_CHECK_EQ_I(sk_ip6_parse(r.data, r.data_len, &q), 0);
    SK_CHECK_EQ(q.hop_limit, 1u);
    SK_CHECK(sk_ip6_eq(q.dst, A6("2001:db8:2::c")));

    /* B quoted as much as fits in 1280 bytes: exactly our limit */
    m = MSG(too_big6, &ip, &len);
    SK_CHECK_EQ(SK_IP6_HDR_LEN + len, 1280u);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, m, len, &r), 0);
    SK_CHECK_EQ(r.type, SK_ICMP6_PACKET_TOO_BIG);
    SK_CHECK_EQ(r.mtu, 1280u);
    SK_CHECK_EQ(r.checksum, 0x7d8du);
    SK_CHECK_EQ(r.data_len, (size_t)SK_ICMP6_ERR_QUOTE_MAX);
    SK_CHECK_EQ_I(sk_ip6_parse(r.data, r.data_len, &q), SK_DROP_IP6_PAYLOAD_LEN); /* cut */
    check_reemit(port_unreach6, sizeof port_unreach6);
    check_reemit(time_exceeded6, sizeof time_exceeded6);
    check_reemit(too_big6, sizeof too_big6);
}

/* RFC 4443 §2.4(c): emit quotes at most 1232 bytes of a longer invoking
 * packet, giving B's bytes exactly. */
static void test_error_quote_cut_at_min_mtu(void)
{
    sk_ip6_repr ip;
    sk_icmp6_repr r;
    size_t len;
    static uint8_t invoking[1448];
    const uint8_t *m = MSG(too_big6, &ip, &len);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, m, len, &r), 0);
    memcpy(invoking, r.data, r.data_len);
    memset(invoking + r.data_len, 0x5a, sizeof invoking - r.data_len);
    r.data = invoking;
    r.data_len = sizeof invoking;
    SK_CHECK_EQ(sk_icmp6_emit(ip.src, ip.dst, &r, out, sizeof out), len);
    SK_CHECK_MEM(out, m, len);
    /* an echo is not cut */
    sk_icmp6_repr e = {0};
    e.type = SK_ICMP6_ECHO_REPLY;
    e.data = invoking;
    e.data_len = sizeof invoking;
    SK_CHECK_EQ(sk_icmp6_emit(ip.src, ip.dst, &e, out, sizeof out), 8 + sizeof invoking);
    SK_CHECK_EQ(sk_icmp6_emit(ip.src, ip.dst, &e, out, 8 + sizeof invoking - 1), 0u);
}

static void test_param_problem_round_trip(void)
{
    sk_ip6 s = A6("2001:db8:1::b"), d = A6("2001:db8:1::a");
    sk_icmp6_repr r = {0}, p;
    r.type = SK_ICMP6_PARAM_PROBLEM;
    r.code = SK_ICMP6_PARAM_OPTION;
    r.pointer = 44;
    r.data = echo6_request + 14;
    r.data_len = sizeof echo6_request - 14;
    size_t n = sk_icmp6_emit(s, d, &r, out, sizeof out);
    SK_CHECK_EQ(n, 8 + r.data_len);
    SK_CHECK_EQ(sk_load_be32(out + 4), 44u);
    SK_CHECK_EQ_I(sk_icmp6_parse(s, d, out, n, &p), 0);
    SK_CHECK_EQ(p.type, SK_ICMP6_PARAM_PROBLEM);
    SK_CHECK_EQ(p.code, SK_ICMP6_PARAM_OPTION);
    SK_CHECK_EQ(p.pointer, 44u);
    /* the same message checked for other addresses fails */
    SK_CHECK_EQ_I(sk_icmp6_parse(d, s, out, n, &p), 0); /* swapped: same sum */
    SK_CHECK_EQ_I(sk_icmp6_parse(s, A6("2001:db8:1::c"), out, n, &p), SK_DROP_ICMP6_CHECKSUM);
    /* unused words of unreachable and time exceeded are sent as zero */
    r.type = SK_ICMP6_DEST_UNREACH;
    r.word = 0xdeadbeef;
    n = sk_icmp6_emit(s, d, &r, out, sizeof out);
    SK_CHECK_EQ(sk_load_be32(out + 4), 0u);
}

static void test_reject_truncated_and_checksum(void)
{
    sk_ip6_repr ip;
    sk_icmp6_repr r;
    size_t len;
    const uint8_t *m = MSG(echo6_request, &ip, &len);
    for (size_t n = 0; n < SK_ICMP6_HDR_LEN; n++)
        SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, m, n, &r), SK_DROP_ICMP6_TRUNCATED);
    /* one byte short: the checksum no longer matches */
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, m, len - 1, &r), SK_DROP_ICMP6_CHECKSUM);
    uint8_t c[sizeof echo6_request];
    for (size_t i = 0; i < len; i++) {
        memcpy(c, m, len);
        c[i] ^= 0x01;
        SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, c, len, &r), SK_DROP_ICMP6_CHECKSUM);
    }
}

/* Change type/body of a golden message and fix its checksum, so that only
 * the rule under test can fail. */
static void refix(sk_ip6 s, sk_ip6 d, uint8_t *m, size_t n)
{
    sk_icmp6_fill_checksum(s, d, m, n);
}

static void test_types_and_quotes(void)
{
    sk_ip6_repr ip;
    sk_icmp6_repr r;
    size_t len;
    uint8_t c[sizeof port_unreach6];
    const uint8_t *m = MSG(port_unreach6, &ip, &len);
    /* §2.4(b): unknown informational types are discarded */
    for (unsigned t = 130; t < 256; t++) {
        memcpy(c, m, len);
        c[0] = (uint8_t)t;
        refix(ip.src, ip.dst, c, len);
        bool handled = t == 130 || (t >= 133 && t <= 137) || t == 143;
        SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, c, len, &r),
                      handled ? 0 : SK_DROP_ICMP6_UNHANDLED);
    }
    /* §2.4(a): an unknown error type is passed on with its quote */
    memcpy(c, m, len);
    c[0] = 100;
    refix(ip.src, ip.dst, c, len);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, c, len, &r), 0);
    SK_CHECK_EQ(r.type, 100u);
    SK_CHECK_EQ(r.data_len, 55u);
    /* §2.4(d): an error must quote an IPv6 header */
    for (size_t n = 8; n < 48; n++) {
        memcpy(c, m, n);
        refix(ip.src, ip.dst, c, n);
        SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, c, n, &r), SK_DROP_ICMP6_BAD_QUOTE);
    }
    memcpy(c, m, 48);
    refix(ip.src, ip.dst, c, 48);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, c, 48, &r), 0);
    memcpy(c, m, len);
    c[8] = 0x45; /* an IPv4 header quoted */
    refix(ip.src, ip.dst, c, len);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, c, len, &r), SK_DROP_ICMP6_BAD_QUOTE);
}

/* --- MLDv2 ---------------------------------------------------------------- */

static void test_mld2_golden(void)
{
    sk_ip6_repr ip;
    sk_ip6_ext e;
    sk_icmp6_repr r;
    sk_mld2_record rec[2];
    size_t n = 99;
    SK_CHECK_EQ_I(sk_ip6_parse(mld2_report + 14, sizeof mld2_report - 14, &ip), 0);
    SK_CHECK_EQ_I(sk_ip6_walk_ext(&ip, &e), 0);
    const uint8_t *m = mld2_report + 14 + e.offset;
    size_t len = sizeof mld2_report - 14 - e.offset;
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, m, len, &r), 0);
    SK_CHECK_EQ(r.type, SK_ICMP6_MLD2_REPORT);
    SK_CHECK_EQ(r.checksum, 0x6f80u);
    SK_CHECK_EQ_I(sk_mld2_report_parse(m, len, rec, 2, &n), 0);
    SK_CHECK_EQ(n, 1u);
    SK_CHECK_EQ(rec[0].type, SK_MLD2_CHANGE_TO_EXCLUDE);
    SK_CHECK_EQ(rec[0].n_sources, 0u);
    SK_CHECK(sk_ip6_eq(rec[0].group, A6("ff02::1:ff00:a")));
    SK_CHECK(sk_ip6_is_unspecified(ip.src) && ip.hop_limit == 1);
    /* our emit writes Linux's packet byte for byte */
    size_t w = sk_mld2_report_emit(ip.src, rec, 1, out, sizeof out);
    SK_CHECK_EQ(w, sizeof mld2_report - 14);
    SK_CHECK_MEM(out, mld2_report + 14, sizeof mld2_report - 14);
    SK_CHECK_EQ(sk_mld2_report_emit(ip.src, rec, 1, out, w - 1), 0u);
}

static void test_mld2_sources_round_trip(void)
{
    sk_ip6 src = A6("fe80::ff:fe00:a"), srcs[2] = {A6("2001:db8::1"), A6("2001:db8::2")};
    sk_mld2_record recs[3] = {
        {SK_MLD2_ALLOW_NEW_SOURCES, 0, 2, A6("ff0e::1234"), srcs[0].b},
        {SK_MLD2_CHANGE_TO_EXCLUDE, 0, 0, A6("ff02::1:ff00:1"), NULL},
        {SK_MLD2_BLOCK_OLD_SOURCES, 0, 1, A6("ff0e::1234"), srcs[1].b},
    };
    sk_mld2_record got[3];
    size_t n = 0;
    uint8_t flat[32];
    memcpy(flat, srcs[0].b, 16);
    memcpy(flat + 16, srcs[1].b, 16);
    recs[0].sources = flat;
    size_t w = sk_mld2_report_emit(src, recs, 3, out, sizeof out);
    SK_CHECK_EQ(w, 40u + 8 + 8 + 3 * 20 + 3 * 16);
    sk_ip6_repr ip;
    sk_ip6_ext e;
    sk_icmp6_repr r;
    SK_CHECK_EQ_I(sk_ip6_parse(out, w, &ip), 0);
    SK_CHECK(sk_ip6_eq(ip.dst, sk_ip6_mld2_routers()) && ip.hop_limit == 1);
    SK_CHECK_EQ_I(sk_ip6_walk_ext(&ip, &e), 0);
    SK_CHECK(e.router_alert && e.router_alert_value == 0);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, out + e.offset, w - e.offset, &r), 0);
    SK_CHECK_EQ_I(sk_mld2_report_parse(out + e.offset, w - e.offset, got, 3, &n), 0);
    SK_CHECK_EQ(n, 3u);
    SK_CHECK_EQ(got[0].n_sources, 2u);
    SK_CHECK_MEM(got[0].sources, flat, 32);
    SK_CHECK_EQ(got[2].type, SK_MLD2_BLOCK_OLD_SOURCES);
    SK_CHECK_MEM(got[2].sources, srcs[1].b, 16);
    /* fewer slots than records: the count is still the header's */
    SK_CHECK_EQ_I(sk_mld2_report_parse(out + e.offset, w - e.offset, got, 1, &n), 0);
    SK_CHECK_EQ(n, 3u);
    /* every cut inside a record is refused */
    for (size_t cut = 8; cut < w - e.offset; cut++)
        SK_CHECK_EQ_I(sk_mld2_report_parse(out + e.offset, cut, got, 3, &n),
                      SK_DROP_MLD_BAD_REPORT);
    /* aux data counts in a record's length: one word on the last record
     * runs past the message */
    uint8_t *m = out + e.offset;
    m[8 + 52 + 20 + 1] = 1;
    SK_CHECK_EQ_I(sk_mld2_report_parse(m, w - e.offset, got, 3, &n), SK_DROP_MLD_BAD_REPORT);
    SK_CHECK_EQ_I(sk_mld2_report_parse(echo6_request + 54, 64, got, 3, &n),
                  SK_DROP_ICMP6_UNHANDLED);
}

int main(void)
{
    SK_RUN(test_golden_echo);
    SK_RUN(test_golden_errors);
    SK_RUN(test_error_quote_cut_at_min_mtu);
    SK_RUN(test_param_problem_round_trip);
    SK_RUN(test_reject_truncated_and_checksum);
    SK_RUN(test_types_and_quotes);
    SK_RUN(test_mld2_golden);
    SK_RUN(test_mld2_sources_round_trip);
    return sk_test_finish();
}
