/* TCP's user calls (RFC 9293 §3.10.1-§3.10.5): OPEN (active), SEND,
 * RECEIVE with its window update, CLOSE and ABORT, on a TCB the caller has
 * already checked (api/socket.c resolves handles and checks arguments;
 * listeners are tcp_listen.c's). Nothing here builds a segment: the calls
 * change state and mark the connection for output. */
#include "base/skassert.h"
#include "tcp/tcp_conn.h"

#include "synack/error.h"

#include <string.h>

int sk_tcp_user_connect(sk_tcp_env *e, const sk_tuple *tu, uint16_t adv_mss,
                        const uint32_t *fixed_isn, sk_time now, sk_tcb **out)
{
    if (e->free_head == SK_TCB_NONE)
        return SK_ENOSPC;
    /* the tuple in TIME-WAIT: reused only when safe, above its SND.NXT */
    sk_seq tw_iss;
    int tw = sk_tw_reuse(e, tu, &tw_iss, now);
    if (tw < 0)
        return SK_EADDRINUSE;
    sk_tcb *t = sk_tcb_alloc(e, now);
    if (t == NULL) {
        if (tw > 0)
            sk_demux_port_freed(e); /* the TIME-WAIT record went, nothing holds tu */
        return SK_ENOSPC;
    }
    if (!sk_tcb_ext_attach(e, t) || !sk_tcb_set_ends(e, t, tu)) { /* the handshake's extension (tcp_ext.c) */
        sk_tcb_release_if_unheld(e, t);
        if (tw > 0)
            sk_demux_port_freed(e);
        return SK_ENOMEM;
    }
    sk_tcb_init_conn(e, t, tu, adv_mss, now);
    t->flags |= SK_TF_APP_HELD;
    t->iss = fixed_isn != NULL ? sk_seq_make(*fixed_isn) : tw > 0 ? tw_iss : sk_tcp_isn(e, tu, now);
    t->snd_una = t->x->snd_nxt = t->x->snd_max = t->iss;
    t->x->snd_buf_seq = sk_seq_add(t->iss, 1);
    t->x->past.recover = t->iss;
    sk_tcb_set_state(e, t, SK_TCP_SYN_SENT, now);
    sk_demux_insert(e, t);
    e->ctx->stats.active_opens++;
    sk_tcb_mark_output(e, t);
    *out = t;
    return 0;
}

/* States in which the application may still queue data (and so a FIN):
 * before the handshake completes the bytes wait (RFC 9293 §3.10.2). */
static bool send_side_open(enum sk_tcp_state st)
{
    return st == SK_TCP_SYN_SENT || st == SK_TCP_SYN_RECEIVED || st == SK_TCP_ESTABLISHED ||
           st == SK_TCP_CLOSE_WAIT;
}

/* 0 when the application may queue bytes, else the error sk_tcp_send
 * returns (RFC 9293 §3.10.2: SEND after CLOSE or in a closing state). */
static int send_allowed(const sk_tcb *t)
{
    if (t->flags & SK_TF_FIN_QUEUED)
        return SK_ESHUTDOWN;
    if (!send_side_open(t->state))
        return SK_ENOTCONN;
    return 0;
}

/* Room under the connection's limit (SK_SO_SNDBUF): the block is larger.
 * An idle connection's blank extension holds nothing. */
static size_t send_room(const sk_tcp_env *e, const sk_tcb *t)
{
    size_t used = sk_ring_len(&t->x->sndbuf), lim = sk_tcb_sndbuf(e, t);
    return used >= lim ? 0 : lim - used;
}

ptrdiff_t sk_tcp_user_send_space(const sk_tcp_env *e, const sk_tcb *t)
{
    int err = send_allowed(t);
    if (err != 0)
        return err;
    return (ptrdiff_t)send_room(e, t);
}

ptrdiff_t sk_tcp_user_send(sk_tcp_env *e, sk_tcb *t, const void *data, size_t len)
{
    int err = send_allowed(t);
    if (err != 0)
        return err;
    if (len == 0)
        return 0;
    if (!sk_tcb_ensure_sndbuf(e, t))
        return SK_ENOBUFS;
    size_t room = send_room(e, t);
    size_t n = room == 0 ? 0 : sk_ring_write(&t->x->sndbuf, data, len < room ? len : room);
    if (n == 0)
        return SK_EAGAIN;
    sk_tcb_mark_output(e, t);
    return (ptrdiff_t)n;
}

