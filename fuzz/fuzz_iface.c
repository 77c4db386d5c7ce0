/* libFuzzer target over the interface layer: a stack on an Ethernet link
 * (192.0.2.2/24, gateway 192.0.2.1, small ARP cache, held queue and
 * reassembly table so that every limit is reached: 3 entries, at most 2
 * unresolved, 3 held packets, at most 2 per next hop) with a listener on port
 * 80 and an active connection to 192.0.2.1:5000. The input is a script of
 * records:
 *   kind < 0x80  a frame: the record bytes after a fixed Ethernet header to
 *                our MAC; kind bit 0 makes it IPv4 with a correct header
 *                checksum (and ICMP checksum when the protocol is ICMP), so
 *                the fuzzer reaches ARP, reassembly, ICMP and TCP; bits 0
 *                and 1 make it IPv6 from fe80::1 or 2001:db8::1 to one of
 *                our addresses or groups (byte 39 picks), with the ICMPv6 or
 *                TCP checksum right: ND, SLAAC, ICMPv6, TCP over IPv6
 *                (the stack also has 2001:db8::2/64, default route
 *                fe80::1)
 *   kind < 0xc0  a raw frame as given
 *   kind < 0xe0  time passes (len * 50 ms)
 *   kind < 0xf0  a ping to 192.0.2.(len) with len data bytes
 *   otherwise    a ping to 2001:db8::(len) with len data bytes
 * After every record the output is drained and checked: poll_at is never in
 * the past once drained; the drop counters add up. */
#include "base/bytes.h"
#include "base/checksum.h"
#include "fuzz_common.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "synack/synack.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t OUR_MAC[6] = {0x02, 0, 0, 0, 0, 2};
static const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 1};

static sk_ip6 ip6_of(const uint8_t *p)
{
    sk_ip6 a;
    memcpy(a.b, p, 16);
    return a;
}

/* IPv6 fixups of the packet ip[0..n): version, payload length, a source
 * and a destination of ours (ip[39] picks), and the checksum of ICMPv6 or
 * TCP when nothing comes between. Returns n or 0 when too short. */
