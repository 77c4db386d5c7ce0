/* What tcp_halfopen.c (the pool, lists, timers) and tcp_synrcvd.c (the
 * SYN-RECEIVED answers of a record) share; included by those two only,
 * after tcp_conn.h. */
#ifndef SK_TCP_HALFOPEN_IMPL_H
#define SK_TCP_HALFOPEN_IMPL_H

/* ---- tcp_halfopen.c ---- */
static inline sk_ho_rec *sk_ho_rec_at(const sk_tcp_env *e, uint32_t i)
{
    return sk_recpool_at(&e->ho.pool, i);
}
void sk_ho_tuple(const sk_ho_rec *r, sk_tuple *tu);
/* Remove record i; `closed`: it ends (the trace shows SYN-RECEIVED ->
 * CLOSED), else it became a connection. */
void sk_ho_remove(sk_tcp_env *e, uint32_t i, bool closed, sk_time now);
/* A record removed for a promotion that failed goes back where it was. */
void sk_ho_restore(sk_tcp_env *e, const sk_ho_rec *saved, sk_time now);
/* The timer interval after k timeouts. */
uint64_t sk_ho_interval(const sk_tcp_env *e, uint32_t k);

/* ---- tcp_synrcvd.c ---- */
/* <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> with what output_syn announces. */
void sk_ho_build_synack(const sk_tcp_env *e, const sk_ho_rec *r, sk_time now, sk_ctl_seg *c);
/* c is the record's SYN,ACK sent again: a retransmission (cause syn). */
void sk_ho_count_resend(sk_ho_rec *r, sk_ctl_seg *c);
/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> (sk_tcb_reset), then gone. */
void sk_ho_reset(sk_tcp_env *e, uint32_t i, sk_time now);

#endif
