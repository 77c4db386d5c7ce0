/* IPv4 path MTU per destination (RFC 1191 §6, in the same cache as IPv6's
 * RFC 8201, iface_pmtu.c), in virtual time on a raw IP link: a
 * fragmentation needed about one connection's segment lowers every
 * connection to that destination and the MSS a new one starts with; one
 * about a UDP socket's datagram does the same for its destination; one
 * about a datagram no socket sent, or longer than our MTU, changes
 * nothing. Us 10.0.0.2, peers 10.0.0.x. */
#include "api/stack_impl.h"
#include "base/bytes.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/tcp_hdr.h"

#include <string.h>

static const sk_ip4 US = {{10, 0, 0, 2}};

static sk_ip4 peer(uint8_t last)
{
    return sk_ip4_make(10, 0, 0, last);
}

static sk_stack *make(void)
{
    sk_stack_config cfg;
    ifx_ip_config(&cfg, US);
    cfg.max_sockets = 8;
    return ifx_create(&cfg);
}

static size_t out1(sk_stack *s, sk_time_us t, uint8_t *buf)
{
    return sk_stack_output(s, t, buf, 2048);
}

static void drain(sk_stack *s, sk_time_us t)
{
    uint8_t junk[2048];
    while (out1(s, t, junk) > 0) {
    }
}

/* Fragmentation needed from `from` quoting the first 28 bytes of sent. */
static void frag_needed(sk_stack *s, sk_time_us t, sk_ip4 from, const uint8_t *sent, uint16_t mtu)
{
    uint8_t msg[64], pkt[128];
    sk_icmp4_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP_DEST_UNREACH;
    m.code = SK_ICMP_UNREACH_FRAG_NEEDED;
    m.next_hop_mtu = mtu;
    m.data = sent;
    m.data_len = 28;
    size_t ml = sk_icmp4_emit(&m, msg, sizeof msg);
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_ICMP;
    ip.src = from;
    ip.dst = US;
    sk_stack_input(s, t, pkt, ifx_ip_wrap(&ip, msg, ml, pkt, sizeof pkt));
}

/* A connection from lport to dst:80, established with the peer's MSS 1460. */
static sk_sock established(sk_stack *s, sk_time_us t, sk_ip4 dst, uint16_t lport)
{
    sk_endpoint r = {sk_ipaddr_from_ip4(dst), 80};
    sk_connect_opts o;
    memset(&o, 0, sizeof o);
    o.local_port = lport;
    sk_sock h;
    SK_CHECK_EQ_I(sk_tcp_connect(s, t, &r, &o, &h), 0);
    uint8_t out[2048], seg[64], pkt[128];
    size_t n = out1(s, t, out);
    sk_tcp_repr syn, sa;
    SK_CHECK_EQ_I(sk_tcp_parse(out + 20, n - 20, &syn), 0);
    memset(&sa, 0, sizeof sa);
    sa.src_port = 80;
    sa.dst_port = lport;
    sa.seq = sk_seq_make(5000);
    sa.ack = sk_seq_add(syn.seq, 1);
    sa.flags = SK_TCP_SYN | SK_TCP_ACK;
    sa.window = 65535;
    sa.opts.has_mss = true;
    sa.opts.mss = 1460;
    size_t sl = sk_tcp_emit(&sa, seg, sizeof seg);
    sk_tcp_fill_checksum4(dst, US, seg, sl);
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_TCP;
    ip.src = dst;
    ip.dst = US;
    sk_stack_input(s, t, pkt, ifx_ip_wrap(&ip, seg, sl, pkt, sizeof pkt));
    drain(s, t);
    return h;
}

static uint32_t mss_of(sk_stack *s, sk_sock h)
{
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(s, h, &in), 0);
    return in.snd_mss;
}

static void test_frag_needed_per_destination(void)
{
    sk_stack *s = make();
    sk_sock a = established(s, 0, peer(1), 50000);
    sk_sock b = established(s, 0, peer(1), 50001);
    sk_sock c = established(s, 0, peer(7), 50002);
    SK_CHECK_EQ(mss_of(s, a), 1460);
    static uint8_t data[3000];
    SK_CHECK_EQ(sk_tcp_send(s, SK_MSEC(1), a, data, sizeof data), (ptrdiff_t)sizeof data);
    uint8_t sent[2048];
    SK_CHECK_EQ(out1(s, SK_MSEC(1), sent), 1500);
    drain(s, SK_MSEC(1));
    frag_needed(s, SK_MSEC(2), peer(1), sent, 1000);
    SK_CHECK_EQ(mss_of(s, a), 960);
    SK_CHECK_EQ(mss_of(s, b), 960);
    SK_CHECK_EQ(mss_of(s, c), 1460);
    drain(s, SK_MSEC(2));
    sk_sock d = established(s, SK_MSEC(3), peer(1), 50003);
    SK_CHECK_EQ(mss_of(s, d), 960);
    sk_stack_destroy(s);
}

static void test_frag_needed_for_udp(void)
{
    sk_stack *s = make();
    sk_sock u;
    SK_CHECK_EQ_I(sk_udp_open(s, &u), 0);
    sk_endpoint r = {sk_ipaddr_from_ip4(peer(9)), 53};
    SK_CHECK_EQ_I(sk_udp_connect(s, u, &r), 0);
    static uint8_t pay[1400];
    SK_CHECK_EQ((int)sk_udp_send(s, 0, u, pay, sizeof pay), (int)sizeof pay);
    uint8_t sent[2048];
    SK_CHECK_EQ(out1(s, 0, sent), 20 + 8 + sizeof pay);
    /* not ours: a datagram to another port, and one longer than our MTU */
    uint8_t other[64];
    memcpy(other, sent, 28);
    sk_store_be16(other + 22, 54);
    frag_needed(s, SK_MSEC(1), peer(9), other, 1200);
    memcpy(other, sent, 28);
    sk_store_be16(other + 2, 1600);
    frag_needed(s, SK_MSEC(1), peer(9), other, 1200);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_PMTU_UNSENT), 2);
    sk_sock h = established(s, SK_MSEC(2), peer(9), 50000);
    SK_CHECK_EQ(mss_of(s, h), 1460);
    /* the socket's datagram: the open connection and a new one to 10.0.0.9 */
    frag_needed(s, SK_MSEC(3), peer(9), sent, 1200);
    SK_CHECK_EQ(mss_of(s, h), 1160);
    drain(s, SK_MSEC(3));
    sk_sock h2 = established(s, SK_MSEC(4), peer(9), 50001);
    SK_CHECK_EQ(mss_of(s, h2), 1160);
    /* and the socket's sends: 1200 - 28 bytes at most */
    SK_CHECK_EQ_I((int)sk_udp_send(s, SK_MSEC(5), u, pay, 1173), SK_EMSGSIZE);
    SK_CHECK_EQ((int)sk_udp_send(s, SK_MSEC(5), u, pay, 1172), 1172);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_frag_needed_per_destination);
    SK_RUN(test_frag_needed_for_udp);
    return sk_test_finish();
}
