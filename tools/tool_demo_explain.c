/* --explain: one to three plain sentences under a segment, saying why its
 * numbers are what they are (RFC 9293 §3.4: SYN and FIN each take one
 * sequence number; an ACK names the next byte expected), what the options
 * mean, and what the receiver did with it. The facts come from the segment,
 * from what each side sent before, and from the receiver's connection just
 * before and after it processed the segment. */
#include "tool_demo.h"

#include <string.h>

typedef struct {
    demo *d;
    const demo_delivery *dv;
    const demo_rec *r;
    const char *snd, *rcv; /* side names */
} xctx;

static void say(demo *d, const char *sentence)
{
    fprintf(d->out, "%*s %*s  %s\n", (int)d->num_width, "", (int)d->time_width, "", sentence);
}

/* Quoted, escaped payload of the textbook exchange (`from` sent it). */
static const char *payload_text(const demo *d, const demo_rec *r, char *buf, size_t cap)
{
    if (d->o.bytes > 0 || !d->side[r->from].syn_sent)
        return NULL;
    const char *src = r->from == DEMO_CLIENT ? DEMO_REQUEST : DEMO_REPLY;
    size_t srclen = strlen(src);
    size_t off = (size_t)(r->tcp.seq.v - d->side[r->from].iss - 1);
    if (off + r->tcp.payload_len > srclen)
        return NULL;
    size_t n = 0;
    buf[n++] = '"';
    for (size_t i = 0; i < r->tcp.payload_len && n + 4 < cap; i++) {
        char ch = src[off + i];
        if (ch == '\r' || ch == '\n') {
            buf[n++] = '\\';
            buf[n++] = ch == '\r' ? 'r' : 'n';
        } else {
            buf[n++] = ch;
        }
    }
    buf[n++] = '"';
    buf[n] = '\0';
    return buf;
}

/* Why it was sent again: the cause the stack reported with it. */
/* The first timeout: why the timer waited so much longer than a round
 * trip (the demo pins RFC 6298 §2.4's 1 s minimum: tool_demo_sim.c). */
static void explain_rto_min(xctx *x)
{
    demo *d = x->d;
    const demo_rec *prev = demo_find_rec_seq(d, x->r->from, x->r->tcp.seq.v, x->r->num);
    if (d->told_rto_min || prev == NULL || !x->r->info_ok)
        return;
    d->told_rto_min = true;
    char waited[32], rtt[32];
    demo_ms_short(x->r->t_sent - prev->t_sent, waited, sizeof waited);
    if (x->r->srtt_us == 0) {
        demo_ms_short(2ull * d->o.link.delay_us, rtt, sizeof rtt);
        say(d, demo_say(d, DEMO_X_RTO_INITIAL, 2, waited, rtt));
    } else {
        demo_ms_short(x->r->srtt_us / 100 * 100, rtt, sizeof rtt);
        say(d, demo_say(d, DEMO_X_RTO_MIN, 2, waited, rtt));
    }
}

static void explain_rexmit(xctx *x)
{
    static const enum demo_msg said[SK_REXMIT__COUNT] = {
        [SK_REXMIT_TIMEOUT] = DEMO_X_REXMIT_GOBACK,   [SK_REXMIT_FAST] = DEMO_X_REXMIT_FAST,
        [SK_REXMIT_PARTIAL_ACK] = DEMO_X_REXMIT_PARTIAL, [SK_REXMIT_SACK] = DEMO_X_REXMIT_SACK,
        [SK_REXMIT_RACK] = DEMO_X_REXMIT_RACK,        [SK_REXMIT_TLP] = DEMO_X_REXMIT_TLP,
        [SK_REXMIT_WINDOW_PROBE] = DEMO_X_REXMIT_PROBE, [SK_REXMIT_SYN] = DEMO_X_REXMIT_SYN,
        [SK_REXMIT_PMTU] = DEMO_X_REXMIT_PMTU,
    };
    demo *d = x->d;
    enum sk_rexmit_cause c = x->r->rexmit_cause;
    const char *orig = demo_u(x->r->orig_num);
    if (x->r->by_timer) {
        say(d, demo_say(d, DEMO_X_REXMIT, 1, orig));
        explain_rto_min(x);
    }
    else if (c > SK_REXMIT_NONE && c < SK_REXMIT__COUNT)
        say(d, demo_say(d, said[c], 2, orig, c == SK_REXMIT_WINDOW_PROBE ? x->rcv : x->snd));
}

