/* Neighbour confirmation from TCP (RFC 4861 §7.3.1), in virtual time on
 * an Ethernet link: while the peer keeps acknowledging new data, its
 * neighbour entry stays REACHABLE and no Neighbor Solicitation goes out
 * for two minutes (four times the longest ReachableTime, 1.5 x 30 s);
 * once the ACKs stop, the entry ages (REACHABLE -> STALE -> DELAY ->
 * PROBE, §7.3.3) and unicast probes follow. Us 02:00:00:00:00:02, the
 * peer fe80::1 at 02:00:00:00:00:01. */
#include "api/stack_impl.h"
#include "base/checksum.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/eth.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/nd6.h"
#include "wire/tcp_hdr.h"

#include <string.h>

static const sk_mac US_MAC = {{0x02, 0, 0, 0, 0, 0x02}};
static const sk_mac PEER_MAC = {{0x02, 0, 0, 0, 0, 0x01}};

static sk_ip6 peer6(void)
{
    sk_ip6 r = {{0xfe, 0x80}};
    r.b[15] = 1;
    return r;
}

static sk_ip6 us_ll; /* our link-local address, set by connect_peer */

/* Our link-local address (RFC 7217, from the stack's address list). */
static sk_ip6 our_ll(sk_stack *s)
{
    sk_ip6 a = {{0}};
    for (uint8_t i = 0; i < s->ctx.cfg.n_addrs; i++) {
        const sk_ipaddr *x = &s->ctx.cfg.addrs[i].addr;
        if (x->family == SK_AF_INET6 && x->b[0] == 0xfe && (x->b[1] & 0xc0) == 0x80)
            memcpy(a.b, x->b, 16);
    }
    SK_CHECK(a.b[0] == 0xfe);
    return a;
}

/* An IPv6 packet from the peer (next header nh, payload pay) in a frame. */
static size_t frame_in(uint8_t *f, uint8_t nh, const uint8_t *pay, size_t n)
{
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.payload_len = (uint16_t)n;
    ip.next_header = nh;
    ip.hop_limit = nh == SK_IPPROTO_ICMPV6 ? 255 : 64;
    ip.src = peer6();
    ip.dst = us_ll;
    sk_ip6_emit(&ip, f + 14, 40);
    memcpy(f + 54, pay, n);
    sk_eth_repr e = {US_MAC, PEER_MAC, SK_ETHERTYPE_IPV6, NULL, 0};
    sk_eth_emit(&e, f, 14);
    return 54 + n;
}

static void tcp_in(sk_stack *s, sk_time_us t, const sk_tcp_repr *h)
{
    uint8_t seg[64], f[256];
    size_t n = sk_tcp_emit(h, seg, sizeof seg);
    sk_ipaddr src = sk_ipaddr_from_ip6(peer6()), dst = sk_ipaddr_from_ip6(us_ll);
    sk_csum_l4_fill(&src, &dst, SK_IPPROTO_TCP, seg, n, 16);
    sk_stack_input(s, t, f, frame_in(f, SK_IPPROTO_TCP, seg, n));
}

typedef struct {
    int ns;               /* neighbor solicitations sent */
    int tcp;              /* TCP segments sent */
    sk_tcp_repr last_tcp; /* the last TCP segment sent */
} sent_t;

/* Everything the stack sends at t, counted by kind. */
static void drain(sk_stack *s, sk_time_us t, sent_t *c)
{
    uint8_t out[2048];
    size_t n;
    while ((n = sk_stack_output(s, t, out, sizeof out)) > 0) {
        sk_eth_repr e;
        sk_ip6_repr ip;
        if (sk_eth_parse(out, n, &e) != 0 || e.ethertype != SK_ETHERTYPE_IPV6 ||
            sk_ip6_parse(e.payload, e.payload_len, &ip) != 0)
            continue;
        if (ip.next_header == SK_IPPROTO_ICMPV6 && ip.payload[0] == SK_ICMP6_ND_NS)
            c->ns++;
        if (ip.next_header == SK_IPPROTO_TCP &&
            sk_tcp_parse(ip.payload, ip.payload_len, &c->last_tcp) == 0)
            c->tcp++;
    }
}

