/* libFuzzer target over every wire parser. The first byte selects the
 * format; the rest is the frame. A parse that succeeds must survive a
 * round trip: emit the representation, parse it again, and get the same
 * fields back. Anything else (a crash, a sanitizer report, a mismatch) is a
 * bug. */
#include "fuzz_common.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/seg_text.h"
#include "wire/tcp_hdr.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[70000];

static void fuzz_eth(const uint8_t *p, size_t n)
{
    sk_eth_repr r, r2;
    if (sk_eth_parse(p, n, &r) != 0)
        return;
    size_t m = sk_eth_emit(&r, out, sizeof out);
    CHECK(m == SK_ETH_HDR_LEN && memcmp(out, p, m) == 0);
    CHECK(sk_eth_parse(p, n, &r2) == 0 && r2.ethertype == r.ethertype);
}

static void fuzz_arp(const uint8_t *p, size_t n)
{
    sk_arp_repr r, r2;
    if (sk_arp_parse(p, n, &r) != 0)
        return;
    size_t m = sk_arp_emit(&r, out, sizeof out);
    CHECK(m == SK_ARP_LEN && memcmp(out, p, m) == 0);
    CHECK(sk_arp_parse(out, m, &r2) == 0 && r2.op == r.op);
}

static void fuzz_ipv4(const uint8_t *p, size_t n)
{
    sk_ip4_repr r, r2;
    if (sk_ip4_parse(p, n, &r) != 0)
        return;
    CHECK(r.hdr_len >= 20 && r.hdr_len <= 60 && r.total_len <= n);
    CHECK(r.payload_len == (size_t)r.total_len - r.hdr_len);
    size_t m = sk_ip4_emit(&r, out, sizeof out);
    /* A valid header re-emits identically, except that the checksum field
     * may be 0xFFFF on input where emit writes the equivalent 0x0000: both
     * are one's-complement zero and both verify (RFC 1624 §3). */
    CHECK(m == r.hdr_len && memcmp(out, p, 10) == 0 && memcmp(out + 12, p + 12, m - 12) == 0);
    uint16_t got = (uint16_t)(out[10] << 8 | out[11]);
    CHECK(got == r.checksum || (got == 0x0000 && r.checksum == 0xFFFF));
    memcpy(out + m, r.payload, r.payload_len);
    CHECK(sk_ip4_parse(out, m + r.payload_len, &r2) == 0);
    CHECK(r2.total_len == r.total_len && r2.id == r.id && r2.proto == r.proto);
}

static void fuzz_icmp(const uint8_t *p, size_t n)
{
    sk_icmp4_repr r, r2;
    if (sk_icmp4_parse(p, n, &r) != 0)
        return;
    size_t m = sk_icmp4_emit(&r, out, sizeof out);
    CHECK(m == SK_ICMP_HDR_LEN + r.data_len);
    CHECK(sk_icmp4_parse(out, m, &r2) == 0);
    CHECK(r2.type == r.type && r2.code == r.code && r2.data_len == r.data_len);
}

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
    if (m == 0) /* options that do not fit in 40 bytes together */
        return;
    CHECK(sk_tcp_parse(out, m, &r2) == 0);
    CHECK(sk_seq_eq(r2.seq, r.seq) && sk_seq_eq(r2.ack, r.ack) && r2.flags == r.flags);
    CHECK(r2.window == r.window && r2.payload_len == r.payload_len);
    CHECK(r2.opts.has_mss == r.opts.has_mss && r2.opts.mss == r.opts.mss);
    CHECK(r2.opts.has_ts == r.opts.has_ts && r2.opts.n_sack == r.opts.n_sack);
    CHECK(memcmp(r2.payload, r.payload, r.payload_len) == 0);
    sk_ip4 a = sk_ip4_make(192, 0, 2, 1), b = sk_ip4_make(192, 0, 2, 2);
    sk_tcp_fill_checksum4(a, b, out, m);
    CHECK(sk_tcp_checksum_ok4(a, b, out, m));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
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
    default:
        fuzz_tcp(p, n);
        break;
    }
    return 0;
}
