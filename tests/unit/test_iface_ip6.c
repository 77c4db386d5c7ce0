/* iface over IPv6 on a raw IP link, frame by frame: the IPv6 header we
 * write (RFC 8200 §3, hop limit, RFC 6437 flow label), the TCP checksum
 * over the IPv6 pseudo-header (RFC 8200 §8.1), the MSS from the IPv6 MTU,
 * a listener answering both families, ICMPv6 echo (RFC 4443 §4), our
 * ICMPv6 errors (§2.4, §3.1, §3.4) and theirs to TCP (packet too big, RFC
 * 8201 §4), and the drops of packets not for us. Us 2001:db8::2 (and
 * 10.0.0.2), the peer 2001:db8::1. */
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

static sk_stack *make6(uint16_t mtu)
{
    sk_stack_config cfg;
    ifx_ip_config(&cfg, sk_ip4_make(0, 0, 0, 0));
    cfg.addr = sk_ip4_make(0, 0, 0, 0);
    cfg.n_addrs = 2;
    cfg.addrs[0].addr = sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 2));
    cfg.addrs[0].prefix_len = 24;
    cfg.addrs[1].addr = sk_ipaddr_from_ip6(US6);
    cfg.addrs[1].prefix_len = 64;
    cfg.mtu = mtu;
    return ifx_create(&cfg);
}

/* A TCP segment from the peer to us, checksummed, in an IPv6 packet. */
static size_t tcp6(const sk_tcp_repr *h, uint8_t *buf)
{
    uint8_t seg[128];
    size_t n = sk_tcp_emit(h, seg, sizeof seg);
    sk_ipaddr s = sk_ipaddr_from_ip6(PEER6), d = sk_ipaddr_from_ip6(US6);
    sk_csum_l4_fill(&s, &d, SK_IPPROTO_TCP, seg, n, 16);
    return ifx_ip6_wrap(PEER6, US6, SK_IPPROTO_TCP, seg, n, buf);
}

static size_t out1(sk_stack *s, sk_time_us now, uint8_t *buf)
{
    return sk_stack_output(s, now, buf, 2048);
}

/* The IPv6 header of what we sent, checked field by field. */
static void check_hdr6(const uint8_t *p, size_t n, uint8_t nh, sk_ip6_repr *ip)
{
    SK_CHECK_EQ_I(sk_ip6_parse(p, n, ip), 0);
    SK_CHECK_EQ(p[0] >> 4, 6);
    SK_CHECK_EQ(ip->payload_len, n - SK_IP6_HDR_LEN);
    SK_CHECK_EQ(ip->next_header, nh);
    SK_CHECK_EQ(ip->hop_limit, 64);
    SK_CHECK_EQ(ip->traffic_class, 0);
}

/* connect to an IPv6 address: the SYN goes out in an IPv6 packet from our
 * IPv6 address, hop limit 64, a flow label that is not 0 and stays the
 * same for the connection's next segment, the checksum right over the IPv6
 * pseudo-header, MSS 1500 - 60. */
static void test_connect_syn(void)
{
    sk_stack *s = make6(1500);
    sk_endpoint r = {sk_ipaddr_from_ip6(PEER6), 80};
    sk_sock h;
    SK_CHECK_EQ_I(sk_tcp_connect(s, 0, &r, NULL, &h), 0);
    uint8_t out[2048];
    size_t n = out1(s, 0, out);
    sk_ip6_repr ip;
    check_hdr6(out, n, SK_IPPROTO_TCP, &ip);
    SK_CHECK(sk_ip6_eq(ip.src, US6) && sk_ip6_eq(ip.dst, PEER6));
    SK_CHECK(ip.flow_label != 0);
    sk_ipaddr src = sk_ipaddr_from_ip6(ip.src), dst = sk_ipaddr_from_ip6(ip.dst);
    SK_CHECK(sk_csum_l4_ok(&src, &dst, SK_IPPROTO_TCP, ip.payload, ip.payload_len));
    sk_tcp_repr syn;
    SK_CHECK_EQ_I(sk_tcp_parse(ip.payload, ip.payload_len, &syn), 0);
    SK_CHECK(syn.flags == SK_TCP_SYN && syn.opts.has_mss);
    SK_CHECK_EQ(syn.opts.mss, 1440);
    uint32_t flow = ip.flow_label;
    /* the retransmitted SYN carries the same label */
    SK_CHECK_EQ(out1(s, SK_SEC(5), out), n);
    SK_CHECK_EQ_I(sk_ip6_parse(out, n, &ip), 0);
    SK_CHECK_EQ(ip.flow_label, flow);
    /* a second connection (another port) gets its own label */
    sk_tcp_connect(s, SK_SEC(5), &r, NULL, &h);
    n = out1(s, SK_SEC(5), out);
    SK_CHECK_EQ_I(sk_ip6_parse(out, n, &ip), 0);
    SK_CHECK(ip.flow_label != flow);
    sk_stack_destroy(s);
}

