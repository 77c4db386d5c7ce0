/* The narrator of `synack demo`: the header, one numbered line per segment
 * (written when its fate is known: lost on the link at once, otherwise
 * right after the receiver processed it, and queued at its send time so
 * that lines come out in time order: tool_demo_queue.c), event lines for
 * timers, the progress line and the summary. */
#include "tool_demo.h"

#include <stdlib.h>
#include <string.h>

const char *demo_side_name(const demo *d, int side)
{
    return demo_raw(d, side == DEMO_CLIENT ? DEMO_NAME_CLIENT : DEMO_NAME_SERVER);
}

char *demo_ms(uint64_t us, char *buf, size_t cap)
{
    snprintf(buf, cap, "%llu.%03llu", (unsigned long long)(us / 1000),
             (unsigned long long)(us % 1000));
    return buf;
}

char *demo_ms_short(uint64_t us, char *buf, size_t cap)
{
    if (us % 1000 == 0)
        snprintf(buf, cap, "%llu", (unsigned long long)(us / 1000));
    else
        demo_ms(us, buf, cap);
    return buf;
}

const char *demo_seqnum(const demo *d, int side, uint32_t v)
{
    const demo_side *s = &d->side[side];
    return demo_u(d->o.relative && s->syn_sent ? v - s->iss : v);
}

static unsigned digits(uint64_t v)
{
    unsigned n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* "SYN+ACK", "PSH+ACK", "FIN+ACK", "RST" ... */
static void flag_names(uint8_t f, char *buf, size_t cap)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } order[] = {{SK_TCP_SYN, "SYN"}, {SK_TCP_FIN, "FIN"}, {SK_TCP_RST, "RST"},
                 {SK_TCP_PSH, "PSH"}, {SK_TCP_URG, "URG"}, {SK_TCP_ECE, "ECE"},
                 {SK_TCP_CWR, "CWR"}, {SK_TCP_ACK, "ACK"}};
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!(f & order[i].bit))
            continue;
        n += (size_t)snprintf(buf + n, cap > n ? cap - n : 0, "%s%s", n > 0 ? "+" : "",
                              order[i].name);
        if (n >= cap)
            return;
    }
    if (n == 0)
        snprintf(buf, cap, "none");
}

/* The window as the receiver applies it: the field shifted by the sender's
 * scale once both SYNs carried one (RFC 7323 §2.2-2.3; a SYN's own window
 * is never scaled). */
uint32_t demo_real_window(const demo *d, const demo_rec *r)
{
    const demo_side *s = &d->side[r->from], *peer = &d->side[1 - r->from];
    if ((r->tcp.flags & SK_TCP_SYN) || !s->syn_ws || !peer->syn_ws)
        return r->tcp.window;
    return (uint32_t)r->tcp.window << s->ws;
}

static const char *col_ms(uint32_t us, char *buf, size_t cap)
{
    snprintf(buf, cap, "%u.%ums", us / 1000, us / 100 % 10);
    return buf;
}

/* " cwnd=14600   ssthresh=inf     flight=10240   srtt=20.1ms   rto=1000.0ms" */
static void columns_text(const demo *d, const demo_rec *r, char *buf, size_t cap)
{
    unsigned c = d->o.columns;
    char v[32];
    size_t n = 0;
    buf[0] = '\0';
#define DEMO_COL_(bit, name, text)                                                                 \
    if ((c & (bit)) && n < cap)                                                                    \
        n += (size_t)snprintf(buf + n, cap - n, " %s=%-8s", name, r->info_ok ? (text) : "-");
    DEMO_COL_(DEMO_COL_CWND, "cwnd", demo_u(r->cwnd))
    DEMO_COL_(DEMO_COL_SSTHRESH, "ssthresh", r->ssthresh >= 0x3fffffffu ? "inf" : demo_u(r->ssthresh))
    DEMO_COL_(DEMO_COL_FLIGHT, "flight", demo_u(r->flight))
    DEMO_COL_(DEMO_COL_SRTT, "srtt", r->srtt_us == 0 ? "-" : col_ms(r->srtt_us, v, sizeof v))
    DEMO_COL_(DEMO_COL_RTO, "rto", col_ms(r->rto_us, v, sizeof v))
#undef DEMO_COL_
}

