/* ICMPv6 errors about our packets, at the interface, in virtual time:
 * to UDP sockets (RFC 4443 §3.1, §2.4 (e); RFC 1122 §4.1.3.3), through
 * extension headers in the quote to the transport header (RFC 4443 §2.4
 * (c), RFC 8200 §4), and packet too big into the per-destination path MTU
 * cache (RFC 8201 §4, §5.2): validation, every connection to the
 * destination, new connections, aging. Raw IP link, us 2001:db8::2, peers
 * 2001:db8::1 and others; every error is built from the packet we sent. */
#include "api/stack_impl.h"
#include "base/bytes.h"
#include "base/checksum.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/tcp_hdr.h"

#include <string.h>

static sk_ip6 a6(uint8_t last)
{
    sk_ip6 r = {{0x20, 0x01, 0x0d, 0xb8}};
    r.b[15] = last;
    return r;
}

#define US6 a6(2)
#define PEER6 a6(1)
#define ROUTER6 a6(0x99)

static sk_stack *make6(void)
{
    sk_stack_config cfg;
    ifx_ip_config(&cfg, sk_ip4_make(0, 0, 0, 0));
    cfg.n_addrs = 1;
    cfg.addrs[0].addr = sk_ipaddr_from_ip6(US6);
    cfg.addrs[0].prefix_len = 64;
    cfg.mtu = 1500;
    cfg.max_sockets = 8;
    return ifx_create(&cfg);
}

/* An ICMPv6 error from `from` quoting q[0..qlen) (cut to fit a message). */
static void err_in(sk_stack *s, sk_time_us t, sk_ip6 from, uint8_t type, uint8_t code,
                   uint32_t word, const uint8_t *q, size_t qlen)
{
    static uint8_t msg[1400], pkt[1500];
    sk_icmp6_repr m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.code = code;
    m.mtu = word;
    m.pointer = word;
    m.data = q;
    m.data_len = qlen < 1200 ? qlen : 1200;
    size_t ml = sk_icmp6_emit(from, US6, &m, msg, sizeof msg);
    SK_CHECK(ml > 0);
    sk_stack_input(s, t, pkt, ifx_ip6_wrap(from, US6, SK_IPPROTO_ICMPV6, msg, ml, pkt));
}

/* p (an IPv6 packet of *n bytes) gets an extension header of `len` bytes
 * right after its fixed header: destination options (PadN) or a fragment
 * header with offset `frag_off`. */
static void insert_ext(uint8_t *p, size_t *n, uint8_t kind, uint16_t frag_off)
{
    size_t len = 8;
    memmove(p + SK_IP6_HDR_LEN + len, p + SK_IP6_HDR_LEN, *n - SK_IP6_HDR_LEN);
    uint8_t *h = p + SK_IP6_HDR_LEN;
    memset(h, 0, len);
    h[0] = p[6];
    if (kind == SK_IPPROTO_DSTOPTS) {
        h[2] = 1; /* PadN of 4 */
        h[3] = 4;
    } else {
        sk_store_be16(h + 2, frag_off);
        sk_store_be32(h + 4, 0x1234);
    }
    p[6] = kind;
    *n += len;
    sk_store_be16(p + 4, (uint16_t)(*n - SK_IP6_HDR_LEN));
}

static size_t out1(sk_stack *s, sk_time_us now, uint8_t *buf)
{
    return sk_stack_output(s, now, buf, 2048);
}

static bool event_for(sk_stack *s, sk_sock h, uint32_t bit)
{
    sk_event ev;
    bool seen = false;
    while (sk_stack_next_event(s, &ev))
        seen = seen || (ev.sock.idx == h.idx && ev.sock.gen == h.gen && (ev.events & bit));
    return seen;
}

/* A UDP socket connected to dst:53 that has sent "query"; *sent its packet. */
static sk_sock udp_sent(sk_stack *s, sk_ip6 dst, uint8_t *sent, size_t *n, size_t len)
{
    sk_sock u;
    SK_CHECK_EQ_I(sk_udp_open(s, &u), 0);
    sk_endpoint r = {sk_ipaddr_from_ip6(dst), 53};
    SK_CHECK_EQ_I(sk_udp_connect(s, u, &r), 0);
    static uint8_t pay[1452];
    memcpy(pay, "query", 5);
    SK_CHECK_EQ((int)sk_udp_send(s, 0, u, pay, len), (int)len);
    *n = out1(s, 0, sent);
    SK_CHECK_EQ(*n, SK_IP6_HDR_LEN + 8 + len);
    (void)event_for(s, u, 0); /* the WRITABLE of the open, reported */
    return u;
}