/* Two connections whose SYNs (and their retransmissions) take turns on
 * the wire, then a third, more flows than the label cache holds: every
 * segment of a connection carries the label of its first one, and the
 * three differ (RFC 6437 §3: one label per flow, whatever the cache
 * remembers). */
static void test_flow_labels_taking_turns(void)
{
    sk_stack *s = make6(1500);
    sk_endpoint r = {sk_ipaddr_from_ip6(PEER6), 80};
    sk_sock h[3];
    uint16_t port[3] = {0};
    uint32_t label[3] = {0}, seen[3] = {0};
    for (int i = 0; i < 2; i++)
        SK_CHECK_EQ_I(sk_tcp_connect(s, 0, &r, NULL, &h[i]), 0);
    uint8_t out[2048];
    for (sk_time_us t = 0; t < SK_SEC(40); t += SK_SEC(1) / 4) {
        if (t == SK_SEC(8))
            SK_CHECK_EQ_I(sk_tcp_connect(s, t, &r, NULL, &h[2]), 0);
        size_t n;
        while ((n = out1(s, t, out)) > 0) {
            sk_ip6_repr ip;
            SK_CHECK_EQ_I(sk_ip6_parse(out, n, &ip), 0);
            uint16_t sport = (uint16_t)(ip.payload[0] << 8 | ip.payload[1]);
            int k = 0;
            while (k < 3 && port[k] != 0 && port[k] != sport)
                k++;
            SK_CHECK(k < 3);
            if (k == 3)
                break;
            if (port[k] == 0) {
                port[k] = sport;
                label[k] = ip.flow_label;
            }
            SK_CHECK_EQ(ip.flow_label, label[k]);
            seen[k]++;
        }
    }
    for (int i = 0; i < 3; i++)
        SK_CHECK(seen[i] >= 3 && label[i] != 0 && label[i] != label[(i + 1) % 3]);
    sk_stack_destroy(s);
}

/* A refused destination never reaches the wire: ::, a group, loopback,
 * IPv4-mapped, our own address; an IPv6 destination without an IPv6 address
 * of ours is SK_EAFNOSUPPORT. */
static void test_connect_refused(void)
{
    sk_stack *s = make6(1500);
    sk_ip6 bad[5] = {{{0}}, sk_ip6_all_nodes(), {{0}}, {{0}}, US6};
    bad[2].b[15] = 1;                                    /* ::1 */
    bad[3].b[10] = bad[3].b[11] = 0xff;                  /* ::ffff:0.0.0.0 */
    bad[3].b[12] = 10;
    sk_sock h;
    for (int i = 0; i < 5; i++) {
        sk_endpoint r = {sk_ipaddr_from_ip6(bad[i]), 80};
        SK_CHECK_EQ_I(sk_tcp_connect(s, 0, &r, NULL, &h), SK_EINVAL);
    }
    uint8_t out[2048];
    SK_CHECK_EQ(out1(s, 0, out), 0);
    sk_stack_destroy(s);
    sk_stack_config cfg;
    ifx_ip_config(&cfg, sk_ip4_make(10, 0, 0, 2));
    s = ifx_create(&cfg);
    sk_endpoint r = {sk_ipaddr_from_ip6(PEER6), 80};
    SK_CHECK_EQ_I(sk_tcp_connect(s, 0, &r, NULL, &h), SK_EAFNOSUPPORT);
    sk_stack_destroy(s);
}

