/* A token bucket in virtual time: at most `burst` events at once, then
 * `rate` per second. The caller passes the rate and depth on every call
 * (they are configuration and may change) and `now` (the core reads no
 * clock).
 *
 * The bucket stores what was spent, not what is left, so an all-zero
 * bucket (a memset structure) is full: no initialisation step. */
#ifndef SK_BASE_TBUCKET_H
#define SK_BASE_TBUCKET_H

#include "base/sktime.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t spent;   /* tokens taken and not yet refilled */
    sk_time refilled; /* the time up to which refills are counted */
} sk_tbucket;

/* Take one token: true when one was left (the event may happen), false
 * when the bucket is empty. A rate of 0 refuses every event. */
bool sk_tbucket_take(sk_tbucket *b, sk_time now, uint32_t rate, uint32_t burst);

#endif
