/* UDP (RFC 768) for both address families. parse checks the header and the
 * length field against the IP payload; the checksum is checked apart, with
 * the pseudo-header of the family (RFC 768 for IPv4, RFC 8200 §8.1 for
 * IPv6), because the interface knows the addresses. */
#ifndef SK_WIRE_UDP_H
#define SK_WIRE_UDP_H

#include "synack/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_UDP_HDR_LEN 8

typedef struct {
    uint16_t src_port;
    uint16_t dst_port;
    uint16_t length;   /* parse: the header's field (header + data); emit: ignored */
    uint16_t checksum; /* parse: as found (0: none sent, IPv4 only) */
    const uint8_t *payload;
    size_t payload_len; /* length - 8 */
} sk_udp_repr;

/* Parse a datagram from the IP payload dgram[0..len). Returns 0, or
 * SK_DROP_UDP_TRUNCATED (under 8 bytes) or _LENGTH (length field below 8 or
 * past len). IP payload bytes past the length field are ignored (RFC 768:
 * the length field is the datagram's; Linux trims the same way). Port 0 is
 * not judged here. */
int sk_udp_parse(const uint8_t *dgram, size_t len, sk_udp_repr *out);

/* Write header + payload (r->payload is moved if it is not already at
 * buf + 8; it may overlap). The length field is 8 + payload_len and the
 * checksum is written as 0; fill it with sk_udp_fill_checksum4/6. Returns
 * the bytes written, or 0 when cap is too small or the datagram would pass
 * 65535 bytes. */
size_t sk_udp_emit(const sk_udp_repr *r, uint8_t *buf, size_t cap);

/* Fill the checksum of dgram[0..len) (len = the length field). A computed
 * 0 is sent as 0xffff (RFC 768; RFC 8200 §8.1): 0 means "no checksum". */
void sk_udp_fill_checksum4(sk_ip4 src, sk_ip4 dst, uint8_t *dgram, size_t len);
void sk_udp_fill_checksum6(sk_ip6 src, sk_ip6 dst, uint8_t *dgram, size_t len);

/* Check the checksum of dgram[0..len) (len = the length field). IPv4: a
 * zero field means the sender computed none, and it passes (RFC 768).
 * Returns 0 or SK_DROP_UDP_CHECKSUM. IPv6: a zero field is invalid
 * (RFC 8200 §8.1), SK_DROP_UDP_ZERO_CHECKSUM6; else 0 or _CHECKSUM. */
int sk_udp_check4(sk_ip4 src, sk_ip4 dst, const uint8_t *dgram, size_t len);
int sk_udp_check6(sk_ip6 src, sk_ip6 dst, const uint8_t *dgram, size_t len);

#endif