/* One listener takes both families: an IPv6 SYN gets a SYN,ACK in IPv6
 * with MSS from the MTU (1280 - 60), an IPv4 SYN one in IPv4. */
static void test_listener_both_families(void)
{
    sk_stack *s = make6(1280);
    sk_sock l;
    SK_CHECK_EQ_I(sk_tcp_listen(s, 80, NULL, &l), 0);
    sk_tcp_repr h;
    memset(&h, 0, sizeof h);
    h.src_port = 40000;
    h.dst_port = 80;
    h.seq = sk_seq_make(1000);
    h.flags = SK_TCP_SYN;
    h.window = 65535;
    h.opts.has_mss = true;
    h.opts.mss = 1440;
    uint8_t pkt[256], out[2048];
    sk_stack_input(s, 0, pkt, tcp6(&h, pkt));
    size_t n = out1(s, 0, out);
    sk_ip6_repr ip;
    check_hdr6(out, n, SK_IPPROTO_TCP, &ip);
    SK_CHECK(sk_ip6_eq(ip.src, US6) && sk_ip6_eq(ip.dst, PEER6));
    sk_tcp_repr sa;
    SK_CHECK_EQ_I(sk_tcp_parse(ip.payload, ip.payload_len, &sa), 0);
    SK_CHECK_EQ(sa.flags, SK_TCP_SYN | SK_TCP_ACK);
    SK_CHECK_EQ(sa.ack.v, 1001);
    SK_CHECK_EQ(sa.opts.mss, 1220);
    sk_ipaddr src = sk_ipaddr_from_ip6(ip.src), dst = sk_ipaddr_from_ip6(ip.dst);
    SK_CHECK(sk_csum_l4_ok(&src, &dst, SK_IPPROTO_TCP, ip.payload, ip.payload_len));
    /* a corrupted copy is dropped by the checksum, nothing answered */
    size_t pn = tcp6(&h, pkt);
    pkt[pn - 1] ^= 0x40;
    sk_stack_input(s, 0, pkt, pn);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_TCP_CHECKSUM), 1);
    SK_CHECK_EQ(out1(s, 0, out), 0);
    sk_stack_destroy(s);
}

/* An echo request to us is answered from us with its id, sequence and
 * data; one to all-nodes from our unicast address; to another address
 * or a group we did not join: dropped (IP6_NOT_FOR_US). sk_ping6_send
 * goes out and its reply is delivered with the hop limit. */
