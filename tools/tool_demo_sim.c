/* The demo's world: two synack stacks (client 10.0.0.1, server 10.0.0.2) on
 * one sk_simnet link, the two applications that drive them between
 * simulation steps, and the hooks that feed the narrator: each stack's
 * trace (timers, retransmissions, states, drops) and the simulator's tap
 * (frames sent, lost, delivered). Node callbacks wrap sk_stack_input/output
 * so that every delivered segment is narrated right after the receiver
 * processed it, with the states of both ends at that moment. */
#include "tool.h"
#include "tool_demo.h"
#include "tool_plot_demo.h"

#include "posix/pcap_file.h"
#include "posix/posix_alloc.h"
#include "wire/ipv4.h"

#include <stdlib.h>
#include <string.h>

uint64_t demo_fnv1a(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* ---- memory for the stacks ---- */

/* ---- the record of segments sent ---- */

static bool parse_frame(const uint8_t *frame, size_t len, sk_ip4_repr *ip, sk_tcp_repr *tcp)
{
    if (sk_ip4_parse(frame, len, ip) != 0 || ip->proto != SK_IPPROTO_TCP)
        return false;
    return sk_tcp_parse(ip->payload, ip->payload_len, tcp) == 0;
}

/* The copy `frame` from side `from`: the newest segment with the same bytes,
 * or (a corrupted copy) with the same length and IP identification. */
static const demo_rec *find_rec(const demo *d, int from, const uint8_t *frame, size_t len)
{
    uint64_t h = demo_fnv1a(DEMO_FNV_INIT, frame, len);
    uint16_t id = len >= 6 ? (uint16_t)((unsigned)frame[4] << 8 | frame[5]) : 0;
    uint32_t n = d->next_num;
    uint32_t lo = n > DEMO_RING ? n - DEMO_RING : 0;
    const demo_rec *guess = NULL;
    for (uint32_t k = n; k > lo; k--) {
        const demo_rec *r = &d->ring[k % DEMO_RING];
        if (r->num != k || r->from != from || r->frame_len != len)
            continue;
        if (r->hash == h)
            return r;
        if (guess == NULL && r->ip_id == id)
            guess = r;
    }
    return guess;
}

const demo_rec *demo_find_rec_seq(const demo *d, int from, uint32_t seq, uint32_t below)
{
    uint32_t lo = below > DEMO_RING ? below - DEMO_RING : 0;
    for (uint32_t k = below; k > lo + 1; k--) {
        const demo_rec *r = &d->ring[(k - 1) % DEMO_RING];
        if (r->num == k - 1 && r->from == from && r->tcp.seq.v == seq && sk_tcp_seg_len(&r->tcp) > 0)
            return r;
    }
    return NULL;
}

/* The first transmission of the bytes at `seq` (for "retransmission of #n"). */
static uint32_t first_sent(const demo *d, int from, uint32_t seq, uint32_t below)
{
    uint32_t found = 0;
    uint32_t lo = below > DEMO_RING ? below - DEMO_RING : 0;
    for (uint32_t k = below; k > lo + 1; k--) {
        const demo_rec *r = &d->ring[(k - 1) % DEMO_RING];
        if (r->num == k - 1 && r->from == from && r->tcp.seq.v == seq && sk_tcp_seg_len(&r->tcp) > 0)
            found = r->orig_num != 0 ? r->orig_num : r->num;
    }
    return found;
}

static void note_sent_facts(demo_side *s, demo_rec *r, const sk_tcp_repr *t)
{
    if (t->flags & SK_TCP_SYN) {
        s->syn_sent = true;
        s->iss = t->seq.v;
        s->syn_ws = t->opts.has_wscale;
        s->ws = t->opts.wscale > 14 ? 14 : t->opts.wscale;
    }
    if (t->flags & SK_TCP_FIN) {
        s->fin_sent = true;
        s->fin_seq = t->seq.v + (uint32_t)t->payload_len;
    }
    if (t->flags & SK_TCP_ACK) {
        if (s->ack_sent && !(t->flags & SK_TCP_SYN) && t->window < s->last_win &&
            t->ack.v + t->window == s->last_ack + s->last_win)
            r->edge_kept = true;
        s->last_ack = t->ack.v;
        s->last_win = t->window;
        if (!s->ack_sent || sk_seq_gt(t->ack, (sk_seq){s->max_ack_sent}))
            s->max_ack_sent = t->ack.v;
        s->ack_sent = true;
    }
}

/* The event line of a retransmission, from the cause the stack reported
 * with it (SK_TRACE_RETRANSMIT): the timer's own resend says how long it
 * waited; the others say what revealed the loss. */
static void tell_rexmit(demo *d, demo_side *s, demo_rec *r, uint64_t now, const char *seq)
{
    static const enum demo_msg said[SK_REXMIT__COUNT] = {
        [SK_REXMIT_TIMEOUT] = DEMO_E_GOBACK,      [SK_REXMIT_FAST] = DEMO_E_FAST,
        [SK_REXMIT_PARTIAL_ACK] = DEMO_E_PARTIAL, [SK_REXMIT_SACK] = DEMO_E_SACK,
        [SK_REXMIT_RACK] = DEMO_E_RACK,           [SK_REXMIT_TLP] = DEMO_E_TLP,
        [SK_REXMIT_WINDOW_PROBE] = DEMO_E_PROBE_AGAIN, [SK_REXMIT_SYN] = DEMO_E_SYN_AGAIN,
        [SK_REXMIT_PMTU] = DEMO_E_PMTU,
    };
    const char *name = demo_side_name(d, s->id);
    enum sk_rexmit_cause c = r->rexmit_cause;
    r->by_timer = s->rto_fired && (c == SK_REXMIT_TIMEOUT || c == SK_REXMIT_SYN);
    if (r->by_timer) {
        char ms[32];
        const demo_rec *prev = demo_find_rec_seq(d, s->id, r->tcp.seq.v, r->num);
        uint64_t since = prev != NULL ? now - prev->t_sent : 0;
        demo_narrate_event(d, now,
                           demo_say(d, DEMO_E_RTO, 3, name, demo_ms_short(since, ms, sizeof ms), seq));
    } else if (c > SK_REXMIT_NONE && c < SK_REXMIT__COUNT) {
        demo_narrate_event(d, now, demo_say(d, said[c], 2, name, seq));
    }
}

/* Event lines for what made this segment go out (the stack's cause of a
 * retransmission, a timer). */
static void tell_cause(demo *d, demo_side *s, demo_rec *r, uint64_t now)
{
    char seq[16];
    snprintf(seq, sizeof seq, "%u", d->o.relative ? r->tcp.seq.v - s->iss : r->tcp.seq.v);
    if (r->rexmit) {
        tell_rexmit(d, s, r, now, seq);
    } else if (s->persist_fired && r->tcp.payload_len == 1) {
        r->cause = DEMO_CAUSE_PERSIST;
        demo_narrate_event(d, now, demo_say(d, DEMO_E_PROBE, 1, demo_side_name(d, s->id)));
    }
    /* out-of-order segments SACK compression held since this side's
     * previous segment: reported by this one */
    const sk_stats *st = sk_stack_stats(s->stack);
    uint64_t held = st->sack_compressed - s->sackc_seen;
    s->sackc_seen += held;
    /* an ACK the application's read of pushed data sent (cfg.push_ack) */
    uint64_t pushed = st->acks_pushed - s->pushack_seen;
    s->pushack_seen += pushed;
    /* ACKs quick-ACK mode owed at once (cfg.quick_acks): the stack may
     * count several (a batch of arrivals) before the first goes out, and
     * each leaves as a segment of its own, or on data */
    s->quick_owed += st->acks_quick - s->quickack_seen;
    s->quickack_seen = st->acks_quick;
    bool quick = s->quick_owed > 0 && (r->tcp.flags & SK_TCP_ACK) && !r->rexmit;
    if (quick)
        s->quick_owed--;
    bool pure = !r->rexmit && r->cause == DEMO_CAUSE_NONE && r->tcp.payload_len == 0 &&
                !(r->tcp.flags & (SK_TCP_SYN | SK_TCP_FIN));
    if (pure && s->delack_fired) {
        r->cause = held > 0 ? DEMO_CAUSE_SACKC : DEMO_CAUSE_DELACK;
        r->held = (uint32_t)held;
    } else if (pure && pushed > 0) {
        r->cause = DEMO_CAUSE_PUSHACK;
    } else if (pure && quick) {
        r->cause = DEMO_CAUSE_QUICKACK;
    }
    if (r->rexmit)
        s->rto_fired = false;
    s->delack_fired = false;
    s->persist_fired = false;
}

static void record_sent(demo *d, demo_side *s, uint64_t now, const uint8_t *frame, size_t len)
{
    sk_ip4_repr ip;
    sk_tcp_repr tcp;
    if (!parse_frame(frame, len, &ip, &tcp))
        return;
    uint32_t num = ++d->next_num;
    demo_rec *r = &d->ring[num % DEMO_RING];
    memset(r, 0, sizeof *r);
    r->num = num;
    r->from = s->id;
    r->t_sent = now;
    r->hash = demo_fnv1a(DEMO_FNV_INIT, frame, len);
    r->frame_len = (uint16_t)len;
    r->ip_id = ip.id;
    r->tcp = tcp;
    r->tcp.payload = NULL;
    r->rexmit = s->cur_rexmit;
    r->rexmit_cause = s->cur_rexmit ? s->cur_cause : SK_REXMIT_NONE;
    r->snd_state = s->state;
    sk_tcp_info in;
    if (s->has_conn && sk_tcp_get_info(s->stack, s->conn, &in) == 0) {
        r->info_ok = true;
        r->cwnd = in.cwnd;
        r->ssthresh = in.ssthresh;
        r->flight = in.unacked;
        r->srtt_us = in.srtt_us;
        r->rto_us = in.rto_us;
        r->snd_mss = in.snd_mss;
    }
    if (r->rexmit)
        r->orig_num = first_sent(d, s->id, tcp.seq.v, num);
    note_sent_facts(s, r, &tcp);
    demo_plot_sent(d, r);
    tell_cause(d, s, r, now);
    /* its line waits in the queue, at its send time, for its fate */
    if (d->keep_lines) {
        demo_qent *e = demo_q_push(d, now, num, NULL, true);
        if (sk_pcap_is_ng(d->pcap))
            demo_q_attach_frame(d, e, s->id, frame, len);
    }
    s->segs++;
    d->t_last = now;
}

/* ---- the trace hook (must not call the stack) ---- */

static void on_state(demo *d, demo_side *s, const sk_trace_event *ev)
{
    if (s->id == DEMO_SERVER && ev->sock.idx == s->listener.idx && ev->sock.gen == s->listener.gen)
        return;
    s->state = ev->new_state;
    if (ev->new_state == SK_TCP_ESTABLISHED && !d->established && s->id == DEMO_SERVER) {
        d->established = true;
        d->t_established = ev->now;
    }
    if (ev->new_state != SK_TCP_CLOSED)
        return;
    const char *name = demo_side_name(d, s->id);
    if (s->tw_fired) {
        char ms[32];
        demo_narrate_event(d, ev->now,
                           demo_say(d, DEMO_E_TIMEWAIT, 2, name, demo_ms_short(DEMO_TIME_WAIT_US, ms, sizeof ms)));
    } else if (s->rto_fired) {
        demo_narrate_event(d, ev->now, demo_say(d, DEMO_E_GIVEUP, 1, name));
        s->error = SK_ETIMEDOUT;
    } else if (ev->old_state != SK_TCP_LAST_ACK && ev->old_state != SK_TCP_TIME_WAIT &&
               ev->old_state != SK_TCP_SYN_SENT) {
        demo_narrate_event(d, ev->now, demo_say(d, DEMO_E_RESET, 1, name));
    }
    s->tw_fired = false;
    s->rto_fired = false;
}

static void on_trace(void *ctx, const sk_trace_event *ev)
{
    demo_side *s = ctx;
    demo *d = s->d;
    if (d->trace != NULL) {
        fprintf(d->trace, "%s ", s->id == DEMO_CLIENT ? "client" : "server");
        tool_trace_line(d->trace, ev->now, ev);
    }
    demo_plot_trace(d, s->id, ev);
    switch (ev->kind) {
    case SK_TRACE_SEG_OUT: s->cur_rexmit = false; break;
    case SK_TRACE_RETRANSMIT:
        s->cur_rexmit = true;
        s->cur_cause = ev->rexmit_cause;
        break;
    case SK_TRACE_STATE: on_state(d, s, ev); break;
    case SK_TRACE_DROP:
        if (s->drop_reason == 0)
            s->drop_reason = ev->drop_reason;
        break;
    case SK_TRACE_TIMER:
        if (ev->timer == SK_TIMER_RETRANSMIT)
            s->rto_fired = true;
        else if (ev->timer == SK_TIMER_DELACK)
            s->delack_fired = true;
        else if (ev->timer == SK_TIMER_PERSIST)
            s->persist_fired = true;
        else if (ev->timer == SK_TIMER_TIME_WAIT)
            s->tw_fired = true;
        break;
    default: break;
    }
}

/* ---- the simulator's nodes and tap ---- */

static size_t node_output(void *node, uint64_t now, uint8_t *buf, size_t cap)
{
    demo_side *s = node;
    size_t n = sk_stack_output(s->stack, now, buf, cap);
    if (n > 0)
        record_sent(s->d, s, now, buf, n);
    return n;
}

static uint64_t node_poll_at(void *node)
{
    demo_side *s = node;
    return sk_stack_poll_at(s->stack);
}

static void conn_info(demo_side *s, bool *ok, sk_tcp_info *info)
{
    *ok = s->has_conn && sk_tcp_get_info(s->stack, s->conn, info) == 0;
}

/* The server's application accepts as soon as a connection is ready (also
 * between deliveries, so that the narrator can see its connection). */
static void server_accept(demo_side *s)
{
    if (s->id != DEMO_SERVER || s->has_conn)
        return;
    if (sk_tcp_accept(s->stack, s->listener, &s->conn, NULL) == 0)
        s->has_conn = true;
}

static void node_input(void *node, uint64_t now, const uint8_t *frame, size_t len)
{
    demo_side *s = node;
    demo *d = s->d;
    demo_delivery dv;
    memset(&dv, 0, sizeof dv);
    dv.from = 1 - s->id;
    dv.to = s->id;
    dv.rec = find_rec(d, dv.from, frame, len);
    dv.link_flags = d->deliver_flags;
    dv.now = now;
    /* pcapng: the copy as the receiver got it, on its interface, now */
    uint64_t rx_order = UINT64_MAX;
    if (d->keep_lines && sk_pcap_is_ng(d->pcap)) {
        demo_qent *e = demo_q_push(d, now, 0, NULL, false);
        if (e != NULL) {
            rx_order = e->order;
            demo_q_attach_frame(d, e, s->id, frame, len);
        }
    }
    d->deliver_flags = 0;
    dv.state_before[0] = d->side[0].state;
    dv.state_before[1] = d->side[1].state;
    bool ok_before, ok_after;
    conn_info(s, &ok_before, &dv.before);
    s->drop_reason = 0;
    sk_stack_input(s->stack, now, frame, len);
    server_accept(s);
    conn_info(s, &ok_after, &dv.after);
    dv.info_ok = ok_before && ok_after;
    dv.drop_reason = s->drop_reason;
    d->last_line[0] = '\0';
    demo_plot_delivered(d, dv.rec, s->id, now);
    demo_narrate_delivery(d, &dv);
    demo_qent *rx = rx_order != UINT64_MAX ? demo_q_by_order(d, rx_order) : NULL;
    if (rx != NULL) {
        demo_q_fill(rx, d->last_line);
        demo_q_flush(d, 0);
    }
}

static void on_tap(void *ctx, const sk_sim_event *ev)
{
    demo *d = ctx;
    switch (ev->what) {
    case SK_SIM_SENT:
        /* classic pcap: every frame at its sender (pcapng: the queue) */
        if (d->pcap != NULL && !sk_pcap_is_ng(d->pcap) &&
            sk_pcap_write(d->pcap, ev->now, ev->frame, ev->len) != 0)
            d->pcap_failed = true;
        break;
    case SK_SIM_DELIVERED: d->deliver_flags = ev->flags; break;
    case SK_SIM_LOST:
    case SK_SIM_QUEUE_DROP:
    case SK_SIM_MTU_DROP: {
        const demo_rec *r = find_rec(d, ev->from, ev->frame, ev->len);
        demo_plot_lost(d, r);
        if (r != NULL)
            demo_narrate_lost(d, ev->now, r, ev->what);
        break;
    }
    default: break;
    }
}

/* ---- setup ---- */

static int make_stack(demo *d, demo_side *s)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.link = SK_LINK_IP;
    cfg.addr = s->addr;
    cfg.prefix_len = 24;
    cfg.window_scaling = d->o.wscale;
    cfg.sack = d->o.sack;
    cfg.timestamps = d->o.timestamps;
    cfg.time_wait_us = DEMO_TIME_WAIT_US;
    cfg.delack_us = DEMO_DELACK_US;
    /* the textbook delayed ACK (RFC 5681 §4.2's every second segment)
     * unless --push-ack asks for Linux's ACK at a read, --quick-ack for
     * its quick ACKs at a connection's start */
    cfg.push_ack = d->o.push_ack;
    cfg.quick_acks = d->o.quick_ack ? SK_QUICK_ACKS_MAX : 0;
    /* the demo teaches RFC 6298: RTO at least 1 s (§2.4), not the stack's
     * 200 ms default */
    cfg.rto_min_us = 1000000;
    cfg.seed = d->o.seed * 2 + (uint64_t)s->id + 0x5eed;
    cfg.alloc = sk_posix_allocator();
    cfg.trace = on_trace;
    cfg.trace_ctx = s;
    return sk_stack_create(&cfg, &s->stack);
}

