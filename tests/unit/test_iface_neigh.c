/* iface: the neighbour caches under pressure (arp_cache.c, nd_cache.c
 * through the stack), in virtual time.
 *
 * The flood as it was found: SYNs to port 80 from on-link addresses that
 * never answer ARP (or neighbour solicitations) make the server hold its
 * SYN-ACKs and ask for 500 next hops, while a peer whose entry is resolved
 * keeps talking to port 81. Before, the unresolved entries filled the
 * 64-entry table, pushed the peer's entry out, and its packets were dropped
 * (ARP_CACHE_FULL): the unrelated port stalled. Here every round trip of
 * the peer completes at once, with no drop and no retransmission.
 *
 * Then the rules one at a time on a small table: unresolved entries are
 * reused first and oldest first, at most arp_unresolved_max of them, a
 * known neighbour asking again is never taken, the held-packet bounds per
 * next hop and in all. */
#include "base/bytes.h"
#include "base/checksum.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_hdr.h"

#include <string.h>

#define MS(n) ((sk_time_us)(n) * 1000u)
#define SEC(n) ((sk_time_us)(n) * 1000000u)

static const sk_mac MAC_S = {{0x02, 0, 0, 0, 0, 2}}; /* the server, 192.0.2.2 */
static const sk_mac MAC_P = {{0x02, 0, 0, 0, 0, 1}}; /* the peer, 192.0.2.1 */
static const sk_ip4 IP_S = {{192, 0, 2, 2}};

/* 2001:db8::<last> */
static sk_ip6 ip6_of(uint16_t last)
{
    sk_ip6 a = {{0x20, 0x01, 0x0d, 0xb8}};
    a.b[14] = (uint8_t)(last >> 8);
    a.b[15] = (uint8_t)last;
    return a;
}

/* A stack on Ethernet with 192.0.2.<last>/24 and 2001:db8::<last>/64. */
static sk_stack *make_node(uint8_t last, sk_mac mac, uint32_t max_sockets)
{
    sk_stack_config cfg;
    ifx_eth_config(&cfg, sk_ip4_make(0, 0, 0, 0), mac, last);
    cfg.addrs[0].addr = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, last));
    cfg.addrs[0].prefix_len = 24;
    cfg.addrs[1].addr = sk_ipaddr_from_ip6(ip6_of(last));
    cfg.addrs[1].prefix_len = 64;
    cfg.n_addrs = 2;
    cfg.max_sockets = max_sockets;
    return ifx_create(&cfg);
}

/* ---- the flood, end to end ---- */

typedef struct {
    sk_stack *srv, *peer;
    sk_sock conn_peer, conn_srv;
    uint64_t to_flood; /* server frames to a flood address's MAC (must stay 0) */
} flood_net;

/* Move frames both ways until both stacks are quiet. The server's frames
 * to the peer's MAC, broadcast or multicast reach the peer; a frame to
 * any other MAC would be for a flood address, which never answers. */
static void pump(flood_net *n, sk_time_us now)
{
    uint8_t f[1600];
    for (int round = 0; round < 1000; round++) {
        size_t moved = 0, k;
        while ((k = sk_stack_output(n->srv, now, f, sizeof f)) > 0) {
            moved++;
            sk_mac dst;
            memcpy(dst.b, f, 6);
            if (sk_mac_eq(dst, MAC_P) || sk_mac_is_multicast(dst))
                sk_stack_input(n->peer, now, f, k);
            else
                n->to_flood++;
        }
        while ((k = sk_stack_output(n->peer, now, f, sizeof f)) > 0) {
            moved++;
            sk_stack_input(n->srv, now, f, k);
        }
        if (moved == 0)
            return;
    }
    SK_CHECK_MSG(false, "pump: the stacks never went quiet");
}

/* SYN number i of the flood to port 80: from an on-link address no one
 * answers for (IPv4: 192.0.2.10-254, so 500 SYNs reuse each about twice
 * with other ports; IPv6: 2001:db8::1000 + i) and a MAC of its own. */
