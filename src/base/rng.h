/* The seeded PRNG is public (include/synack/rng.h); the core keeps
 * including it under its old name. */
#ifndef SK_BASE_RNG_H
#define SK_BASE_RNG_H
#include "synack/rng.h"
#endif
