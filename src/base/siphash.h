/* SipHash-2-4 (Aumasson & Bernstein), a keyed PRF: 128-bit key, 64-bit output.
 * Used for RFC 6528 initial sequence numbers and for hash-table seeds so that a
 * remote peer cannot predict or collide them. */
#ifndef SK_BASE_SIPHASH_H
#define SK_BASE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t k0, k1;
} sk_siphash_key;

uint64_t sk_siphash24(const sk_siphash_key *key, const void *data, size_t len);

#endif
