/* Offloads on an Ethernet link (sk_iface_tx_direct): a TCP frame that
 * waits for ARP is held in an MTU-sized slot and later sent without
 * metadata, so it must be complete (software checksum) and one segment;
 * once the neighbour is known, frames carry a partial checksum whose
 * csum_start counts the Ethernet header, and super-segments. */
#include "iface_fixture.h"
#include "sk_test.h"

#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/tcp_hdr.h"

#include <string.h>

#define MS(n) ((sk_time_us)(n) * 1000u)
#define SEC(n) ((sk_time_us)(n) * 1000000u)

static const sk_mac US_MAC = {{0x02, 0, 0, 0, 0, 2}};
static const sk_mac PEER_MAC = {{0x02, 0, 0, 0, 0, 1}};
static const sk_ip4 US = {{192, 0, 2, 2}};
static const sk_ip4 PEER = {{192, 0, 2, 1}};

static uint8_t out[70000];

static void arp_reply_in(sk_stack *s, sk_time_us now)
{
    uint8_t f[42];
    sk_eth_repr eth = {US_MAC, PEER_MAC, SK_ETHERTYPE_ARP, NULL, 0};
    sk_eth_emit(&eth, f, sizeof f);
    sk_arp_repr a = {SK_ARP_REPLY, PEER_MAC, PEER, US_MAC, US};
    sk_arp_emit(&a, f + 14, 28);
    sk_stack_input(s, now, f, sizeof f);
}

/* The peer's TCP segment (no options, no payload) to our port 40000. */
static void tcp_in(sk_stack *s, sk_time_us now, uint8_t flags, uint32_t seq, uint32_t ack)
{
    uint8_t f[14 + 20 + 40];
    sk_eth_repr eth = {US_MAC, PEER_MAC, SK_ETHERTYPE_IPV4, NULL, 0};
    sk_eth_emit(&eth, f, sizeof f);
    sk_tcp_repr h;
    memset(&h, 0, sizeof h);
    h.src_port = 80;
    h.dst_port = 40000;
    h.seq = sk_seq_make(seq);
    h.ack = sk_seq_make(ack);
    h.flags = flags;
    h.window = 65535;
    if (flags & SK_TCP_SYN) {
        h.opts.has_mss = true;
        h.opts.mss = 1460;
    }
    uint8_t seg[40];
    size_t tl = sk_tcp_emit(&h, seg, sizeof seg);
    sk_tcp_fill_checksum4(PEER, US, seg, tl);
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_TCP;
    ip.src = PEER;
    ip.dst = US;
    size_t n = ifx_ip_wrap(&ip, seg, tl, f + 14, sizeof f - 14);
    sk_stack_input(s, now, f, 14 + n);
}

/* The TCP segment of an Ethernet frame, parsed; its checksum as sent. */
static bool tcp_of(size_t n, sk_tcp_repr *h, bool *csum_ok)
{
    sk_ip4_repr ip;
    if (n < 14 || out[12] != 0x08 || out[13] != 0x00 || sk_ip4_parse(out + 14, n - 14, &ip) != 0)
        return false;
    *csum_ok = sk_tcp_checksum_ok4(ip.src, ip.dst, ip.payload, ip.payload_len);
    return sk_tcp_parse(ip.payload, ip.payload_len, h) == 0;
}

static size_t output(sk_stack *s, sk_time_us now, sk_frame_meta *m)
{
    return sk_stack_output_meta(s, now, out, sizeof out, m);
}

static void test_held_frames_complete_direct_ones_offloaded(void)
{
    sk_stack_config cfg;
    ifx_eth_config(&cfg, US, US_MAC, 1);
    cfg.dev.tx_csum = true;
    cfg.dev.tso_max = SK_TSO_MAX;
    cfg.timestamps = false;
    cfg.sack = false;
    sk_stack *s = ifx_create(&cfg);
    sk_frame_meta m;
    SK_CHECK(output(s, 0, &m) == 42); /* gratuitous ARP */
    SK_CHECK(output(s, 0, &m) == 0);
    sk_sock c;
    sk_endpoint ep = {sk_ipaddr_from_ip4(PEER), 80};
    sk_connect_opts co = {40000, 0, true, 1000};
    SK_CHECK_EQ_I(sk_tcp_connect(s, MS(1), &ep, &co, &c), 0);
    SK_CHECK_EQ(output(s, MS(1), &m), 42u); /* the SYN waits: an ARP request */
    SK_CHECK_EQ(m.flags, 0u);
    arp_reply_in(s, MS(2));
    size_t n = output(s, MS(2), &m); /* the held SYN, complete */
    sk_tcp_repr h;
    bool ok = false;
    SK_CHECK(tcp_of(n, &h, &ok) && (h.flags & SK_TCP_SYN) && ok);
    SK_CHECK_EQ(m.flags, 0u);
    tcp_in(s, MS(3), SK_TCP_SYN | SK_TCP_ACK, 5000, 1001);
    n = output(s, MS(3), &m); /* our ACK: the neighbour is known, partial */
    SK_CHECK(tcp_of(n, &h, &ok) && h.flags == SK_TCP_ACK && !ok);
    SK_CHECK_EQ(m.flags, SK_FRAME_NEEDS_CSUM);
    SK_CHECK_EQ(m.csum_start, 34u);
    static uint8_t data[20000];
    SK_CHECK_EQ_I(sk_tcp_send(s, MS(4), c, data, 4380), 4380);
    n = output(s, MS(4), &m);
    SK_CHECK(tcp_of(n, &h, &ok) && h.payload_len == 4380u);
    SK_CHECK_EQ(m.gso_type, SK_GSO_TCPV4);
    SK_CHECK_EQ(m.gso_size, 1460u);
    SK_CHECK_EQ(m.hdr_len, 54u);
    SK_CHECK_EQ(sk_frame_csum_complete(out, n, &m), 0);
    SK_CHECK(tcp_of(n, &h, &ok) && ok);
    tcp_in(s, MS(5), SK_TCP_ACK, 5001, 1001 + 4380);
    /* the ARP entry expires (60 s): the next segments wait for ARP, so
     * they are complete and one MSS each, and go out that way once the
     * reply comes */
    sk_time_us t = MS(5) + SEC(61);
    SK_CHECK(output(s, t, &m) == 0);
    SK_CHECK_EQ_I(sk_tcp_send(s, t, c, data, 2920), 2920);
    SK_CHECK_EQ(output(s, t, &m), 42u); /* ARP request */
    while (output(s, t, &m) > 0) {
    }
    arp_reply_in(s, t + MS(1));
    int segs = 0;
    for (n = output(s, t + MS(1), &m); n > 0; n = output(s, t + MS(1), &m)) {
        SK_CHECK(tcp_of(n, &h, &ok) && ok && h.payload_len <= 1460u);
        SK_CHECK_EQ(m.flags, 0u);
        SK_CHECK_EQ(m.gso_type, SK_GSO_NONE);
        segs += h.payload_len > 0;
    }
    SK_CHECK(segs >= 1);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_TCP_OVER_MTU), 0u);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_held_frames_complete_direct_ones_offloaded);
    return sk_test_finish();
}
