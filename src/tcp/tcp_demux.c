/* Demultiplexing: an open-addressing hash table from 4-tuples to TCBs
 * (linear probing, backward-shift deletion, keyed SipHash so that a peer
 * cannot aim collisions at it), the list of listeners, and ephemeral port
 * selection (RFC 6056 §3.3.3, "Simple Hash-Based Port Selection"). */
#include "tcp/tcp_conn.h"

#include "base/ohash.h"
#include "base/skassert.h"

#include <string.h>

#define EPHEMERAL_LO 49152u
#define EPHEMERAL_N 16384u

/* The demux hash: the one tuple key (base/tuple.h) with tweak 0. */
static uint32_t tuple_hash(const sk_tcp_env *e, const sk_tuple *tu)
{
    return sk_tuple_hash(&e->ctx->key, tu, 0);
}

void sk_demux_insert(sk_tcp_env *e, sk_tcb *t)
{
    SK_ASSERT(!(t->flags & SK_TF_HASHED));
    sk_tuple tu = sk_tcb_tuple(e, t);
    uint32_t h = tuple_hash(e, &tu);
    sk_ohash_insert(e->hash, e->hash_mask, h & e->hash_mask,
                    sk_tcb_index(e, t) | (h >> SK_DEMUX_TAG_SHIFT) << SK_DEMUX_TAG_SHIFT);
    t->flags |= SK_TF_HASHED;
}

uint32_t sk_demux_hash(const sk_tcp_env *e, const sk_tuple *tu)
{
    return tuple_hash(e, tu);
}

static uint32_t find_slot_h(sk_tcp_env *e, const sk_tuple *tu, uint32_t h)
{
    uint32_t i = h & e->hash_mask, tag = h >> SK_DEMUX_TAG_SHIFT;
    for (uint32_t v; (v = e->hash[i]) != 0; i = (i + 1) & e->hash_mask) {
        if (v >> SK_DEMUX_TAG_SHIFT == tag && sk_tcb_tuple_is(e, &e->tcbs[sk_demux_slot_tcb(v)], tu))
            return i;
    }
    return SK_TCB_NONE;
}

static uint32_t find_slot(sk_tcp_env *e, const sk_tuple *tu)
{
    return find_slot_h(e, tu, tuple_hash(e, tu));
}

static uint32_t tcb_home(const void *ctx, uint32_t value)
{
    const sk_tcp_env *e = ctx;
    sk_tuple tu = sk_tcb_tuple(e, &e->tcbs[sk_demux_slot_tcb(value + 1)]);
    return tuple_hash(e, &tu) & e->hash_mask;
}

void sk_demux_remove(sk_tcp_env *e, sk_tcb *t)
{
    if (!(t->flags & SK_TF_HASHED))
        return;
    sk_tuple tu = sk_tcb_tuple(e, t);
    uint32_t h = tuple_hash(e, &tu);
    uint32_t i = find_slot_h(e, &tu, h);
    SK_ASSERT(i != SK_TCB_NONE);
    t->flags &= ~(uint32_t)SK_TF_HASHED;
    /* TIME-WAIT moves into a record (sk_tw_take adds it first): the tuple
     * stays held */
    if (sk_tw_find_h(e, &tu, h) == SK_TW_NONE)
        sk_demux_port_freed(e);
    if (e->demux_last == sk_tcb_index(e, t))
        e->demux_last = SK_TCB_NONE;
    if (i != SK_TCB_NONE)
        sk_ohash_remove(e->hash, e->hash_mask, i, tcb_home, e);
}

/* A one-entry cache in front of the hash: a bulk transfer brings segment
 * after segment for the same connection, and comparing one tuple is cheaper
 * than hashing it. */
sk_tcb *sk_demux_lookup(sk_tcp_env *e, const sk_tuple *tu)
{
    if (e->demux_last != SK_TCB_NONE && sk_tcb_tuple_is(e, &e->tcbs[e->demux_last], tu))
        return &e->tcbs[e->demux_last];
    uint32_t i = find_slot(e, tu);
    if (i == SK_TCB_NONE)
        return NULL;
    e->demux_last = sk_demux_slot_tcb(e->hash[i]);
    return &e->tcbs[e->demux_last];
}

/* Without the one-entry cache: the port search asks about tuples that
 * name no connection, and must not move it. */
sk_tcb *sk_demux_lookup_h(sk_tcp_env *e, const sk_tuple *tu, uint32_t h)
{
    uint32_t i = find_slot_h(e, tu, h);
    return i == SK_TCB_NONE ? NULL : &e->tcbs[sk_demux_slot_tcb(e->hash[i])];
}

