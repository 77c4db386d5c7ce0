/* base/ohash: linear probing with backward-shift deletion, checked
 * against a model. Homes are chosen by the test (a table per value), so
 * runs that wrap past the table's end, entries whose home lies before a
 * hole, and chains of equal homes are all made on purpose; after every
 * removal each remaining value must be found by probing from its home
 * without crossing an empty slot, and nothing else may be found. */
#include "base/ohash.h"
#include "base/rng.h"
#include "sk_test.h"

#include <stdbool.h>
#include <string.h>

#define MASK 15u
#define NVAL 64u

static uint32_t g_home[NVAL];

static uint32_t home_of(const void *ctx, uint32_t v)
{
    (void)ctx;
    return g_home[v];
}

/* The slot holding v, reached from its home along an unbroken run, or
 * UINT32_MAX. */
static uint32_t probe(const uint32_t *slot, uint32_t v)
{
    for (uint32_t i = g_home[v], n = 0; slot[i] != 0 && n <= MASK; i = (i + 1) & MASK, n++)
        if (slot[i] == v + 1)
            return i;
    return UINT32_MAX;
}

/* Every value in the model is reachable, the table holds nothing else. */
static bool table_matches(const uint32_t *slot, const bool *in)
{
    uint32_t used = 0;
    for (uint32_t i = 0; i <= MASK; i++)
        used += slot[i] != 0;
    uint32_t n = 0;
    for (uint32_t v = 0; v < NVAL; v++) {
        if (!in[v])
            continue;
        n++;
        if (probe(slot, v) == UINT32_MAX)
            return false;
    }
    return n == used;
}

static void remove_value(uint32_t *slot, bool *in, uint32_t v)
{
    uint32_t s = probe(slot, v);
    SK_CHECK(s != UINT32_MAX);
    sk_ohash_remove(slot, MASK, s, home_of, NULL);
    in[v] = false;
}

/* A run that wraps: homes 14, 14, 15, 0 fill 14, 15, 0, 1; taking out the
 * first moves each back, the one at home 0 included (its home lies in the
 * wrapped interval). */
static void test_wrapping_run(void)
{
    uint32_t slot[MASK + 1];
    bool in[NVAL] = {false};
    memset(slot, 0, sizeof slot);
    g_home[1] = 14, g_home[2] = 14, g_home[3] = 15, g_home[4] = 0;
    for (uint32_t v = 1; v <= 4; v++) {
        sk_ohash_insert(slot, MASK, g_home[v], v);
        in[v] = true;
    }
    SK_CHECK_EQ(slot[14], 2u);
    SK_CHECK_EQ(slot[15], 3u);
    SK_CHECK_EQ(slot[0], 4u);
    SK_CHECK_EQ(slot[1], 5u);
    remove_value(slot, in, 1);
    SK_CHECK_EQ(slot[14], 3u); /* 2 back to its home */
    SK_CHECK_EQ(slot[15], 4u); /* 3 back to its home */
    SK_CHECK_EQ(slot[0], 5u);  /* 4 back to its home */
    SK_CHECK_EQ(slot[1], 0u);
    SK_CHECK(table_matches(slot, in));
}

/* An entry whose home is exactly where it sits does not move into a hole
 * before it: homes 3, 3, 5 fill 3, 4, 5; taking out 3's first keeps 5 in
 * place (its home is in (3, 5]) and moves 4 back. */
static void test_entry_at_home_stays(void)
{
    uint32_t slot[MASK + 1];
    bool in[NVAL] = {false};
    memset(slot, 0, sizeof slot);
    g_home[10] = 3, g_home[11] = 3, g_home[12] = 5;
    for (uint32_t v = 10; v <= 12; v++) {
        sk_ohash_insert(slot, MASK, g_home[v], v);
        in[v] = true;
    }
    remove_value(slot, in, 10);
    SK_CHECK_EQ(slot[3], 12u);
    SK_CHECK_EQ(slot[4], 0u);
    SK_CHECK_EQ(slot[5], 13u);
    SK_CHECK(table_matches(slot, in));
}

/* Random homes, random inserts and removals, at most 12 of 16 slots full:
 * the model holds after every step. */
static void test_random_against_model(void)
{
    sk_rng rng;
    sk_rng_seed(&rng, 7);
    for (int round = 0; round < 200; round++) {
        uint32_t slot[MASK + 1];
        bool in[NVAL] = {false};
        memset(slot, 0, sizeof slot);
        for (uint32_t v = 0; v < NVAL; v++)
            g_home[v] = sk_rng_u32(&rng) & MASK;
        uint32_t count = 0;
        for (int step = 0; step < 100; step++) {
            uint32_t v = (uint32_t)sk_rng_below(&rng, NVAL);
            if (in[v]) {
                remove_value(slot, in, v);
                count--;
            } else if (count < 12) {
                sk_ohash_insert(slot, MASK, g_home[v], v);
                in[v] = true;
                count++;
            }
            if (!table_matches(slot, in)) {
                SK_CHECK_MSG(false, "round %d step %d: a value is unreachable", round, step);
                return;
            }
        }
    }
}

int main(void)
{
    SK_RUN(test_wrapping_run);
    SK_RUN(test_entry_at_home_stays);
    SK_RUN(test_random_against_model);
    return sk_test_finish();
}
