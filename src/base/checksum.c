/* The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Why the fast paths give the same answer as the one-word-at-a-time loop:
 *  - RFC 1071 §2(A),(C): one's complement addition is commutative and
 *    associative, so words may be summed in any order and grouping into wide
 *    accumulators, with the carries added back at the end. Since
 *    2^16 = 1 (mod 0xffff), folding a wide sum at any multiple of 16 bits
 *    ("end-around carry") keeps it congruent, and a 32-bit load is congruent
 *    to the sum of its two 16-bit words.
 *  - RFC 1071 §2(B): byte-order independence. Summing words loaded in host
 *    order gives the byte-swapped sum on a little-endian host; storing the
 *    folded 16-bit result in host order and reading it big-endian undoes the
 *    swap on any host, so no endianness test is needed.
 *  - One's complement has two zeros. The folded sum is 0x0000 only when every
 *    word (and the incoming partial sum) is 0, and 0xffff when a non-zero
 *    sum is a multiple of 0xffff. Every accumulator below is a sum of
 *    non-negative terms and every fold is an end-around-carry add, which maps
 *    non-zero to non-zero, so all paths agree even on which zero they give.
 * The result therefore depends only on the bytes: the run-time choice of
 * kernel never changes an output bit. */
#include "base/checksum.h"

#include <string.h>

#include "base/bytes.h"
#include "base/checksum_impl.h"

#if SK_CSUM_HAVE_AVX2
#include <immintrin.h>
#endif

/* Each accumulator gains less than 2^32 per add. Summing at most this many
 * bytes between folds keeps every 64-bit accumulator below 2^60, so the
 * inner loops need no carry handling whatever the buffer length. */
#define SK_CSUM_CHUNK ((size_t)1 << 30)

/* Below this length the vector set-up does not pay for itself. */
#define SK_CSUM_AVX2_MIN 64

/* a + b with the carry out of bit 63 added back: one's complement addition
 * of 64-bit values (2^64 = 1 mod 0xffff). Non-zero in, non-zero out. */
static uint64_t add_eac64(uint64_t a, uint64_t b)
{
    uint64_t s = a + b;
    return s + (uint64_t)(s < a);
}

static uint32_t fold64_to32(uint64_t s)
{
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

static uint16_t fold32_to16(uint32_t s)
{
    s = (s & 0xffffu) + (s >> 16);
    s = (s & 0xffffu) + (s >> 16);
    return (uint16_t)s;
}

/* `native` sums words loaded in host byte order. Fold it, turn it into the
 * network-order sum (RFC 1071 §2(B), see above) and add the caller's
 * partial sum. */
static uint32_t finish_native(uint64_t native, uint32_t sum)
{
    uint16_t h = fold32_to16(fold64_to32(native));
    uint8_t b[2];
    memcpy(b, &h, sizeof b);
    return fold64_to32((uint64_t)sum + sk_load_be16(b));
}

static uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v); /* any alignment; compiles to one load */
    return v;
}

/* Host-order sum of p[0..len), len <= SK_CSUM_CHUNK. Four accumulators keep
 * four independent add chains in flight. */
static uint64_t native_block(const uint8_t *p, size_t len)
{
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    while (len >= 32) {
        a0 += load32(p);
        a1 += load32(p + 4);
        a2 += load32(p + 8);
        a3 += load32(p + 12);
        a0 += load32(p + 16);
        a1 += load32(p + 20);
        a2 += load32(p + 24);
        a3 += load32(p + 28);
        p += 32;
        len -= 32;
    }
    for (; len >= 4; p += 4, len -= 4)
        a0 += load32(p);
    if (len >= 2) {
        uint16_t w;
        memcpy(&w, p, sizeof w);
        a1 += w;
        p += 2;
        len -= 2;
    }
    if (len != 0) {
        /* RFC 1071 §4.1: an odd last byte is padded with a zero byte; build
         * that word in memory so it lands right in either byte order. */
        uint8_t pad[2] = {p[0], 0};
        uint16_t w;
        memcpy(&w, pad, sizeof w);
        a2 += w;
    }
    return a0 + a1 + a2 + a3; /* each < 2^60: no overflow */
}

