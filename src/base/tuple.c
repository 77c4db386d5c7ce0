/* The one tuple key (tuple.h). */
#include "base/tuple.h"

size_t sk_tuple_key(const sk_tuple *tu, uint8_t key[SK_TUPLE_KEY_MAX])
{
    size_t al = sk_addr_len(tu->laddr.family);
    memcpy(key, tu->laddr.b, al);
    key[al] = (uint8_t)(tu->lport >> 8);
    key[al + 1] = (uint8_t)tu->lport;
    memcpy(key + al + 2, tu->raddr.b, al);
    key[2 * al + 2] = (uint8_t)(tu->rport >> 8);
    key[2 * al + 3] = (uint8_t)tu->rport;
    return 2 * al + 4;
}

uint32_t sk_tuple_hash(const sk_siphash_key *k, const sk_tuple *tu, uint64_t tweak)
{
    uint8_t key[SK_TUPLE_KEY_MAX];
    size_t n = sk_tuple_key(tu, key);
    sk_siphash_key kk = *k;
    kk.k1 ^= tweak;
    return (uint32_t)sk_siphash24(&kk, key, n);
}