/* Port unreachable quoting a connected socket's datagram: its next recv
 * fails once with SK_ECONNREFUSED (then SK_EAGAIN), with an ERROR event;
 * the same for its next send. Parameter problem code 1 (UDP unknown at the
 * destination) is the same hard error. */
static void test_udp_port_unreachable(void)
{
    sk_stack *s = make6();
    uint8_t sent[2048], b[16];
    size_t n;
    sk_sock u = udp_sent(s, PEER6, sent, &n, 5);
    err_in(s, SK_MSEC(1), PEER6, SK_ICMP6_DEST_UNREACH, SK_ICMP6_UNREACH_PORT, 0, sent, n);
    SK_CHECK(event_for(s, u, SK_EV_ERROR));
    sk_udp_info in;
    SK_CHECK_EQ_I(sk_udp_get_info(s, u, &in), 0);
    SK_CHECK_EQ_I(in.error, SK_ECONNREFUSED);
    SK_CHECK_EQ_I((int)sk_udp_recv(s, SK_MSEC(1), u, b, sizeof b), SK_ECONNREFUSED);
    SK_CHECK_EQ_I((int)sk_udp_recv(s, SK_MSEC(1), u, b, sizeof b), SK_EAGAIN);
    err_in(s, SK_MSEC(2), PEER6, SK_ICMP6_PARAM_PROBLEM, SK_ICMP6_PARAM_NEXT_HEADER, 6, sent, n);
    SK_CHECK_EQ_I((int)sk_udp_send(s, SK_MSEC(2), u, "x", 1), SK_ECONNREFUSED);
    SK_CHECK_EQ((int)sk_udp_send(s, SK_MSEC(2), u, "x", 1), 1);
    sk_stack_destroy(s);
}

/* Not reported: to an unconnected socket (as Linux without IPV6_RECVERR:
 * counted ICMP_NO_CONN), to a socket connected elsewhere, and soft errors
 * (time exceeded, address unreachable: UDP_ICMP_SOFT). */
static void test_udp_errors_not_reported(void)
{
    sk_stack *s = make6();
    uint8_t sent[2048], b[16];
    size_t n;
    sk_sock u = udp_sent(s, PEER6, sent, &n, 5);
    err_in(s, SK_MSEC(1), ROUTER6, SK_ICMP6_TIME_EXCEEDED, 0, 0, sent, n);
    err_in(s, SK_MSEC(1), ROUTER6, SK_ICMP6_DEST_UNREACH, SK_ICMP6_UNREACH_ADDR, 0, sent, n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_UDP_ICMP_SOFT), 2);
    SK_CHECK_EQ_I((int)sk_udp_recv(s, SK_MSEC(1), u, b, sizeof b), SK_EAGAIN);
    /* an unconnected socket's datagram to the same port */
    sk_sock v;
    SK_CHECK_EQ_I(sk_udp_open(s, &v), 0);
    sk_endpoint r = {sk_ipaddr_from_ip6(a6(5)), 53};
    SK_CHECK_EQ((int)sk_udp_sendto(s, 0, v, "query", 5, &r), 5);
    n = out1(s, 0, sent);
    SK_CHECK(n > 0);
    err_in(s, SK_MSEC(1), a6(5), SK_ICMP6_DEST_UNREACH, SK_ICMP6_UNREACH_PORT, 0, sent, n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_NO_CONN), 1);
    SK_CHECK_EQ_I((int)sk_udp_recvfrom(s, SK_MSEC(1), v, b, sizeof b, NULL), SK_EAGAIN);
    SK_CHECK_EQ_I((int)sk_udp_recv(s, SK_MSEC(1), u, b, sizeof b), SK_EAGAIN);
    sk_stack_destroy(s);
}

/* The quoted datagram behind a destination options header and a first
 * fragment header: the walk finds UDP and the socket hears it. A quote of
 * a later fragment, one cut inside an extension header, and one with only
 * 4 bytes of the UDP header are dropped as ICMP6_QUOTE_TRUNCATED. */
