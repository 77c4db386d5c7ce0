/* Broken internal invariants trip an assertion in debug, test and fuzz builds
 * (release builds define NDEBUG). Bad bytes from the network are never
 * asserted on: they are dropped and counted. */
#ifndef SK_BASE_SKASSERT_H
#define SK_BASE_SKASSERT_H

#include <assert.h>

#define SK_ASSERT(cond) assert(cond)

#endif