static size_t flood_syn(uint8_t *f, size_t cap, bool v6, uint32_t i)
{
    sk_mac src_mac = {{0x02, 0x66, 0, 0, (uint8_t)(i >> 8), (uint8_t)i}};
    sk_eth_repr eth = {MAC_S, src_mac, v6 ? SK_ETHERTYPE_IPV6 : SK_ETHERTYPE_IPV4, NULL, 0};
    sk_eth_emit(&eth, f, SK_ETH_HDR_LEN);
    sk_tcp_repr t;
    memset(&t, 0, sizeof t);
    t.src_port = (uint16_t)(20000 + i);
    t.dst_port = 80;
    t.seq = sk_seq_make(1000u * i);
    t.flags = SK_TCP_SYN;
    t.window = 65535;
    t.opts.has_mss = true;
    t.opts.mss = 1460;
    uint8_t seg[64];
    size_t sl = sk_tcp_emit(&t, seg, sizeof seg);
    uint8_t *ip = f + SK_ETH_HDR_LEN;
    if (!v6) {
        sk_ip4 src = sk_ip4_make(192, 0, 2, (uint8_t)(10 + i % 245));
        sk_tcp_fill_checksum4(src, IP_S, seg, sl);
        sk_ip4_repr h;
        memset(&h, 0, sizeof h);
        h.ttl = 64;
        h.proto = SK_IPPROTO_TCP;
        h.src = src;
        h.dst = IP_S;
        return SK_ETH_HDR_LEN + ifx_ip_wrap(&h, seg, sl, ip, cap - SK_ETH_HDR_LEN);
    }
    sk_ip6_repr h;
    memset(&h, 0, sizeof h);
    h.payload_len = (uint16_t)sl;
    h.next_header = SK_IPPROTO_TCP;
    h.hop_limit = 64;
    h.src = ip6_of((uint16_t)(0x1000 + i));
    h.dst = ip6_of(2);
    sk_ip6_emit(&h, ip, SK_IP6_HDR_LEN);
    uint8_t pseudo[40] = {0};
    memcpy(pseudo, h.src.b, 16);
    memcpy(pseudo + 16, h.dst.b, 16);
    sk_store_be32(pseudo + 32, (uint32_t)sl);
    pseudo[39] = SK_IPPROTO_TCP;
    uint16_t c = sk_csum_fold(sk_csum_partial(seg, sl, sk_csum_partial(pseudo, 40, 0)));
    sk_store_be16(seg + 16, c);
    memcpy(ip + SK_IP6_HDR_LEN, seg, sl);
    return SK_ETH_HDR_LEN + SK_IP6_HDR_LEN + sl;
}

/* The peer connects to the server's port 81; the server also listens on 80. */
static void flood_setup(flood_net *n, bool v6)
{
    memset(n, 0, sizeof *n);
    n->srv = make_node(2, MAC_S, 1024);
    n->peer = make_node(1, MAC_P, 4);
    sk_sock l80, l81;
    sk_listen_opts lo = {.backlog = 600};
    SK_CHECK_EQ_I(sk_tcp_listen(n->srv, 80, &lo, &l80), 0);
    SK_CHECK_EQ_I(sk_tcp_listen(n->srv, 81, NULL, &l81), 0);
    sk_endpoint to = {v6 ? sk_ipaddr_from_ip6(ip6_of(2)) : sk_ipaddr_from_ip4(IP_S), 81};
    SK_CHECK_EQ_I(sk_tcp_connect(n->peer, 0, &to, NULL, &n->conn_peer), 0);
    pump(n, 0);
    SK_CHECK_EQ_I(sk_tcp_accept(n->srv, l81, &n->conn_srv, NULL), 0);
    SK_CHECK(sk_sock_events(n->peer, n->conn_peer) & SK_EV_CONNECTED);
}

/* One exchange: the peer sends 100 bytes, the server echoes them; both
 * must arrive within the same instant (the link has no delay). */
static bool echo_now(flood_net *n, sk_time_us now, uint32_t round)
{
    uint8_t msg[100], got[200];
    memset(msg, (int)(round & 0xff), sizeof msg);
    if (sk_tcp_send(n->peer, now, n->conn_peer, msg, sizeof msg) != (ptrdiff_t)sizeof msg)
        return false;
    pump(n, now);
    ptrdiff_t r = sk_tcp_recv(n->srv, now, n->conn_srv, got, sizeof got);
    if (r != (ptrdiff_t)sizeof msg || memcmp(got, msg, sizeof msg) != 0)
        return false;
    if (sk_tcp_send(n->srv, now, n->conn_srv, got, (size_t)r) != r)
        return false;
    pump(n, now);
    r = sk_tcp_recv(n->peer, now, n->conn_peer, got, sizeof got);
    return r == (ptrdiff_t)sizeof msg && memcmp(got, msg, sizeof msg) == 0;
}

