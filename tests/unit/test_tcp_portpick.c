/* The ephemeral port search (tcp_demux.c, sk_demux_ephemeral) against the
 * search as it was written before it shared one tuple hash between the
 * three tables and kept a "no free port" memo: at every connect the
 * reference walk runs on the same state and must give the same port (0:
 * SK_EADDRINUSE) and leave the same cursor (ephemeral_next). The states
 * are the ones the memo is about: every port of one destination held by a
 * TIME-WAIT record, with and without timestamps (reusable or not), in
 * one port partition of two, then a record ended by RST, one expired, a
 * connection aborted (each frees one tuple, which the next connect must
 * find), a listener closed, and a second destination. Without one of
 * the memo's ends (sk_demux_port_freed) a connect here takes another
 * port than the reference, or trips the search's assertion. */
#include "sk_test.h"
#include "api/stack_impl.h"
#include "tcp_script.h"

#include <string.h>

#define EPH_LO 49152u
#define EPH_N 16384u

/* ---- the reference: the search before the change, line for line ---- */

static bool ref_in_partition(const sk_tcp_env *e, uint16_t lport, uint16_t rport)
{
    uint32_t n = e->ctx->cfg.port_partitions;
    if (n <= 1)
        return true;
    uint32_t h = (((uint32_t)lport + rport) * 2654435761u) >> 16;
    return h % n == e->ctx->cfg.port_partition;
}

static uint16_t ref_ephemeral(sk_tcp_env *e, const sk_tuple *partial, uint32_t *next)
{
    sk_tuple tu = *partial;
    tu.lport = 0;
    uint32_t offset = sk_tuple_hash(&e->ctx->key, &tu, 0);
    uint16_t reusable = 0;
    for (uint32_t tries = 0; tries < EPH_N; tries++) {
        uint16_t port = (uint16_t)(EPH_LO + (offset + (*next)++) % EPH_N);
        if (!ref_in_partition(e, port, tu.rport))
            continue;
        tu.lport = port;
        if (sk_demux_port_used(e, port) || sk_demux_lookup(e, &tu) != NULL ||
            sk_ho_find(e, &tu) != SK_HO_NONE)
            continue;
        if (sk_tw_find(e, &tu) == SK_TW_NONE)
            return port;
        if (reusable == 0 && sk_tw_reuse_safe(e, &tu))
            reusable = port;
    }
    return reusable;
}

/* ---- the scenario ---- */

typedef struct {
    ts_script ts;
    sk_time_us t;
    uint32_t checked, mismatches;
} pp_run;

static sk_tuple partial_to(const sk_endpoint *peer)
{
    sk_tuple tu;
    memset(&tu, 0, sizeof tu);
    tu.laddr = sk_addr4((sk_ip4){{10, 0, 0, 2}});
    tu.raddr = peer->addr;
    tu.rport = peer->port;
    return tu;
}

/* Connect to peer; the port must be the reference's. Its port, 0 when
 * both said SK_EADDRINUSE. */
static uint16_t connect_checked(pp_run *r, const sk_endpoint *peer, sk_sock *out)
{
    sk_tcp_env *e = &r->ts.s->env;
    sk_tuple tu = partial_to(peer);
    uint32_t next = e->ephemeral_next;
    uint16_t want = ref_ephemeral(e, &tu, &next);
    sk_connect_opts co = {0, 0, true, 1000}; /* ISS 1000: the scripted handshake */
    int err = sk_tcp_connect(r->ts.s, r->t, peer, &co, out);
    uint16_t got = 0;
    sk_tcp_info in;
    if (err == 0 && sk_tcp_get_info(r->ts.s, *out, &in) == 0)
        got = in.local.port;
    r->checked++;
    if (got != want || e->ephemeral_next != next || (want == 0) != (err == SK_EADDRINUSE)) {
        if (r->mismatches++ < 5)
            SK_CHECK_MSG(false, "connect %u: port %u (err %d), reference %u; cursor %u vs %u",
                         r->checked, got, err, want, e->ephemeral_next, next);
    }
    return got;
}