/* "  5     30.000  server → client  PSH+ACK  seq=8001 ack=1021 win=65535 len=10  <opts>" */
static void seg_text(const demo *d, const demo_rec *r, uint64_t t_shown, char *buf, size_t cap)
{
    const sk_tcp_repr *t = &r->tcp;
    char fl[48], ms[32], opts[128], ack[24], num[16], cols[160];
    flag_names(t->flags, fl, sizeof fl);
    sk_tcp_opts_str(&t->opts, opts, sizeof opts);
    columns_text(d, r, cols, sizeof cols);
    int w = (int)d->seq_width;
    if (t->flags & SK_TCP_ACK)
        snprintf(ack, sizeof ack, "ack=%-*s", w, demo_seqnum(d, 1 - r->from, t->ack.v));
    else
        snprintf(ack, sizeof ack, "    %*s", w, "");
    if (r->num != 0)
        snprintf(num, sizeof num, "%u", r->num);
    else
        snprintf(num, sizeof num, "?");
    snprintf(buf, cap, "%*s %*s  %s → %s  %-7s  seq=%-*s %s win=%-*u len=%-4u %-*s%s", (int)d->num_width,
             num, (int)d->time_width, demo_ms(t_shown, ms, sizeof ms), demo_side_name(d, r->from),
             demo_side_name(d, 1 - r->from), fl, w, demo_seqnum(d, r->from, t->seq.v), ack,
             d->o.wscale ? 7 : 5, (unsigned)demo_real_window(d, r), (unsigned)t->payload_len,
             (int)d->opts_width, opts, cols);
}

static void print_line(demo *d, const char *seg, const char *what, const char *marks)
{
    /* trailing blanks of the padded columns are not printed */
    char line[2048];
    snprintf(line, sizeof line, "%s  %s%s%s", seg, what, marks[0] ? "  " : "", marks);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == ' ')
        line[--n] = '\0';
    fprintf(d->out, "%s\n", line);
}

static void add_mark(char *marks, size_t cap, const char *m)
{
    size_t n = strlen(marks);
    snprintf(marks + n, cap - n, "%s(%s)", n > 0 ? " " : "", m);
}

static void print_lost(demo *d, const demo_rec *r, enum sk_sim_what what)
{
    char seg[1024], marks[512] = "";
    seg_text(d, r, r->t_sent, seg, sizeof seg);
    if (r->rexmit && r->orig_num != 0)
        add_mark(marks, sizeof marks, demo_say(d, DEMO_M_REXMIT, 1, demo_u(r->orig_num)));
    enum demo_msg m = what == SK_SIM_LOST ? DEMO_M_LOST
                      : what == SK_SIM_QUEUE_DROP ? DEMO_M_QDROP
                                                  : DEMO_M_MTUDROP;
    print_line(d, seg, demo_raw(d, m), marks);
    if (d->o.explain)
        demo_explain_lost(d, r);
}

/* What the narrator writes for one segment goes into a buffer (the line and
 * its explanation), to be queued. */
static FILE *capture_begin(demo *d, FILE **saved, char **buf, size_t *len)
{
    FILE *m = open_memstream(buf, len);
    if (m == NULL)
        return NULL;
    *saved = d->out;
    d->out = m;
    return m;
}

static void capture_end(demo *d, FILE *m, FILE *saved)
{
    fclose(m);
    d->out = saved;
}

/* Fill segment num's waiting line with text, or (a second copy, or a
 * segment not recognised) queue the text at `now`. */
static void queue_seg_text(demo *d, uint64_t now, uint32_t num, const char *text)
{
    demo_qent *e = num != 0 ? demo_q_find(d, num) : NULL;
    if (e != NULL)
        demo_q_fill(e, text);
    else
        demo_q_push(d, now, 0, text, true);
    demo_q_flush(d, 0);
}

static void keep_first_line(demo *d, const char *text)
{
    size_t n = strcspn(text, "\n");
    if (n >= sizeof d->last_line)
        n = sizeof d->last_line - 1;
    memcpy(d->last_line, text, n);
    d->last_line[n] = '\0';
}