static size_t fix6(uint8_t *f, size_t n)
{
    static const uint8_t ll1[16] = {0xfe, 0x80, [15] = 1};
    static const uint8_t g1[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    uint8_t *ip = f + 14;
    if (n < 48)
        return 0;
    sk_store_be16(f + 12, 0x86dd);
    ip[0] = (uint8_t)(0x60 | (ip[0] & 0x0f));
    sk_store_be16(ip + 4, (uint16_t)(n - 40));
    memcpy(ip + 8, (ip[39] & 1) ? g1 : ll1, 16);
    sk_ip6 mac_src = sk_ip6_link_local_from_mac((sk_mac){{0x02, 0, 0, 0, 0, 2}});
    sk_ip6 dst;
    switch ((ip[39] >> 1) & 3) {
    case 0: dst = mac_src; break;
    case 1: dst = ip6_of(g1); dst.b[15] = 2; break;
    case 2: dst = sk_ip6_all_nodes(); break;
    default: dst = sk_ip6_solicited_node(mac_src); break;
    }
    memcpy(ip + 24, dst.b, 16);
    if (sk_ip6_is_multicast(dst))
        memcpy(f, sk_ip6_mcast_mac(dst).b, 6);
    sk_ipaddr s6 = sk_ipaddr_from_ip6(ip6_of(ip + 8)), d6 = sk_ipaddr_from_ip6(dst);
    if (ip[6] == 58)
        sk_icmp6_fill_checksum(ip6_of(ip + 8), dst, ip + 40, n - 40);
    else if (ip[6] == 6 && n >= 60)
        sk_csum_l4_fill(&s6, &d6, 6, ip + 40, n - 40, 16);
    return 14 + n;
}

/* Ethernet header, then the record; with `fix`, IPv4 fixups. */
static size_t make_frame(const uint8_t *p, size_t n, bool fix, uint8_t *f, size_t cap)
{
    if (14 + n > cap)
        return 0;
    memcpy(f, (n > 0 && (p[0] & 0x80)) ? (const uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
                                        : OUR_MAC,
           6);
    memcpy(f + 6, PEER_MAC, 6);
    sk_store_be16(f + 12, fix ? 0x0800 : (n > 0 && (p[0] & 0x40) ? 0x0806 : 0x0800));
    memcpy(f + 14, p, n);
    uint8_t *ip = f + 14;
    if (!fix || n < 20)
        return 14 + n;
    ip[0] = 0x45;
    sk_store_be16(ip + 2, (uint16_t)n);
    memcpy(ip + 12, (const uint8_t[4]){192, 0, 2, 1}, 4);
    if (!(ip[19] & 0x80))
        memcpy(ip + 16, (const uint8_t[4]){192, 0, 2, 2}, 4);
    sk_store_be16(ip + 10, 0);
    sk_store_be16(ip + 10, sk_csum(ip, 20));
    if (ip[9] == 1 && n >= 28) {
        sk_store_be16(ip + 22, 0);
        sk_store_be16(ip + 22, sk_csum(ip + 20, n - 20));
    }
    return 14 + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sk_stack_config cfg;
    fz_config(&cfg, sk_ip4_make(192, 0, 2, 2));
    cfg.link = SK_LINK_ETHERNET;
    memcpy(cfg.mac.b, OUR_MAC, 6);
    /* dual stack: 192.0.2.2/24 via 192.0.2.1, 2001:db8::2/64 via fe80::1
     * (and the link-local address the stack makes from the MAC) */
    cfg.addr = sk_ip4_make(0, 0, 0, 0);
    cfg.n_addrs = 2;
    cfg.addrs[0].addr = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 2));
    cfg.addrs[0].prefix_len = 24;
    cfg.addrs[1].addr = sk_ipaddr_from_ip6((sk_ip6){{0x20, 0x01, 0x0d, 0xb8, [15] = 2}});
    cfg.addrs[1].prefix_len = 64;
    cfg.n_routes = 2;
    cfg.routes[0].dst = sk_ipaddr_from_ip4(sk_ip4_make(0, 0, 0, 0));
    cfg.routes[0].gateway = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 1));
    cfg.routes[1].dst = sk_ipaddr_from_ip6((sk_ip6){{0}});
    cfg.routes[1].gateway = sk_ipaddr_from_ip6((sk_ip6){{0xfe, 0x80, [15] = 1}});
    cfg.arp_cache_size = 3;
    cfg.arp_queue_len = 3;
    cfg.arp_held_per_entry = 2; /* below the queue: both held-packet bounds are reached */
    cfg.arp_unresolved_max = 2; /* below the table: the unresolved cap is reached */
    cfg.ip_reass_max = 2;
    cfg.icmp_queue_len = 3;
    cfg.ping_queue_len = 2;
    sk_sock l, c;
    sk_stack *s = fz_start(&cfg, NULL, sk_ip4_make(192, 0, 2, 1), &l, &c);
    uint64_t now = 0;
    uint8_t frame[1600];
    size_t i = 0;
    while (i + 2 <= size) {
        uint8_t kind = data[i], len = data[i + 1];
        i += 2;
        size_t n = len < size - i ? len : size - i;
        if (kind < 0xc0) {
            bool v6 = kind < 0x80 && (kind & 3) == 3;
            size_t m = make_frame(data + i, n, kind < 0x80 && (kind & 3) == 1, frame, sizeof frame);
            if (v6 && m > 0)
                m = fix6(frame, n);
            if (kind >= 0x80 && n <= sizeof frame) {
                memcpy(frame, data + i, n);
                m = n;
            }
            sk_stack_input(s, now, frame, m);
            i += n;
        } else if (kind < 0xe0) {
            now += (uint64_t)len * 50000u;
        } else {
            uint8_t pay[256];
            memset(pay, kind, sizeof pay);
            sk_ip6 d6 = {{0x20, 0x01, 0x0d, 0xb8}};
            d6.b[15] = len;
            if (kind < 0xf0)
                sk_ping_send(s, now, sk_ip4_make(192, 0, 2, len), 1, len, pay, len);
            else
                sk_ping6_send(s, now, d6, 1, len, pay, len);
        }
        uint64_t at = fz_drain(s, now);
        if (kind >= 0xc0 && kind < 0xe0 && at != SK_NEVER && at > now && at - now < 40000000)
            now = at; /* let timers fire */
        sk_ping_reply r;
        while (sk_ping_next_reply(s, &r)) {
        }
    }
    fz_finish(s);
    return 0;
}