static void test_quote_behind_extension_headers(void)
{
    sk_stack *s = make6();
    uint8_t sent[2048], q[2048], b[16];
    size_t n;
    sk_sock u = udp_sent(s, PEER6, sent, &n, 5);
    size_t qn = n;
    memcpy(q, sent, n);
    insert_ext(q, &qn, SK_IPPROTO_FRAGMENT, 0);
    insert_ext(q, &qn, SK_IPPROTO_DSTOPTS, 0);
    SK_CHECK_EQ(q[6], SK_IPPROTO_DSTOPTS);
    err_in(s, SK_MSEC(1), PEER6, SK_ICMP6_DEST_UNREACH, SK_ICMP6_UNREACH_PORT, 0, q, qn);
    SK_CHECK_EQ_I((int)sk_udp_recv(s, SK_MSEC(1), u, b, sizeof b), SK_ECONNREFUSED);
    err_in(s, SK_MSEC(2), PEER6, SK_ICMP6_DEST_UNREACH, SK_ICMP6_UNREACH_PORT, 0, q,
           SK_IP6_HDR_LEN + 16 + 4);
    err_in(s, SK_MSEC(2), PEER6, SK_ICMP6_DEST_UNREACH, SK_ICMP6_UNREACH_PORT, 0, q,
           SK_IP6_HDR_LEN + 4);
    qn = n;
    memcpy(q, sent, n);
    insert_ext(q, &qn, SK_IPPROTO_FRAGMENT, 8); /* offset 8: no UDP header in it */
    err_in(s, SK_MSEC(2), PEER6, SK_ICMP6_DEST_UNREACH, SK_ICMP6_UNREACH_PORT, 0, q, qn);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP6_QUOTE_TRUNCATED), 3);
    SK_CHECK_EQ_I((int)sk_udp_recv(s, SK_MSEC(2), u, b, sizeof b), SK_EAGAIN);
    sk_stack_destroy(s);
}

/* A SYN quoted behind a destination options header: port unreachable
 * (RFC 1122 §4.2.3.9, a hard error in SYN-SENT) aborts the connect. */
static void test_tcp_behind_extension_header(void)
{
    sk_stack *s = make6();
    sk_endpoint r = {sk_ipaddr_from_ip6(PEER6), 80};
    sk_sock h;
    SK_CHECK_EQ_I(sk_tcp_connect(s, 0, &r, NULL, &h), 0);
    uint8_t q[2048], b[4];
    size_t n = out1(s, 0, q);
    SK_CHECK_EQ(q[6], SK_IPPROTO_TCP);
    insert_ext(q, &n, SK_IPPROTO_DSTOPTS, 0);
    err_in(s, SK_MSEC(1), PEER6, SK_ICMP6_DEST_UNREACH, SK_ICMP6_UNREACH_PORT, 0, q, n);
    SK_CHECK_EQ_I((int)sk_tcp_recv(s, SK_MSEC(1), h, b, sizeof b), SK_ECONNREFUSED);
    sk_stack_destroy(s);
}

/* A connection from local port lport to dst:80, established with the
 * peer's MSS 1440; *iss our ISS. */
static sk_sock established(sk_stack *s, sk_time_us t, sk_ip6 dst, uint16_t lport, uint32_t *iss)
{
    sk_endpoint r = {sk_ipaddr_from_ip6(dst), 80};
    sk_connect_opts o;
    memset(&o, 0, sizeof o);
    o.local_port = lport;
    sk_sock h;
    SK_CHECK_EQ_I(sk_tcp_connect(s, t, &r, &o, &h), 0);
    uint8_t out[2048], seg[64], pkt[256];
    size_t n = out1(s, t, out);
    sk_tcp_repr syn, sa;
    SK_CHECK_EQ_I(sk_tcp_parse(out + SK_IP6_HDR_LEN, n - SK_IP6_HDR_LEN, &syn), 0);
    memset(&sa, 0, sizeof sa);
    sa.src_port = 80;
    sa.dst_port = lport;
    sa.seq = sk_seq_make(5000);
    sa.ack = sk_seq_add(syn.seq, 1);
    sa.flags = SK_TCP_SYN | SK_TCP_ACK;
    sa.window = 65535;
    sa.opts.has_mss = true;
    sa.opts.mss = 1440;
    size_t sl = sk_tcp_emit(&sa, seg, sizeof seg);
    sk_ipaddr sa6 = sk_ipaddr_from_ip6(dst), da6 = sk_ipaddr_from_ip6(US6);
    sk_csum_l4_fill(&sa6, &da6, SK_IPPROTO_TCP, seg, sl, 16);
    sk_stack_input(s, t, pkt, ifx_ip6_wrap(dst, US6, SK_IPPROTO_TCP, seg, sl, pkt));
    SK_CHECK_EQ(out1(s, t, out), SK_IP6_HDR_LEN + 20); /* the ACK */
    *iss = syn.seq.v;
    return h;
}