void demo_narrate_lost(demo *d, uint64_t now, const demo_rec *r, enum sk_sim_what what)
{
    if (!d->keep_lines)
        return;
    FILE *saved, *m;
    char *buf = NULL;
    size_t len = 0;
    if ((m = capture_begin(d, &saved, &buf, &len)) == NULL) {
        d->q_failed = true;
        return;
    }
    print_lost(d, r, what);
    capture_end(d, m, saved);
    queue_seg_text(d, now, r->num, buf);
    free(buf);
}

static const char *drop_text(const demo *d, int reason)
{
    if (reason == SK_DROP_TCP_CHECKSUM || reason == SK_DROP_IP_CHECKSUM)
        return demo_raw(d, DEMO_BAD_CHECKSUM);
    return sk_drop_reason_str(reason);
}

static void narrate_delivery(demo *d, const demo_delivery *dv)
{
    char seg[1024], states[256], marks[512] = "";
    bool late = false;
    if (dv->rec != NULL) {
        /* a later copy (the link duplicated it) comes after the first
         * one's line: stamped when it arrived, to stay in time order */
        late = d->keep_lines && demo_q_find(d, dv->rec->num) == NULL;
        seg_text(d, dv->rec, late ? dv->now : dv->rec->t_sent, seg, sizeof seg);
    } else {
        snprintf(seg, sizeof seg, "%*s %*s  %s → %s", (int)d->num_width, "?", (int)d->time_width,
                 "", demo_side_name(d, dv->from), demo_side_name(d, dv->to));
    }
    /* the sender as it sent the segment, the receiver after processing it */
    enum sk_tcp_state st[2];
    st[dv->to] = d->side[dv->to].state;
    st[dv->from] = dv->rec != NULL ? dv->rec->snd_state : d->side[dv->from].state;
    snprintf(states, sizeof states, "%s %s | %s %s", demo_side_name(d, DEMO_CLIENT),
             sk_tcp_state_name(st[DEMO_CLIENT]), demo_side_name(d, DEMO_SERVER),
             sk_tcp_state_name(st[DEMO_SERVER]));
    if (dv->rec != NULL && dv->rec->rexmit && dv->rec->orig_num != 0)
        add_mark(marks, sizeof marks, demo_say(d, DEMO_M_REXMIT, 1, demo_u(dv->rec->orig_num)));
    if (dv->link_flags & SK_IMPAIR_F_DUP)
        add_mark(marks, sizeof marks, demo_raw(d, DEMO_M_DUP));
    if (late)
        add_mark(marks, sizeof marks, demo_raw(d, DEMO_M_LATE_COPY));
    if (dv->link_flags & SK_IMPAIR_F_REORDERED)
        add_mark(marks, sizeof marks, demo_raw(d, DEMO_M_REORD));
    if (dv->link_flags & SK_IMPAIR_F_CORRUPTED)
        add_mark(marks, sizeof marks, demo_raw(d, DEMO_M_CORRUPT));
    if (dv->drop_reason == SK_DROP_TCP_OUT_OF_WINDOW && dv->rec != NULL && dv->info_ok &&
        sk_seq_le(sk_seq_add(dv->rec->tcp.seq, sk_tcp_seg_len(&dv->rec->tcp)),
                  (sk_seq){dv->before.rcv_nxt}))
        add_mark(marks, sizeof marks, demo_say(d, DEMO_M_OLD, 1, demo_side_name(d, dv->to)));
    else if (dv->drop_reason != 0)
        add_mark(marks, sizeof marks,
                 demo_say(d, DEMO_M_DROPPED, 2, demo_side_name(d, dv->to), drop_text(d, dv->drop_reason)));
    print_line(d, seg, states, marks);
    if (d->o.explain && dv->rec != NULL)
        demo_explain(d, dv);
}

