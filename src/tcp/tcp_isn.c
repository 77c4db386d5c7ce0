/* Initial sequence numbers (RFC 6528 §3): ISN = M + F(4-tuple, secret),
 * where M is a timer ticking every 4 microseconds and F is SipHash-2-4 keyed
 * with a secret derived from the stack's seed. Connections to different
 * peers get unrelated ISNs; a new incarnation of the same 4-tuple gets a
 * larger one. */
#include "tcp/tcp_conn.h"

sk_seq sk_tcp_isn(const sk_tcp_env *e, const sk_tuple *tu, sk_time now)
{
    /* a different key from the demux hash */
    uint32_t f = sk_tuple_hash(&e->ctx->key, tu, 0x49534e2d52464336ull);
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
    return sk_tuple_hash(&e->ctx->key, tu, 0x54534f46462d3733ull);
}