static uint32_t mss_of(sk_stack *s, sk_sock h)
{
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(s, h, &in), 0);
    return in.snd_mss;
}

/* A full-sized segment of h, sent now (quoted by the tests). */
static size_t full_segment(sk_stack *s, sk_time_us t, sk_sock h, uint8_t *out)
{
    static uint8_t data[3000];
    SK_CHECK_EQ(sk_tcp_send(s, t, h, data, sizeof data), (ptrdiff_t)sizeof data);
    size_t n = out1(s, t, out);
    uint8_t junk[2048];
    while (out1(s, t, junk) > 0) {
    }
    return n;
}

/* RFC 8201 §4/§5.2: a packet too big about one connection's segment
 * lowers the path MTU of its destination: that connection and another
 * one to the same destination lower their MSS (1400 - 60), a connection
 * elsewhere keeps 1440; the quoted connection sends again in the new size
 * at once; a new connection to the destination starts at 1340. */
static void test_ptb_lowers_every_connection_to_destination(void)
{
    sk_stack *s = make6();
    uint32_t iss;
    sk_sock a = established(s, 0, PEER6, 50000, &iss);
    sk_sock b = established(s, 0, PEER6, 50001, &iss);
    sk_sock c = established(s, 0, a6(7), 50002, &iss);
    uint8_t q[2048], out[2048];
    size_t n = full_segment(s, SK_MSEC(1), a, q);
    SK_CHECK_EQ(n, 1500);
    err_in(s, SK_MSEC(2), ROUTER6, SK_ICMP6_PACKET_TOO_BIG, 0, 1400, q, n);
    SK_CHECK_EQ(mss_of(s, a), 1340);
    SK_CHECK_EQ(mss_of(s, b), 1340);
    SK_CHECK_EQ(mss_of(s, c), 1440);
    SK_CHECK_EQ(out1(s, SK_MSEC(2), out), 1400);
    while (out1(s, SK_MSEC(2), out) > 0) {
    }
    SK_CHECK_EQ(sk_stack_stats(s)->pmtu_lowered, 2);
    uint32_t iss2;
    sk_sock d = established(s, SK_MSEC(3), PEER6, 50003, &iss2);
    SK_CHECK_EQ(mss_of(s, d), 1340);
    sk_stack_destroy(s);
}

/* RFC 8201 §4 validation and limits: a quote of a packet that fit the
 * reported MTU, or longer than our link MTU, or of a segment not in
 * flight, changes nothing; an MTU not below the estimate is ignored (a PTB
 * never raises it); below 1280 counts as 1280. */
static void test_ptb_validated(void)
{
    sk_stack *s = make6();
    uint32_t iss;
    sk_sock a = established(s, 0, PEER6, 50000, &iss);
    uint8_t q[2048];
    size_t n = full_segment(s, SK_MSEC(1), a, q);
    err_in(s, SK_MSEC(2), ROUTER6, SK_ICMP6_PACKET_TOO_BIG, 0, 1500, q, n);
    sk_store_be16(q + 4, 2000 - SK_IP6_HDR_LEN); /* a packet we could not have sent */
    err_in(s, SK_MSEC(2), ROUTER6, SK_ICMP6_PACKET_TOO_BIG, 0, 1400, q, n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_PMTU_UNSENT), 2);
    sk_store_be16(q + 4, 1500 - SK_IP6_HDR_LEN);
    sk_store_be32(q + SK_IP6_HDR_LEN + 4, iss + 1 + 100000); /* not in flight */
    err_in(s, SK_MSEC(2), ROUTER6, SK_ICMP6_PACKET_TOO_BIG, 0, 1400, q, n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_OUT_OF_WINDOW), 1);
    SK_CHECK_EQ(mss_of(s, a), 1440);
    sk_store_be32(q + SK_IP6_HDR_LEN + 4, iss + 1);
    err_in(s, SK_MSEC(3), ROUTER6, SK_ICMP6_PACKET_TOO_BIG, 0, 1400, q, n);
    SK_CHECK_EQ(mss_of(s, a), 1340);
    err_in(s, SK_MSEC(4), ROUTER6, SK_ICMP6_PACKET_TOO_BIG, 0, 1450, q, n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_PMTU_IGNORED), 1);
    SK_CHECK_EQ(mss_of(s, a), 1340);
    err_in(s, SK_MSEC(5), ROUTER6, SK_ICMP6_PACKET_TOO_BIG, 0, 600, q, n);
    SK_CHECK_EQ(mss_of(s, a), 1220);
    sk_stack_destroy(s);
}