void demo_narrate_delivery(demo *d, const demo_delivery *dv)
{
    if (!d->keep_lines)
        return;
    FILE *saved, *m;
    char *buf = NULL;
    size_t len = 0;
    if ((m = capture_begin(d, &saved, &buf, &len)) == NULL) {
        d->q_failed = true;
        return;
    }
    narrate_delivery(d, dv);
    capture_end(d, m, saved);
    keep_first_line(d, buf);
    queue_seg_text(d, dv->now, dv->rec != NULL ? dv->rec->num : 0, buf);
    free(buf);
}

void demo_narrate_event(demo *d, uint64_t now, const char *text)
{
    if (!d->keep_lines)
        return;
    char ms[32], line[1024];
    snprintf(line, sizeof line, "%*s %*s  %s\n", (int)d->num_width, "", (int)d->time_width,
             demo_ms(now, ms, sizeof ms), text);
    demo_q_push(d, now, 0, line, true);
    demo_q_flush(d, 0);
}

/* ---- header ---- */

static void link_text(const demo *d, char *buf, size_t cap)
{
    const sk_impair_config *c = &d->o.link;
    char ms[32];
    size_t n = (size_t)snprintf(buf, cap, "delay=%sms", demo_ms_short(c->delay_us, ms, sizeof ms));
#define DEMO_PROB_(key, v)                                                                         \
    if ((v) > 0.0 && n < cap)                                                                      \
        n += (size_t)snprintf(buf + n, cap - n, " %s=%g", key, (v));
    DEMO_PROB_("loss", c->loss)
    DEMO_PROB_("dup", c->dup)
    DEMO_PROB_("reorder", c->reorder)
    DEMO_PROB_("corrupt", c->corrupt)
#undef DEMO_PROB_
    if (c->jitter_us > 0 && n < cap)
        n += (size_t)snprintf(buf + n, cap - n, " jitter=%sms", demo_ms_short(c->jitter_us, ms, sizeof ms));
    if (c->bandwidth_bps > 0 && n < cap)
        n += (size_t)snprintf(buf + n, cap - n, " rate=%llubit", (unsigned long long)c->bandwidth_bps);
    if (c->queue_limit_bytes > 0 && n < cap)
        n += (size_t)snprintf(buf + n, cap - n, " queue=%u", c->queue_limit_bytes);
    if (c->mtu > 0 && n < cap)
        snprintf(buf + n, cap - n, " mtu=%u", c->mtu);
}

static void set_widths(demo *d)
{
    uint64_t top;
    if (d->o.relative)
        top = d->o.bytes + 64;
    else if (d->o.random_isn)
        top = UINT32_MAX;
    else {
        uint64_t a = (uint64_t)d->o.isn[0] + d->o.bytes + 64, b = (uint64_t)d->o.isn[1] + 64;
        top = a > b ? a : b;
        if (top > UINT32_MAX)
            top = UINT32_MAX;
    }
    d->seq_width = digits(top);
    d->num_width = d->o.bytes > 20000 ? 6 : 3;
    d->time_width = d->o.bytes > 20000 || d->o.link.loss > 0.0 ? 10 : 9;
    d->opts_width = d->o.wscale ? 23 : 10;
}

void demo_narrate_header(demo *d)
{
    set_widths(d);
    if (d->o.verbosity == DEMO_QUIET)
        return;
    char link[256], ip0[16], ip1[16];
    link_text(d, link, sizeof link);
    if (d->o.bytes > 0)
        fprintf(d->out, "%s\n", demo_say(d, DEMO_H_TITLE_BULK, 1, demo_u(d->o.bytes)));
    else
        fprintf(d->out, "%s\n", demo_raw(d, DEMO_H_TITLE));
    fprintf(d->out, "  %s\n",
            demo_say(d, DEMO_H_ENDS, 5, sk_ip4_to_str(d->side[0].addr, ip0, sizeof ip0),
                     demo_u(DEMO_CLIENT_PORT), sk_ip4_to_str(d->side[1].addr, ip1, sizeof ip1),
                     demo_u(DEMO_SERVER_PORT), link));
    const char *rnd = demo_raw(d, DEMO_ISN_RANDOM);
    const char *args[6] = {d->o.random_isn ? rnd : demo_u(d->o.isn[0]), demo_u(d->o.mss[0]),
                           d->o.random_isn ? rnd : demo_u(d->o.isn[1]), demo_u(d->o.mss[1]),
                           demo_raw(d, d->o.wscale ? DEMO_WORD_ON : DEMO_WORD_OFF),
                           demo_u(d->o.seed)};
    char conf[512];
    fprintf(d->out, "  %s\n", demo_text(d, DEMO_H_CONF, conf, sizeof conf, 6, args));
    if (d->narrate && d->o.wscale)
        fprintf(d->out, "  %s\n", demo_raw(d, DEMO_H_WSCALE));
    if (d->narrate && d->o.columns != 0)
        fprintf(d->out, "  %s\n", demo_raw(d, DEMO_H_COLUMNS));
    if (d->narrate)
        fprintf(d->out, "  %s\n\n", demo_raw(d, DEMO_H_LEGEND));
    fflush(d->out);
}

