/* xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64, as its
 * authors recommend: splitmix64 spreads any 64-bit seed (even 0) over the
 * 256-bit state, and four distinct splitmix64 outputs are never all zero,
 * the one state xoshiro cannot leave. */
#include "base/rng.h"

#include "base/skassert.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void sk_rng_seed(sk_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t sk_rng_next(sk_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Rejection sampling: 2^64 mod bound values at the bottom of the range would
 * map onto the low residues once too often, so they are redrawn. The
 * threshold is computed in 64-bit arithmetic as (2^64 - bound) mod bound.
 * Fewer than half of all draws are rejected even in the worst case. */
uint64_t sk_rng_below(sk_rng *r, uint64_t bound)
{
    SK_ASSERT(bound > 0);
    if (bound == 0)
        return 0;
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t x = sk_rng_next(r);
        if (x >= threshold)
            return x % bound;
    }
}

/* The top 53 bits fill a double's significand exactly: the result is a
 * multiple of 2^-53 in [0, 1), never 1. */
double sk_rng_unit(sk_rng *r)
{
    return (double)(sk_rng_next(r) >> 11) * 0x1.0p-53;
}

/* The edge cases draw nothing, so chance(0) and chance(1) leave the stream
 * untouched (NaN counts as never). */
int sk_rng_chance(sk_rng *r, double p)
{
    if (!(p > 0.0))
        return 0;
    if (p >= 1.0)
        return 1;
    return sk_rng_unit(r) < p;
}
