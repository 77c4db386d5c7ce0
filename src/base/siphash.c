/* SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF",
 * 2012): two compression rounds per 8-byte word, four finalization rounds.
 * Message words and the final partial word are read little-endian with
 * base/bytes.h loads, so the result does not depend on host byte order or
 * on the alignment of `data`. */
#include "base/siphash.h"

#include "base/bytes.h"

typedef struct {
    uint64_t v0, v1, v2, v3;
} sip_state;

static uint64_t rotl64(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)sk_load_le32(p + 4) << 32 | sk_load_le32(p);
}

static void sip_round(sip_state *s)
{
    s->v0 += s->v1;
    s->v1 = rotl64(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = rotl64(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl64(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = rotl64(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = rotl64(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = rotl64(s->v2, 32);
}

static void sip_compress(sip_state *s, uint64_t m)
{
    s->v3 ^= m;
    sip_round(s);
    sip_round(s);
    s->v0 ^= m;
}

/* The last word holds the 0..7 remaining bytes and, in its top byte, the
 * message length mod 256 (paper §2, "Compression"). */
static uint64_t sip_last_word(const uint8_t *tail, size_t rem, size_t len)
{
    uint64_t b = (uint64_t)(len & 0xff) << 56;
    for (size_t i = 0; i < rem; i++)
        b |= (uint64_t)tail[i] << (8 * i);
    return b;
}

uint64_t sk_siphash24(const sk_siphash_key *key, const void *data, size_t len)
{
    const uint8_t *p = data;
    /* The initialization constants spell "somepseudorandomlygeneratedbytes". */
    sip_state s = {key->k0 ^ 0x736f6d6570736575ull, key->k1 ^ 0x646f72616e646f6dull,
                   key->k0 ^ 0x6c7967656e657261ull, key->k1 ^ 0x7465646279746573ull};
    size_t words = len / 8;
    for (size_t i = 0; i < words; i++)
        sip_compress(&s, load_le64(p + 8 * i));
    sip_compress(&s, sip_last_word(p + 8 * words, len % 8, len));
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; i++)
        sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