static void run_flood(bool v6)
{
    flood_net n;
    flood_setup(&n, v6);
    uint8_t f[1600];
    uint32_t stalls = 0, rounds = 0;
    /* 500 SYNs in 500 ms, one exchange every 2 ms, then 3 s more (the
     * SYN-ACKs' retransmissions and the unresolved entries' give-up) */
    for (uint32_t ms = 1; ms <= 3500; ms++) {
        sk_time_us now = MS(ms);
        if (ms <= 500) {
            size_t k = flood_syn(f, sizeof f, v6, ms - 1);
            sk_stack_input(n.srv, now, f, k);
        }
        pump(&n, now);
        if (ms % 2 == 0) {
            rounds++;
            stalls += !echo_now(&n, now, rounds);
        }
    }
    SK_CHECK_EQ(stalls, 0);
    SK_CHECK_EQ(rounds, 1750);
    sk_tcp_info a, b;
    SK_CHECK_EQ_I(sk_tcp_get_info(n.peer, n.conn_peer, &a), 0);
    SK_CHECK_EQ_I(sk_tcp_get_info(n.srv, n.conn_srv, &b), 0);
    SK_CHECK_EQ(a.retransmits, 0);
    SK_CHECK_EQ(b.retransmits, 0);
    SK_CHECK_EQ(a.state, SK_TCP_ESTABLISHED);
    const sk_stats *st = sk_stack_stats(n.srv);
    SK_CHECK_EQ(st->drop[SK_DROP_ARP_CACHE_FULL], 0);
    SK_CHECK_EQ(n.to_flood, 0);
    /* the flood pressed: SYN-ACKs were held and their entries churned */
    if (v6) {
        SK_CHECK(st->nd_evict_unresolved > 400);
        SK_CHECK_EQ(st->nd_evict_resolved, 0);
    } else {
        SK_CHECK(st->arp_evict_unresolved > 150);
        SK_CHECK(st->drop[SK_DROP_ARP_EVICTED] > 150);
        SK_CHECK_EQ(st->arp_evict_resolved, 0);
    }
    sk_stack_destroy(n.srv);
    sk_stack_destroy(n.peer);
}

static void test_flood_arp(void)
{
    run_flood(false);
}

static void test_flood_nd(void)
{
    run_flood(true);
}

/* ---- the ARP rules on a small table ---- */

static size_t out1(sk_stack *s, sk_time_us now, uint8_t *out)
{
    return sk_stack_output(s, now, out, 2048);
}

/* Drain the output; how many ARP requests and IPv4 frames it held. */
static void drain(sk_stack *s, sk_time_us now, int *arp, int *ip)
{
    uint8_t out[2048];
    size_t k;
    *arp = *ip = 0;
    while ((k = out1(s, now, out)) > 0) {
        uint16_t et = sk_load_be16(out + 12);
        *arp += et == SK_ETHERTYPE_ARP;
        *ip += et == SK_ETHERTYPE_IPV4;
    }
}

/* An ARP request from 192.0.2.<last> for us: it learns the sender. */
static void learn(sk_stack *s, sk_time_us now, uint8_t last)
{
    uint8_t f[42];
    sk_mac mac = {{0x02, 0, 0, 0, 0, last}};
    sk_eth_repr eth = {sk_mac_broadcast, mac, SK_ETHERTYPE_ARP, NULL, 0};
    sk_eth_emit(&eth, f, sizeof f);
    sk_arp_repr a = {SK_ARP_REQUEST, mac, sk_ip4_make(192, 0, 2, last), (sk_mac){{0}}, IP_S};
    sk_arp_emit(&a, f + 14, 28);
    sk_stack_input(s, now, f, sizeof f);
}

static void reply(sk_stack *s, sk_time_us now, uint8_t last)
{
    uint8_t f[42];
    sk_mac mac = {{0x02, 0, 0, 0, 0, last}};
    sk_eth_repr eth = {MAC_S, mac, SK_ETHERTYPE_ARP, NULL, 0};
    sk_eth_emit(&eth, f, sizeof f);
    sk_arp_repr a = {SK_ARP_REPLY, mac, sk_ip4_make(192, 0, 2, last), MAC_S, IP_S};
    sk_arp_emit(&a, f + 14, 28);
    sk_stack_input(s, now, f, sizeof f);
}

