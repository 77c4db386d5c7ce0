/* TIME-WAIT records (tcp_timewait.h): the pool, its tuple hash and FIFO,
 * how a TCB becomes a record, expiry, and the answers RFC 9293 §3.10.7.4
 * asks of TIME-WAIT, given from the record alone:
 *
 *   - PAWS first with timestamps (RFC 7323 §5.3 R1): an old TSval is
 *     dropped and ACKed; a segment without timestamps is dropped (§3.2).
 *   - an unacceptable segment is ACKed (a retransmitted FIN too, which
 *     also restarts 2*MSL); an unacceptable RST is dropped.
 *   - RST at RCV.NXT ends TIME-WAIT (RFC 9293 §3.10.7.4 second, as Linux
 *     with its default tcp_rfc1337 = 0); an in-window one that is not
 *     exact gets a challenge ACK (RFC 5961 §3.2). RFC 1337's "ignore RST
 *     in TIME-WAIT" is not taken: docs/rfc-coverage.md.
 *   - a SYN that may reopen the connection goes to the listener (RFC 6191
 *     with timestamps, else RFC 9293 §3.6.1 / RFC 1122 §4.2.2.13: a
 *     sequence number above RCV.NXT), with an ISS above the old SND.NXT;
 *     any other SYN gets a challenge ACK (RFC 5961 §4.2).
 *   - an acceptable segment restarts 2*MSL; one that occupies sequence
 *     space (text, FIN) is ACKed, its text dropped (counted).
 *
 * Deviation: an ACK below SND.NXT - 2^31 is not challenged (RFC 5961
 * §5.2 needs MAX.SND.WND, which the record does not keep; TIME-WAIT takes
 * no data, so there is nothing to protect). */
#include "tcp/tcp_conn.h"

#include "base/ohash.h"
#include "base/skassert.h"
#include "synack/error.h"

#include <stddef.h>
#include <string.h>

_Static_assert(sizeof(sk_tw_rec) == 64, "a TIME-WAIT record is 64 bytes");
SK_REC_KEY_FIRST(sk_tw_rec);

/* ---- the pool ---- */

int sk_tw_init(sk_tcp_env *e)
{
    sk_tw_pool *p = &e->tw;
    const sk_stack_config *cfg = &e->ctx->cfg;
    /* the default: 4 records per socket slot (a server closing first at a
     * steady rate needs rate x 2*MSL of them), at most SK_TW_DEFAULT_MAX
     * (4.5 MiB), so that a table of a million idle connections does not
     * pay 72 MB for TIME-WAIT up front */
    uint32_t cap = sk_recpool_cap(cfg->max_time_wait, cfg->max_sockets, SK_TW_DEFAULT_MAX);
    memset(p, 0, sizeof *p);
    p->head = p->tail = SK_TW_NONE;
    return sk_recpool_init(&p->pool, e->ctx, sizeof(sk_tw_rec), cap);
}

void sk_tw_free(sk_tcp_env *e)
{
    sk_recpool_free(&e->tw.pool, e->ctx);
}

static sk_tw_rec *rec_at(const sk_tw_pool *p, uint32_t i)
{
    return sk_recpool_at(&p->pool, i);
}

static void rec_tuple(const sk_tw_rec *r, sk_tuple *tu)
{
    sk_rec_key_tuple(&r->key, tu);
}

uint32_t sk_tw_find(const sk_tcp_env *e, const sk_tuple *tu)
{
    return sk_recpool_find(&e->tw.pool, tu);
}

uint32_t sk_tw_find_h(const sk_tcp_env *e, const sk_tuple *tu, uint32_t h)
{
    return sk_recpool_find_h(&e->tw.pool, tu, h);
}

/* ---- the FIFO of deadlines ---- */

static sk_time rec_deadline(const sk_tw_pool *p, const sk_tw_rec *r)
{
    return p->last_now + (uint32_t)(r->deadline_lo - (uint32_t)p->last_now);
}

#define FIFO offsetof(sk_tw_rec, link)