/* ---- progress and summary ---- */

void demo_narrate_progress(demo *d, bool final)
{
    const demo_side *s = &d->side[DEMO_SERVER];
    uint64_t total = d->o.bytes > 0 ? d->o.bytes : 1;
    uint64_t pct = s->rcvd * 100 / total;
    if (!final && pct + 1 == d->progress_shown)
        return;
    d->progress_shown = pct + 1; /* 0: nothing shown yet */
    char secs[32];
    uint64_t now = sk_simnet_now(d->net);
    snprintf(secs, sizeof secs, "%llu.%03llu", (unsigned long long)(now / 1000000),
             (unsigned long long)(now / 1000 % 1000));
    uint64_t rx = sk_stack_stats(d->side[0].stack)->retransmits + sk_stack_stats(d->side[1].stack)->retransmits;
    fprintf(d->out, "\r  %s", demo_say(d, DEMO_P_PROGRESS, 5, demo_u(s->rcvd), demo_u(d->o.bytes),
                                      demo_u(pct), secs, demo_u(rx)));
    if (final)
        fputc('\n', d->out);
    fflush(d->out);
}

static void rate_text(uint64_t bytes, uint64_t us, char *buf, size_t cap)
{
    if (us == 0) {
        snprintf(buf, cap, "-");
        return;
    }
    double bps = (double)bytes * 8.0 * 1e6 / (double)us;
    if (bps >= 1e6)
        snprintf(buf, cap, "%.2f Mbit/s", bps / 1e6);
    else
        snprintf(buf, cap, "%.1f kbit/s", bps / 1e3);
}

static void summary_data(demo *d)
{
    const demo_side *c = &d->side[DEMO_CLIENT], *s = &d->side[DEMO_SERVER];
    if (d->o.bytes == 0) {
        fprintf(d->out, "  %s\n", demo_say(d, DEMO_S_DATA_TB, 2, demo_u(s->rcvd), demo_u(c->rcvd)));
    } else {
        uint64_t end = s->eof ? s->t_eof : sk_simnet_now(d->net);
        uint64_t us = end > c->t_first_send ? end - c->t_first_send : 0;
        char secs[32], rate[32];
        snprintf(secs, sizeof secs, "%llu.%03llu", (unsigned long long)(us / 1000000),
                 (unsigned long long)(us / 1000 % 1000));
        rate_text(s->rcvd, us, rate, sizeof rate);
        fprintf(d->out, "  %s\n",
                demo_say(d, DEMO_S_DATA_BULK, 4, demo_u(s->rcvd), demo_u(d->o.bytes), secs, rate));
    }
    for (int dir = 0; dir < (d->o.bytes == 0 ? 2 : 1); dir++) {
        const demo_side *a = &d->side[dir], *b = &d->side[1 - dir];
        char h1[24], h2[24];
        snprintf(h1, sizeof h1, "%016llx", (unsigned long long)a->hash_sent);
        snprintf(h2, sizeof h2, "%016llx", (unsigned long long)b->hash_rcvd);
        uint64_t want = d->o.bytes > 0 ? d->o.bytes
                        : dir == DEMO_CLIENT ? sizeof DEMO_REQUEST - 1
                                             : sizeof DEMO_REPLY - 1;
        enum demo_msg verdict = a->hash_sent != b->hash_rcvd || a->sent != b->rcvd ? DEMO_S_MISMATCH
                                : b->rcvd != want ? DEMO_S_INCOMPLETE
                                                  : DEMO_S_VERIFIED;
        fprintf(d->out, "  %s\n",
                demo_say(d, DEMO_S_CHECK, 5, h1, demo_side_name(d, dir), h2, demo_side_name(d, 1 - dir),
                         demo_raw(d, verdict)));
    }
}

