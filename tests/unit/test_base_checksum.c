/* base/checksum: the Internet checksum (RFC 1071) and its incremental update
 * (RFC 1624). Every kernel (the dispatching fast path, the portable loop and,
 * where this CPU runs it, the AVX2 kernel) is checked bit for bit against the
 * one-word-at-a-time reference over every length 0..4096 at every alignment
 * offset 0..63, then the known vectors and the incremental update. */
#include "base/bytes.h"
#include "base/checksum.h"
#include "base/checksum_impl.h"
#include "sk_test.h"

#define MAX_LEN 4096
#define MAX_OFF 64

static _Alignas(64) uint8_t g_buf[MAX_LEN + MAX_OFF];

/* Fixed-seed xorshift64*: the same data on every run and every machine. */
static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 0x2545f4914f6cdd1dull;
}

static uint16_t rng16(void)
{
    return (uint16_t)(rng_next() >> 48);
}

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(rng_next() >> 56);
}

typedef uint32_t (*csum_fn)(const void *, size_t, uint32_t);

struct kernel {
    const char *name;
    csum_fn fn;
    unsigned bad;
};

/* Every kernel vs the reference, folded, for every (offset, length); reports
 * each kernel's first mismatch. With random_init, odd offsets also start from
 * an arbitrary incoming partial sum. */
static void sweep(int random_init)
{
    struct kernel k[3] = {{"fast", sk_csum_partial, 0},
                          {"portable", sk_csum_partial_portable, 0},
                          {"avx2", sk_csum_partial_avx2, 0}};
    size_t nk = sk_csum_avx2_usable() ? 3 : 2;
    for (size_t off = 0; off < MAX_OFF; off++) {
        for (size_t len = 0; len <= MAX_LEN; len++) {
            uint32_t init = (random_init && (off & 1u)) ? (uint32_t)rng_next() : 0;
            uint16_t want = sk_csum_fold(sk_csum_partial_ref(g_buf + off, len, init));
            for (size_t i = 0; i < nk; i++) {
                uint16_t got = sk_csum_fold(k[i].fn(g_buf + off, len, init));
                if (got != want && k[i].bad++ == 0)
                    SK_CHECK_MSG(0, "%s off %zu len %zu init 0x%08x: got 0x%04x want 0x%04x",
                                 k[i].name, off, len, (unsigned)init, (unsigned)got,
                                 (unsigned)want);
            }
        }
    }
    for (size_t i = 0; i < nk; i++)
        SK_CHECK_MSG(k[i].bad == 0, "%s: %u mismatches", k[i].name, k[i].bad);
}

static void test_sweep_random_data(void)
{
    fill_random(g_buf, sizeof g_buf);
    sweep(1);
}

/* All-ones words make every add carry; the folded sum is -0 (0xffff), so the
 * checksum is 0x0000 for every non-empty even length; an odd length adds a
 * final 0xff00 word, giving 0x00ff. */
static void test_sweep_all_ones(void)
{
    memset(g_buf, 0xff, sizeof g_buf);
    sweep(0);
    SK_CHECK_EQ(sk_csum(g_buf, 2), 0x0000u);
    SK_CHECK_EQ(sk_csum(g_buf + 1, 4094), 0x0000u);
    SK_CHECK_EQ(sk_csum(g_buf + 1, 4095), 0x00ffu);
    SK_CHECK_EQ(sk_csum(g_buf, 1), 0x00ffu);
}

/* All-zero data sums to +0, so the checksum is 0xffff: the one case where the
 * two zeros of one's complement differ in the result. */
static void test_sweep_all_zero(void)
{
    memset(g_buf, 0, sizeof g_buf);
    sweep(0);
    SK_CHECK_EQ(sk_csum(g_buf, 0), 0xffffu);
    SK_CHECK_EQ(sk_csum(g_buf + 3, 4093), 0xffffu);
}

/* A non-zero sum that is a multiple of 0xffff must fold to 0xffff (-0), never
 * to +0, on every kernel and at vector lengths. */
