/* libFuzzer target over every wire parser. The first byte selects the
 * format (0-4 here, 5-10 the IPv6 family in fuzz_wire6.h); the rest is the
 * frame. A parse that succeeds must survive a
 * round trip: emit the representation, parse the emitted bytes, and get
 * every field of the representation back (addresses, options, SACK blocks,
 * timestamps, ICMP id, sequence and checksum, payload bytes). Anything
 * else (a crash, a sanitizer report, a mismatch) is a bug. */
#include "fuzz_common.h"
#include "fuzz_wire6.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/seg_text.h"
#include "wire/tcp_hdr.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[70000];

static bool mac_same(sk_mac a, sk_mac b)
{
    return memcmp(a.b, b.b, sizeof a.b) == 0;
}

static bool ip4_same(sk_ip4 a, sk_ip4 b)
{
    return memcmp(a.b, b.b, sizeof a.b) == 0;
}

/* The header re-emits byte for byte; the emitted frame (header + payload)
 * parses to the same fields. */
static void fuzz_eth(const uint8_t *p, size_t n)
{
    sk_eth_repr r, r2;
    if (sk_eth_parse(p, n, &r) != 0)
        return;
    CHECK(r.payload == p + SK_ETH_HDR_LEN && r.payload_len == n - SK_ETH_HDR_LEN);
    size_t m = sk_eth_emit(&r, out, sizeof out);
    CHECK(m == SK_ETH_HDR_LEN && memcmp(out, p, m) == 0);
    memcpy(out + m, r.payload, r.payload_len);
    CHECK(sk_eth_parse(out, m + r.payload_len, &r2) == 0);
    CHECK(mac_same(r2.dst, r.dst) && mac_same(r2.src, r.src) && r2.ethertype == r.ethertype);
    CHECK(r2.payload == out + m && r2.payload_len == r.payload_len);
    CHECK(memcmp(r2.payload, r.payload, r.payload_len) == 0);
}

static void fuzz_arp(const uint8_t *p, size_t n)
{
    sk_arp_repr r, r2;
    if (sk_arp_parse(p, n, &r) != 0)
        return;
    size_t m = sk_arp_emit(&r, out, sizeof out);
    CHECK(m == SK_ARP_LEN && memcmp(out, p, m) == 0);
    CHECK(sk_arp_parse(out, m, &r2) == 0);
    CHECK(r2.op == r.op && mac_same(r2.sha, r.sha) && ip4_same(r2.spa, r.spa));
    CHECK(mac_same(r2.tha, r.tha) && ip4_same(r2.tpa, r.tpa));
}

static void fuzz_ipv4(const uint8_t *p, size_t n)
{
    sk_ip4_repr r, r2;
    if (sk_ip4_parse(p, n, &r) != 0)
        return;
    CHECK(r.hdr_len >= 20 && r.hdr_len <= 60 && r.total_len <= n);
    CHECK(r.payload_len == (size_t)r.total_len - r.hdr_len);
    CHECK(r.options_len == (size_t)r.hdr_len - 20u);
    size_t m = sk_ip4_emit(&r, out, sizeof out);
    /* A valid header re-emits identically, except that the checksum field
     * may be 0xFFFF on input where emit writes the equivalent 0x0000: both
     * are one's-complement zero and both verify (RFC 1624 §3). */
    CHECK(m == r.hdr_len && memcmp(out, p, 10) == 0 && memcmp(out + 12, p + 12, m - 12) == 0);
    uint16_t got = (uint16_t)(out[10] << 8 | out[11]);
    CHECK(got == r.checksum || (got == 0x0000 && r.checksum == 0xFFFF));
    memcpy(out + m, r.payload, r.payload_len);
    CHECK(sk_ip4_parse(out, m + r.payload_len, &r2) == 0);
    CHECK(r2.hdr_len == r.hdr_len && r2.tos == r.tos && r2.total_len == r.total_len);
    CHECK(r2.id == r.id && r2.df == r.df && r2.mf == r.mf && r2.frag_off == r.frag_off);
    CHECK(r2.ttl == r.ttl && r2.proto == r.proto && r2.checksum == got);
    CHECK(ip4_same(r2.src, r.src) && ip4_same(r2.dst, r.dst));
    CHECK(r2.options_len == r.options_len &&
          memcmp(r2.options, r.options, r.options_len) == 0);
    CHECK(r2.payload_len == r.payload_len && memcmp(r2.payload, r.payload, r.payload_len) == 0);
}

/* Emit writes the second header word from the fields (echo id and
 * sequence, the RFC 1191 MTU) and zero where RFC 792 says "unused", so the
 * message re-emits byte for byte exactly when the input's unused bits were
 * zero; then the checksum is the input's (or its -0 twin). */
