/* Answer cache: SK_DNS_CACHE_ENTRIES entries; a new answer takes a free or
 * expired entry, the same question's entry, or the one expiring first. */
#include "dns/dns_cache.h"

#include "dns/dns_msg.h"

#include <string.h>

const sk_dns_cache_entry_ *sk_dns_cache_get(const sk_dns_resolver *r, const uint8_t *qname,
                                            size_t qlen, uint8_t qtype_idx, uint64_t now)
{
    if (r->cfg.no_cache)
        return NULL;
    for (size_t i = 0; i < SK_DNS_CACHE_ENTRIES; i++) {
        const sk_dns_cache_entry_ *e = &r->cache[i];
        if (e->used && e->qtype_idx == qtype_idx && now < e->expires &&
            sk_dns_name_eq(e->qname, e->qname_len, qname, qlen))
            return e;
    }
    return NULL;
}

void sk_dns_cache_put(sk_dns_resolver *r, const uint8_t *qname, size_t qlen, uint8_t qtype_idx,
                      const sk_ipaddr *addrs, uint8_t count, uint32_t ttl, uint64_t now)
{
    if (r->cfg.no_cache || ttl == 0 || count == 0) /* §3.2.1: TTL 0, not cached */
        return;
    sk_dns_cache_entry_ *victim = &r->cache[0];
    for (size_t i = 0; i < SK_DNS_CACHE_ENTRIES; i++) {
        sk_dns_cache_entry_ *e = &r->cache[i];
        bool same = e->used && e->qtype_idx == qtype_idx &&
                    sk_dns_name_eq(e->qname, e->qname_len, qname, qlen);
        if (same || !e->used || now >= e->expires) {
            victim = e;
            if (same)
                break;
        } else if (victim->used && now < victim->expires && e->expires < victim->expires) {
            victim = e;
        }
    }
    victim->used = 1;
    victim->qtype_idx = qtype_idx;
    victim->qname_len = (uint8_t)qlen;
    memcpy(victim->qname, qname, qlen);
    victim->count = count;
    memcpy(victim->addrs, addrs, (size_t)count * sizeof addrs[0]);
    victim->expires = now + (uint64_t)ttl * 1000000u;
}

void sk_dns_cache_flush(sk_dns_resolver *r)
{
    memset(r->cache, 0, sizeof r->cache);
}