static void explain_syn(xctx *x)
{
    demo *d = x->d;
    const sk_tcp_repr *t = &x->r->tcp;
    int from = x->r->from;
    if (!(t->flags & SK_TCP_ACK)) {
        say(d, demo_say(d, DEMO_X_SYN, 3, x->snd, demo_seqnum(d, from, t->seq.v),
                        demo_seqnum(d, from, t->seq.v + 1)));
    } else {
        say(d, demo_say(d, DEMO_X_SYNACK, 4, x->snd, demo_seqnum(d, from, t->seq.v),
                        demo_seqnum(d, 1 - from, t->ack.v), x->rcv));
    }
    if (t->opts.has_mss)
        say(d, demo_say(d, DEMO_X_MSS, 3, demo_u(t->opts.mss), x->snd, x->rcv));
    if (!(t->flags & SK_TCP_ACK))
        say(d, demo_say(d, DEMO_X_WIN, 2, demo_u(t->window), x->snd));
    if (t->opts.has_wscale)
        say(d, demo_say(d, DEMO_X_WSCALE, 2, demo_u(t->opts.wscale), x->snd));
    if (t->opts.sack_permitted)
        say(d, demo_say(d, DEMO_X_SACKOK, 2, x->snd, x->rcv));
    if (t->opts.has_ts)
        say(d, demo_say(d, DEMO_X_TS_SYN, 3, demo_u(t->opts.ts_val), demo_u(t->opts.ts_ecr), x->snd));
}

/* RFC 2883 §4: a first block below the cumulative ACK, or inside the
 * second block, reports a duplicate. */
static bool first_block_is_dsack(const sk_tcp_repr *t)
{
    const sk_sack_block *b = t->opts.sack;
    if (sk_seq_le(b[0].right, t->ack))
        return true;
    return t->opts.n_sack > 1 && sk_seq_ge(b[0].left, b[1].left) && sk_seq_le(b[0].right, b[1].right);
}

/* SACK blocks (RFC 2018 §4: the first one is the newest) and the echoed
 * timestamp of a segment after the handshake. */
static void explain_opts(xctx *x)
{
    demo *d = x->d;
    const sk_tcp_repr *t = &x->r->tcp;
    int to = x->dv->to; /* the blocks and the ACK number the receiver's bytes */
    unsigned n = t->opts.n_sack < SK_TCP_MAX_SACK ? t->opts.n_sack : SK_TCP_MAX_SACK;
    const sk_sack_block *b = &t->opts.sack[0];
    bool told = n > 0 && d->told_sack[0] == b->left.v && d->told_sack[1] == b->right.v;
    if (n > 0 && (t->flags & SK_TCP_ACK) && !told) { /* a batch repeats its blocks: told once */
        d->told_sack[0] = b->left.v;
        d->told_sack[1] = b->right.v;
        const char *l = demo_seqnum(d, to, b->left.v), *r = demo_seqnum(d, to, b->right.v);
        const char *last = demo_seqnum(d, to, b->right.v - 1);
        if (first_block_is_dsack(t))
            say(d, demo_say(d, DEMO_X_DSACK, 5, l, r, x->snd, last, x->rcv));
        else
            say(d, demo_say(d, DEMO_X_SACK, 5, l, r, x->snd, last, demo_seqnum(d, to, t->ack.v)));
        if (n > 1)
            say(d, demo_say(d, DEMO_X_SACK_MORE, 1, demo_u(n - 1)));
    }
    if (t->opts.has_ts && t->opts.ts_ecr != 0 && (t->flags & SK_TCP_ACK) && !d->told_ts_echo &&
        x->dv->info_ok && x->dv->after.snd_una != x->dv->before.snd_una) {
        d->told_ts_echo = true;
        say(d, demo_say(d, DEMO_X_TS_ECHO, 2, demo_u(t->opts.ts_ecr), x->rcv));
    }
}