ptrdiff_t sk_tcp_user_send_fill(sk_tcp_env *e, sk_tcb *t, sk_tcp_fill_fn fill, void *ctx)
{
    int err = send_allowed(t);
    if (err != 0)
        return err;
    if (!sk_tcb_ensure_sndbuf(e, t))
        return SK_ENOBUFS;
    sk_ring *r = &t->x->sndbuf;
    size_t total = 0;
    /* the free space is at most two spans: up to the block's end, then
     * from its start */
    for (int i = 0; i < 2; i++) {
        size_t room = send_room(e, t);
        uint8_t *p;
        size_t span = room == 0 ? 0 : sk_ring_tail_span(r, &p);
        if (span == 0)
            break;
        if (span > room)
            span = room;
        size_t n = fill(ctx, p, span);
        SK_ASSERT(n <= span); /* a callback claiming more is a caller bug */
        if (n > span)
            n = span;
        sk_ring_commit(r, n);
        total += n;
        if (n < span)
            break;
    }
    if (total == 0)
        return send_room(e, t) == 0 ? SK_EAGAIN : 0;
    sk_tcb_mark_output(e, t);
    return (ptrdiff_t)total;
}

/* After the application reads (or the buffer grows), a window update of
 * its own when the peer had less than a segment of window left or the
 * window can double (below); sk_tcp_rcv_window already applies the
 * receiver SWS rule of RFC 9293 §3.8.6.2.2, so the step is never tiny. */
static void maybe_window_update(sk_tcp_env *e, sk_tcb *t)
{
    if (!sk_tcb_synchronized(t) || (t->flags & SK_TF_FIN_RCVD))
        return;
    uint32_t cur = sk_seq_gt(t->rcv_adv, t->rcv_nxt) ? sk_seq_len(t->rcv_nxt, t->rcv_adv) : 0;
    uint32_t win = sk_tcp_rcv_window(e, t);
    if (win <= cur)
        return;
    /* ACKs already owed carry the window as it stands when they leave
     * (fill_owed_ack): they are the update */
    if (t->x->n_ack_owed > 0)
        return;
    /* A peer that is (nearly) blocked must hear at once. Otherwise the next
     * ACK tells it, and an update of its own is worth a segment only when
     * the window the peer knows is at most half the largest we offer and
     * this one is at least twice it: Linux's rule (tcp_cleanup_rbuf). A
     * step of a few MSS while data flows would cost one more ACK per read
     * (session 23's captures, bench/README-loss.md). */
    uint32_t max = (uint32_t)65535 << t->rcv_wscale;
    uint32_t clamp = sk_tcb_rcvbuf(e, t);
    if (clamp > max)
        clamp = max;
    bool blocked = cur < t->adv_mss;
    if (blocked || (cur <= clamp / 2 && win / 2 >= cur)) {
        t->flags |= SK_TF_ACK_NOW;
        sk_tcb_mark_output(e, t);
    }
}

void sk_tcp_user_window_changed(sk_tcp_env *e, sk_tcb *t)
{
    maybe_window_update(e, t);
}

/* What the application consumed (n > 0): the window it opened, the ACK a
 * read of pushed data sends, and the buffers an emptied connection gives
 * back. */
static void after_read(sk_tcp_env *e, sk_tcb *t)
{
    sk_tcb_rcvbuf_maybe_grow(e, t); /* auto-tuning: before the window is announced */
    maybe_window_update(e, t);
    sk_ack_on_read(e, t);
    sk_tcb_trim_buffers(e, t);
    sk_tcb_ext_settle(e, t);
}

/* Nothing was read: 0 at end of stream, else SK_EAGAIN. */
static ptrdiff_t read_nothing(const sk_tcb *t)
{
    if ((t->flags & SK_TF_FIN_RCVD) || t->state == SK_TCP_CLOSED)
        return 0;
    return SK_EAGAIN;
}

