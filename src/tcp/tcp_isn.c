/* Initial sequence numbers (RFC 6528 §3): ISN = M + F(4-tuple, secret),
 * where M is a timer ticking every 4 microseconds and F is SipHash-2-4 keyed
 * with a secret derived from the stack's seed. Connections to different
 * peers get unrelated ISNs; a new incarnation of the same 4-tuple gets a
 * larger one. */
#include "tcp/tcp_conn.h"

#include <string.h>

sk_seq sk_tcp_isn(const sk_tcp_env *e, const sk_tuple *tu, sk_time now)
{
    uint8_t key[12];
    memcpy(key, tu->laddr.b, 4);
    key[4] = (uint8_t)(tu->lport >> 8);
    key[5] = (uint8_t)tu->lport;
    memcpy(key + 6, tu->raddr.b, 4);
    key[10] = (uint8_t)(tu->rport >> 8);
    key[11] = (uint8_t)tu->rport;
    sk_siphash_key k = e->isn_key;
    k.k1 ^= 0x49534e2d52464336ull; /* a different key from the demux hash */
    uint32_t f = (uint32_t)sk_siphash24(&k, key, sizeof key);
    uint32_t m = (uint32_t)(now / 4u);
    return sk_seq_make(m + f);
}
