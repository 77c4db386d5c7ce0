/* iface/ip_reass: IPv4 reassembly (RFC 791 §3.2, RFC 815, RFC 5722 spirit).
 *
 * The stack runs on a raw IP link at 10.0.0.2/24; the peer 10.0.0.1 sends
 * an ICMP echo request of 1000 data bytes cut into fragments. A reassembled
 * request must be answered exactly like an unfragmented one: one echo reply
 * carrying the same identifier, sequence number and 1000 data bytes. */
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

#include <string.h>

#define SEC(n) ((sk_time_us)(n) * 1000000u)

static const sk_ip4 US = {{10, 0, 0, 2}};
static const sk_ip4 PEER = {{10, 0, 0, 1}};

static sk_stack *make_stack(uint8_t reass_max)
{
    sk_stack_config cfg;
    ifx_ip_config(&cfg, US);
    cfg.ip_reass_max = reass_max;
    return ifx_create(&cfg);
}

/* The ICMP echo request (8-byte header + 1000 pattern bytes). */
static uint8_t g_msg[1008];

static void make_msg(uint16_t seq)
{
    uint8_t data[1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    sk_icmp4_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP_ECHO_REQUEST;
    m.echo_id = 0x1234;
    m.echo_seq = seq;
    m.data = data;
    m.data_len = sizeof data;
    SK_CHECK_EQ(sk_icmp4_emit(&m, g_msg, sizeof g_msg), sizeof g_msg);
}

/* Send bytes [off, off+len) of `msg` as a fragment of datagram `id`. */
static void frag_from(sk_stack *s, sk_time_us now, uint16_t id, const uint8_t *msg, size_t off,
                      size_t len, bool mf)
{
    uint8_t pkt[1600];
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.id = id;
    ip.mf = mf;
    ip.frag_off = (uint16_t)off;
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_ICMP;
    ip.src = PEER;
    ip.dst = US;
    size_t n = ifx_ip_wrap(&ip, msg + off, len, pkt, sizeof pkt);
    sk_stack_input(s, now, pkt, n);
}

static void frag(sk_stack *s, sk_time_us now, size_t off, size_t len, bool mf)
{
    frag_from(s, now, 77, g_msg, off, len, mf);
}

/* Expect exactly one echo reply answering g_msg, then nothing. */
static void expect_reply(sk_stack *s, sk_time_us now)
{
    uint8_t out[2048];
    size_t n = sk_stack_output(s, now, out, sizeof out);
    SK_CHECK_EQ(n, 20 + sizeof g_msg);
    sk_ip4_repr ip;
    SK_CHECK_EQ_I(sk_ip4_parse(out, n, &ip), 0);
    SK_CHECK(sk_ip4_eq(ip.src, US) && sk_ip4_eq(ip.dst, PEER));
    SK_CHECK(!ip.mf && ip.frag_off == 0);
    SK_CHECK_EQ(ip.proto, SK_IPPROTO_ICMP);
    sk_icmp4_repr m;
    SK_CHECK_EQ_I(sk_icmp4_parse(ip.payload, ip.payload_len, &m), 0);
    SK_CHECK_EQ(m.type, SK_ICMP_ECHO_REPLY);
    SK_CHECK_EQ(m.echo_id, 0x1234);
    SK_CHECK_EQ(m.data_len, 1000);
    SK_CHECK_MEM(m.data, g_msg + 8, 1000);
    SK_CHECK_EQ(sk_stack_output(s, now, out, sizeof out), 0);
}

static void expect_nothing(sk_stack *s, sk_time_us now)
{
    uint8_t out[2048];
    SK_CHECK_EQ(sk_stack_output(s, now, out, sizeof out), 0);
}

static void test_in_order(void)
{
    sk_stack *s = make_stack(4);
    make_msg(1);
    frag(s, 0, 0, 400, true);
    expect_nothing(s, 0);
    SK_CHECK_EQ(sk_stack_poll_at(s), SEC(30)); /* the reassembly timer */
    frag(s, 1, 400, 400, true);
    expect_nothing(s, 1);
    frag(s, 2, 800, 208, false);
    expect_reply(s, 2);
    const sk_stats *st = sk_stack_stats(s);
    SK_CHECK_EQ(st->ip_frags_in, 3);
    SK_CHECK_EQ(st->ip_reassembled, 1);
    SK_CHECK_EQ(st->icmp_echo_requests_in, 1);
    SK_CHECK_EQ(st->drops, 0);
    SK_CHECK_EQ(sk_stack_poll_at(s), SK_NEVER); /* the slot is free again */
    sk_stack_destroy(s);
}

static void test_out_of_order(void)
{
    sk_stack *s = make_stack(4);
    make_msg(2);
    frag(s, 0, 800, 208, false); /* last first */
    frag(s, 0, 0, 400, true);
    expect_nothing(s, 0);
    frag(s, 0, 400, 400, true); /* the hole in the middle */
    expect_reply(s, 0);
    SK_CHECK_EQ(sk_stack_stats(s)->drops, 0);
    sk_stack_destroy(s);
}

/* A duplicate fragment (same bytes) changes nothing and is no error. */
static void test_duplicate(void)
{
    sk_stack *s = make_stack(4);
    make_msg(3);
    frag(s, 0, 0, 400, true);
    frag(s, 0, 0, 400, true);
    frag(s, 0, 400, 400, true);
    frag(s, 0, 800, 208, false);
    expect_reply(s, 0);
    /* a late duplicate starts a new datagram, which then times out */
    frag(s, 1, 400, 400, true);
    expect_nothing(s, 1);
    SK_CHECK_EQ(sk_stack_stats(s)->drops, 0);
    sk_stack_destroy(s);
}

/* Overlapping with identical bytes: accepted (a re-fragmented retransmission). */
static void test_overlap_same(void)
{
    sk_stack *s = make_stack(4);
    make_msg(4);
    frag(s, 0, 0, 480, true);
    frag(s, 0, 400, 400, true); /* bytes 400..479 again, same */
    frag(s, 0, 792, 216, false);
    expect_reply(s, 0);
    SK_CHECK_EQ(sk_stack_stats(s)->drops, 0);
    sk_stack_destroy(s);
}

/* Overlapping with different bytes: the whole datagram is dropped, and so
 * are its fragments still to come, until its timer runs out. */
static void test_overlap_different(void)
{
    sk_stack *s = make_stack(4);
    make_msg(5);
    uint8_t evil[sizeof g_msg];
    memcpy(evil, g_msg, sizeof evil);
    evil[450] ^= 0xff;
    frag(s, 0, 0, 480, true);
    frag_from(s, 0, 77, evil, 400, 400, true);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_OVERLAP), 1);
    frag(s, 0, 800, 208, false); /* the rest of it: dropped too */
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_OVERLAP), 2);
    expect_nothing(s, 0);
    /* the dead datagram's timer ends without a timeout count */
    expect_nothing(s, SEC(30));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_TIMEOUT), 0);
    /* after that the same id is a fresh datagram */
    frag(s, SEC(31), 0, 400, true);
    frag(s, SEC(31), 400, 400, true);
    frag(s, SEC(31), 800, 208, false);
    expect_reply(s, SEC(31));
    sk_stack_destroy(s);
}