static void fuzz_icmp(const uint8_t *p, size_t n)
{
    sk_icmp4_repr r, r2;
    if (sk_icmp4_parse(p, n, &r) != 0)
        return;
    CHECK(r.data == p + SK_ICMP_HDR_LEN && r.data_len == n - SK_ICMP_HDR_LEN);
    size_t m = sk_icmp4_emit(&r, out, sizeof out);
    CHECK(m == SK_ICMP_HDR_LEN + r.data_len);
    CHECK(sk_icmp4_parse(out, m, &r2) == 0);
    CHECK(r2.type == r.type && r2.code == r.code && r2.data_len == r.data_len);
    CHECK(r2.echo_id == r.echo_id && r2.echo_seq == r.echo_seq);
    CHECK(r2.next_hop_mtu == r.next_hop_mtu);
    CHECK(memcmp(r2.data, r.data, r.data_len) == 0);
    CHECK(r2.checksum == (uint16_t)(out[2] << 8 | out[3]));
    bool echo = r.type == SK_ICMP_ECHO_REQUEST || r.type == SK_ICMP_ECHO_REPLY;
    bool same = memcmp(out, p, 2) == 0 && memcmp(out + 4, p + 4, m - 4) == 0;
    CHECK(same || !echo); /* id and sequence are the whole second word */
    if (same)
        CHECK(r2.checksum == r.checksum || (r2.checksum == 0x0000 && r.checksum == 0xFFFF));
}

static bool tcp_opts_same(const sk_tcp_opts *a, const sk_tcp_opts *b)
{
    if (a->has_mss != b->has_mss || a->mss != b->mss || a->has_wscale != b->has_wscale ||
        a->wscale != b->wscale || a->sack_permitted != b->sack_permitted ||
        a->has_ts != b->has_ts || a->ts_val != b->ts_val || a->ts_ecr != b->ts_ecr ||
        a->n_sack != b->n_sack)
        return false;
    for (uint8_t i = 0; i < a->n_sack; i++)
        if (!sk_seq_eq(a->sack[i].left, b->sack[i].left) ||
            !sk_seq_eq(a->sack[i].right, b->sack[i].right))
            return false;
    return true;
}

/* Emit lays the options out as Linux does, so the bytes differ from the
 * input's; every field must survive, and the emitted header carries no
 * malformed option. */
static void fuzz_tcp(const uint8_t *p, size_t n)
{
    sk_tcp_repr r, r2;
    char line[512];
    if (sk_tcp_parse(p, n, &r) != 0)
        return;
    CHECK(r.hdr_len >= 20 && r.hdr_len <= n && r.payload_len == n - r.hdr_len);
    CHECK(r.opts.n_sack <= SK_TCP_MAX_SACK);
    sk_tcp_seg_str("a", "b", &r, line, sizeof line);
    CHECK(strlen(line) < sizeof line);
    size_t m = sk_tcp_emit(&r, out, sizeof out);
    if (m == 0) { /* options that do not fit in 40 bytes together */
        CHECK(sk_tcp_opts_len(&r.opts) > 40);
        return;
    }
    CHECK(m == sk_tcp_hdr_len(&r) + r.payload_len);
    sk_ip4 a = sk_ip4_make(192, 0, 2, 1), b = sk_ip4_make(192, 0, 2, 2);
    sk_tcp_fill_checksum4(a, b, out, m);
    CHECK(sk_tcp_checksum_ok4(a, b, out, m));
    CHECK(sk_tcp_parse(out, m, &r2) == 0);
    CHECK(r2.src_port == r.src_port && r2.dst_port == r.dst_port);
    CHECK(sk_seq_eq(r2.seq, r.seq) && sk_seq_eq(r2.ack, r.ack) && r2.flags == r.flags);
    CHECK(r2.hdr_len == sk_tcp_hdr_len(&r) && r2.window == r.window && r2.urgent == r.urgent);
    CHECK(r2.checksum == (uint16_t)(out[16] << 8 | out[17]));
    CHECK(tcp_opts_same(&r2.opts, &r.opts) && !r2.opts.malformed);
    CHECK(r2.payload_len == r.payload_len && memcmp(r2.payload, r.payload, r.payload_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 11) {
    case 0:
        fuzz_eth(p, n);
        break;
    case 1:
        fuzz_arp(p, n);
        break;
    case 2:
        fuzz_ipv4(p, n);
        break;
    case 3:
        fuzz_icmp(p, n);
        break;
    case 4:
        fuzz_tcp(p, n);
        break;
    case 5:
        fuzz_ipv6(p, n);
        break;
    case 6:
        fuzz_icmp6(p, n);
        break;
    case 7:
        fuzz_nd(p, n);
        break;
    case 8:
        fuzz_udp(p, n);
        break;
    case 9:
        fuzz_mld(p, n);
        break;
    default:
        fuzz_ip6_text(p, n);
        break;
    }
    return 0;
}
