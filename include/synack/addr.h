/* Addresses. sk_ip4, sk_ip6 and sk_mac hold bytes in network order. sk_ipaddr
 * carries a family tag and room for 16 bytes so that IPv6 can be added
 * without changing any API that takes an address. */
#ifndef SYNACK_ADDR_H
#define SYNACK_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t b[6];
} sk_mac;

typedef struct {
    uint8_t b[4];
} sk_ip4;

typedef struct {
    uint8_t b[16];
} sk_ip6;

/* Room for the longest text form of an IPv6 address, with its NUL
 * ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is 45 characters). */
#define SK_IP6_STR_LEN 46

enum sk_family { SK_AF_UNSPEC = 0, SK_AF_INET4 = 4, SK_AF_INET6 = 6 };

typedef struct {
    uint8_t family; /* enum sk_family */
    uint8_t b[16];  /* IPv4 uses b[0..3] */
} sk_ipaddr;

typedef struct {
    sk_ipaddr addr;
    uint16_t port;
} sk_endpoint;

/* Parse "a.b.c.d" (strict: four decimal parts 0..255, no leading '+').
 * Returns 0 or SK_EINVAL. */
int sk_ip4_from_str(const char *s, sk_ip4 *out);
/* Parse "a.b.c.d/nn". Returns 0 or SK_EINVAL. */
int sk_ip4_prefix_from_str(const char *s, sk_ip4 *out, uint8_t *prefix_len);
/* Format into buf (at least 16 bytes); returns buf. */
char *sk_ip4_to_str(sk_ip4 a, char *buf, size_t cap);
/* Parse "aa:bb:cc:dd:ee:ff". Returns 0 or SK_EINVAL. */
int sk_mac_from_str(const char *s, sk_mac *out);
/* Format into buf (at least 18 bytes); returns buf. */
char *sk_mac_to_str(sk_mac m, char *buf, size_t cap);

/* Parse an IPv6 address in any text form of RFC 4291 §2.2: eight groups of
 * 1-4 hex digits (either case), one "::" standing for one or more zero
 * groups, and a dotted-quad IPv4 address as the last 32 bits. No zone index
 * ("%eth0"), no brackets, no spaces. Returns 0 or SK_EINVAL. */
int sk_ip6_from_str(const char *s, sk_ip6 *out);
/* Parse "addr/nn" with nn 0..128 in decimal (RFC 4291 §2.3). Bits past the
 * prefix length are kept as written. Returns 0 or SK_EINVAL. */
int sk_ip6_prefix_from_str(const char *s, sk_ip6 *out, uint8_t *prefix_len);
/* Format in the canonical form of RFC 5952 §4: lower-case hex without
 * leading zeros, the longest run of two or more zero groups (the first of
 * equal runs) as "::", and IPv4-mapped addresses as ::ffff:a.b.c.d (§5).
 * Writes at most cap bytes, NUL-terminated when cap > 0 (SK_IP6_STR_LEN
 * always suffices); returns buf. */
char *sk_ip6_to_str(sk_ip6 a, char *buf, size_t cap);

sk_ipaddr sk_ipaddr_from_ip4(sk_ip4 a);
sk_ipaddr sk_ipaddr_from_ip6(sk_ip6 a);
bool sk_ipaddr_eq(const sk_ipaddr *a, const sk_ipaddr *b);

static inline sk_ip4 sk_ip4_make(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    sk_ip4 r = {{a, b, c, d}};
    return r;
}

#endif
