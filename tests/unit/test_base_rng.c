/* base/rng: xoshiro256** seeded with splitmix64. Every check uses a fixed
 * seed, so the statistical bounds below are deterministic and cannot flake;
 * they are set loose enough that any correct generator passes and a broken
 * one (stuck bits, modulo bias, off-by-one range) fails by far. */
#include <math.h>

#include "base/rng.h"
#include "sk_test.h"

/* Golden values computed independently with a few lines of Python (not
 * with this C code): splitmix64 seeding of the four state words, then
 * xoshiro256** steps, all arithmetic mod 2^64, following the algorithm
 * descriptions by Vigna (prng.di.unimi.it). The first splitmix64 output
 * for seed 0, 0xe220a8397b1dcdaf, is the widely published one. */
static const uint64_t k_seed0[6] = {
    0x99ec5f36cb75f2b4ull, 0xbf6e1f784956452aull, 0x1a5f849d4933e6e0ull,
    0x6aa594f1262d2d2cull, 0xbba5ad4a1f842e59ull, 0xffef8375d9ebcacaull};
static const uint64_t k_seed1[6] = {
    0xb3f2af6d0fc710c5ull, 0x853b559647364ceaull, 0x92f89756082a4514ull,
    0x642e1c7bc266a3a7ull, 0xb27a48e29a233673ull, 0x24c123126ffda722ull};
static const uint64_t k_seed_big[6] = {
    0xe01d6fafc557f1b9ull, 0xbd627ebe4406b404ull, 0x2c23132b578b57dbull,
    0x2e8b319d4d1f276aull, 0x608d57acf53888e4ull, 0x9f44d4fe68bdc399ull};

static void check_vector(uint64_t seed, const uint64_t want[6])
{
    sk_rng r;
    sk_rng_seed(&r, seed);
    for (int i = 0; i < 6; i++)
        SK_CHECK_EQ(sk_rng_next(&r), want[i]);
}

static void test_rng_golden_seed0(void)
{
    sk_rng r;
    sk_rng_seed(&r, 0);
    SK_CHECK_EQ(r.s[0], 0xe220a8397b1dcdafull); /* splitmix64(0), first output */
    SK_CHECK_EQ(r.s[1], 0x6e789e6aa1b965f4ull);
    SK_CHECK_EQ(r.s[2], 0x06c45d188009454full);
    SK_CHECK_EQ(r.s[3], 0xf88bb8a8724c81ecull);
    check_vector(0, k_seed0);
}

static void test_rng_golden_seed1(void) { check_vector(1, k_seed1); }
static void test_rng_golden_seed_big(void) { check_vector(0x123456789abcdef0ull, k_seed_big); }

static void test_rng_u32_is_top_half(void)
{
    sk_rng r;
    sk_rng_seed(&r, 0);
    SK_CHECK_EQ(sk_rng_u32(&r), (uint32_t)(k_seed0[0] >> 32));
}

static void test_rng_same_seed_same_sequence(void)
{
    sk_rng a, b;
    sk_rng_seed(&a, 42);
    sk_rng_seed(&b, 42);
    int same = 1;
    for (int i = 0; i < 10000; i++)
        same &= sk_rng_next(&a) == sk_rng_next(&b);
    SK_CHECK(same);
    /* Reseeding restarts the sequence. */
    sk_rng_seed(&a, 42);
    sk_rng_seed(&b, 42);
    SK_CHECK_EQ(sk_rng_next(&a), sk_rng_next(&b));
}

static void test_rng_different_seeds_differ(void)
{
    /* Neighbouring seeds give unrelated streams: no equal output at the
     * same position over the first 1000 draws. */
    for (uint64_t seed = 0; seed < 16; seed++) {
        sk_rng a, b;
        sk_rng_seed(&a, seed);
        sk_rng_seed(&b, seed + 1);
        int equal = 0;
        for (int i = 0; i < 1000; i++)
            equal += sk_rng_next(&a) == sk_rng_next(&b);
        SK_CHECK_MSG(equal == 0, "seeds %llu and %llu: %d equal outputs",
                     (unsigned long long)seed, (unsigned long long)seed + 1, equal);
    }
}

static void test_rng_below_range(void)
{
    static const uint64_t bounds[] = {1, 2, 3, 7, 10, 1000, 0x80000001ull,
                                      0x8000000000000001ull, UINT64_MAX};
    sk_rng r;
    sk_rng_seed(&r, 7);
    for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
        int in_range = 1;
        for (int i = 0; i < 2000; i++)
            in_range &= sk_rng_below(&r, bounds[b]) < bounds[b];
        SK_CHECK_MSG(in_range, "below(%llu) out of range", (unsigned long long)bounds[b]);
    }
    for (int i = 0; i < 100; i++)
        SK_CHECK_EQ(sk_rng_below(&r, 1), 0u);
}