static void test_two_zeros(void)
{
    static uint8_t b[256];
    memset(b, 0, sizeof b);
    b[100] = 0x80; /* word 0x8000 */
    b[200] = 0x7f; /* word 0x7ffe: sum 0xfffe, not yet a zero */
    b[201] = 0xfe;
    SK_CHECK_EQ(sk_csum(b, sizeof b), 0x0001u);
    b[201] = 0xff; /* word 0x7fff: sum 0xffff, -0 */
    SK_CHECK_EQ(sk_csum(b, sizeof b), 0x0000u);
    SK_CHECK_EQ(sk_csum_fold(sk_csum_partial_portable(b, sizeof b, 0)), 0x0000u);
    SK_CHECK_EQ(sk_csum_fold(sk_csum_partial_ref(b, sizeof b, 0)), 0x0000u);
    if (sk_csum_avx2_usable())
        SK_CHECK_EQ(sk_csum_fold(sk_csum_partial_avx2(b, sizeof b, 0)), 0x0000u);
    SK_CHECK_EQ(sk_csum_fold(0), 0xffffu);
    SK_CHECK_EQ(sk_csum_fold(0xffffu), 0x0000u);
    SK_CHECK_EQ(sk_csum_fold(0xffff0000u), 0x0000u);
    SK_CHECK_EQ(sk_csum_fold(0xffffffffu), 0x0000u);
    SK_CHECK_EQ(sk_csum_fold(0x0001fffeu), 0x0000u);
    SK_CHECK_EQ(sk_csum_fold(0x2ddf0u), 0x220du);
}

/* RFC 1071 §3 numerical example: 00 01 f2 03 f4 f5 f6 f7 sums to 2ddf0,
 * which folds to ddf2; the checksum field would hold its complement 220d. */