static void fifo_unlink(sk_tw_pool *p, uint32_t i)
{
    sk_rec_list_unlink(&p->pool, FIFO, &p->head, &p->tail, i);
}

/* Insert by deadline from the newest end: a restart or a new record goes
 * to the tail at once; only a held TCB closed late (less time left than
 * the newest record) walks back. */
static void fifo_insert(sk_tw_pool *p, uint32_t i, sk_time deadline)
{
    rec_at(p, i)->deadline_lo = (uint32_t)deadline;
    uint32_t after = p->tail;
    while (after != SK_TW_NONE && rec_deadline(p, rec_at(p, after)) > deadline)
        after = rec_at(p, after)->link.prev;
    sk_rec_list_insert(&p->pool, FIFO, &p->head, &p->tail, after, i);
}

/* Record i goes. rec_remove: its tuple is free (the port search's memo
 * ends); rec_remove_keep: another holder takes the tuple at once. */
static void rec_remove_keep(sk_tcp_env *e, uint32_t i)
{
    sk_tw_pool *p = &e->tw;
    fifo_unlink(p, i);
    sk_recpool_remove(&p->pool, i);
    e->ctx->stats.time_wait = p->pool.count;
}

static void rec_remove(sk_tcp_env *e, uint32_t i)
{
    rec_remove_keep(e, i);
    sk_demux_port_freed(e);
}

static void trace_expiry(sk_tcp_env *e, const sk_tw_rec *r, sk_time now)
{
    if (!sk_ctx_tracing(e->ctx))
        return;
    sk_tuple tu;
    rec_tuple(r, &tu);
    sk_trace_event ev;
    sk_tcp_trace_init(e, NULL, SK_TRACE_TIMER, now, &ev);
    ev.local.addr = tu.laddr;
    ev.local.port = tu.lport;
    ev.remote.addr = tu.raddr;
    ev.remote.port = tu.rport;
    ev.timer = SK_TIMER_TIME_WAIT;
    sk_ctx_trace(e->ctx, &ev);
}

void sk_tw_expire(sk_tcp_env *e, sk_time now)
{
    sk_tw_pool *p = &e->tw;
    if (now < p->last_now)
        return; /* time does not go back; the records keep their deadlines */
    while (p->head != SK_TW_NONE && rec_deadline(p, rec_at(p, p->head)) <= now) {
        trace_expiry(e, rec_at(p, p->head), now);
        rec_remove(e, p->head);
        e->ctx->stats.tw_expired++;
    }
    p->last_now = now;
}

sk_time sk_tw_next_deadline(const sk_tcp_env *e)
{
    const sk_tw_pool *p = &e->tw;
    return p->head == SK_TW_NONE ? SK_TIME_NEVER : rec_deadline(p, rec_at(p, p->head));
}

/* ---- a TCB becomes a record ---- */

static void rec_fill(const sk_tcp_env *e, sk_tw_rec *r, const sk_tcb *t)
{
    memset(r, 0, sizeof *r);
    sk_tuple tu = sk_tcb_tuple(e, t);
    sk_rec_key_set(&r->key, &tu);
    r->snd_nxt = t->x->snd_max; /* the RFC's SND.NXT (ours rolls back on a timeout) */
    r->rcv_nxt = t->rcv_nxt;
    uint32_t cur = sk_seq_gt(t->rcv_adv, t->rcv_nxt) ? sk_seq_len(t->rcv_nxt, t->rcv_adv) : 0;
    uint32_t field = cur >> t->rcv_wscale;
    r->wnd = (uint16_t)(field > 65535 ? 65535 : field);
    r->key.flags = (uint8_t)(t->rcv_wscale & SK_TW_WSCALE);
    if (t->flags & SK_TF_TS_OK) {
        r->key.flags |= SK_TW_TS;
        r->ts_recent = t->ts_recent;
    }
}

static void rec_ack(sk_tcp_env *e, const sk_tw_rec *r, sk_time now);

