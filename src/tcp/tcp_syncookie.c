/* SYN cookies (RFC 4987 §3.6): when a listener cannot keep a half-open
 * connection, its SYN,ACK carries the state in the ISS and the ACK that
 * completes the handshake brings it back.
 *
 *   ISS = H1(tuple) + IRS + (count << 24 | MAC(tuple, count, IRS, i) << 3 | i)
 *
 * H1 and MAC are SipHash-2-4 of the connection's tuple under the stack's
 * key (base/tuple.h), each with its own tweak, MAC's with the counter, the
 * IRS and i in it (21 bits of it kept); count is the time counter now / 64 s
 * (as Linux's, 8 bits kept); i the index of the largest MSS table entry not
 * above the peer's MSS (3 bits). Linux adds the MSS index to its second
 * hash, so an ISS one off still names a valid (other) entry; here every
 * bit of the low 24 is checked: an ACK one off, or with any bit flipped,
 * fails. A cookie is valid in the counter it was made in and the next one
 * (SK_COOKIE_MAX_AGE, 64 to 128 s); a blind guess passes with odds of 2 in
 * 2^29 (two counters of 256, one MAC of 2^21).
 *
 * The other SYN options ride in the low 6 bits of our TSval when the peer
 * sent timestamps (its ACK echoes the TSval in TSecr), as Linux does: bits
 * 0-3 the peer's window shift (15: none), bit 4 SACK-permitted, bit 5 set
 * (the mark of a cookie TSval). Without timestamps a cookie connection
 * has no window scaling and no SACK: the peer's SYN options are lost. */
#include "tcp/tcp_conn.h"

#define COOKIE_BITS 24
#define MSS_BITS 3
#define MAC_MASK ((1u << (COOKIE_BITS - MSS_BITS)) - 1u)
#define TWEAK_H1 0x636f6f6b69650001ull
#define TWEAK_H2 0x636f6f6b69650002ull
#define TS_OPT_BITS 6
#define TS_OPT_MASK ((1u << TS_OPT_BITS) - 1u)
#define TS_WS_NONE 15u
#define TS_SACK_BIT 0x10u
#define TS_MARK_BIT 0x20u

/* The MSS values a cookie can carry (8: three bits): Linux's IPv4 (536,
 * 1300, 1440, 1460) and IPv6 (1220) tables in one, with a jumbo frame's
 * (8960) and 4312 between, and 64 (our floor, tcp_input.c) for a peer
 * that announces less than 536; a peer's MSS is rounded down to the
 * nearest entry, never up. */
static const uint16_t mss_table[] = {64, 536, 1220, 1300, 1440, 1460, 4312, 8960};
#define N_MSS (sizeof mss_table / sizeof mss_table[0])

uint32_t sk_cookie_mss_count(void)
{
    return (uint32_t)N_MSS;
}

uint16_t sk_cookie_mss_entry(uint32_t i)
{
    return i < N_MSS ? mss_table[i] : 0;
}

static uint32_t counter(sk_time now)
{
    return (uint32_t)(now / SK_COOKIE_PERIOD_US);
}

/* The MAC covers the IRS too (Linux's adds it only linearly, through H1's
 * sum): a cookie checked against another IRS fails like a guess. */
static uint32_t mac(const sk_tcp_env *e, const sk_tuple *tu, uint32_t count, sk_seq irs,
                    uint32_t i)
{
    uint64_t tweak = TWEAK_H2 ^ ((uint64_t)count << 35) ^ ((uint64_t)i << 32) ^ irs.v;
    return sk_tuple_hash(&e->ctx->key, tu, tweak) & MAC_MASK;
}

static uint32_t mss_index(uint16_t mss)
{
    uint32_t i = 0;
    while (i + 1 < N_MSS && mss_table[i + 1] <= mss)
        i++;
    return i;
}

uint32_t sk_cookie_make(const sk_tcp_env *e, const sk_tuple *tu, sk_seq irs, uint16_t mss,
                        sk_time now)
{
    uint32_t count = counter(now);
    uint32_t i = mss_index(mss);
    uint32_t h1 = sk_tuple_hash(&e->ctx->key, tu, TWEAK_H1);
    return h1 + irs.v + ((count << COOKIE_BITS) | (mac(e, tu, count, irs, i) << MSS_BITS) | i);
}

bool sk_cookie_check(const sk_tcp_env *e, const sk_tuple *tu, sk_seq irs, sk_seq iss,
                     sk_time now, uint16_t *mss)
{
    uint32_t diff = iss.v - sk_tuple_hash(&e->ctx->key, tu, TWEAK_H1) - irs.v;
    uint32_t now_count = counter(now);
    uint32_t age = (now_count - (diff >> COOKIE_BITS)) & 0xffu;
    if (age >= SK_COOKIE_MAX_AGE)
        return false;
    uint32_t count = now_count - age;
    uint32_t i = diff & ((1u << MSS_BITS) - 1u);
    if (i >= N_MSS || ((diff >> MSS_BITS) & MAC_MASK) != mac(e, tu, count, irs, i))
        return false;
    *mss = mss_table[i];
    return true;
}

/* The TSval of a cookie SYN,ACK: our clock with its low bits replaced by
 * the options, never ahead of the clock (a later TSval from the same
 * clock must not look older, RFC 7323 §5.3). */
uint32_t sk_cookie_ts_encode(uint32_t ts_now, const sk_cookie_opts *o)
{
    uint32_t bits = TS_MARK_BIT | (o->wscale >= 0 ? (uint32_t)o->wscale : TS_WS_NONE) |
                    (o->sack_ok ? TS_SACK_BIT : 0u);
    uint32_t ts = (ts_now & ~TS_OPT_MASK) | bits;
    if (ts - ts_now < 0x80000000u && ts != ts_now)
        ts -= TS_OPT_MASK + 1u;
    return ts;
}

bool sk_cookie_ts_decode(uint32_t ts_ecr, sk_cookie_opts *o)
{
    if (!(ts_ecr & TS_MARK_BIT))
        return false;
    uint32_t ws = ts_ecr & 0x0fu;
    if (ws != TS_WS_NONE && ws > 14)
        return false;
    o->wscale = ws == TS_WS_NONE ? -1 : (int8_t)ws;
    o->sack_ok = (ts_ecr & TS_SACK_BIT) != 0;
    o->ts_ok = true;
    return true;
}