static void explain_data(xctx *x)
{
    demo *d = x->d;
    const demo_delivery *dv = x->dv;
    const sk_tcp_repr *t = &x->r->tcp;
    int from = x->r->from;
    uint32_t len = (uint32_t)t->payload_len;
    if (dv->info_ok) {
        sk_seq b = {dv->before.rcv_nxt};
        if (sk_seq_gt(t->seq, b)) {
            say(d, demo_say(d, DEMO_X_OOO, 2, demo_seqnum(d, from, b.v), x->rcv));
            return;
        }
    }
    char text[128];
    const char *q = payload_text(d, x->r, text, sizeof text);
    say(d, demo_say(d, q != NULL ? DEMO_X_DATA_TEXT : DEMO_X_DATA, 6, x->snd, demo_u(len),
                    demo_seqnum(d, from, t->seq.v), demo_seqnum(d, from, t->seq.v + len - 1),
                    demo_seqnum(d, from, t->seq.v + len), q));
    /* the first burst of a bulk transfer: the initial window */
    if (d->o.bytes > 0 && !d->told_iw && from == DEMO_CLIENT && x->r->info_ok && !x->r->rexmit) {
        d->told_iw = true;
        /* SMSS: the MSS less the options every segment carries (the
         * timestamps option, 12 bytes with NOPs, RFC 7323 §3) */
        uint32_t smss = x->r->snd_mss - (d->o.timestamps ? 12u : 0u);
        say(d, demo_say(d, DEMO_X_IW, 3, x->snd, demo_u(x->r->cwnd), demo_u(smss)));
    }
    if ((t->flags & SK_TCP_PSH) && !d->told_psh && q != NULL) {
        d->told_psh = true;
        say(d, demo_raw(d, DEMO_X_PSH));
    }
    if (dv->info_ok) {
        uint32_t grew = dv->after.rcv_nxt - dv->before.rcv_nxt;
        uint32_t fin = (t->flags & SK_TCP_FIN) ? 1u : 0u;
        if (grew > len + fin)
            say(d, demo_say(d, DEMO_X_FILL, 3, x->rcv, demo_u(grew - len - fin),
                            demo_seqnum(d, from, dv->after.rcv_nxt)));
    }
}

static bool acks_fin_of(const demo *d, const demo_delivery *dv, const sk_tcp_repr *t)
{
    const demo_side *r = &d->side[dv->to];
    enum sk_tcp_state st = dv->state_before[dv->to];
    return r->fin_sent && t->ack.v == r->fin_seq + 1 &&
           (st == SK_TCP_FIN_WAIT_1 || st == SK_TCP_CLOSING || st == SK_TCP_LAST_ACK);
}

