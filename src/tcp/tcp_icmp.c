/* ICMP errors about our segments.
 *
 * RFC 5927 §4.1 (as Linux): the quoted 4-tuple must name a connection
 * (ICMP_NO_CONN) and the quoted sequence number must be in flight,
 * SND.UNA <= SEG.SEQ < SND.MAX (ICMP_OUT_OF_WINDOW), so that a blind
 * attacker must guess a window of sequence numbers.
 *
 * RFC 1122 §4.2.3.9: protocol and port unreachable are hard errors, the
 * rest soft. Like Linux (and RFC 5461's advice) a hard error aborts only a
 * connection in SYN-SENT, with SK_ECONNREFUSED; in other states it is kept
 * as the soft error. A soft error is recorded (sk_tcp_info.soft_error) and
 * reported only if the handshake then times out (the connect fails with the
 * soft error instead of SK_ETIMEDOUT, as Linux's sk_err_soft).
 *
 * Fragmentation needed and packet too big are not handled per connection
 * here: the interface's path MTU cache (iface/iface_pmtu.c) validates them
 * (sk_tcp_icmp_check) and lowers every connection to the destination
 * (sk_tcp_pmtu_to). Lowering (RFC 1191 §6, RFC 8201 §5.2): the send MSS of
 * a synchronized connection becomes sk_tcp_mss_from_mtu(path MTU) (each
 * segment's options come out of its payload, tcp_output.c), never raised,
 * never below SK_PMTU_MIN - 40 (RFC 5927 §7.2: tiny MTUs are an attack;
 * 552 is Linux's min_pmtu) or 1280 - 60 for IPv6. The segments in flight
 * are sent again at once in the smaller size (go back to SND.UNA, as
 * Linux's tcp_simple_retransmit); this is not a congestion signal, so cwnd
 * and ssthresh stay. Before synchronization the connection takes the path
 * MTU with the peer's SYN options (sk_tcp_path_mtu). */
#include "tcp/tcp_conn.h"

#include "synack/error.h"

#define SK_PMTU_MIN 552

/* A synchronized connection sends from SND.UNA again in segments of at
 * most `mss` (RFC 1191 §6.5). */
static void mss_lower(sk_tcp_env *e, sk_tcb *t, uint32_t mss)
{
    t->snd_mss = (uint16_t)mss;
    e->ctx->stats.pmtu_lowered++;
    t->flags &= ~(uint32_t)(SK_TF_RTT_ACTIVE | SK_TF_REXMIT_ONE);
    if (!sk_tcb_ext_attached(e, t)) /* idle: nothing is in flight to resend */
        return;
    t->x->snd_nxt = t->snd_una;
    sk_tcb_set_rexmit_cause(t, SK_REXMIT_PMTU);
    sk_tcb_mark_output(e, t);
}

static int pmtu_lower(sk_tcp_env *e, sk_tcb *t, uint16_t mtu)
{
    /* RFC 8201 §4: an IPv6 path MTU is never below 1280 */
    uint16_t floor = sk_tcb_family(t) == SK_AF_INET6 ? 1280 : SK_PMTU_MIN;
    if (mtu < floor)
        mtu = floor;
    uint32_t mss = sk_tcp_mss_from_mtu(sk_tcb_family(t), mtu);
    if (!sk_tcb_synchronized(t) || mss >= t->snd_mss)
        return SK_DROP_ICMP_PMTU_IGNORED;
    mss_lower(e, t, mss);
    return 0;
}

static int icmp_find(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq, sk_tcb **out)
{
    sk_tcb *t = sk_demux_lookup(e, tu);
    if (t == NULL || (t->flags & SK_TF_LISTENER))
        return SK_DROP_ICMP_NO_CONN;
    if (!sk_seq_in(seq, t->snd_una, sk_tcb_snd_max(e, t)))
        return SK_DROP_ICMP_OUT_OF_WINDOW;
    *out = t;
    return 0;
}

int sk_tcp_icmp_check(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq)
{
    sk_tcb *t;
    int r = icmp_find(e, tu, seq, &t);
    return r == SK_DROP_ICMP_NO_CONN ? sk_ho_icmp(e, tu, seq, SK_TCP_ICMP_UNREACH, true) : r;
}

uint32_t sk_tcp_pmtu_to(sk_tcp_env *e, const sk_ipaddr *raddr, uint16_t mtu)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < e->n_tcbs; i++) {
        sk_tcb *t = &e->tcbs[i];
        if (!(t->flags & SK_TF_HASHED) || t->state == SK_TCP_LISTEN)
            continue;
        sk_ipaddr ra = sk_tcb_raddr(e, t);
        if (sk_ipaddr_eq(&ra, raddr) && pmtu_lower(e, t, mtu) == 0)
            n++;
    }
    return n;
}

uint16_t sk_tcp_path_mtu(sk_tcp_env *e, const sk_ipaddr *raddr, sk_time now)
{
    uint16_t mtu = e->ctx->cfg.mtu;
    uint16_t p = e->path_mtu != NULL ? e->path_mtu(e->path_mtu_ctx, raddr, now) : 0;
    return p != 0 && p < mtu ? p : mtu;
}