/* A missing fragment: the datagram times out at exactly 30 s, counted
 * once, and an ICMP time exceeded (code 1) quotes fragment zero. */
static void test_missing_timeout(void)
{
    sk_stack *s = make_stack(4);
    make_msg(6);
    frag(s, SEC(1), 0, 400, true);
    frag(s, SEC(1), 800, 208, false);
    expect_nothing(s, SEC(31) - 1);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_TIMEOUT), 0);
    SK_CHECK_EQ(sk_stack_poll_at(s), SEC(31));
    uint8_t out[2048];
    size_t n = sk_stack_output(s, SEC(31), out, sizeof out);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_TIMEOUT), 1);
    SK_CHECK_EQ(n, 20 + 8 + 20 + 400); /* header + fragment zero's data */
    sk_ip4_repr ip;
    SK_CHECK_EQ_I(sk_ip4_parse(out, n, &ip), 0);
    SK_CHECK(sk_ip4_eq(ip.dst, PEER));
    sk_icmp4_repr m;
    SK_CHECK_EQ_I(sk_icmp4_parse(ip.payload, ip.payload_len, &m), 0);
    SK_CHECK_EQ(m.type, SK_ICMP_TIME_EXCEEDED);
    SK_CHECK_EQ(m.code, 1);
    SK_CHECK_MEM(m.data + 20, g_msg, 400);
    SK_CHECK_EQ(sk_stack_stats(s)->icmp_time_exceeded_out, 1);
    expect_nothing(s, SEC(31));
    SK_CHECK_EQ(sk_stack_poll_at(s), SK_NEVER);
    sk_stack_destroy(s);
}

/* Without fragment zero the timeout sends nothing (RFC 1122 §3.3.2). */
static void test_timeout_without_first(void)
{
    sk_stack *s = make_stack(4);
    make_msg(7);
    frag(s, 0, 400, 400, true);
    expect_nothing(s, SEC(30));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_TIMEOUT), 1);
    sk_stack_destroy(s);
}

/* Two datagrams at once with ip_reass_max 2; a third is refused and
 * counted, the two in progress complete. */
