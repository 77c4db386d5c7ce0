/* base/tbucket.c: the token bucket in virtual time behind the ICMP error
 * and RST rate limits. */
#include "base/tbucket.h"
#include "sk_test.h"

#define MS(n) ((sk_time)(n) * 1000u)
#define SEC(n) ((sk_time)(n) * 1000000u)

static int take_n(sk_tbucket *b, sk_time now, uint32_t rate, uint32_t burst, int n)
{
    int got = 0;
    for (int i = 0; i < n; i++)
        got += sk_tbucket_take(b, now, rate, burst);
    return got;
}

/* A zeroed bucket is full: the burst at once, then nothing. */
static void test_zeroed_is_full(void)
{
    sk_tbucket b = {0};
    SK_CHECK_EQ(take_n(&b, SEC(5), 200, 200, 300), 200);
    sk_tbucket c = {0};
    SK_CHECK_EQ(take_n(&c, 0, 10, 3, 5), 3); /* at time 0 too */
}

/* One token per 1/rate s: none a microsecond early, one at the instant. */
static void test_refill_exact(void)
{
    sk_tbucket b = {0};
    SK_CHECK_EQ(take_n(&b, SEC(1), 100, 2, 2), 2);
    SK_CHECK(!sk_tbucket_take(&b, SEC(1) + MS(10) - 1, 100, 2));
    SK_CHECK(sk_tbucket_take(&b, SEC(1) + MS(10), 100, 2));
    SK_CHECK(!sk_tbucket_take(&b, SEC(1) + MS(10), 100, 2));
}

/* The remainder of an interval is carried: refills at 15 ms and 20 ms of
 * a 10 ms token give one each, not one at 15 and none at 20. */
static void test_remainder_carried(void)
{
    sk_tbucket b = {0};
    SK_CHECK_EQ(take_n(&b, SEC(1), 100, 1, 1), 1);
    SK_CHECK(sk_tbucket_take(&b, SEC(1) + MS(15), 100, 1));
    SK_CHECK(sk_tbucket_take(&b, SEC(1) + MS(20), 100, 1));
    SK_CHECK(!sk_tbucket_take(&b, SEC(1) + MS(29), 100, 1));
}

/* A pause refills to the burst, never beyond; a very long one too. */
static void test_refill_capped(void)
{
    sk_tbucket b = {0};
    SK_CHECK_EQ(take_n(&b, SEC(1), 100, 5, 5), 5);
    SK_CHECK_EQ(take_n(&b, SEC(100), 100, 5, 10), 5);
    SK_CHECK_EQ(take_n(&b, SEC(5000), 100, 5, 10), 5);
}

/* Rate 0 refuses everything; time going backwards adds nothing. */
static void test_rate_zero_and_backwards(void)
{
    sk_tbucket b = {0};
    SK_CHECK_EQ(take_n(&b, SEC(1), 0, 5, 3), 0);
    sk_tbucket c = {0};
    SK_CHECK_EQ(take_n(&c, SEC(10), 100, 2, 2), 2);
    SK_CHECK(!sk_tbucket_take(&c, SEC(9), 100, 2));
    SK_CHECK(sk_tbucket_take(&c, SEC(10) + MS(10), 100, 2));
}

/* A burst lowered below what was spent: nothing until refills bring the
 * spent count under the new depth. */
static void test_burst_lowered(void)
{
    sk_tbucket b = {0};
    SK_CHECK_EQ(take_n(&b, SEC(1), 100, 10, 6), 6);
    SK_CHECK(!sk_tbucket_take(&b, SEC(1), 100, 4));
    SK_CHECK(!sk_tbucket_take(&b, SEC(1) + MS(20), 100, 4)); /* spent 4 */
    SK_CHECK(sk_tbucket_take(&b, SEC(1) + MS(30), 100, 4));  /* spent 3, then 4 */
}

int main(void)
{
    SK_RUN(test_zeroed_is_full);
    SK_RUN(test_refill_exact);
    SK_RUN(test_remainder_carried);
    SK_RUN(test_refill_capped);
    SK_RUN(test_rate_zero_and_backwards);
    SK_RUN(test_burst_lowered);
    return sk_test_finish();
}