static void ping(sk_stack *s, sk_time_us now, uint8_t last, uint16_t seq)
{
    SK_CHECK_EQ_I(sk_ping_send(s, now, sk_ip4_make(192, 0, 2, last), 7, seq, NULL, 0), 0);
}

static sk_stack *small(uint16_t entries, uint16_t queue, uint16_t per_entry, uint16_t unres)
{
    sk_stack_config cfg;
    ifx_eth_config(&cfg, IP_S, MAC_S, 5);
    cfg.arp_cache_size = entries;
    cfg.arp_queue_len = queue;
    cfg.arp_held_per_entry = per_entry;
    cfg.arp_unresolved_max = unres;
    sk_stack *s = ifx_create(&cfg);
    int a, i;
    drain(s, 0, &a, &i); /* the gratuitous ARP */
    return s;
}

/* A full table: the oldest unresolved entry goes first (its packet
 * counted ARP_EVICTED), then the next; resolved entries stay, also for a
 * neighbour that tells us its address. */
static void test_unresolved_go_first(void)
{
    sk_stack *s = small(4, 16, 3, 4);
    int arp, ip;
    learn(s, 0, 1);
    learn(s, 0, 3);
    ping(s, MS(1), 4, 1);
    ping(s, MS(2), 5, 2);
    drain(s, MS(2), &arp, &ip);
    SK_CHECK_EQ(arp, 2 + 2); /* two replies, two requests */
    ping(s, MS(3), 6, 3); /* takes .4's entry */
    drain(s, MS(3), &arp, &ip);
    SK_CHECK_EQ(arp, 1);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_EVICTED), 1);
    SK_CHECK_EQ(sk_stack_stats(s)->arp_evict_unresolved, 1);
    learn(s, MS(4), 7); /* takes .5's */
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_EVICTED), 2);
    reply(s, MS(5), 5); /* too late: .5 has no entry now, its ping is gone */
    drain(s, MS(5), &arp, &ip);
    SK_CHECK_EQ(ip, 0);
    SK_CHECK_EQ(arp, 1); /* the reply to .7 */
    /* .1 and .3 are still resolved: pings go straight out */
    ping(s, MS(6), 1, 4);
    ping(s, MS(6), 3, 5);
    drain(s, MS(6), &arp, &ip);
    SK_CHECK_EQ(ip, 2);
    SK_CHECK_EQ(arp, 0);
    SK_CHECK_EQ(sk_stack_stats(s)->arp_evict_resolved, 0);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_CACHE_FULL), 0);
    sk_stack_destroy(s);
}

/* With no unresolved entry left, the least recently used resolved one
 * gives way (not the one that expires first). */
static void test_resolved_lru(void)
{
    sk_stack *s = small(2, 16, 3, 1);
    int arp, ip;
    learn(s, 0, 1);
    learn(s, SEC(1), 3); /* .1 expires first ... */
    ping(s, SEC(2), 1, 1); /* ... but is used last */
    drain(s, SEC(2), &arp, &ip);
    SK_CHECK_EQ(ip, 1);
    learn(s, SEC(3), 4);
    SK_CHECK_EQ(sk_stack_stats(s)->arp_evict_resolved, 1);
    ping(s, SEC(3), 1, 2);
    drain(s, SEC(3), &arp, &ip);
    SK_CHECK_EQ(ip, 1); /* .1 kept */
    SK_CHECK_EQ(arp, 1); /* the reply to .4 */
    ping(s, SEC(3), 3, 3);
    drain(s, SEC(3), &arp, &ip);
    SK_CHECK_EQ(ip, 0); /* .3 went: asked again */
    SK_CHECK_EQ(arp, 1);
    sk_stack_destroy(s);
}

/* arp_unresolved_max: past it a new next hop takes the oldest unresolved
 * entry even with free slots, which stay for neighbours that answer. */
static void test_unresolved_cap(void)
{
    sk_stack *s = small(8, 16, 3, 2);
    int arp, ip;
    ping(s, 0, 10, 1);
    ping(s, 0, 11, 2);
    ping(s, 0, 12, 3); /* takes .10's entry */
    drain(s, 0, &arp, &ip);
    SK_CHECK_EQ(arp, 3);
    SK_CHECK_EQ(sk_stack_stats(s)->arp_evict_unresolved, 1);
    for (uint8_t k = 21; k <= 26; k++)
        learn(s, MS(1), k); /* six neighbours fit beside the two */
    SK_CHECK_EQ(sk_stack_stats(s)->arp_evict_unresolved, 1);
    SK_CHECK_EQ(sk_stack_stats(s)->arp_evict_resolved, 0);
    reply(s, MS(2), 12);
    drain(s, MS(2), &arp, &ip);
    SK_CHECK_EQ(ip, 1); /* .12's ping released */
    SK_CHECK_EQ(arp, 6);
    sk_stack_destroy(s);
}

