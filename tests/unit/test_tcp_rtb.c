/* The record of what was sent (tcp_rtb.c): ranges sent at one time merge,
 * a retransmission splits its ranges and marks them, the cumulative ACK
 * trims, a full record merges neighbours or records coarser (and says so),
 * the SACK scoreboard counts bytes above a point; on a connection the
 * record comes and goes with the send buffer. Recovery: test_tcp_recovery.c. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"
#include "tcp/tcp_rtb.h"

#include <string.h>

static sk_seq S(uint32_t v)
{
    return sk_seq_make(v);
}

/* A record sized for the smallest send buffer (the floor capacities), its
 * arrays in static storage: one record at a time per test. */
static sk_rtb small_rtb(void)
{
    static _Alignas(16) uint8_t mem[8192];
    SK_CHECK(sk_rtb_size(0) <= sizeof mem);
    return *sk_rtb_place(mem, 0);
}

static void check_ent(const sk_rtb *r, uint32_t i, uint32_t seq, uint32_t end, sk_time sent,
                      uint8_t xmits)
{
    SK_CHECK(i < r->n);
    if (i >= r->n)
        return;
    SK_CHECK_EQ(r->ent[i].seq.v, seq);
    SK_CHECK_EQ(r->ent[i].end.v, end);
    SK_CHECK_EQ(r->ent[i].sent, sent);
    SK_CHECK_EQ(r->ent[i].xmits, xmits);
}

/* Segments emitted at one `now` are one range; a later time starts another. */
static void test_merge_same_time(void)
{
    sk_rtb r = small_rtb();
    SK_CHECK(sk_rtb_sent(&r, S(1000), S(2000), 10));
    SK_CHECK(sk_rtb_sent(&r, S(2000), S(3000), 10));
    SK_CHECK(sk_rtb_sent(&r, S(3000), S(3500), 20));
    SK_CHECK_EQ(r.n, 2);
    check_ent(&r, 0, 1000, 3000, 10, 1);
    check_ent(&r, 1, 3000, 3500, 20, 1);
}

/* A retransmission inside a range splits it at both ends; the middle is
 * marked retransmitted with the new time; a later retransmission at the
 * same time does not merge with new data. Across the wrap as well. */
static void test_retransmission_splits(void)
{
    sk_rtb r = small_rtb();
    uint32_t b = 0xFFFFFF00u; /* straddles 2^32 */
    SK_CHECK(sk_rtb_sent(&r, S(b), S(b + 4000), 10));
    SK_CHECK(sk_rtb_sent(&r, S(b + 1000), S(b + 2000), 50));
    SK_CHECK_EQ(r.n, 3);
    check_ent(&r, 0, b, b + 1000, 10, 1);
    check_ent(&r, 1, b + 1000, b + 2000, 50, 2);
    check_ent(&r, 2, b + 2000, b + 4000, 10, 1);
    SK_CHECK(r.ent[1].marks & SK_RTB_REXMIT);
    SK_CHECK(!(r.ent[0].marks & SK_RTB_REXMIT));
    SK_CHECK(sk_rtb_find(&r, S(b + 1500)) == &r.ent[1]);
    SK_CHECK(sk_rtb_find(&r, S(b + 4000)) == NULL);
    /* a go-back-N segment over the tail: [b+3000, b+5000) is half old,
     * half new */
    SK_CHECK(sk_rtb_sent(&r, S(b + 3000), S(b + 5000), 60));
    SK_CHECK_EQ(r.n, 5);
    check_ent(&r, 3, b + 3000, b + 4000, 60, 2);
    check_ent(&r, 4, b + 4000, b + 5000, 60, 1);
    /* the cumulative ACK trims: whole ranges go, a straddled one shrinks */
    sk_rtb_acked(&r, S(b + 1500));
    SK_CHECK_EQ(r.n, 4);
    check_ent(&r, 0, b + 1500, b + 2000, 50, 2);
    sk_rtb_acked(&r, S(b + 5000));
    SK_CHECK_EQ(r.n, 0);
}