/* below() must be exactly: redraw while x < 2^64 mod bound, then x % bound.
 * With bound = 2^63 + 1 almost half of all raw draws are rejected, so a
 * plain modulo (biased toward small values) differs at once. */
static void test_rng_below_rejects_biased_draws(void)
{
    const uint64_t bound = 0x8000000000000001ull;
    const uint64_t threshold = 0x7fffffffffffffffull; /* 2^64 mod bound */
    sk_rng r, ref;
    sk_rng_seed(&r, 99);
    ref = r;
    int rejected = 0, same = 1;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = sk_rng_next(&ref);
        while (x < threshold) {
            rejected++;
            x = sk_rng_next(&ref);
        }
        same &= sk_rng_below(&r, bound) == x % bound;
    }
    SK_CHECK(same);
    SK_CHECK(rejected > 300 && rejected < 2000); /* about 1000 expected */
    SK_CHECK_EQ(r.s[0], ref.s[0]);
}

/* Chi-square over 10 buckets (9 degrees of freedom): the 0.9999 quantile is
 * about 33.7, so a bound of 40 is generous; a stuck or biased generator
 * lands in the thousands. */
static void test_rng_below_uniform_chi_square(void)
{
    static const uint64_t bounds[] = {10, 6, 3};
    static const double limits[] = {40.0, 30.0, 25.0}; /* df 9, 5, 2 */
    for (size_t b = 0; b < 3; b++) {
        long count[10] = {0};
        const long draws = 100000;
        sk_rng r;
        sk_rng_seed(&r, 2024 + b);
        for (long i = 0; i < draws; i++)
            count[sk_rng_below(&r, bounds[b])]++;
        double expect = (double)draws / (double)bounds[b], chi = 0.0;
        for (uint64_t k = 0; k < bounds[b]; k++) {
            double d = (double)count[k] - expect;
            chi += d * d / expect;
        }
        SK_CHECK_MSG(chi < limits[b], "below(%llu): chi-square %.2f",
                     (unsigned long long)bounds[b], chi);
    }
}

static void test_rng_unit_range_and_mean(void)
{
    sk_rng r, ref;
    sk_rng_seed(&r, 5);
    ref = r;
    int in_range = 1, exact = 1;
    double sum = 0.0;
    const int draws = 100000;
    for (int i = 0; i < draws; i++) {
        double u = sk_rng_unit(&r);
        in_range &= u >= 0.0 && u < 1.0;
        exact &= u == (double)(sk_rng_next(&ref) >> 11) / 9007199254740992.0;
        sum += u;
    }
    SK_CHECK(in_range);
    SK_CHECK(exact); /* the top 53 bits, scaled by 2^-53 */
    double mean = sum / draws;
    SK_CHECK_MSG(mean > 0.49 && mean < 0.51, "unit() mean %.4f", mean);
}

static void test_rng_chance_edges(void)
{
    sk_rng r, ref;
    sk_rng_seed(&r, 11);
    ref = r;
    int never = 0, always = 0;
    for (int i = 0; i < 1000; i++) {
        never += sk_rng_chance(&r, 0.0);
        never += sk_rng_chance(&r, -1.0);
        never += sk_rng_chance(&r, (double)NAN);
        always += sk_rng_chance(&r, 1.0);
        always += sk_rng_chance(&r, 2.5);
    }
    SK_CHECK_EQ(never, 0);
    SK_CHECK_EQ(always, 2000);
    /* The edges draw nothing: the stream is where it started. */
    SK_CHECK_EQ(sk_rng_next(&r), sk_rng_next(&ref));
}

static void test_rng_chance_frequency(void)
{
    sk_rng r;
    sk_rng_seed(&r, 12);
    long hits = 0;
    const long draws = 100000;
    for (long i = 0; i < draws; i++)
        hits += sk_rng_chance(&r, 0.25);
    /* Binomial sd is about 137 hits; 1500 is more than ten sd. */
    SK_CHECK_MSG(hits > 25000 - 1500 && hits < 25000 + 1500, "chance(0.25): %ld hits", hits);
}

int main(void)
{
    SK_RUN(test_rng_golden_seed0);
    SK_RUN(test_rng_golden_seed1);
    SK_RUN(test_rng_golden_seed_big);
    SK_RUN(test_rng_u32_is_top_half);
    SK_RUN(test_rng_same_seed_same_sequence);
    SK_RUN(test_rng_different_seeds_differ);
    SK_RUN(test_rng_below_range);
    SK_RUN(test_rng_below_rejects_biased_draws);
    SK_RUN(test_rng_below_uniform_chi_square);
    SK_RUN(test_rng_unit_range_and_mean);
    SK_RUN(test_rng_chance_edges);
    SK_RUN(test_rng_chance_frequency);
    return sk_test_finish();
}