static void test_echo(void)
{
    sk_stack *s = make6(1500);
    uint8_t msg[64], pkt[256], out[2048];
    sk_icmp6_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP6_ECHO_REQUEST;
    m.echo_id = 0x1234;
    m.echo_seq = 7;
    m.data = (const uint8_t *)"synack-ipv6";
    m.data_len = 11;
    size_t ml = sk_icmp6_emit(PEER6, US6, &m, msg, sizeof msg);
    sk_stack_input(s, 0, pkt, ifx_ip6_wrap(PEER6, US6, SK_IPPROTO_ICMPV6, msg, ml, pkt));
    size_t n = out1(s, 0, out);
    sk_ip6_repr ip;
    check_hdr6(out, n, SK_IPPROTO_ICMPV6, &ip);
    SK_CHECK(sk_ip6_eq(ip.src, US6) && sk_ip6_eq(ip.dst, PEER6));
    sk_icmp6_repr r;
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, ip.payload, ip.payload_len, &r), 0);
    SK_CHECK_EQ(r.type, SK_ICMP6_ECHO_REPLY);
    SK_CHECK(r.echo_id == 0x1234 && r.echo_seq == 7 && r.data_len == 11);
    SK_CHECK(memcmp(r.data, "synack-ipv6", 11) == 0);
    /* to all-nodes: the reply comes from our address */
    ml = sk_icmp6_emit(PEER6, sk_ip6_all_nodes(), &m, msg, sizeof msg);
    sk_stack_input(s, 0, pkt,
                   ifx_ip6_wrap(PEER6, sk_ip6_all_nodes(), SK_IPPROTO_ICMPV6, msg, ml, pkt));
    n = out1(s, 0, out);
    SK_CHECK_EQ_I(sk_ip6_parse(out, n, &ip), 0);
    SK_CHECK(sk_ip6_eq(ip.src, US6));
    /* not ours: another unicast address, a group we did not join */
    sk_ip6 other = a6(9), group = sk_ip6_solicited_node(a6(9));
    ml = sk_icmp6_emit(PEER6, other, &m, msg, sizeof msg);
    sk_stack_input(s, 0, pkt, ifx_ip6_wrap(PEER6, other, SK_IPPROTO_ICMPV6, msg, ml, pkt));
    ml = sk_icmp6_emit(PEER6, group, &m, msg, sizeof msg);
    sk_stack_input(s, 0, pkt, ifx_ip6_wrap(PEER6, group, SK_IPPROTO_ICMPV6, msg, ml, pkt));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP6_NOT_FOR_US), 2);
    SK_CHECK_EQ(out1(s, 0, out), 0);
    /* ping out and the reply in */
    SK_CHECK_EQ_I(sk_ping6_send(s, 0, PEER6, 9, 3, "abc", 3), 0);
    n = out1(s, 0, out);
    check_hdr6(out, n, SK_IPPROTO_ICMPV6, &ip);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, ip.payload, ip.payload_len, &r), 0);
    SK_CHECK(r.type == SK_ICMP6_ECHO_REQUEST && r.echo_id == 9 && r.echo_seq == 3);
    m.type = SK_ICMP6_ECHO_REPLY;
    m.echo_id = 9;
    m.echo_seq = 3;
    ml = sk_icmp6_emit(PEER6, US6, &m, msg, sizeof msg);
    n = ifx_ip6_wrap(PEER6, US6, SK_IPPROTO_ICMPV6, msg, ml, pkt);
    pkt[7] = 61; /* hop limit */
    sk_stack_input(s, SK_MSEC(4), pkt, n);
    sk_ping_reply pr;
    SK_CHECK(sk_ping_next_reply(s, &pr));
    SK_CHECK(pr.from.family == SK_AF_INET6 && memcmp(pr.from.b, PEER6.b, 16) == 0);
    SK_CHECK(pr.id == 9 && pr.seq == 3 && pr.ttl == 61 && pr.len == 11 && pr.at == SK_MSEC(4));
    SK_CHECK_EQ_I(sk_ping6_send(s, 0, US6, 9, 3, NULL, 0), SK_EINVAL);
    SK_CHECK_EQ_I(sk_ping6_send(s, 0, sk_ip6_all_nodes(), 9, 3, NULL, 0), SK_EINVAL);
    static uint8_t big[1500];
    SK_CHECK_EQ_I(sk_ping6_send(s, 0, PEER6, 9, 3, big, 1453), SK_EMSGSIZE);
    sk_stack_destroy(s);
}

/* A UDP datagram 4000 -> port from the peer, checksummed over the IPv6
 * pseudo-header. */
static size_t udp6(uint16_t port, const void *pay, size_t n, uint8_t *buf)
{
    uint8_t d[128];
    sk_store_be16(d, 4000);
    sk_store_be16(d + 2, port);
    sk_store_be16(d + 4, (uint16_t)(8 + n));
    sk_store_be16(d + 6, 0);
    memcpy(d + 8, pay, n);
    sk_ipaddr s = sk_ipaddr_from_ip6(PEER6), t = sk_ipaddr_from_ip6(US6);
    sk_csum_l4_fill(&s, &t, SK_IPPROTO_UDP, d, 8 + n, 6);
    return ifx_ip6_wrap(PEER6, US6, SK_IPPROTO_UDP, d, 8 + n, buf);
}

/* UDP over IPv6 reaches a bound socket with both ends, and its reply
 * leaves in IPv6 with a checksum over the IPv6 pseudo-header; a zero
 * checksum is dropped (RFC 8200 §8.1). */