/* Full: touching neighbours of the same kind merge (the later time kept);
 * when no pair can merge, the transmission marks the whole range it falls
 * in and the call says it was coarser. */
static void test_full_record(void)
{
    sk_rtb r = small_rtb();
    for (uint32_t i = 0; i < SK_RTB_CAP; i++) /* one range per time */
        SK_CHECK(sk_rtb_sent(&r, S(i * 100), S(i * 100 + 100), i));
    SK_CHECK_EQ(r.n, SK_RTB_CAP);
    /* new data: ranges 0 and 1 merge, sent = 1 */
    SK_CHECK(sk_rtb_sent(&r, S(SK_RTB_CAP * 100), S(SK_RTB_CAP * 100 + 100), 1000));
    SK_CHECK_EQ(r.n, SK_RTB_CAP);
    check_ent(&r, 0, 0, 200, 1, 1);
    /* make every neighbour pair differ: retransmit every other range whole */
    for (uint32_t i = 1; i < SK_RTB_CAP; i += 2) {
        sk_seq s = r.ent[i].seq, en = r.ent[i].end;
        SK_CHECK(sk_rtb_sent(&r, s, en, 2000));
    }
    SK_CHECK_EQ(r.n, SK_RTB_CAP);
    /* new data past the tail when no pair merges: the last range grows */
    sk_seq tail = r.ent[r.n - 1].end;
    SK_CHECK(!sk_rtb_sent(&r, tail, sk_seq_add(tail, 100), 4000));
    SK_CHECK_EQ(r.n, SK_RTB_CAP);
    SK_CHECK_EQ(r.ent[r.n - 1].end.v, tail.v + 100);
    SK_CHECK_EQ(r.ent[r.n - 1].sent, 4000u);
    /* a split has no room either: the whole range 0 is marked, coarser */
    SK_CHECK(!sk_rtb_sent(&r, S(50), S(100), 3000));
    SK_CHECK_EQ(r.n, SK_RTB_CAP);
    check_ent(&r, 0, 0, 200, 3000, 2);
    /* now ranges 0 and 1 are alike and merge to make room for the split
     * at 250, but that merge must not undo it for the split at 260: the
     * record is coarser ([250, 300) marked), and says so */
    SK_CHECK(!sk_rtb_sent(&r, S(250), S(260), 5000));
    check_ent(&r, 0, 0, 250, 3000, 2);
    check_ent(&r, 1, 250, 300, 5000, 3);
}

/* The scoreboard: SACKed bytes at or above a point; blocks merge. */
static void test_scoreboard_bytes(void)
{
    sk_rtb r = small_rtb();
    SK_CHECK(sk_rtb_sack(&r, S(3000), S(4000)));
    SK_CHECK(sk_rtb_sack(&r, S(5000), S(6000)));
    SK_CHECK(sk_rtb_sack(&r, S(4000), S(4500))); /* touches: merges */
    SK_CHECK_EQ(sk_rset_count(&r.sacked), 2u);
    SK_CHECK_EQ(sk_rtb_sacked_above(&r, S(1000)), 2500u);
    SK_CHECK_EQ(sk_rtb_sacked_above(&r, S(3500)), 2000u);
    SK_CHECK_EQ(sk_rtb_sacked_above(&r, S(6000)), 0u);
    sk_rtb_acked(&r, S(5500));
    SK_CHECK_EQ(sk_rtb_sacked_above(&r, S(0)), 500u);
}

/* On a connection: none while idle, one after a write, every emitted
 * segment recorded with its time, gone with the drained send buffer. */