/* A new record; when the pool is full, the oldest makes room (counted). */
static void rec_insert(sk_tcp_env *e, const sk_tw_rec *src, sk_time deadline)
{
    sk_tw_pool *p = &e->tw;
    if (p->pool.cap == 0)
        return;
    if (sk_recpool_full(&p->pool)) {
        rec_remove(e, p->head);
        sk_tcp_count_drop(e, SK_DROP_TCP_TW_RECYCLED, NULL, p->last_now);
    }
    uint32_t i = sk_recpool_add(&p->pool, src);
    if (i == SK_TW_NONE) { /* the index's memory, at the first record, was refused */
        sk_tcp_count_drop(e, SK_DROP_TCP_NO_MEMORY, NULL, p->last_now);
        return;
    }
    fifo_insert(p, i, deadline);
    e->ctx->stats.time_wait = p->pool.count;
    e->ctx->stats.tw_records++;
}

void sk_tw_take(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    SK_ASSERT(t->state == SK_TCP_TIME_WAIT && !(t->flags & SK_TF_APP_HELD));
    sk_tw_pool *p = &e->tw;
    sk_tw_expire(e, now);
    if (now < p->last_now)
        now = p->last_now;
    /* the time it has left (a held TCB closed late has less than 2*MSL) */
    sk_time deadline = sk_tcb_timer(e, t, SK_TIMER_TIME_WAIT);
    if (deadline == SK_TIME_NEVER || deadline <= p->last_now)
        deadline = p->last_now + 1;
    if (deadline - p->last_now > e->ctx->cfg.time_wait_us)
        deadline = p->last_now + e->ctx->cfg.time_wait_us; /* stays within 2^32 us */
    sk_tw_rec r;
    rec_fill(e, &r, t);
    if ((t->flags & SK_TF_ACK_NOW) || t->x->n_ack_owed > 0)
        rec_ack(e, &r, now); /* the ACK of the FIN that brought us here */
    rec_insert(e, &r, deadline);
    /* the socket is closed (its slot free, its handle stale): the trace
     * shows TIME-WAIT -> CLOSED for it now, and the record's expiry as a
     * time-wait timer event with the ends and no handle */
    sk_tcb_close(e, t, 0, now);
}

/* ---- answers ---- */