static int open_sockets(demo *d)
{
    demo_side *c = &d->side[DEMO_CLIENT], *sv = &d->side[DEMO_SERVER];
    sk_listen_opts lo = {.backlog = 4, .mss = d->o.mss[DEMO_SERVER]};
    lo.fixed_isn = !d->o.random_isn;
    lo.isn = d->o.isn[DEMO_SERVER];
    int err = sk_tcp_listen(sv->stack, DEMO_SERVER_PORT, &lo, &sv->listener);
    if (err != 0)
        return err;
    sv->state = SK_TCP_LISTEN;
    sk_connect_opts co = {.local_port = DEMO_CLIENT_PORT, .mss = d->o.mss[DEMO_CLIENT]};
    co.fixed_isn = !d->o.random_isn;
    co.isn = d->o.isn[DEMO_CLIENT];
    sk_endpoint remote = {.addr = sk_ipaddr_from_ip4(sv->addr), .port = DEMO_SERVER_PORT};
    err = sk_tcp_connect(c->stack, 0, &remote, &co, &c->conn);
    if (err != 0)
        return err;
    c->has_conn = true;
    return 0;
}

int demo_setup(demo *d)
{
    d->ring = calloc(DEMO_RING, sizeof *d->ring);
    d->net = sk_simnet_new(d->o.seed);
    if (d->ring == NULL || d->net == NULL)
        return SK_ENOMEM;
    static const sk_sim_node_ops ops = {node_input, node_output, node_poll_at};
    for (int i = 0; i < 2; i++) {
        demo_side *s = &d->side[i];
        s->d = d;
        s->id = i;
        s->addr = sk_ip4_make(10, 0, 0, (uint8_t)(i + 1));
        s->hash_sent = s->hash_rcvd = DEMO_FNV_INIT;
        int err = make_stack(d, s);
        if (err != 0)
            return err;
        if (sk_simnet_add_node(d->net, &ops, s) != i)
            return SK_ENOMEM;
    }
    if (sk_simnet_link(d->net, 0, 1, &d->o.link, &d->o.link) != 0)
        return SK_EINVAL;
    sk_simnet_set_tap(d->net, on_tap, d);
    return open_sockets(d);
}

void demo_teardown(demo *d)
{
    for (int i = 0; i < 2; i++)
        sk_stack_destroy(d->side[i].stack);
    sk_simnet_free(d->net);
    demo_q_free(d);
    free(d->ring);
}
