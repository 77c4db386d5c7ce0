/* Time in the core is a count of microseconds passed in by the caller on
 * every call (the core never reads a clock). SK_TIME_NEVER marks "no deadline". */
#ifndef SK_BASE_SKTIME_H
#define SK_BASE_SKTIME_H

#include <stdint.h>

typedef uint64_t sk_time;

#define SK_TIME_NEVER UINT64_MAX
#define SK_USEC(n) ((sk_time)(n))
#define SK_MSEC(n) ((sk_time)(n) * 1000u)
#define SK_SEC(n) ((sk_time)(n) * 1000000u)

static inline sk_time sk_time_min(sk_time a, sk_time b) { return a < b ? a : b; }
static inline sk_time sk_time_max(sk_time a, sk_time b) { return a > b ? a : b; }

/* Deadline `d` has passed at `now` (NEVER never passes). */
static inline int sk_time_due(sk_time d, sk_time now) { return d != SK_TIME_NEVER && d <= now; }

/* now + delta, saturating below SK_TIME_NEVER. */
static inline sk_time sk_time_after(sk_time now, sk_time delta)
{
    return delta >= SK_TIME_NEVER - now ? SK_TIME_NEVER - 1 : now + delta;
}

#endif