static uint32_t rec_ts_now(const sk_tcp_env *e, const sk_tw_rec *r, sk_time now)
{
    sk_tuple tu;
    rec_tuple(r, &tu);
    return (uint32_t)(now / 1000u) + sk_tcp_ts_offset(e, &tu);
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, with our window and, when they
 * were on, timestamps (RFC 7323 §3.2: every segment but a RST carries
 * them; TSecr is TS.Recent, §4.3). */
static void rec_ack(sk_tcp_env *e, const sk_tw_rec *r, sk_time now)
{
    sk_tuple tu;
    rec_tuple(r, &tu);
    sk_ctl_ack a = {.wnd = r->wnd};
    if (r->key.flags & SK_TW_TS) {
        a.has_ts = true;
        a.ts_val = rec_ts_now(e, r, now);
        a.ts_ecr = r->ts_recent;
    }
    sk_ctl_push_ack(e, &tu, r->snd_nxt, r->rcv_nxt, &a, now);
}

static void rec_challenge(sk_tcp_env *e, const sk_tw_rec *r, sk_time now)
{
    if (sk_ack_challenge_allowed(e, now))
        rec_ack(e, r, now);
}

/* RFC 6191 §2 (sk_ts_reopen_ok's rule, for a record). */
static bool rec_reopen_ok(const sk_tw_rec *r, const sk_tcp_repr *seg)
{
    bool seq_newer = sk_seq_gt(seg->seq, r->rcv_nxt);
    if (!(r->key.flags & SK_TW_TS) || !seg->opts.has_ts || seg->opts.ts_val == r->ts_recent)
        return seq_newer;
    return sk_ts_before(r->ts_recent, seg->opts.ts_val);
}

/* A plain SYN that may reopen: the listener takes it with an ISS above
 * the old SND.NXT (time_wait_reopen in tcp_input.c does the same for a
 * TCB). True when the record is gone and the SYN handled. */
static bool rec_reopen(sk_tcp_env *e, uint32_t i, const sk_tuple *tu, const sk_tcp_repr *seg,
                       sk_time now)
{
    const uint8_t ctl = SK_TCP_SYN | SK_TCP_ACK | SK_TCP_RST | SK_TCP_FIN;
    sk_tw_rec *r = rec_at(&e->tw, i);
    if ((seg->flags & ctl) != SK_TCP_SYN || !rec_reopen_ok(r, seg))
        return false;
    sk_tcb *l = sk_demux_listener(e, &tu->laddr, tu->lport);
    if (l == NULL || !sk_listen_syn_room(e, l))
        return false;
    sk_seq iss = sk_seq_add(r->snd_nxt, 65536u);
    rec_remove(e, i);
    e->ctx->stats.tw_reopened++;
    sk_listen_syn(e, l, tu, seg, &iss, now);
    return true;
}

/* PAWS (RFC 7323 §5.3 R1, §3.2); false when the segment was dropped. */
static bool rec_paws(sk_tcp_env *e, const sk_tw_rec *r, const sk_tcp_repr *seg, sk_time now)
{
    enum sk_paws v = sk_ts_paws(e, (r->key.flags & SK_TW_TS) != 0, true, r->ts_recent, seg, NULL, now);
    if (v == SK_PAWS_ANSWER)
        rec_ack(e, r, now);
    return v == SK_PAWS_OK;
}

static void rec_restart(sk_tcp_env *e, uint32_t i, sk_time now)
{
    sk_tw_pool *p = &e->tw;
    sk_tw_expire(e, now);
    fifo_unlink(p, i);
    fifo_insert(p, i, sk_time_after(now, e->ctx->cfg.time_wait_us));
}

/* RFC 9293 §3.10.7.4 first: the sequence test, with the window our ACKs
 * offer. Returns false when the segment was dropped (and answered). */
static bool rec_seq_ok(sk_tcp_env *e, uint32_t i, const sk_tcp_repr *seg, sk_time now)
{
    sk_tw_rec *r = rec_at(&e->tw, i);
    uint32_t len = sk_tcp_seg_len(seg);
    uint32_t wnd = (uint32_t)r->wnd << (r->key.flags & SK_TW_WSCALE);
    sk_seq wend = sk_seq_add(r->rcv_nxt, wnd);
    bool ok;
    if (len == 0)
        ok = wnd == 0 ? sk_seq_eq(seg->seq, r->rcv_nxt) : sk_seq_in(seg->seq, r->rcv_nxt, wend);
    else
        ok = wnd != 0 && (sk_seq_in(seg->seq, r->rcv_nxt, wend) ||
                          sk_seq_in(sk_seq_add(seg->seq, len - 1), r->rcv_nxt, wend));
    if (ok)
        return true;
    if (seg->flags & SK_TCP_RST) {
        sk_tcp_count_drop(e, SK_DROP_TCP_RST_OUT_OF_WINDOW, NULL, now);
        return false;
    }
    if (seg->flags & SK_TCP_FIN) /* the peer's FIN again: restart 2*MSL */
        rec_restart(e, i, now);
    sk_tcp_count_drop(e, SK_DROP_TCP_OUT_OF_WINDOW, NULL, now);
    rec_ack(e, r, now);
    return false;
}

/* Second to fifth steps for an acceptable segment. */
static void rec_acceptable(sk_tcp_env *e, uint32_t i, const sk_tcp_repr *seg, sk_time now)
{
    sk_tw_rec *r = rec_at(&e->tw, i);
    if ((r->key.flags & SK_TW_TS) && seg->opts.has_ts && !(seg->flags & SK_TCP_RST) &&
        sk_seq_le(seg->seq, r->rcv_nxt) && !sk_ts_before(seg->opts.ts_val, r->ts_recent))
        r->ts_recent = seg->opts.ts_val; /* RFC 7323 §4.3, §5.3 R3 */
    if (seg->flags & SK_TCP_RST) {
        if (!sk_seq_eq(seg->seq, r->rcv_nxt)) {
            sk_tcp_count_drop(e, SK_DROP_TCP_RST_CHALLENGED, NULL, now);
            rec_challenge(e, r, now);
            return;
        }
        e->ctx->stats.resets_in++;
        rec_remove(e, i); /* RFC 9293 §3.10.7.4 second: TIME-WAIT ends */
        return;
    }
    if (seg->flags & SK_TCP_SYN) { /* RFC 5961 §4.2 */
        sk_tcp_count_drop(e, SK_DROP_TCP_SYN_CHALLENGED, NULL, now);
        rec_challenge(e, r, now);
        return;
    }
    if (!(seg->flags & SK_TCP_ACK)) {
        sk_tcp_count_drop(e, SK_DROP_TCP_NO_ACK, NULL, now);
        return;
    }
    if (sk_seq_gt(seg->ack, r->snd_nxt)) { /* acknowledges what was never sent */
        sk_tcp_count_drop(e, SK_DROP_TCP_BAD_ACK, NULL, now);
        rec_ack(e, r, now);
        return;
    }
    /* fifth, TIME-WAIT: restart 2*MSL; ACK what occupies sequence space
     * (a bare ACK is not answered: two ends in TIME-WAIT after a
     * simultaneous close would ACK each other's ACKs forever) */
    rec_restart(e, i, now);
    if (seg->payload_len > 0)
        sk_tcp_count_drop(e, SK_DROP_TCP_DATA_AFTER_FIN, NULL, now);
    if (sk_tcp_seg_len(seg) > 0)
        rec_ack(e, r, now);
}

bool sk_tw_input(sk_tcp_env *e, const sk_tuple *tu, const sk_tcp_repr *seg, sk_time now)
{
    sk_tw_expire(e, now);
    uint32_t i = sk_tw_find(e, tu);
    if (i == SK_TW_NONE)
        return false;
    e->ctx->stats.tw_segments++;
    if (rec_reopen(e, i, tu, seg, now))
        return true;
    if (!rec_paws(e, rec_at(&e->tw, i), seg, now) || !rec_seq_ok(e, i, seg, now))
        return true;
    rec_acceptable(e, i, seg, now);
    return true;
}

/* ---- an active open on a tuple in TIME-WAIT ---- */

/* Reuse is safe when the old incarnation had timestamps and ours are on:
 * our TSvals for the tuple go on from the same clock (sk_tcp_ts_offset),
 * so the peer's PAWS (and its RFC 6191 check, were it in TIME-WAIT)
 * rejects the old incarnation's segments; the new ISS is above the old
 * SND.NXT (RFC 9293 §3.6.1). Without timestamps, old duplicates from the
 * peer could fall into the new connection's window: refused. */
int sk_tw_reuse(sk_tcp_env *e, const sk_tuple *tu, sk_seq *iss, sk_time now)
{
    sk_tw_expire(e, now);
    uint32_t i = sk_tw_find(e, tu);
    if (i == SK_TW_NONE)
        return 0;
    const sk_tw_rec *r = rec_at(&e->tw, i);
    if (!(r->key.flags & SK_TW_TS) || !e->ctx->cfg.timestamps)
        return -1;
    *iss = sk_seq_add(r->snd_nxt, 65536u);
    rec_remove_keep(e, i); /* the caller's connection takes the tuple */
    e->ctx->stats.tw_reused++;
    return 1;
}

bool sk_tw_rec_reusable(const sk_tcp_env *e, uint32_t i)
{
    return i != SK_TW_NONE && (rec_at(&e->tw, i)->key.flags & SK_TW_TS) && e->ctx->cfg.timestamps;
}

bool sk_tw_reuse_safe(const sk_tcp_env *e, const sk_tuple *tu)
{
    return sk_tw_rec_reusable(e, sk_tw_find(e, tu));
}