static void test_udp6(void)
{
    sk_stack *s = make6(1500);
    sk_sock u;
    SK_CHECK_EQ_I(sk_udp_open(s, &u), 0);
    sk_endpoint local;
    memset(&local, 0, sizeof local);
    local.port = 7;
    SK_CHECK_EQ_I(sk_udp_bind(s, u, &local), 0);
    uint8_t pkt[256], out[2048], got[32];
    sk_stack_input(s, 0, pkt, udp6(7, "hello6", 6, pkt));
    sk_udp_meta m;
    SK_CHECK_EQ((int)sk_udp_recvfrom(s, 0, u, got, sizeof got, &m), 6);
    SK_CHECK(memcmp(got, "hello6", 6) == 0);
    SK_CHECK(m.from.addr.family == SK_AF_INET6 && memcmp(m.from.addr.b, PEER6.b, 16) == 0);
    SK_CHECK(m.to.addr.family == SK_AF_INET6 && memcmp(m.to.addr.b, US6.b, 16) == 0);
    SK_CHECK_EQ(m.from.port, 4000);
    SK_CHECK_EQ((int)sk_udp_sendto(s, 0, u, "back", 4, &m.from), 4);
    size_t n = out1(s, 0, out);
    sk_ip6_repr ip;
    check_hdr6(out, n, SK_IPPROTO_UDP, &ip);
    SK_CHECK(sk_ip6_eq(ip.src, US6) && sk_ip6_eq(ip.dst, PEER6));
    SK_CHECK(ip.flow_label != 0);
    sk_ipaddr src = sk_ipaddr_from_ip6(ip.src), dst = sk_ipaddr_from_ip6(ip.dst);
    SK_CHECK(sk_csum_l4_ok(&src, &dst, SK_IPPROTO_UDP, ip.payload, ip.payload_len));
    SK_CHECK(ip.payload_len == 12 && memcmp(ip.payload + 8, "back", 4) == 0);
    size_t pn = udp6(7, "zero", 4, pkt);
    pkt[46] = pkt[47] = 0;
    sk_stack_input(s, 0, pkt, pn);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_UDP_ZERO_CHECKSUM6), 1);
    SK_CHECK_EQ((int)sk_udp_recv(s, 0, u, got, sizeof got), SK_EAGAIN);
    sk_stack_destroy(s);
}

/* An unknown next header (RFC 8200 §4): parameter problem code 1 pointing
 * at byte 6; UDP to a port without a socket: port unreachable; neither to a group
 * (RFC 4443 §2.4 (e.3)); never an error about an ICMPv6 error (e.1). */
static void test_our_errors(void)
{
    sk_stack *s = make6(1500);
    uint8_t pay[16] = {1, 2, 3, 4, 5, 6, 7, 8}, pkt[256], out[2048];
    size_t pn = ifx_ip6_wrap(PEER6, US6, 253, pay, sizeof pay, pkt);
    sk_stack_input(s, 0, pkt, pn);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP6_UNKNOWN_PROTO), 1);
    size_t n = out1(s, 0, out);
    sk_ip6_repr ip;
    check_hdr6(out, n, SK_IPPROTO_ICMPV6, &ip);
    SK_CHECK(sk_ip6_eq(ip.dst, PEER6) && sk_ip6_eq(ip.src, US6));
    sk_icmp6_repr r;
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, ip.payload, ip.payload_len, &r), 0);
    SK_CHECK(r.type == SK_ICMP6_PARAM_PROBLEM && r.code == 1 && r.pointer == 6);
    SK_CHECK_EQ(r.data_len, pn);
    SK_CHECK(memcmp(r.data, pkt, pn) == 0);
    /* UDP to a port no socket has: port unreachable */
    sk_stack_input(s, 0, pkt, udp6(9, pay, 8, pkt));
    n = out1(s, 0, out);
    SK_CHECK_EQ_I(sk_ip6_parse(out, n, &ip), 0);
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, ip.payload, ip.payload_len, &r), 0);
    SK_CHECK(r.type == SK_ICMP6_DEST_UNREACH && r.code == SK_ICMP6_UNREACH_PORT);
    /* to a group: dropped, not answered */
    sk_stack_input(s, 0, pkt, ifx_ip6_wrap(PEER6, sk_ip6_all_nodes(), 253, pay, sizeof pay, pkt));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP6_UNKNOWN_PROTO), 2);
    SK_CHECK_EQ(out1(s, 0, out), 0);
    /* an ICMPv6 error whose quote is not from us: dropped, not answered */
    uint8_t err[128], quote[48];
    ifx_ip6_wrap(a6(7), PEER6, SK_IPPROTO_TCP, pay, 8, quote);
    sk_icmp6_repr e;
    memset(&e, 0, sizeof e);
    e.type = SK_ICMP6_DEST_UNREACH;
    e.data = quote;
    e.data_len = 48;
    size_t el = sk_icmp6_emit(PEER6, US6, &e, err, sizeof err);
    sk_stack_input(s, 0, pkt, ifx_ip6_wrap(PEER6, US6, SK_IPPROTO_ICMPV6, err, el, pkt));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP6_BAD_QUOTE), 1);
    SK_CHECK_EQ(out1(s, 0, out), 0);
    sk_stack_destroy(s);
}