sk_tcb *sk_demux_listener(sk_tcp_env *e, const sk_ipaddr *laddr, uint16_t lport)
{
    /* one listener per port: on every address of the stack, or bound to
     * one (SK_TF_BOUND_ADDR), when laddr (NULL: any) must be that one */
    for (uint32_t i = e->listen_head; i != SK_TCB_NONE; i = e->tcbs[i].x->lsn->listen_next) {
        const sk_tcb *l = &e->tcbs[i];
        if (l->ends.lport != lport)
            continue;
        if (laddr != NULL && (l->flags & SK_TF_BOUND_ADDR) && !sk_ipaddr_eq(laddr, &l->x->lsn->laddr))
            return NULL;
        return &e->tcbs[i];
    }
    return NULL;
}

bool sk_demux_port_used(sk_tcp_env *e, uint16_t lport)
{
    return sk_demux_listener(e, NULL, lport) != NULL;
}

/* Multi-queue: only ports whose flow the device steers to this stack's
 * queue (stack.h: the partition of a flow is
 * (((lport + rport) * 2654435761) mod 2^32 >> 16) % partitions, the same
 * function port/posix/posix_steer.c runs in the kernel). */
static bool in_partition(const sk_tcp_env *e, uint16_t lport, uint16_t rport)
{
    uint32_t n = e->ctx->cfg.port_partitions;
    if (n <= 1)
        return true;
    uint32_t h = (((uint32_t)lport + rport) * 2654435761u) >> 16;
    return h % n == e->ctx->cfg.port_partition;
}

/* Is the candidate tu (hash h) held by a listener, a connection or a
 * half-open record? */
static bool port_held(sk_tcp_env *e, const sk_tuple *tu, uint32_t h)
{
    return sk_demux_port_used(e, tu->lport) || sk_demux_lookup_h(e, tu, h) != NULL ||
           sk_ho_find_h(e, tu, h) != SK_HO_NONE;
}

/* The memo says: no port towards this destination was free at the last
 * search and no tuple has been freed since. */
static bool known_full(const sk_tcp_env *e, const sk_tuple *dest)
{
    return e->full_valid && e->full_epoch == e->port_epoch && sk_tuple_eq(&e->full_dest, dest);
}

/* A port whose tuple is in TIME-WAIT is passed over; when every port is
 * taken, the first one whose TIME-WAIT may be reused safely (with
 * timestamps, sk_tw_reuse) is returned, 0 when there is none.
 *
 * Each candidate's tuple is hashed once, for the three tables. The
 * TIME-WAIT pool is asked first: a port it holds is passed over without
 * the other two lookups once a reusable port is known (a TIME-WAIT tuple
 * is in no other table anyway, but the rule is kept as it was).
 *
 * When every port is taken (all in TIME-WAIT, say, 60 s of them after
 * 16384 connections to one server) each search walks the whole range to
 * prove that no port is free before it takes the first reusable one. A
 * one-destination memo spares that walk: a search that finds no free port
 * records its destination and port_epoch; until a tuple is freed
 * (sk_demux_port_freed: a TIME-WAIT record expires, is recycled or ended
 * by RST, a connection goes without TIME-WAIT, a half-open record or a
 * listener goes) holders were only added, so no port can be free and the
 * next search for that destination walks only to the first reusable port.
 * The port chosen and ephemeral_next are what the whole walk gives. */
uint16_t sk_demux_ephemeral(sk_tcp_env *e, const sk_tuple *partial)
{
    sk_tuple tu = *partial;
    tu.lport = 0;
    bool full = known_full(e, &tu);
    sk_tuple dest = tu;
    uint32_t offset = tuple_hash(e, &tu);
    uint32_t start = e->ephemeral_next;
    uint16_t reusable = 0;
    for (uint32_t tries = 0; tries < EPHEMERAL_N; tries++) {
        uint16_t port = (uint16_t)(EPHEMERAL_LO + (offset + e->ephemeral_next++) % EPHEMERAL_N);
        if (!in_partition(e, port, tu.rport))
            continue;
        tu.lport = port;
        uint32_t h = tuple_hash(e, &tu);
        uint32_t tw = sk_tw_find_h(e, &tu, h);
        if (tw != SK_TW_NONE && reusable != 0)
            continue;
        if (port_held(e, &tu, h))
            continue;
        if (tw == SK_TW_NONE) {
            SK_ASSERT(!full); /* a freed tuple the memo missed */
            e->full_valid = false;
            return port;
        }
        if (sk_tw_rec_reusable(e, tw)) {
            reusable = port;
            if (full) {
                e->ephemeral_next = start + EPHEMERAL_N; /* as the whole walk */
                return port;
            }
        }
    }
    e->full_valid = true;
    e->full_epoch = e->port_epoch;
    e->full_dest = dest;
    return reusable;
}