/* A packet too big about a UDP datagram (RFC 8201 §4: a socket bound to
 * its port sent it) lowers the path MTU a later TCP connection to that
 * destination starts with, and bounds the socket's sends to it (never
 * fragmented: SK_EMSGSIZE) until it ages out; once the socket is closed
 * the same quote is no packet we could have sent. */
static void test_ptb_for_udp(void)
{
    sk_stack *s = make6();
    uint8_t sent[2048];
    size_t n;
    sk_sock u = udp_sent(s, a6(9), sent, &n, 1400);
    SK_CHECK_EQ_I(sk_udp_close(s, u), 0);
    err_in(s, SK_MSEC(1), ROUTER6, SK_ICMP6_PACKET_TOO_BIG, 0, 1300, sent, n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_PMTU_UNSENT), 1);
    u = udp_sent(s, a6(9), sent, &n, 1400);
    err_in(s, SK_MSEC(1), ROUTER6, SK_ICMP6_PACKET_TOO_BIG, 0, 1300, sent, n);
    uint32_t iss;
    sk_sock h = established(s, SK_MSEC(2), a6(9), 50000, &iss);
    SK_CHECK_EQ(mss_of(s, h), 1240);
    /* the socket's sends are bounded by the path: 1300 - 48 bytes */
    static uint8_t pay[1400];
    SK_CHECK_EQ_I((int)sk_udp_send(s, SK_MSEC(3), u, pay, 1253), SK_EMSGSIZE);
    SK_CHECK_EQ((int)sk_udp_send(s, SK_MSEC(3), u, pay, 1252), 1252);
    sk_endpoint other = {sk_ipaddr_from_ip6(a6(10)), 53};
    SK_CHECK_EQ((int)sk_udp_sendto(s, SK_MSEC(3), u, pay, 1400, &other), 1400);
    /* 10 minutes later the estimate is forgotten */
    SK_CHECK_EQ((int)sk_udp_send(s, SK_MSEC(1) + SK_SEC(600), u, pay, 1400), 1400);
    sk_stack_destroy(s);
}

/* RFC 8201 §4 aging: the estimate holds for 10 minutes (not less than 5):
 * a connection opened just before that starts at 1340, one opened at 10
 * minutes at 1440 again; the deadline is in poll_at. */
static void test_ptb_ages_out(void)
{
    sk_stack *s = make6();
    uint32_t iss;
    sk_sock a = established(s, 0, PEER6, 50000, &iss);
    uint8_t q[2048];
    size_t n = full_segment(s, SK_MSEC(1), a, q);
    err_in(s, SK_SEC(1), ROUTER6, SK_ICMP6_PACKET_TOO_BIG, 0, 1400, q, n);
    SK_CHECK_EQ(mss_of(s, a), 1340);
    sk_tcp_abort(s, SK_SEC(1), a);
    uint8_t junk[2048];
    while (out1(s, SK_SEC(1), junk) > 0) {
    }
    SK_CHECK_EQ(sk_stack_poll_at(s), SK_SEC(601));
    sk_time_us just_before = SK_SEC(601) - 1;
    sk_sock b = established(s, just_before, PEER6, 50001, &iss);
    SK_CHECK_EQ(mss_of(s, b), 1340);
    sk_tcp_abort(s, just_before, b);
    while (out1(s, just_before, junk) > 0) {
    }
    sk_stack_input(s, SK_SEC(601), NULL, 0);
    sk_sock c = established(s, SK_SEC(601), PEER6, 50002, &iss);
    SK_CHECK_EQ(mss_of(s, c), 1440);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_udp_port_unreachable);
    SK_RUN(test_udp_errors_not_reported);
    SK_RUN(test_quote_behind_extension_headers);
    SK_RUN(test_tcp_behind_extension_header);
    SK_RUN(test_ptb_lowers_every_connection_to_destination);
    SK_RUN(test_ptb_validated);
    SK_RUN(test_ptb_for_udp);
    SK_RUN(test_ptb_ages_out);
    return sk_test_finish();
}