static void test_rfc1071_example(void)
{
    static const uint8_t ex[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    SK_CHECK_EQ(sk_csum_partial_ref(ex, sizeof ex, 0), 0x2ddf0u);
    SK_CHECK_EQ((uint16_t)~sk_csum_fold(sk_csum_partial_ref(ex, sizeof ex, 0)), 0xddf2u);
    SK_CHECK_EQ(sk_csum(ex, sizeof ex), 0x220du);
    SK_CHECK_EQ(sk_csum_fold(sk_csum_partial_portable(ex, sizeof ex, 0)), 0x220du);
    SK_CHECK_EQ(sk_csum_fold(sk_csum_partial_avx2(ex, sizeof ex, 0)), 0x220du);
}

/* An odd final byte is the high byte of a word padded with zero (RFC 1071
 * §4.1), not the low byte. */
static void test_odd_final_byte(void)
{
    static const uint8_t one[1] = {0xab};
    static const uint8_t three[3] = {0x12, 0x34, 0x56};
    SK_CHECK_EQ(sk_csum_partial_ref(one, 1, 0), 0xab00u);
    SK_CHECK_EQ(sk_csum(one, 1), 0x54ffu);
    SK_CHECK_EQ(sk_csum(three, 3), (uint16_t)~(0x1234u + 0x5600u));
}

/* A real IPv4 header (the widely quoted 192.168.0.1 -> 192.168.0.199 UDP
 * example) and a TCP/IPv4 packet whose checksums tshark validated. */
static const uint8_t ip_hdr[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                   0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

/* 192.0.2.1:49152 -> 198.51.100.7:80, PSH|ACK, seq 0x12345678, payload
 * "hello": IP checksum 0x3249, TCP checksum 0xe21d (tshark: both "Good"). */
static const uint8_t tcp_pkt[45] = {
    0x45, 0x00, 0x00, 0x2d, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x32, 0x49, 0xc0, 0x00, 0x02,
    0x01, 0xc6, 0x33, 0x64, 0x07, 0xc0, 0x00, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
    0xde, 0xf0, 0x50, 0x18, 0xfa, 0xf0, 0xe2, 0x1d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f};

static void test_ipv4_header_known(void)
{
    uint8_t h[20];
    memcpy(h, ip_hdr, sizeof h);
    SK_CHECK_EQ(sk_csum(h, sizeof h), 0); /* verifies with its checksum in place */
    h[10] = h[11] = 0;
    SK_CHECK_EQ(sk_csum(h, sizeof h), 0xb861u);
    SK_CHECK_EQ(sk_csum(tcp_pkt, 20), 0);
    memcpy(h, tcp_pkt, sizeof h);
    h[10] = h[11] = 0;
    SK_CHECK_EQ(sk_csum(h, sizeof h), 0x3249u);
}

static void test_pseudo4_known_tcp(void)
{
    uint8_t seg[25];
    uint8_t ph[12];
    uint32_t p = sk_csum_pseudo4(tcp_pkt + 12, tcp_pkt + 16, 6, sizeof seg);
    /* c000+0201+c633+6407+0006+0019 */
    SK_CHECK_EQ(sk_csum_fold(p), sk_csum_fold(0x1ec5au));
    memcpy(ph, tcp_pkt + 12, 8);
    ph[8] = 0;
    ph[9] = 6;
    sk_store_be16(ph + 10, sizeof seg);
    SK_CHECK_EQ(sk_csum_fold(p), sk_csum(ph, sizeof ph));

    memcpy(seg, tcp_pkt + 20, sizeof seg);
    SK_CHECK_EQ(sk_csum_fold(sk_csum_partial(seg, sizeof seg, p)), 0); /* verifies */
    seg[16] = seg[17] = 0;
    SK_CHECK_EQ(sk_csum_fold(sk_csum_partial(seg, sizeof seg, p)), 0xe21du);
    SK_CHECK_EQ(sk_csum_fold(sk_csum_partial_ref(seg, sizeof seg, p)), 0xe21du);
}

/* Store a buffer's checksum at an even offset: the buffer then folds to 0. */
static void test_fold_zero_with_checksum(void)
{
    static uint8_t b[2048];
    for (unsigned i = 0; i < 500; i++) {
        size_t len = 2 + (size_t)(rng_next() % (sizeof b - 1));
        size_t at = 2 * (size_t)(rng_next() % (len / 2));
        fill_random(b, len);
        b[at] = b[at + 1] = 0;
        sk_store_be16(b + at, sk_csum(b, len));
        SK_CHECK_EQ(sk_csum(b, len), 0);
        SK_CHECK_EQ(sk_csum_fold(sk_csum_partial_ref(b, len, 0)), 0);
    }
}

/* Partial sums chain across pieces as long as every piece but the last has
 * even length, mixing kernels freely. */
static void test_partial_chaining(void)
{
    static uint8_t b[3001];
    csum_fn fns[3] = {sk_csum_partial, sk_csum_partial_portable, sk_csum_partial_ref};
    for (unsigned round = 0; round < 300; round++) {
        size_t len = (size_t)(rng_next() % (sizeof b + 1)), pos = 0;
        uint32_t sum = 0;
        fill_random(b, len);
        while (pos < len) {
            size_t piece = 2 * (size_t)(rng_next() % 400);
            if (piece > len - pos)
                piece = len - pos; /* the last piece may be odd */
            sum = fns[rng_next() % 3](b + pos, piece, sum);
            pos += piece;
        }
        SK_CHECK_EQ(sk_csum_fold(sum), sk_csum(b, len));
    }
}

/* A whole megabyte of all-ones: long vector runs with every word carrying. */
static void test_large_buffer(void)
{
    static uint8_t big[1 << 20];
    memset(big, 0xff, sizeof big);
    big[12345] = 0x12;
    SK_CHECK_EQ(sk_csum(big, sizeof big),
                sk_csum_fold(sk_csum_partial_ref(big, sizeof big, 0)));
    SK_CHECK_EQ(sk_csum(big + 1, sizeof big - 1),
                sk_csum_fold(sk_csum_partial_ref(big + 1, sizeof big - 1, 0)));
}

/* RFC 1141's eqn. 2, kept only to show the corner case is real. */
static uint16_t update_eqn2(uint16_t hc, uint16_t m, uint16_t m2)
{
    uint32_t s = (uint32_t)hc + m + (uint16_t)~m2;
    s = (s & 0xffffu) + (s >> 16);
    return (uint16_t)((s & 0xffffu) + (s >> 16));
}

/* RFC 1624 §4: the other header words sum to 0xcd7a, m = 0x5555 becomes
 * 0x3285; recomputation gives 0x0000, eqn. 2 gives 0xffff, eqn. 3 0x0000. */
static void test_update16_rfc1624_example(void)
{
    SK_CHECK_EQ(sk_csum_fold(0xcd7au + 0x5555u), 0xdd2fu);
    SK_CHECK_EQ(sk_csum_fold(0xcd7au + 0x3285u), 0x0000u);
    SK_CHECK_EQ(update_eqn2(0xdd2f, 0x5555, 0x3285), 0xffffu);
    SK_CHECK_EQ(sk_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000u);
    /* No change keeps a 0x0000 checksum (RFC 1624 erratum 4782's worry). */
    SK_CHECK_EQ(sk_csum_update16(0x0000, 0x5555, 0x5555), 0x0000u);
    SK_CHECK_EQ(sk_csum_update16(0x1234, 0xabcd, 0xabcd), 0x1234u);
}

/* Random 20-byte headers (first word 0x45xx, never all zero), one word
 * changed; every third change forces the new sum to -0 so the right answer
 * is the 0x0000 corner. */
static void test_update16_matches_recompute(void)
{
    uint8_t h[20];
    unsigned forced = 0;
    for (unsigned i = 0; i < 20000; i++) {
        fill_random(h, sizeof h);
        h[0] = 0x45;
        h[10] = h[11] = 0; /* the checksum field counts as zero */
        uint32_t data = sk_csum_partial(h, sizeof h, 0);
        uint16_t hc = sk_csum_fold(data);
        size_t w = 2 * (size_t)(rng_next() % 10);
        if (w == 10)
            w = 8; /* change the TTL/protocol word, not the checksum */
        uint16_t old = sk_load_be16(h + w), neu = rng16();
        if (i % 3 == 0) { /* pick neu so that the new sum is -0 */
            uint16_t rest = (uint16_t)~sk_csum_fold(data + (uint16_t)~old);
            neu = (uint16_t)(0xffffu - rest);
            forced++;
        }
        uint16_t inc = sk_csum_update16(hc, old, neu);
        sk_store_be16(h + w, neu);
        uint16_t full = sk_csum(h, sizeof h);
        if (inc != full) {
            SK_CHECK_MSG(0, "round %u word %zu: incremental 0x%04x, recomputed 0x%04x", i, w,
                         (unsigned)inc, (unsigned)full);
            break;
        }
        if (i % 3 == 0)
            SK_CHECK_EQ(full, 0x0000u);
    }
    SK_CHECK(forced > 6000);
}

/* update32: rewrite an IPv4 address (NAT style) in both the IP header and,
 * through the pseudo-header, the TCP checksum of the known packet. */
static void test_update32_matches_recompute(void)
{
    uint8_t pkt[sizeof tcp_pkt];
    for (unsigned i = 0; i < 5000; i++) {
        memcpy(pkt, tcp_pkt, sizeof pkt);
        size_t at = (i & 1) ? 12 : 16; /* source or destination */
        uint32_t old = sk_load_be32(pkt + at), neu = (uint32_t)rng_next();
        if (i % 7 == 0)
            neu = old ^ 0xffff0000u; /* only one word changes */
        sk_store_be32(pkt + at, neu);
        uint16_t ip_inc = sk_csum_update32(sk_load_be16(pkt + 10), old, neu);
        uint16_t tcp_inc = sk_csum_update32(sk_load_be16(pkt + 36), old, neu);
        pkt[10] = pkt[11] = 0;
        pkt[36] = pkt[37] = 0;
        uint16_t ip_full = sk_csum(pkt, 20);
        uint32_t ph = sk_csum_pseudo4(pkt + 12, pkt + 16, 6, 25);
        uint16_t tcp_full = sk_csum_fold(sk_csum_partial(pkt + 20, 25, ph));
        if (ip_inc != ip_full || tcp_inc != tcp_full) {
            SK_CHECK_MSG(0, "round %u: ip 0x%04x/0x%04x tcp 0x%04x/0x%04x", i,
                         (unsigned)ip_inc, (unsigned)ip_full, (unsigned)tcp_inc,
                         (unsigned)tcp_full);
            break;
        }
    }
    /* A 32-bit update equals two 16-bit updates. */
    SK_CHECK_EQ(sk_csum_update32(0xb861, 0xc0a80001u, 0x0a000001u),
                sk_csum_update16(sk_csum_update16(0xb861, 0xc0a8, 0x0a00), 0x0001, 0x0001));
}

/* sk_csum_pseudo for IPv6 is the sum of RFC 8200 §8.1's 40-byte
 * pseudo-header laid out byte by byte (src, dst, 32-bit length, three zero
 * bytes, next header); for IPv4 it is sk_csum_pseudo4. A segment filled by
 * sk_csum_l4_fill checks with sk_csum_l4_ok and fails with one bit flipped
 * or under the other family's addresses. */
static void test_pseudo_by_family(void)
{
    sk_ipaddr s6, d6;
    memset(&s6, 0, sizeof s6);
    memset(&d6, 0, sizeof d6);
    s6.family = d6.family = SK_AF_INET6;
    for (int i = 0; i < 16; i++) {
        s6.b[i] = (uint8_t)(0x20 + 7 * i);
        d6.b[i] = (uint8_t)(0xfe - 5 * i);
    }
    uint8_t ph[40] = {0};
    memcpy(ph, s6.b, 16);
    memcpy(ph + 16, d6.b, 16);
    sk_store_be32(ph + 32, 0x00012345u);
    ph[39] = 17;
    SK_CHECK_EQ(sk_csum_fold(sk_csum_pseudo(&s6, &d6, 17, 0x00012345u)),
                sk_csum_fold(sk_csum_partial(ph, 40, 0)));
    sk_ipaddr s4 = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 1));
    sk_ipaddr d4 = sk_ipaddr_from_ip4(sk_ip4_make(198, 51, 100, 2));
    SK_CHECK_EQ(sk_csum_pseudo(&s4, &d4, 6, 1234), sk_csum_pseudo4(s4.b, d4.b, 6, 1234));

    uint8_t seg[41];
    for (size_t i = 0; i < sizeof seg; i++)
        seg[i] = (uint8_t)(i * 31u + 1u);
    sk_csum_l4_fill(&s6, &d6, 6, seg, sizeof seg, 16);
    SK_CHECK(sk_csum_l4_ok(&s6, &d6, 6, seg, sizeof seg));
    SK_CHECK(!sk_csum_l4_ok(&s6, &d6, 17, seg, sizeof seg));
    SK_CHECK(!sk_csum_l4_ok(&s4, &d4, 6, seg, sizeof seg));
    seg[40] ^= 0x10;
    SK_CHECK(!sk_csum_l4_ok(&s6, &d6, 6, seg, sizeof seg));
    sk_csum_l4_fill(&s4, &d4, 6, seg, sizeof seg, 6);
    SK_CHECK(sk_csum_l4_ok(&s4, &d4, 6, seg, sizeof seg));
}

int main(void)
{
    printf("# AVX2 kernel %s\n", sk_csum_avx2_usable() ? "in use and tested"
                                 : SK_CSUM_HAVE_AVX2 ? "built but this CPU lacks AVX2"
                                                     : "not built for this target");
    SK_RUN(test_sweep_random_data);
    SK_RUN(test_sweep_all_ones);
    SK_RUN(test_sweep_all_zero);
    SK_RUN(test_two_zeros);
    SK_RUN(test_rfc1071_example);
    SK_RUN(test_odd_final_byte);
    SK_RUN(test_ipv4_header_known);
    SK_RUN(test_pseudo4_known_tcp);
    SK_RUN(test_fold_zero_with_checksum);
    SK_RUN(test_partial_chaining);
    SK_RUN(test_large_buffer);
    SK_RUN(test_update16_rfc1624_example);
    SK_RUN(test_update16_matches_recompute);
    SK_RUN(test_update32_matches_recompute);
    SK_RUN(test_pseudo_by_family);
    return sk_test_finish();
}
