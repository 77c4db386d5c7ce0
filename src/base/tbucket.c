/* Token bucket (see tbucket.h). Refills are whole tokens: `refilled`
 * advances by the time the tokens added stand for, so the remainder of an
 * interval is carried to the next call rather than lost. A bucket idle for
 * 1000 s or more (or one that was never used: refilled 0) is full. */
#include "base/tbucket.h"

bool sk_tbucket_take(sk_tbucket *b, sk_time now, uint32_t rate, uint32_t burst)
{
    if (rate == 0)
        return false;
    uint64_t elapsed = now > b->refilled ? now - b->refilled : 0;
    if (elapsed >= SK_SEC(1000)) {
        b->spent = 0;
        b->refilled = now;
    } else {
        uint64_t add = elapsed * rate / 1000000u;
        if (add > 0) {
            b->refilled += add * 1000000u / rate;
            b->spent = b->spent > add ? b->spent - add : 0;
        }
    }
    if (b->spent >= burst)
        return false;
    b->spent++;
    return true;
}