/* A neighbour whose entry expired asks again and is never taken for a new
 * next hop: with only such entries left, the new packet is the one
 * dropped (ARP_CACHE_FULL). */
static void test_known_never_evicted(void)
{
    sk_stack *s = small(2, 16, 3, 2);
    int arp, ip;
    learn(s, 0, 1);
    learn(s, 0, 3);
    drain(s, 0, &arp, &ip);
    ping(s, SEC(61), 1, 1); /* expired (60 s): asked again */
    ping(s, SEC(61), 3, 2);
    ping(s, SEC(61), 4, 3);
    drain(s, SEC(61), &arp, &ip);
    SK_CHECK_EQ(arp, 2);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_CACHE_FULL), 1);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_EVICTED), 0);
    reply(s, SEC(61) + 1, 1);
    reply(s, SEC(61) + 1, 3);
    drain(s, SEC(61) + 1, &arp, &ip);
    SK_CHECK_EQ(ip, 2);
    sk_stack_destroy(s);
}

/* Sequence numbers of the echo requests released now, in order. */
static int released(sk_stack *s, sk_time_us now, uint16_t *seqs, int max)
{
    uint8_t out[2048];
    size_t k;
    int n = 0;
    while ((k = out1(s, now, out)) > 0)
        if (sk_load_be16(out + 12) == SK_ETHERTYPE_IPV4 && n < max)
            seqs[n++] = sk_load_be16(out + 14 + 20 + 6);
    return n;
}

/* arp_held_per_entry: one next hop holds at most that many, the latest. */
static void test_held_per_entry(void)
{
    sk_stack *s = small(4, 16, 3, 2);
    int arp, ip;
    for (uint16_t i = 1; i <= 5; i++)
        ping(s, 0, 1, i);
    drain(s, 0, &arp, &ip);
    SK_CHECK_EQ(arp, 1);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_QUEUE_FULL), 2);
    reply(s, MS(1), 1);
    uint16_t seqs[8];
    SK_CHECK_EQ(released(s, MS(1), seqs, 8), 3);
    SK_CHECK(seqs[0] == 3 && seqs[1] == 4 && seqs[2] == 5);
    sk_stack_destroy(s);
}

/* The global budget: when every slot holds an unresolved next hop's only
 * packet, a known neighbour's packet takes the oldest of them; a new next
 * hop's packet is the one dropped. */
static void test_held_total_known_first(void)
{
    sk_stack *s = small(8, 3, 3, 8);
    int arp, ip;
    learn(s, 0, 1);
    drain(s, 0, &arp, &ip);
    ping(s, SEC(61), 10, 1);
    ping(s, SEC(61), 11, 2);
    ping(s, SEC(61), 12, 3); /* three next hops hold one each: full */
    ping(s, SEC(61), 13, 4); /* a new one: its own packet is dropped */
    ping(s, SEC(61), 1, 5); /* .1 expired, known: .10's packet gives way */
    drain(s, SEC(61), &arp, &ip); /* the pings reach ARP here, in order */
    SK_CHECK_EQ(arp, 5);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_QUEUE_FULL), 2);
    reply(s, SEC(61) + 1, 1);
    reply(s, SEC(61) + 1, 10);
    reply(s, SEC(61) + 1, 11);
    reply(s, SEC(61) + 1, 13);
    uint16_t seqs[8];
    SK_CHECK_EQ(released(s, SEC(61) + 1, seqs, 8), 2);
    SK_CHECK(seqs[0] == 2 && seqs[1] == 5);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_flood_arp);
    SK_RUN(test_flood_nd);
    SK_RUN(test_unresolved_go_first);
    SK_RUN(test_resolved_lru);
    SK_RUN(test_unresolved_cap);
    SK_RUN(test_known_never_evicted);
    SK_RUN(test_held_per_entry);
    SK_RUN(test_held_total_known_first);
    return sk_test_finish();
}