/* Handshake and close from our side: the tuple goes to a TIME-WAIT record
 * (with timestamps when `ts`, then reusable). */
static void to_time_wait(pp_run *r, const sk_endpoint *peer, sk_sock c, uint16_t port, bool ts)
{
    ts_script *s = &r->ts;
    ts_discard(s, r->t);
    if (ts)
        TS_INJECT(s, r->t, .flags = TS_SA, .seq = 5000, .ack = 1001, .sport = peer->port,
                  .dport = port, TS_TSOPT(7000, 0));
    else
        TS_INJECT(s, r->t, .flags = TS_SA, .seq = 5000, .ack = 1001, .sport = peer->port,
                  .dport = port);
    SK_CHECK_EQ_I(sk_tcp_close(s->s, r->t, c), 0);
    ts_discard(s, r->t);
    if (ts)
        TS_INJECT(s, r->t, .flags = TS_FA, .seq = 5001, .ack = 1002, .sport = peer->port,
                  .dport = port, TS_TSOPT(7001, 0));
    else
        TS_INJECT(s, r->t, .flags = TS_FA, .seq = 5001, .ack = 1002, .sport = peer->port,
                  .dport = port);
    ts_discard(s, r->t);
    r->t++;
}

static void pp_init(pp_run *r, bool timestamps)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_sockets = 8;
    cfg.max_time_wait = 2 * EPH_N;
    cfg.time_wait_us = 10000000; /* 10 s */
    cfg.timestamps = timestamps;
    cfg.port_partitions = 2;
    cfg.port_partition = 1;
    memset(r, 0, sizeof *r);
    ts_init(&r->ts, &cfg);
    r->t = 1;
}

/* Every port of the partition towards peer into TIME-WAIT (one in three
 * without timestamps); returns how many were free. */
static uint32_t fill(pp_run *r, const sk_endpoint *peer)
{
    uint32_t n = 0;
    while (n <= EPH_N) {
        sk_sock c;
        uint16_t port = connect_checked(r, peer, &c);
        if (port == 0)
            break; /* every port taken, none reusable */
        bool reused = sk_stack_stats(r->ts.s)->tw_reused > 0;
        to_time_wait(r, peer, c, port, n % 3 != 0);
        if (reused)
            break; /* every port taken, this one reused */
        n++;
    }
    return n;
}

/* With timestamps: every port in TIME-WAIT, then reuse; a record ended by
 * RST, a connection aborted and records expired free a tuple each, which
 * the next connects take; a second destination has its own ports. */
static void test_full_then_freed(void)
{
    pp_run r;
    pp_init(&r, true);
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 80);
    uint32_t n = fill(&r, &peer);
    SK_CHECK(n > EPH_N / 2 - 512 && n < EPH_N / 2 + 512); /* about half: one partition */
    SK_CHECK_EQ(sk_stack_stats(r.ts.s)->tw_reused, 1);
    /* the memo's case: each connect reuses, its close goes back to TIME-WAIT */
    uint16_t reused[8];
    for (int i = 0; i < 8; i++) {
        sk_sock c;
        reused[i] = connect_checked(&r, &peer, &c);
        SK_CHECK(reused[i] != 0);
        to_time_wait(&r, &peer, c, reused[i], true);
    }
    /* a RST in window ends one record (RFC 9293 §3.10.7.4): its port is
     * free and the next connect must take it */
    sk_sock c;
    uint16_t victim = reused[3];
    TS_INJECT(&r.ts, r.t, .flags = TS_R, .seq = 5002, .sport = 80, .dport = victim);
    ts_discard(&r.ts, r.t);
    SK_CHECK_EQ(connect_checked(&r, &peer, &c), victim);
    /* that connection aborted (no TIME-WAIT): free again */
    SK_CHECK_EQ_I(sk_tcp_abort(r.ts.s, r.t, c), 0);
    ts_discard(&r.ts, r.t);
    SK_CHECK_EQ(connect_checked(&r, &peer, &c), victim);
    to_time_wait(&r, &peer, c, victim, true);
    /* a reuse (the memo's walk) then an abort: the tuple is free */
    uint16_t p1 = connect_checked(&r, &peer, &c);
    SK_CHECK(p1 != 0);
    SK_CHECK_EQ_I(sk_tcp_abort(r.ts.s, r.t, c), 0);
    ts_discard(&r.ts, r.t);
    SK_CHECK_EQ(connect_checked(&r, &peer, &c), p1);
    to_time_wait(&r, &peer, c, p1, true);
    /* another server: nothing held there */
    sk_endpoint other = ts_endpoint(10, 0, 0, 3, 443);
    uint16_t p2 = connect_checked(&r, &other, &c);
    SK_CHECK(p2 != 0);
    to_time_wait(&r, &other, c, p2, true);
    for (int i = 0; i < 4; i++) {
        uint16_t p = connect_checked(&r, &peer, &c);
        SK_CHECK(p != 0);
        to_time_wait(&r, &peer, c, p, true);
    }
    /* the oldest records expire (2 MSL = 10 s after they began) */
    r.t = 5000 + 10000000;
    ts_discard(&r.ts, r.t);
    for (int i = 0; i < 16; i++) {
        uint16_t p = connect_checked(&r, &peer, &c);
        SK_CHECK(p != 0);
        to_time_wait(&r, &peer, c, p, true);
    }
    SK_CHECK_EQ(r.mismatches, 0);
    ts_free(&r.ts);
}

