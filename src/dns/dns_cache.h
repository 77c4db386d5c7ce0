/* The resolver's answer cache: a few entries kept for their TTL
 * (RFC 1035 §3.2.1, §7.4), keyed by name (case ignored) and type. */
#ifndef SK_DNS_CACHE_H
#define SK_DNS_CACHE_H

#include "synack/dns.h"

/* Store a question's addresses until now + ttl seconds (ttl 0: not kept). */
void sk_dns_cache_put(sk_dns_resolver *r, const uint8_t *qname, size_t qlen, uint8_t qtype_idx,
                      const sk_ipaddr *addrs, uint8_t count, uint32_t ttl, uint64_t now);
/* The unexpired entry for (qname, type), or NULL. */
const sk_dns_cache_entry_ *sk_dns_cache_get(const sk_dns_resolver *r, const uint8_t *qname,
                                            size_t qlen, uint8_t qtype_idx, uint64_t now);

#endif