/* RFC 4443 §2.4 (f): our errors share ICMPv4's token bucket (100 per
 * second, 10 deep by default): of 13 at once 10 go out and 3 are counted
 * as rate limited; 10 ms later one more token; echo replies are not
 * limited. */
static void test_errors_rate_limited(void)
{
    sk_stack *s = make6(1500);
    uint8_t pay[8] = {0}, pkt[256], out[2048];
    int sent = 0;
    for (int i = 0; i < 13; i++) {
        pay[0] = (uint8_t)i;
        sk_stack_input(s, 0, pkt, ifx_ip6_wrap(PEER6, US6, 253, pay, sizeof pay, pkt));
        while (out1(s, 0, out) > 0)
            sent++;
    }
    SK_CHECK_EQ(sent, 10);
    SK_CHECK_EQ(sk_stack_stats(s)->icmp_rate_limited, 3);
    sk_stack_input(s, SK_MSEC(10), pkt, ifx_ip6_wrap(PEER6, US6, 253, pay, sizeof pay, pkt));
    SK_CHECK(out1(s, SK_MSEC(10), out) > 0);
    sk_stack_input(s, SK_MSEC(10), pkt, ifx_ip6_wrap(PEER6, US6, 253, pay, sizeof pay, pkt));
    SK_CHECK_EQ(out1(s, SK_MSEC(10), out), 0);
    uint8_t msg[64];
    sk_icmp6_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP6_ECHO_REQUEST;
    size_t ml = sk_icmp6_emit(PEER6, US6, &m, msg, sizeof msg);
    sk_stack_input(s, SK_MSEC(10), pkt, ifx_ip6_wrap(PEER6, US6, SK_IPPROTO_ICMPV6, msg, ml, pkt));
    SK_CHECK(out1(s, SK_MSEC(10), out) > 0);
    sk_stack_destroy(s);
}

/* A connection to the peer, established: returns its handle; *iss our ISS. */
static sk_sock established(sk_stack *s, uint32_t *iss)
{
    sk_endpoint r = {sk_ipaddr_from_ip6(PEER6), 80};
    sk_connect_opts o;
    memset(&o, 0, sizeof o);
    o.local_port = 50000;
    sk_sock h;
    SK_CHECK_EQ_I(sk_tcp_connect(s, 0, &r, &o, &h), 0);
    uint8_t out[2048], pkt[256];
    size_t n = out1(s, 0, out);
    sk_tcp_repr syn, sa;
    SK_CHECK_EQ_I(sk_tcp_parse(out + SK_IP6_HDR_LEN, n - SK_IP6_HDR_LEN, &syn), 0);
    memset(&sa, 0, sizeof sa);
    sa.src_port = 80;
    sa.dst_port = 50000;
    sa.seq = sk_seq_make(5000);
    sa.ack = sk_seq_add(syn.seq, 1);
    sa.flags = SK_TCP_SYN | SK_TCP_ACK;
    sa.window = 65535;
    sa.opts.has_mss = true;
    sa.opts.mss = 1440;
    sk_stack_input(s, SK_MSEC(1), pkt, tcp6(&sa, pkt));
    SK_CHECK_EQ(out1(s, SK_MSEC(1), out), SK_IP6_HDR_LEN + 20); /* the ACK */
    *iss = syn.seq.v;
    return h;
}

/* Packet too big from the path (RFC 4443 §3.2, RFC 8201 §4): the quoted
 * segment's connection lowers its MSS to MTU - 60 and sends again in the
 * new size; an MTU under 1280 counts as 1280; a quote out of the window is
 * ignored (RFC 5927). */
