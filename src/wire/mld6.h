/* MLDv2 reports (RFC 3810 §5.2): the whole packet a host sends, IPv6 header
 * and hop-by-hop router alert included, and a parser for reports (to read
 * captures and for the round trip); a parser for queries (§5.1, and
 * MLDv1's RFC 2710 §3 form, 24 bytes). */
#ifndef SK_WIRE_MLD6_H
#define SK_WIRE_MLD6_H

#include "wire/ipv6.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Record types (RFC 3810 §5.2.12). */
#define SK_MLD2_MODE_IS_INCLUDE 1
#define SK_MLD2_MODE_IS_EXCLUDE 2
#define SK_MLD2_CHANGE_TO_INCLUDE 3
#define SK_MLD2_CHANGE_TO_EXCLUDE 4
#define SK_MLD2_ALLOW_NEW_SOURCES 5
#define SK_MLD2_BLOCK_OLD_SOURCES 6

/* IPv6 header + 8-byte hop-by-hop header + 8-byte ICMPv6 report header. */
#define SK_MLD2_REPORT_HDR_LEN (SK_IP6_HDR_LEN + 8 + 8)

typedef struct {
    uint8_t type;      /* SK_MLD2_* */
    uint8_t aux_words; /* parse: auxiliary data length in 32-bit words (skipped); emit: ignored, 0 */
    uint16_t n_sources;
    sk_ip6 group;
    const uint8_t *sources; /* n_sources addresses of 16 bytes each */
} sk_mld2_record;

/* Write a complete report packet from src: IPv6 header to ff02::16 with hop
 * limit 1 (RFC 3810 §5), traffic class and flow label 0; a hop-by-hop
 * header holding the router alert option with value 0 (MLD, RFC 2711)
 * and a 2-byte PadN; then the ICMPv6 report (type 143) with the records
 * and its checksum. src is link-local or, before an address is ready,
 * unspecified (§5.2.13). Returns the packet length, or 0 when cap is too
 * small or the packet would pass 65535 bytes. */
size_t sk_mld2_report_emit(sk_ip6 src, const sk_mld2_record *recs, size_t n, uint8_t *buf,
                           size_t cap);

/* Parse the report msg[0..len) (an ICMPv6 message of type 143 that passed
 * sk_icmp6_parse): *n_records is the header's count; the first min(count,
 * max) records are stored. Returns 0, or SK_DROP_ICMP6_UNHANDLED (not a
 * report) or SK_DROP_MLD_BAD_REPORT (a record past the message). */
int sk_mld2_report_parse(const uint8_t *msg, size_t len, sk_mld2_record *recs, size_t max,
                         size_t *n_records);

/* A Multicast Listener Query (RFC 3810 §5.1), parsed. */
typedef struct {
    uint32_t max_resp_ms; /* Maximum Response Delay (§5.1.3, decoded) */
    sk_ip6 group;         /* :: for a General Query */
    uint16_t n_sources;   /* MLDv2: sources listed (Multicast Address and Source Specific) */
    bool v2;              /* 28 bytes or more: MLDv2 */
} sk_mld_query;

/* Parse the query msg[0..len) (an ICMPv6 message of type 130 that passed
 * sk_icmp6_parse). Returns 0, SK_DROP_ICMP6_UNHANDLED (not a query) or
 * SK_DROP_MLD_BAD_QUERY (below 24 bytes, 25..27 bytes, or an MLDv2 query
 * whose sources run past the message, §5.1.10). */
int sk_mld_query_parse(const uint8_t *msg, size_t len, sk_mld_query *q);

#endif