static void test_record_on_connection(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    SK_CHECK(t->x->rtb == NULL);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 2920), 2920);
    SK_CHECK_EQ(ts_discard(&ts, TS_MS(10)), 2u); /* two full segments */
    SK_CHECK(t->x->rtb != NULL);
    if (t->x->rtb != NULL) {
        SK_CHECK_EQ(t->x->rtb->n, 1);
        check_ent(t->x->rtb, 0, 1001, 3921, TS_MS(10), 1);
    }
    /* the timeout resends the first segment: split and marked */
    SK_CHECK(ts_next(&ts, TS_MS(1010)) != NULL);
    if (t->x->rtb != NULL) {
        SK_CHECK_EQ(t->x->rtb->n, 2);
        check_ent(t->x->rtb, 0, 1001, 2461, TS_MS(1010), 2);
    }
    TS_INJECT(&ts, TS_MS(1020), .flags = TS_A, .seq = 5001, .ack = 3921);
    SK_CHECK(t->x->rtb == NULL);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The send buffer grew (auto-tuning): the record moves to a larger block
 * with its entries, scoreboard and recovery variables, its capacities the
 * larger buffer's, and the old block no longer referenced. */
static void test_move_to_larger(void)
{
    static _Alignas(16) uint8_t a[65536], b[262144];
    SK_CHECK(sk_rtb_size(64u * 1024u) <= sizeof a && sk_rtb_size(256u * 1024u) <= sizeof b);
    sk_rtb *r = sk_rtb_place(a, 64u * 1024u);
    SK_CHECK(sk_rtb_sent(r, S(1000), S(5000), 10));
    SK_CHECK(sk_rtb_sent(r, S(5000), S(9000), 20));
    SK_CHECK(sk_rtb_sent(r, S(2000), S(3000), 30)); /* a retransmission: a split */
    SK_CHECK(sk_rtb_sack(r, S(6000), S(7000)));
    SK_CHECK(sk_rtb_sack(r, S(8000), S(8500)));
    r->high_rxt = S(3000);
    r->prr_out = 77;
    r->rack_rtt = 1234;
    r->tlp_pending = true;
    sk_rtb before = *r;
    sk_rtb_ent ents[8];
    for (uint32_t i = 0; i < r->n && i < 8; i++)
        ents[i] = r->ent[i];

    sk_rtb *m = sk_rtb_move(b, 256u * 1024u, r);
    memset(a, 0xA5, sizeof a); /* nothing may point into the old block */
    uint32_t ne, ns;
    sk_rtb_caps(256u * 1024u, &ne, &ns);
    SK_CHECK_EQ(m->cap, ne);
    SK_CHECK_EQ(m->sacked.cap, ns);
    SK_CHECK(ne > before.cap && ns > before.sacked.cap);
    SK_CHECK_EQ(m->n, before.n);
    for (uint32_t i = 0; i < m->n && i < 8; i++)
        check_ent(m, i, ents[i].seq.v, ents[i].end.v, ents[i].sent, ents[i].xmits);
    SK_CHECK_EQ(sk_rset_count(&m->sacked), 2u);
    SK_CHECK_EQ(sk_rtb_sacked_above(m, S(1000)), 1500u);
    SK_CHECK_EQ(m->high_rxt.v, 3000u);
    SK_CHECK_EQ(m->prr_out, 77u);
    SK_CHECK_EQ(m->rack_rtt, 1234u);
    SK_CHECK(m->tlp_pending);
    SK_CHECK((uint8_t *)m->ent >= b && (uint8_t *)m->ent < b + sizeof b);
    SK_CHECK((uint8_t *)m->sacked.r >= b && (uint8_t *)m->sacked.r < b + sizeof b);
    SK_CHECK((uint8_t *)m->holes >= b && (uint8_t *)m->holes < b + sizeof b);
    /* and it goes on working: the cumulative ACK trims, more is recorded */
    sk_rtb_acked(m, S(5000));
    SK_CHECK(sk_rtb_sent(m, S(9000), S(12000), 40));
    SK_CHECK_EQ(m->n, 2u);
    check_ent(m, 0, 5000, 9000, 20, 1);
    check_ent(m, 1, 9000, 12000, 40, 1);
}

int main(void)
{
    SK_RUN(test_move_to_larger);
    SK_RUN(test_merge_same_time);
    SK_RUN(test_retransmission_splits);
    SK_RUN(test_full_record);
    SK_RUN(test_scoreboard_bytes);
    SK_RUN(test_record_on_connection);
    return sk_test_finish();
}
