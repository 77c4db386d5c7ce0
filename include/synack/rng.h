/* Public on purpose: the POSIX port's impairment delay lines (sk_impair,
 * embedded in sk_posix_loop) hold one; src/base/rng.h forwards here.
 * A small, fast, seeded PRNG (xoshiro256** seeded through splitmix64). The
 * core never uses the C library's generator: every random choice comes from an sk_rng seeded by
 * the caller, so the same seed gives the same run. Not for cryptographic use
 * (ISNs use SipHash with a secret key). */
#ifndef SK_SYNACK_RNG_H
#define SK_SYNACK_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} sk_rng;

void sk_rng_seed(sk_rng *r, uint64_t seed);
uint64_t sk_rng_next(sk_rng *r);
static inline uint32_t sk_rng_u32(sk_rng *r) { return (uint32_t)(sk_rng_next(r) >> 32); }
/* Uniform in [0, bound) without modulo bias (bound > 0). */
uint64_t sk_rng_below(sk_rng *r, uint64_t bound);
/* Uniform double in [0, 1). */
double sk_rng_unit(sk_rng *r);
/* True with probability p (p <= 0: never, p >= 1: always). */
int sk_rng_chance(sk_rng *r, double p);

#endif