/* The soft error lives in the extension (an idle connection's, given back
 * at once, in its history: tcp_ext.c); without memory it is not kept. */
static int set_soft_error(sk_tcp_env *e, sk_tcb *t, int err)
{
    if (!sk_tcb_ext_attach(e, t))
        return SK_DROP_TCP_NO_MEMORY;
    t->x->past.soft_error = (int8_t)err;
    sk_tcb_ext_settle(e, t);
    return 0;
}

int sk_tcp_icmp_error(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq, int kind, sk_time now)
{
    sk_tcb *t = NULL;
    int r = icmp_find(e, tu, seq, &t);
    if (r == SK_DROP_ICMP_NO_CONN) /* a half-open record keeps it as a child would */
        return sk_ho_icmp(e, tu, seq, kind, false);
    if (r != 0)
        return r;
    switch (kind) {
    case SK_TCP_ICMP_REFUSED:
        if (t->state == SK_TCP_SYN_SENT) {
            sk_tcb_close(e, t, SK_ECONNREFUSED, now);
            return 0;
        }
        return set_soft_error(e, t, SK_ECONNREFUSED);
    default:
        return set_soft_error(e, t, SK_EHOSTUNREACH);
    }
}

void sk_tcp_host_unreachable(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    if (t->state == SK_TCP_SYN_SENT)
        sk_tcb_close(e, t, SK_EHOSTUNREACH, now);
    else if (t->state != SK_TCP_CLOSED && t->state != SK_TCP_LISTEN &&
             set_soft_error(e, t, SK_EHOSTUNREACH) != 0)
        sk_tcp_count_drop(e, SK_DROP_TCP_NO_MEMORY, t, now);
}

/* The interface gave up resolving a next hop: TCP walks its own table and
 * asks the interface, through `via`, which connections route through it. */
void sk_tcp_unreachable_via(sk_tcp_env *e, sk_tcp_route_match via, const void *ctx, sk_time now)
{
    for (uint32_t i = 0; i < e->n_tcbs; i++) {
        sk_tcb *t = &e->tcbs[i];
        if (!(t->flags & SK_TF_HASHED))
            continue;
        sk_tuple tu = sk_tcb_tuple(e, t);
        if (via(ctx, &tu))
            sk_tcp_host_unreachable(e, t, now);
    }
    sk_ho_unreachable_via(e, via, ctx);
}

/* The link MTU was lowered (sk_stack_set_mtu, a DHCP lease's option 26):
 * every synchronized connection whose MSS no longer fits sends smaller
 * segments from snd_una on, as after an ICMP fragmentation needed (RFC
 * 1191 §6.5); connections still opening take the new MTU when they
 * compute their MSS. */
void sk_tcp_mtu_lowered(sk_tcp_env *e, uint8_t family, uint16_t mtu)
{
    for (uint32_t i = 0; i < e->n_tcbs; i++) {
        sk_tcb *t = &e->tcbs[i];
        if (!(t->flags & SK_TF_HASHED) || t->state == SK_TCP_LISTEN ||
            (family != 0 && sk_tcb_family(t) != family))
            continue;
        /* the link's own MTU, not a path's: no RFC 8201 floor, so that no
         * segment exceeds the link (an IPv6 link below 1280 breaks RFC
         * 8200 §5; docs/rfc-coverage.md), and a SYN-RECEIVED child whose
         * MSS came from the old MTU takes the new one before its data */
        uint32_t mss = sk_tcp_mss_from_mtu(sk_tcb_family(t), mtu);
        if (!sk_tcb_synchronized(t) && mss < t->adv_mss)
            t->adv_mss = (uint16_t)mss; /* a SYN sent again announces what fits */
        if (mss >= t->snd_mss)
            continue;
        if (sk_tcb_synchronized(t))
            mss_lower(e, t, mss);
        else
            t->snd_mss = (uint16_t)mss;
    }
    sk_ho_mtu_lowered(e, family, mtu);
}

/* Our address `local` is gone (a DHCP lease lost, RFC 2131 §4.4.5: "stop
 * any other network processing"): every connection on it is closed with
 * `err` and no RST, which could only go out from an address no longer
 * ours. Listeners (bound to any address) stay. */
void sk_tcp_local_addr_gone(sk_tcp_env *e, const sk_ipaddr *local, int err, sk_time now)
{
    for (uint32_t i = 0; i < e->n_tcbs; i++) {
        sk_tcb *t = &e->tcbs[i];
        if (!(t->flags & SK_TF_HASHED) || t->state == SK_TCP_LISTEN)
            continue;
        sk_ipaddr la = sk_tcb_laddr(e, t);
        if (sk_ipaddr_eq(&la, local))
            sk_tcb_close(e, t, err, now);
    }
    sk_ho_local_addr_gone(e, local, now);
}