static void test_too_many(void)
{
    sk_stack *s = make_stack(2);
    make_msg(8);
    frag_from(s, 0, 1, g_msg, 0, 400, true);
    frag_from(s, 0, 2, g_msg, 0, 400, true);
    frag_from(s, 0, 3, g_msg, 0, 400, true);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_NOMEM), 1);
    frag_from(s, 0, 3, g_msg, 400, 400, true);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_NOMEM), 2);
    for (uint16_t id = 1; id <= 2; id++) {
        frag_from(s, 0, id, g_msg, 400, 400, true);
        frag_from(s, 0, id, g_msg, 800, 208, false);
        expect_reply(s, 0);
    }
    sk_stack_destroy(s);
}

/* Fragments that cannot be right, each dropped alone as IP_FRAG_BAD. */
static void test_bad_fragments(void)
{
    sk_stack *s = make_stack(4);
    make_msg(9);
    frag(s, 0, 0, 401, true); /* non-final length not a multiple of 8 */
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_BAD), 1);
    frag(s, 0, 8, 0, true); /* no data */
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_BAD), 2);
    /* ends past 65535 - 20: offset 65528 (the largest) + 16 bytes */
    uint8_t pkt[64];
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.total_len = 20 + 16;
    ip.id = 10;
    ip.frag_off = 65528;
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_ICMP;
    ip.src = PEER;
    ip.dst = US;
    sk_ip4_emit(&ip, pkt, sizeof pkt);
    memset(pkt + 20, 0, 16);
    sk_stack_input(s, 0, pkt, 36);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_BAD), 3);
    SK_CHECK_EQ(sk_stack_stats(s)->ip_frags_in, 0);
    expect_nothing(s, 0);
    sk_stack_destroy(s);
}

/* Inconsistent ends kill the datagram: data past the last fragment, two
 * last fragments that disagree. */
static void test_inconsistent_end(void)
{
    sk_stack *s = make_stack(4);
    make_msg(10);
    frag_from(s, 0, 21, g_msg, 800, 208, false);
    frag_from(s, 0, 21, g_msg, 400, 600, false); /* a second, different last */
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_BAD), 1);
    frag_from(s, 0, 22, g_msg, 400, 200, false);
    frag_from(s, 0, 22, g_msg, 0, 800, true); /* data past the end */
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_BAD), 2);
    expect_nothing(s, 0);
    sk_stack_destroy(s);
}

/* A 60000-byte datagram (needs a 64 KiB slot) is reassembled; the reply
 * would exceed the MTU and we never fragment: counted, not answered. */
static void test_large(void)
{
    sk_stack *s = make_stack(1);
    static uint8_t big[60008];
    uint8_t data[60000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    sk_icmp4_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP_ECHO_REQUEST;
    m.data = data;
    m.data_len = sizeof data;
    SK_CHECK_EQ(sk_icmp4_emit(&m, big, sizeof big), sizeof big);
    for (size_t off = 0; off < sizeof big; off += 1480) {
        size_t len = sizeof big - off < 1480 ? sizeof big - off : 1480;
        frag_from(s, 0, 5, big, off, len, off + len < sizeof big);
    }
    SK_CHECK_EQ(sk_stack_stats(s)->ip_reassembled, 1);
    SK_CHECK_EQ(sk_stack_stats(s)->icmp_echo_requests_in, 1);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_TOO_BIG), 1);
    expect_nothing(s, 0);
    sk_stack_destroy(s);
}

/* Reassembly off: fragments are dropped as before. */
static void test_disabled(void)
{
    sk_stack *s = make_stack(0);
    make_msg(11);
    frag(s, 0, 0, 400, true);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAGMENT), 1);
    SK_CHECK_EQ(sk_stack_poll_at(s), SK_NEVER);
    sk_stack_destroy(s);
}

/* RFC 1122 §3.2.2: no ICMP error about an ICMP error, even when it arrived
 * in fragments and fragment zero was seen: its reassembly times out
 * silently. An ICMP query (echo) in the same case does get time exceeded
 * (test_missing_timeout). */
static void test_timeout_of_icmp_error_silent(void)
{
    sk_stack *s = make_stack(4);
    uint8_t msg[1008];
    memset(msg, 0x5a, sizeof msg);
    msg[0] = SK_ICMP_DEST_UNREACH; /* only the type byte matters here */
    msg[1] = 1;
    frag_from(s, SEC(1), 91, msg, 0, 400, true);
    expect_nothing(s, SEC(31));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_FRAG_TIMEOUT), 1);
    SK_CHECK_EQ(sk_stack_stats(s)->icmp_time_exceeded_out, 0);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_in_order);
    SK_RUN(test_out_of_order);
    SK_RUN(test_duplicate);
    SK_RUN(test_overlap_same);
    SK_RUN(test_overlap_different);
    SK_RUN(test_missing_timeout);
    SK_RUN(test_timeout_without_first);
    SK_RUN(test_timeout_of_icmp_error_silent);
    SK_RUN(test_too_many);
    SK_RUN(test_bad_fragments);
    SK_RUN(test_inconsistent_end);
    SK_RUN(test_large);
    SK_RUN(test_disabled);
    return sk_test_finish();
}