static void explain_ack(xctx *x)
{
    demo *d = x->d;
    const demo_delivery *dv = x->dv;
    const sk_tcp_repr *t = &x->r->tcp;
    int to = dv->to;
    const char *ack = demo_seqnum(d, to, t->ack.v);
    enum sk_tcp_state st = dv->state_before[to];
    bool pure = t->payload_len == 0 && !(t->flags & SK_TCP_FIN);
    if ((st == SK_TCP_SYN_RECEIVED || st == SK_TCP_SYN_SENT) && t->ack.v == d->side[to].iss + 1) {
        say(d, demo_say(d, DEMO_X_ACK_SYN, 3, ack, x->rcv, x->snd));
    } else if (acks_fin_of(d, dv, t)) {
        say(d, demo_say(d, DEMO_X_ACK_FIN, 3, ack, x->rcv, demo_seqnum(d, to, d->side[to].fin_seq)));
    } else if (dv->info_ok && sk_seq_gt((sk_seq){dv->after.snd_una}, (sk_seq){dv->before.snd_una})) {
        uint32_t n = dv->after.snd_una - dv->before.snd_una;
        say(d, demo_say(d, DEMO_X_ACK_DATA, 4, ack, demo_u(n), x->snd,
                        demo_seqnum(d, to, t->ack.v - 1)));
        if (t->payload_len > 0)
            say(d, demo_say(d, DEMO_X_PIGGYBACK, 1, x->snd));
    } else if (pure && dv->info_ok && dv->before.snd_una == t->ack.v && dv->before.unacked > 0) {
        say(d, demo_say(d, DEMO_X_DUP_ACK, 3, ack, x->snd, x->rcv));
    } else if (pure) {
        say(d, demo_say(d, DEMO_X_CUM_ACK, 2, ack, x->snd));
    }
    if (x->r->edge_kept && !d->told_win_edge) {
        d->told_win_edge = true;
        uint32_t win = demo_real_window(d, x->r);
        say(d, demo_say(d, DEMO_X_WIN_EDGE, 3, demo_u(win), x->snd, demo_seqnum(d, to, t->ack.v + win)));
    }
    if (x->r->cause == DEMO_CAUSE_DELACK) {
        char ms[32];
        say(d, demo_say(d, DEMO_X_DELACK, 2, x->snd, demo_ms_short(DEMO_DELACK_US, ms, sizeof ms)));
    } else if (x->r->cause == DEMO_CAUSE_SACKC) {
        say(d, demo_say(d, DEMO_X_SACKC, 3, x->snd, demo_u(x->r->held), x->rcv));
    } else if (x->r->cause == DEMO_CAUSE_PUSHACK) {
        char ms[32];
        say(d, demo_say(d, DEMO_X_PUSHACK, 3, x->snd, x->rcv, demo_ms_short(DEMO_DELACK_US, ms, sizeof ms)));
    } else if (x->r->cause == DEMO_CAUSE_QUICKACK) {
        if (!d->told_quick_ack) {
            d->told_quick_ack = true;
            say(d, demo_say(d, DEMO_X_QUICKACK, 2, x->snd, x->rcv));
        } else {
            say(d, demo_say(d, DEMO_X_QUICKACK_AGAIN, 1, x->snd));
        }
    } else if (pure && !d->told_pure_ack) {
        d->told_pure_ack = true;
        say(d, demo_say(d, DEMO_X_PURE_ACK, 2, demo_seqnum(d, x->r->from, t->seq.v), x->snd));
    }
}

static void explain_fin(xctx *x)
{
    demo *d = x->d;
    const sk_tcp_repr *t = &x->r->tcp;
    uint32_t fin = t->seq.v + (uint32_t)t->payload_len;
    bool passive = d->side[x->r->from].state == SK_TCP_LAST_ACK;
    say(d, demo_say(d, passive ? DEMO_X_FIN_PASSIVE : DEMO_X_FIN_ACTIVE, 2, x->snd,
                    demo_seqnum(d, x->r->from, fin)));
}

/* What the receiver's new state means. */
static void explain_state(xctx *x)
{
    demo *d = x->d;
    int to = x->dv->to;
    enum sk_tcp_state was = x->dv->state_before[to], now = d->side[to].state;
    if (was == now)
        return;
    char s[32];
    if (now == SK_TCP_ESTABLISHED && d->side[x->r->from].state == SK_TCP_ESTABLISHED &&
        !d->told_handshake) {
        d->told_handshake = true;
        say(d, demo_raw(d, DEMO_X_HANDSHAKE));
    } else if (now == SK_TCP_CLOSE_WAIT) {
        say(d, demo_say(d, DEMO_X_CLOSE_WAIT, 2, x->rcv, x->snd));
    } else if (now == SK_TCP_FIN_WAIT_2) {
        say(d, demo_say(d, DEMO_X_FIN_WAIT_2, 2, x->rcv, x->snd));
    } else if (now == SK_TCP_TIME_WAIT) {
        snprintf(s, sizeof s, "%u", DEMO_TIME_WAIT_US / 1000000u);
        say(d, demo_say(d, DEMO_X_TIME_WAIT, 3, x->rcv, s, x->snd));
    } else if (now == SK_TCP_CLOSED && was == SK_TCP_LAST_ACK) {
        say(d, demo_say(d, DEMO_X_CLOSED, 1, x->rcv));
        say(d, demo_raw(d, DEMO_X_FOURWAY));
    }
}