static void ptb(sk_stack *s, sk_time_us t, uint32_t mtu, uint32_t seq)
{
    uint8_t quote[SK_IP6_HDR_LEN + 20] = {0}, msg[128], pkt[256];
    ifx_ip6_wrap(US6, PEER6, SK_IPPROTO_TCP, quote, 20, quote);
    sk_store_be16(quote + 4, 1460); /* the full-sized segment it was (RFC 8201 §4 checks) */
    sk_store_be16(quote + 40, 50000);
    sk_store_be16(quote + 42, 80);
    sk_store_be32(quote + 44, seq);
    sk_icmp6_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP6_PACKET_TOO_BIG;
    m.mtu = mtu;
    m.data = quote;
    m.data_len = sizeof quote;
    size_t ml = sk_icmp6_emit(PEER6, US6, &m, msg, sizeof msg);
    sk_stack_input(s, t, pkt, ifx_ip6_wrap(PEER6, US6, SK_IPPROTO_ICMPV6, msg, ml, pkt));
}

static void test_packet_too_big(void)
{
    sk_stack *s = make6(1500);
    uint32_t iss;
    sk_sock h = established(s, &iss);
    static uint8_t data[8000];
    SK_CHECK_EQ(sk_tcp_send(s, SK_MSEC(2), h, data, sizeof data), (ptrdiff_t)sizeof data);
    uint8_t out[2048];
    size_t n = out1(s, SK_MSEC(2), out);
    SK_CHECK_EQ(n, 1500); /* 40 + 20 + 1440 */
    while (out1(s, SK_MSEC(2), out) > 0) {
    }
    ptb(s, SK_MSEC(3), 1400, iss + 1 + 9000); /* beyond SND.MAX: ignored */
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_OUT_OF_WINDOW), 1);
    ptb(s, SK_MSEC(3), 1400, iss + 1);
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(s, h, &in), 0);
    SK_CHECK_EQ(in.snd_mss, 1340);
    n = out1(s, SK_MSEC(3), out);
    SK_CHECK_EQ(n, 1400); /* sent again in the new size */
    ptb(s, SK_MSEC(4), 600, iss + 1);
    SK_CHECK_EQ_I(sk_tcp_get_info(s, h, &in), 0);
    SK_CHECK_EQ(in.snd_mss, 1220); /* RFC 8201 §4: never below 1280 */
    sk_stack_destroy(s);
}

/* Raw IP link: the version nibble picks the family; an IPv6 packet from
 * our own address, loopback or IPv4-mapped is dropped (IP6_SRC_OURS). */
static void test_bad_sources(void)
{
    sk_stack *s = make6(1500);
    uint8_t pay[8] = {0}, pkt[128], out[2048];
    sk_ip6 lo = {{0}}, mapped = {{0}};
    lo.b[15] = 1;
    mapped.b[10] = mapped.b[11] = 0xff;
    mapped.b[12] = 10;
    mapped.b[15] = 1;
    sk_ip6 srcs[3] = {US6, lo, mapped};
    for (int i = 0; i < 3; i++)
        sk_stack_input(s, 0, pkt, ifx_ip6_wrap(srcs[i], US6, 253, pay, sizeof pay, pkt));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP6_SRC_OURS), 3);
    pkt[0] = 0x50; /* version 5: the IPv4 parser refuses it */
    sk_stack_input(s, 0, pkt, SK_IP6_HDR_LEN + 8);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_VERSION), 1);
    sk_stack_input(s, 0, pkt, ifx_ip6_wrap(PEER6, US6, SK_IPPROTO_TCP, pay, sizeof pay, pkt) - 1);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP6_PAYLOAD_LEN), 1);
    SK_CHECK_EQ(out1(s, 0, out), 0);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_connect_syn);
    SK_RUN(test_flow_labels_taking_turns);
    SK_RUN(test_connect_refused);
    SK_RUN(test_listener_both_families);
    SK_RUN(test_echo);
    SK_RUN(test_our_errors);
    SK_RUN(test_udp6);
    SK_RUN(test_errors_rate_limited);
    SK_RUN(test_packet_too_big);
    SK_RUN(test_bad_sources);
    return sk_test_finish();
}
