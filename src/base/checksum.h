/* The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Sums are over 16-bit big-endian words (network order); an odd final byte is
 * padded with a zero byte. A *partial* sum is an unfolded 32-bit value that
 * can be accumulated across pieces of one logical buffer, provided every piece
 * but the last has even length. sk_csum_fold() folds a partial sum to 16 bits
 * and complements it, giving the value to store in a header field (with
 * sk_store_be16). A buffer that contains a correct checksum folds to 0. */
#ifndef SK_BASE_CHECKSUM_H
#define SK_BASE_CHECKSUM_H

#include "synack/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Add the 16-bit big-endian words of buf[0..len) to `sum` and return the new
 * partial sum (the fast path: 64-bit accumulation, and a vectorised loop where
 * the compiler and CPU allow). */
uint32_t sk_csum_partial(const void *buf, size_t len, uint32_t sum);

/* Fold a partial sum to 16 bits and return its one's complement. */
uint16_t sk_csum_fold(uint32_t sum);

/* Checksum of a whole buffer: sk_csum_fold(sk_csum_partial(buf, len, 0)). */
uint16_t sk_csum(const void *buf, size_t len);

/* The plain RFC 1071 reference loop (one 16-bit word at a time), kept for
 * tests and benchmarks to check the fast path against. */
uint32_t sk_csum_partial_ref(const void *buf, size_t len, uint32_t sum);

/* RFC 1624 eqn. 3: new checksum field value after a 16-bit word of the
 * covered data changes from old_word to new_word. */
uint16_t sk_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word);

/* The same for a 32-bit field (two words), e.g. an IPv4 address. */
uint16_t sk_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

/* Partial sum of the IPv4 pseudo-header (src, dst, zero, proto, length) for
 * TCP/UDP checksums; src and dst are 4 bytes each in network order. */
uint32_t sk_csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
                         uint16_t length);

/* The pseudo-header of either family, from family-tagged addresses (both
 * of one family): IPv4 as above (RFC 9293 §3.1, RFC 768), IPv6 with
 * 16-byte addresses, a 32-bit upper-layer length, three zero bytes and the
 * next header (RFC 8200 §8.1). */
uint32_t sk_csum_pseudo(const sk_ipaddr *src, const sk_ipaddr *dst, uint8_t proto,
                        uint32_t length);

/* The transport checksum of seg[0..len) under that pseudo-header, folded:
 * written into seg at csum_off by sk_csum_l4_fill (the field is zeroed
 * first); sk_csum_l4_ok is true when the segment's own checksum is right. */
void sk_csum_l4_fill(const sk_ipaddr *src, const sk_ipaddr *dst, uint8_t proto, uint8_t *seg,
                     size_t len, size_t csum_off);
bool sk_csum_l4_ok(const sk_ipaddr *src, const sk_ipaddr *dst, uint8_t proto,
                   const uint8_t *seg, size_t len);

/* Partial sum of the IPv6 pseudo-header (RFC 8200 §8.1: source, destination,
 * the 32-bit upper-layer packet length, three zero bytes and the next header
 * value) for ICMPv6, UDP and TCP checksums; src and dst are 16 bytes each in
 * network order. */
uint32_t sk_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
                         uint32_t length);

#endif