static uint64_t native_sum(const uint8_t *p, size_t len)
{
    uint64_t acc = 0;
    while (len > SK_CSUM_CHUNK) {
        acc = add_eac64(acc, native_block(p, SK_CSUM_CHUNK));
        p += SK_CSUM_CHUNK;
        len -= SK_CSUM_CHUNK;
    }
    return add_eac64(acc, native_block(p, len));
}

uint32_t sk_csum_partial_portable(const void *buf, size_t len, uint32_t sum)
{
    return finish_native(native_sum(buf, len), sum);
}

#if SK_CSUM_HAVE_AVX2

/* Host-order sum of the first (len & ~31) bytes of p, len <= SK_CSUM_CHUNK.
 * Each 256-bit load is split into the low and high 32-bit halves of its four
 * 64-bit lanes (mask and shift), which are added into 64-bit lane
 * accumulators; a 32-bit half is congruent to the sum of its two words. */
__attribute__((target("avx2"))) static uint64_t avx2_block(const uint8_t *p, size_t len)
{
    const __m256i low = _mm256_set1_epi64x(0xffffffffLL);
    __m256i acc_lo = _mm256_setzero_si256(), acc_hi = _mm256_setzero_si256();
    uint64_t lane[4];

    for (; len >= 128; p += 128, len -= 128) {
        __m256i v0 = _mm256_loadu_si256((const __m256i *)p);
        __m256i v1 = _mm256_loadu_si256((const __m256i *)(p + 32));
        __m256i v2 = _mm256_loadu_si256((const __m256i *)(p + 64));
        __m256i v3 = _mm256_loadu_si256((const __m256i *)(p + 96));
        __m256i lo01 = _mm256_add_epi64(_mm256_and_si256(v0, low), _mm256_and_si256(v1, low));
        __m256i lo23 = _mm256_add_epi64(_mm256_and_si256(v2, low), _mm256_and_si256(v3, low));
        __m256i hi01 = _mm256_add_epi64(_mm256_srli_epi64(v0, 32), _mm256_srli_epi64(v1, 32));
        __m256i hi23 = _mm256_add_epi64(_mm256_srli_epi64(v2, 32), _mm256_srli_epi64(v3, 32));
        acc_lo = _mm256_add_epi64(acc_lo, _mm256_add_epi64(lo01, lo23));
        acc_hi = _mm256_add_epi64(acc_hi, _mm256_add_epi64(hi01, hi23));
    }
    for (; len >= 32; p += 32, len -= 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)p);
        acc_lo = _mm256_add_epi64(acc_lo, _mm256_and_si256(v, low));
        acc_hi = _mm256_add_epi64(acc_hi, _mm256_srli_epi64(v, 32));
    }
    _mm256_storeu_si256((__m256i *)(void *)lane, _mm256_add_epi64(acc_lo, acc_hi));
    return lane[0] + lane[1] + lane[2] + lane[3]; /* each < 2^58 */
}

uint32_t sk_csum_partial_avx2(const void *buf, size_t len, uint32_t sum)
{
    const uint8_t *p = buf;
    uint64_t acc = 0;
    while (len >= 32) {
        size_t n = len < SK_CSUM_CHUNK ? (len & ~(size_t)31) : SK_CSUM_CHUNK;
        acc = add_eac64(acc, avx2_block(p, n));
        p += n;
        len -= n;
    }
    /* The vector part covered a multiple of 32 bytes, so the tail's host-order
     * words pair up exactly as they would have in one pass. */
    acc = add_eac64(acc, native_block(p, len));
    return finish_native(acc, sum);
}