/* Connect to the peer: NS, the NA (solicited: REACHABLE), SYN, SYN-ACK. */
static sk_sock connect_peer(sk_stack *s, sent_t *c)
{
    us_ll = our_ll(s);
    sk_endpoint r = {sk_ipaddr_from_ip6(peer6()), 80};
    sk_sock h;
    SK_CHECK_EQ_I(sk_tcp_connect(s, 0, &r, NULL, &h), 0);
    drain(s, 0, c);
    SK_CHECK_EQ(c->ns, 1);
    sk_nd_repr na;
    memset(&na, 0, sizeof na);
    na.type = SK_ICMP6_ND_NA;
    na.solicited = na.override = true;
    na.target = peer6();
    na.opts.has_tllao = true;
    na.opts.tllao = PEER_MAC;
    uint8_t msg[128], f[256];
    size_t n = sk_nd_emit(peer6(), us_ll, &na, msg, sizeof msg);
    sk_stack_input(s, SK_MSEC(1), f, frame_in(f, SK_IPPROTO_ICMPV6, msg, n));
    drain(s, SK_MSEC(1), c);
    SK_CHECK_EQ(c->tcp, 1);
    SK_CHECK(c->last_tcp.flags == SK_TCP_SYN);
    sk_tcp_repr sa;
    memset(&sa, 0, sizeof sa);
    sa.src_port = 80;
    sa.dst_port = c->last_tcp.src_port;
    sa.seq = sk_seq_make(7000);
    sa.ack = sk_seq_add(c->last_tcp.seq, 1);
    sa.flags = SK_TCP_SYN | SK_TCP_ACK;
    sa.window = 65535;
    tcp_in(s, SK_MSEC(2), &sa);
    drain(s, SK_MSEC(2), c);
    SK_CHECK_EQ(c->tcp, 2); /* the ACK */
    return h;
}

/* The peer acknowledges everything sent so far. */
static void ack_all(sk_stack *s, sk_time_us t, sk_sock h)
{
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(s, h, &in), 0);
    sk_tcp_repr a;
    memset(&a, 0, sizeof a);
    a.src_port = (uint16_t)in.remote.port;
    a.dst_port = (uint16_t)in.local.port;
    a.seq = sk_seq_make(in.rcv_nxt);
    a.ack = sk_seq_make(in.snd_nxt);
    a.flags = SK_TCP_ACK;
    a.window = 65535;
    tcp_in(s, t, &a);
}

static void test_acks_confirm_then_probe(void)
{
    sk_stack_config cfg;
    ifx_eth_config(&cfg, sk_ip4_make(10, 0, 0, 2), US_MAC, 7);
    sk_stack *s = ifx_create(&cfg);
    sent_t c = {0};
    sk_sock h = connect_peer(s, &c);
    static const uint8_t data[500];
    /* a long transfer: 500 bytes every 250 ms, each acknowledged */
    for (sk_time_us t = SK_MSEC(250); t <= SK_SEC(120); t += SK_MSEC(250)) {
        SK_CHECK_EQ(sk_tcp_send(s, t, h, data, sizeof data), (ptrdiff_t)sizeof data);
        drain(s, t, &c);
        ack_all(s, t + SK_MSEC(10), h);
        drain(s, t + SK_MSEC(10), &c);
    }
    SK_CHECK_EQ(c.ns, 1); /* the resolution's, and no probe */
    SK_CHECK(c.tcp > 400);
    sk_ip6 p = peer6();
    const sk_nd_entry *en = sk_nd_find(s->ifc.nd, &p);
    SK_CHECK(en != NULL && en->state == SK_ND_REACHABLE);
    /* the ACKs stop; the data keeps going (retransmissions) */
    for (sk_time_us t = SK_SEC(121); t <= SK_SEC(200) && c.ns == 1; t += SK_MSEC(250)) {
        (void)sk_tcp_send(s, t, h, data, sizeof data);
        sk_stack_input(s, t, NULL, 0);
        drain(s, t, &c);
    }
    SK_CHECK(c.ns > 1); /* a unicast probe (PROBE, §7.3.3) */
    en = sk_nd_find(s->ifc.nd, &p);
    SK_CHECK(en != NULL && en->state == SK_ND_PROBE);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_acks_confirm_then_probe);
    return sk_test_finish();
}