/* Everything in it (data, FIN) was received before: dropped and re-ACKed. */
static bool old_duplicate(const demo_delivery *dv)
{
    const sk_tcp_repr *t = &dv->rec->tcp;
    return dv->info_ok && sk_tcp_seg_len(t) > 0 &&
           sk_seq_le(sk_seq_add(t->seq, sk_tcp_seg_len(t)), (sk_seq){dv->before.rcv_nxt});
}

void demo_explain(demo *d, const demo_delivery *dv)
{
    xctx x = {d, dv, dv->rec, demo_side_name(d, dv->rec->from), demo_side_name(d, dv->to)};
    const sk_tcp_repr *t = &x.r->tcp;
    if ((dv->link_flags & SK_IMPAIR_F_CORRUPTED) && dv->drop_reason != 0) {
        say(d, demo_say(d, DEMO_X_CORRUPT, 1, x.rcv));
        return;
    }
    if (dv->link_flags & SK_IMPAIR_F_DUP)
        say(d, demo_raw(d, DEMO_X_DUPCOPY));
    if (dv->drop_reason == SK_DROP_TCP_PAWS) {
        say(d, demo_say(d, DEMO_X_PAWS, 2, demo_u(t->opts.ts_val), x.rcv));
        return;
    }
    if (t->flags & SK_TCP_RST) {
        /* a reset from an end with no connection for what it got (CLOSED,
         * or the listener) answers a stray segment; it aborts nothing */
        enum sk_tcp_state st = x.r->snd_state;
        if (st == SK_TCP_CLOSED || st == SK_TCP_LISTEN)
            say(d, demo_say(d, DEMO_X_RST_STRAY, 2, x.snd, x.rcv));
        else
            say(d, demo_say(d, DEMO_X_RST, 1, x.snd));
        return;
    }
    if (x.r->rexmit && x.r->orig_num != 0)
        explain_rexmit(&x);
    if (x.r->cause == DEMO_CAUSE_PERSIST)
        say(d, demo_say(d, DEMO_X_PROBE, 1, x.rcv));
    if ((t->flags & SK_TCP_SYN) && !d->side[dv->to].got_syn) {
        d->side[dv->to].got_syn = true;
        explain_syn(&x);
        return;
    }
    if ((t->flags & SK_TCP_SYN) || old_duplicate(dv)) {
        say(d, demo_say(d, DEMO_X_DUP_DATA, 1, x.rcv));
        if (d->side[dv->to].state == SK_TCP_TIME_WAIT)
            say(d, demo_raw(d, DEMO_X_TW_RESTART));
        return;
    }
    if (t->payload_len > 0)
        explain_data(&x);
    if (t->flags & SK_TCP_ACK)
        explain_ack(&x);
    explain_opts(&x);
    if (t->flags & SK_TCP_FIN)
        explain_fin(&x);
    explain_state(&x);
}

void demo_explain_lost(demo *d, const demo_rec *r)
{
    const sk_tcp_repr *t = &r->tcp;
    if (sk_tcp_seg_len(t) == 0)
        say(d, demo_raw(d, DEMO_X_LOST_ACK));
    else
        say(d, demo_say(d, t->payload_len > 0 ? DEMO_X_LOST_DATA : DEMO_X_LOST, 2,
                        demo_side_name(d, 1 - r->from), demo_side_name(d, r->from)));
}