/* Retransmissions by the cause each stack counted: always the timeout and
 * fast retransmit counts, then the other causes that occurred. */
static void summary_rexmit(demo *d, const sk_stats *const st[2])
{
    static const enum demo_msg other[SK_REXMIT__COUNT] = {
        [SK_REXMIT_PARTIAL_ACK] = DEMO_S_C_PARTIAL, [SK_REXMIT_SACK] = DEMO_S_C_SACK,
        [SK_REXMIT_RACK] = DEMO_S_C_RACK,           [SK_REXMIT_TLP] = DEMO_S_C_TLP,
        [SK_REXMIT_WINDOW_PROBE] = DEMO_S_C_PROBE,  [SK_REXMIT_SYN] = DEMO_S_C_SYN,
        [SK_REXMIT_PMTU] = DEMO_S_C_PMTU,
    };
    uint64_t n[SK_REXMIT__COUNT];
    char rest[512] = "";
    size_t len = 0;
    for (int c = 0; c < SK_REXMIT__COUNT; c++) {
        n[c] = st[0]->retransmits_by_cause[c] + st[1]->retransmits_by_cause[c];
        if (n[c] > 0 && other[c] != 0 && len < sizeof rest)
            len += (size_t)snprintf(rest + len, sizeof rest - len, "%s", demo_say(d, other[c], 1, demo_u(n[c])));
    }
    fprintf(d->out, "  %s\n",
            demo_say(d, DEMO_S_REXMIT, 5, demo_u(st[0]->retransmits), demo_u(st[1]->retransmits),
                     demo_u(n[SK_REXMIT_TIMEOUT]), demo_u(n[SK_REXMIT_FAST]), rest));
}

void demo_narrate_summary(demo *d, bool ok, const char *why)
{
    const sk_stats *st[2] = {sk_stack_stats(d->side[0].stack), sk_stack_stats(d->side[1].stack)};
    const sk_impair_stats *ls[2] = {sk_simnet_link_stats(d->net, 0, 0), sk_simnet_link_stats(d->net, 0, 1)};
    demo_q_flush(d, SIZE_MAX);
    if (d->o.verbosity != DEMO_QUIET && !d->o.progress)
        fputc('\n', d->out);
    fprintf(d->out, "%s\n", demo_raw(d, DEMO_S_TITLE));
    summary_data(d);
    fprintf(d->out, "  %s\n",
            demo_say(d, DEMO_S_SEGS, 3, demo_u(d->side[0].segs), demo_u(d->side[1].segs),
                     demo_u(ls[0]->lost + ls[1]->lost + ls[0]->queue_dropped + ls[1]->queue_dropped)));
    summary_rexmit(d, st);
    uint64_t dup = ls[0]->duplicated + ls[1]->duplicated, reo = ls[0]->reordered + ls[1]->reordered,
             cor = ls[0]->corrupted + ls[1]->corrupted;
    if (dup + reo + cor > 0)
        fprintf(d->out, "  %s\n", demo_say(d, DEMO_S_LINK, 3, demo_u(dup), demo_u(reo), demo_u(cor)));
    char t1[32], t2[32];
    fprintf(d->out, "  %s\n",
            demo_say(d, DEMO_S_TIME, 2, d->established ? demo_ms(d->t_established, t1, sizeof t1) : "-",
                     demo_ms(d->t_last, t2, sizeof t2)));
    if (ok)
        fprintf(d->out, "  %s\n", demo_raw(d, DEMO_S_OK));
    else
        fprintf(d->out, "  %s\n", demo_say(d, DEMO_S_FAIL, 1, why != NULL ? why : "?"));
    fflush(d->out);
}
