/* SYN cookies (RFC 4987 §3.6): when a listener cannot keep a half-open
 * connection, its SYN,ACK carries the state in the ISS and the ACK that
 * completes the handshake brings it back.
 *
 *   ISS = H1(tuple) + IRS + (count << 24) + ((H2(tuple, count) + i) mod 2^24)
 *
 * H1 and H2 are SipHash-2-4 of the connection's tuple under the stack's key
 * (base/tuple.h), each with its own tweak, H2's with the counter in it;
 * count is the time counter now / 64 s (as Linux's); i the index of the
 * largest MSS table entry not above the peer's MSS. A cookie is valid in
 * the counter it was made in and the next one (SK_COOKIE_MAX_AGE, 64 to
 * 128 s), when the 24 bits left after removing H2 name a table entry: a
 * blind guess passes with odds of about 7 in 2^24 per counter tried.
 *
 * The other SYN options ride in the low 6 bits of our TSval when the peer
 * sent timestamps (its ACK echoes the TSval in TSecr), as Linux does: bits
 * 0-3 the peer's window shift (15: none), bit 4 SACK-permitted, bit 5 set
 * (the mark of a cookie TSval). Without timestamps a cookie connection
 * has no window scaling and no SACK: the peer's SYN options are lost. */
#include "tcp/tcp_conn.h"

#define COOKIE_BITS 24
#define COOKIE_MASK ((1u << COOKIE_BITS) - 1u)
#define TWEAK_H1 0x636f6f6b69650001ull
#define TWEAK_H2 0x636f6f6b69650002ull
#define TS_OPT_BITS 6
#define TS_OPT_MASK ((1u << TS_OPT_BITS) - 1u)
#define TS_WS_NONE 15u
#define TS_SACK_BIT 0x10u
#define TS_MARK_BIT 0x20u

/* The MSS values a cookie can carry: Linux's IPv4 (536, 1300, 1440, 1460)
 * and IPv6 (1220) tables in one, with a jumbo frame's (8960) and 4312
 * between; a peer's MSS is rounded down to the nearest entry. */
static const uint16_t mss_table[] = {536, 1220, 1300, 1440, 1460, 4312, 8960};
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

static uint32_t h2(const sk_tcp_env *e, const sk_tuple *tu, uint32_t count)
{
    return sk_tuple_hash(&e->ctx->key, tu, TWEAK_H2 ^ ((uint64_t)count << 16));
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
    uint32_t h1 = sk_tuple_hash(&e->ctx->key, tu, TWEAK_H1);
    return h1 + irs.v + (count << COOKIE_BITS) + ((h2(e, tu, count) + mss_index(mss)) & COOKIE_MASK);
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
    uint32_t i = (diff - h2(e, tu, count)) & COOKIE_MASK;
    if (i >= N_MSS)
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