ptrdiff_t sk_tcp_user_recv(sk_tcp_env *e, sk_tcb *t, void *buf, size_t cap)
{
    /* an idle connection reads the blank extension: nothing to read */
    size_t n = sk_tcb_ext_attached(e, t) ? sk_ring_read(&t->x->rcvbuf, buf, cap) : 0;
    if (n > 0) {
        after_read(e, t);
        return (ptrdiff_t)n;
    }
    if (cap == 0)
        return 0;
    return read_nothing(t);
}

ptrdiff_t sk_tcp_user_recv_view(sk_tcp_env *e, sk_tcb *t, sk_tcp_view_fn view, void *ctx)
{
    if (!sk_tcb_ext_attached(e, t) || sk_ring_empty(&t->x->rcvbuf))
        return read_nothing(t);
    sk_ring *r = &t->x->rcvbuf;
    size_t total = 0;
    /* the in-order bytes are at most two spans (the ring wraps) */
    for (int i = 0; i < 2; i++) {
        const uint8_t *p;
        size_t span = sk_ring_span(r, 0, &p);
        if (span == 0)
            break;
        size_t n = view(ctx, p, span);
        SK_ASSERT(n <= span); /* a callback claiming more is a caller bug */
        if (n > span)
            n = span;
        sk_ring_drop(r, n);
        total += n;
        if (n < span)
            break;
    }
    if (total == 0)
        return SK_EAGAIN; /* the view took nothing: the bytes wait */
    after_read(e, t);
    return (ptrdiff_t)total;
}

int sk_tcp_user_shutdown(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    if (send_side_open(t->state)) {
        sk_tcb_queue_fin(e, t, now);
        return 0;
    }
    return t->state == SK_TCP_CLOSED ? SK_ENOTCONN : 0; /* else: FIN already queued */
}

/* RFC 9293 §3.10.4 CLOSE of a connection (not a listener). */
void sk_tcp_user_close(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    t->flags |= SK_TF_RCV_CLOSED;
    if (sk_ring_len(&t->x->rcvbuf) > 0 && sk_tcb_synchronized(t)) {
        /* RFC 1122 §4.2.2.13: closing with unread data resets */
        t->flags &= ~(uint32_t)SK_TF_APP_HELD;
        sk_tcb_reset(e, t, 0, now);
        return;
    }
    switch (t->state) {
    case SK_TCP_SYN_SENT:
        t->flags &= ~(uint32_t)SK_TF_APP_HELD;
        sk_tcb_close(e, t, 0, now);
        return;
    case SK_TCP_SYN_RECEIVED:
    case SK_TCP_ESTABLISHED:
    case SK_TCP_CLOSE_WAIT:
        sk_tcb_queue_fin(e, t, now);
        break;
    case SK_TCP_FIN_WAIT_2:
        /* the timeout lives in the extension: without memory for one, the
         * orphan is reset now rather than kept with no timeout (as Linux
         * resets orphans it cannot afford) */
        if (!sk_tcb_ext_attach(e, t)) {
            sk_tcp_count_drop(e, SK_DROP_TCP_NO_MEMORY, t, now);
            t->flags &= ~(uint32_t)SK_TF_APP_HELD;
            sk_tcb_reset(e, t, 0, now);
            return;
        }
        sk_tcb_timer_set(e, t, SK_TIMER_TIME_WAIT, sk_time_after(now, e->ctx->cfg.time_wait_us));
        break;
    default:
        break;
    }
    t->flags &= ~(uint32_t)SK_TF_APP_HELD;
    sk_ilist_remove(e, &e->ev_list, sk_tcb_index(e, t), offsetof(sk_tcb, ev_link));
    sk_tcb_release_if_unheld(e, t);
}

/* RFC 9293 §3.10.5 ABORT of a connection (not a listener). */
void sk_tcp_user_abort(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    t->flags &= ~(uint32_t)SK_TF_APP_HELD;
    sk_ilist_remove(e, &e->ev_list, sk_tcb_index(e, t), offsetof(sk_tcb, ev_link));
    /* In CLOSING and LAST-ACK both sides have sent their FIN and the peer
     * is only waiting for our ACK or its own: ABORT just deletes the TCB. A
     * RST there could cut the peer's TIME-WAIT short (RFC 1337); Linux, too,
     * sends none in those states. */
    if (t->state == SK_TCP_CLOSING || t->state == SK_TCP_LAST_ACK)
        sk_tcb_close(e, t, 0, now);
    else
        sk_tcb_reset(e, t, 0, now);
}