int sk_csum_avx2_usable(void)
{
    /* libgcc/compiler-rt also check that the OS saves the YMM state. The
     * answer only selects a kernel; it never changes a result. */
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

#else

uint32_t sk_csum_partial_avx2(const void *buf, size_t len, uint32_t sum)
{
    return sk_csum_partial_portable(buf, len, sum);
}

int sk_csum_avx2_usable(void)
{
    return 0;
}

#endif

uint32_t sk_csum_partial(const void *buf, size_t len, uint32_t sum)
{
    if (len >= SK_CSUM_AVX2_MIN && sk_csum_avx2_usable())
        return sk_csum_partial_avx2(buf, len, sum);
    return sk_csum_partial_portable(buf, len, sum);
}

/* RFC 1071 §4.1, word by word in network order. A 64-bit accumulator cannot
 * overflow for any buffer that fits in memory (2^48 words). */
uint32_t sk_csum_partial_ref(const void *buf, size_t len, uint32_t sum)
{
    const uint8_t *p = buf;
    uint64_t acc = sum;
    size_t i;
    for (i = 0; i + 1 < len; i += 2)
        acc += sk_load_be16(p + i);
    if (len & 1u)
        acc += (uint32_t)p[len - 1] << 8; /* odd byte: high half, zero pad */
    return fold64_to32(acc);
}

uint16_t sk_csum_fold(uint32_t sum)
{
    return (uint16_t)(fold32_to16(sum) ^ 0xffffu);
}

uint16_t sk_csum(const void *buf, size_t len)
{
    return sk_csum_fold(sk_csum_partial(buf, len, 0));
}

/* RFC 1624 §3 eqn. 3: HC' = ~(~HC + ~m + m'). Eqn. 2 of RFC 1141
 * (HC + m + ~m') can yield 0xffff (-0) where recomputing from scratch gives
 * 0x0000 (+0) (RFC 1624 §4). Eqn. 3 adds with end-around carry and
 * complements only at the end; its sum is never +0 (that would need m to be
 * 0xffff in all-zero data), so it equals recomputation whenever the covered
 * data is not all zero after the change -- always true for IP and TCP, whose
 * headers have non-zero fields. (Erratum 4782's "0xffff when m == m' and
 * HC == 0" forgets the end-around carry: HC stays 0x0000 here.) */
uint16_t sk_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word)
{
    uint32_t s = (uint32_t)(csum ^ 0xffffu) + (uint32_t)(old_word ^ 0xffffu) + new_word;
    return sk_csum_fold(s);
}

uint16_t sk_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
    uint32_t s = (uint32_t)(csum ^ 0xffffu);
    s += (old_val >> 16) ^ 0xffffu;
    s += (old_val & 0xffffu) ^ 0xffffu;
    s += new_val >> 16;
    s += new_val & 0xffffu;
    return sk_csum_fold(s);
}

/* RFC 9293 §3.1 (and RFC 768 for UDP): the pseudo-header is src, dst, a zero
 * byte, the protocol number and the TCP/UDP length, summed as 16-bit words. */
uint32_t sk_csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
                         uint16_t length)
{
    uint32_t s = sk_load_be16(src) + (uint32_t)sk_load_be16(src + 2);
    s += sk_load_be16(dst) + (uint32_t)sk_load_be16(dst + 2);
    s += proto; /* the word 0x00pp: zero byte, then the protocol */
    s += length;
    return s;
}

/* RFC 8200 §8.1. Each address is eight 16-bit words; the length is two
 * words (it is 32 bits wide, for jumbograms); the zero bytes add nothing and
 * the next header value is the low byte of the last word. The sum of 20
 * words below 2^16 cannot overflow 32 bits. */
uint32_t sk_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
                         uint32_t length)
{
    uint32_t s = 0;
    for (int i = 0; i < 16; i += 2)
        s += sk_load_be16(src + i) + (uint32_t)sk_load_be16(dst + i);
    s += length >> 16;
    s += length & 0xffffu;
    s += next_header;
    return s;
}

uint32_t sk_csum_pseudo(const sk_ipaddr *src, const sk_ipaddr *dst, uint8_t proto,
                        uint32_t length)
{
    if (src->family != SK_AF_INET6)
        return sk_csum_pseudo4(src->b, dst->b, proto, (uint16_t)length);
    return sk_csum_pseudo6(src->b, dst->b, proto, length);
}

void sk_csum_l4_fill(const sk_ipaddr *src, const sk_ipaddr *dst, uint8_t proto, uint8_t *seg,
                     size_t len, size_t csum_off)
{
    sk_store_be16(seg + csum_off, 0);
    uint32_t sum = sk_csum_partial(seg, len, sk_csum_pseudo(src, dst, proto, (uint32_t)len));
    sk_store_be16(seg + csum_off, sk_csum_fold(sum));
}

bool sk_csum_l4_ok(const sk_ipaddr *src, const sk_ipaddr *dst, uint8_t proto,
                   const uint8_t *seg, size_t len)
{
    uint32_t sum = sk_csum_partial(seg, len, sk_csum_pseudo(src, dst, proto, (uint32_t)len));
    return sk_csum_fold(sum) == 0;
}
