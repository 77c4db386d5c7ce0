/* Initial sequence numbers (RFC 6528 §3): ISN = M + F(4-tuple, secret),
 * where M is a timer ticking every 4 microseconds and F is SipHash-2-4 keyed
 * with a secret derived from the stack's seed. Connections to different
 * peers get unrelated ISNs; a new incarnation of the same 4-tuple gets a
 * larger one. */
#include "tcp/tcp_conn.h"

#include <string.h>

/* F(4-tuple) under the stack's key with a per-use tweak. */
static uint32_t tuple_hash(const sk_tcp_env *e, const sk_tuple *tu, uint64_t tweak)
{
    uint8_t key[12];
    memcpy(key, tu->laddr.b, 4);
    key[4] = (uint8_t)(tu->lport >> 8);
    key[5] = (uint8_t)tu->lport;
    memcpy(key + 6, tu->raddr.b, 4);
    key[10] = (uint8_t)(tu->rport >> 8);
    key[11] = (uint8_t)tu->rport;
    sk_siphash_key k = e->ctx->key;
    k.k1 ^= tweak;
    return (uint32_t)sk_siphash24(&k, key, sizeof key);
}

sk_seq sk_tcp_isn(const sk_tcp_env *e, const sk_tuple *tu, sk_time now)
{
    /* a different key from the demux hash */
    uint32_t f = tuple_hash(e, tu, 0x49534e2d52464336ull);
    uint32_t m = (uint32_t)(now / 4u);
    return sk_seq_make(m + f);
}

/* RFC 7323 §5.4 / appendix: the timestamp clock gets a random offset per
 * 4-tuple (as the ISN does, RFC 6528), so TSvals reveal no uptime and no
 * relation between connections, while a new incarnation of the same
 * 4-tuple still continues the old one's clock (RFC 6191 needs its TSvals
 * to be larger). Deterministic from the stack's seed: no clock, no rng. */
uint32_t sk_tcp_ts_offset(const sk_tcp_env *e, const sk_tuple *tu)
{
    return tuple_hash(e, tu, 0x54534f46462d3733ull);
}