/* Without timestamps nothing is reusable: with every port in TIME-WAIT the
 * connect fails with SK_EADDRINUSE, again and again (the memo's walk finds
 * no reusable port either); a record ended by RST gives its port back. */
static void test_full_no_timestamps(void)
{
    pp_run r;
    pp_init(&r, false);
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 80);
    /* a listener holds one port of the partition */
    uint16_t lport = 60000;
    while (!ref_in_partition(&r.ts.s->env, lport, 80))
        lport++;
    sk_sock l;
    SK_CHECK_EQ_I(sk_tcp_listen(r.ts.s, lport, NULL, &l), 0);
    uint32_t n = fill(&r, &peer);
    SK_CHECK(n > EPH_N / 2 - 512 && n < EPH_N / 2 + 512);
    sk_sock c;
    SK_CHECK_EQ(connect_checked(&r, &peer, &c), 0);
    SK_CHECK_EQ(connect_checked(&r, &peer, &c), 0);
    /* the listener goes: its port is free */
    SK_CHECK_EQ_I(sk_tcp_close(r.ts.s, r.t, l), 0);
    SK_CHECK_EQ(connect_checked(&r, &peer, &c), lport);
    SK_CHECK_EQ_I(sk_tcp_abort(r.ts.s, r.t, c), 0);
    ts_discard(&r.ts, r.t);
    SK_CHECK_EQ(connect_checked(&r, &peer, &c), lport);
    to_time_wait(&r, &peer, c, lport, false);
    SK_CHECK_EQ(connect_checked(&r, &peer, &c), 0);
    /* any record: the port of the first connection */
    uint16_t victim = 0;
    for (uint32_t p = EPH_LO; p < EPH_LO + EPH_N && victim == 0; p++) {
        sk_tuple tu = partial_to(&peer);
        tu.lport = (uint16_t)p;
        if (sk_tw_find(&r.ts.s->env, &tu) != SK_TW_NONE)
            victim = (uint16_t)p;
    }
    SK_CHECK(victim != 0);
    TS_INJECT(&r.ts, r.t, .flags = TS_R, .seq = 5002, .sport = 80, .dport = victim);
    ts_discard(&r.ts, r.t);
    SK_CHECK_EQ(connect_checked(&r, &peer, &c), victim);
    SK_CHECK_EQ(connect_checked(&r, &peer, &c), 0);
    SK_CHECK_EQ(r.mismatches, 0);
    SK_CHECK_EQ_I(sk_tcp_abort(r.ts.s, r.t, c), 0);
    ts_discard(&r.ts, r.t);
    ts_free(&r.ts);
}

int main(void)
{
    SK_RUN(test_full_then_freed);
    SK_RUN(test_full_no_timestamps);
    return sk_test_finish();
}
