/* sk_impair: the delay line (a binary min-heap of frame copies keyed by
 * delivery time) and the fault model in front of it. See impair.h. */
#include "impair.h"

#include <stdlib.h>
#include <string.h>

struct sk_impair_item {
    uint64_t time;   /* delivery time */
    uint64_t seq;    /* submission order, breaks ties (FIFO) */
    uint8_t *data;   /* malloc'd copy */
    size_t len;
    unsigned flags;  /* SK_IMPAIR_F_* */
};

/* A frame still being serialized: its bytes count against the queue limit
 * until `done`. */
struct sk_impair_tx {
    uint64_t done;
    size_t len;
};

static int prob_ok(double p) { return p >= 0.0 && p <= 1.0; } /* NaN fails */

int sk_impair_init(sk_impair *imp, const sk_impair_config *cfg, uint64_t seed)
{
    memset(imp, 0, sizeof *imp);
    sk_rng_seed(&imp->rng, seed);
    if (!prob_ok(cfg->loss) || !prob_ok(cfg->dup) || !prob_ok(cfg->reorder) ||
        !prob_ok(cfg->corrupt) || cfg->bandwidth_bps > SK_IMPAIR_RATE_MAX)
        return -1;
    if (!prob_ok(cfg->ge_p) || !prob_ok(cfg->ge_r) || !prob_ok(cfg->ge_loss_bad) ||
        !prob_ok(cfg->ge_loss_good) || (cfg->ge_p > 0.0 && cfg->ge_r <= 0.0))
        return -1;
    imp->cfg = *cfg;
    /* The time-stepped chain draws from a stream of its own, so the frames'
     * draws (loss, dup, jitter ...) do not move its pattern in time. */
    sk_rng_seed(&imp->ge_rng, seed ^ UINT64_C(0xD1B54A32D192ED03));
    return 0;
}

void sk_impair_free(sk_impair *imp)
{
    for (size_t i = 0; i < imp->heap_len; i++)
        free(imp->heap[i].data);
    free(imp->heap);
    free(imp->tx);
    imp->heap = NULL;
    imp->tx = NULL;
    imp->heap_len = imp->heap_cap = 0;
    imp->tx_head = imp->tx_count = imp->tx_cap = 0;
}

/* ------------------------------------------------------------------------
 * The heap
 * ---------------------------------------------------------------------- */
static int item_before(const sk_impair_item *a, const sk_impair_item *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void heap_swap(sk_impair_item *h, size_t i, size_t j)
{
    sk_impair_item t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static int heap_push(sk_impair *imp, const sk_impair_item *it)
{
    if (imp->heap_len == imp->heap_cap) {
        size_t cap = imp->heap_cap ? imp->heap_cap * 2 : 16;
        sk_impair_item *h = realloc(imp->heap, cap * sizeof *h);
        if (h == NULL)
            return -1;
        imp->heap = h;
        imp->heap_cap = cap;
    }
    sk_impair_item *h = imp->heap;
    size_t i = imp->heap_len++;
    h[i] = *it;
    while (i > 0 && item_before(&h[i], &h[(i - 1) / 2])) {
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    return 0;
}

static sk_impair_item heap_take(sk_impair *imp)
{
    sk_impair_item *h = imp->heap;
    sk_impair_item top = h[0];
    h[0] = h[--imp->heap_len];
    size_t i = 0, n = imp->heap_len;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && item_before(&h[l], &h[m]))
            m = l;
        if (r < n && item_before(&h[r], &h[m]))
            m = r;
        if (m == i)
            break;
        heap_swap(h, i, m);
        i = m;
    }
    return top;
}

/* ------------------------------------------------------------------------
 * Serialization and the transmit queue
 * ---------------------------------------------------------------------- */
static int queue_tracked(const sk_impair *imp)
{
    return imp->cfg.queue_limit_bytes != 0 && imp->cfg.bandwidth_bps != 0;
}

/* Forget frames whose serialization ended by `now`. */
static void tx_release(sk_impair *imp, uint64_t now)
{
    while (imp->tx_count > 0 && imp->tx[imp->tx_head].done <= now) {
        imp->backlog_bytes -= imp->tx[imp->tx_head].len;
        imp->tx_head = (imp->tx_head + 1) % imp->tx_cap;
        imp->tx_count--;
    }
}

/* Room for one more entry, so a failure happens before any state changes. */
static int tx_reserve(sk_impair *imp)
{
    if (imp->tx_count < imp->tx_cap)
        return 0;
    size_t cap = imp->tx_cap ? imp->tx_cap * 2 : 16;
    sk_impair_tx *ring = malloc(cap * sizeof *ring);
    if (ring == NULL)
        return -1;
    for (size_t i = 0; i < imp->tx_count; i++)
        ring[i] = imp->tx[(imp->tx_head + i) % imp->tx_cap];
    free(imp->tx);
    imp->tx = ring;
    imp->tx_cap = cap;
    imp->tx_head = 0;
    return 0;
}

static void tx_push(sk_impair *imp, uint64_t done, size_t len)
{
    imp->tx[(imp->tx_head + imp->tx_count) % imp->tx_cap] = (sk_impair_tx){done, len};
    imp->tx_count++;
    imp->backlog_bytes += len;
}

/* The time the last bit of a `len`-byte frame leaves the sender. The link
 * clock keeps the fraction of a microsecond (busy_frac / bps) so that
 * back-to-back frames add up exactly: 1500 bytes at 12 Mbit/s take 1000 us,
 * 1 byte at 3 Mbit/s takes 8/3 us and three of them end at 3, 6 and 8 us. */
static uint64_t serialize(sk_impair *imp, uint64_t now, size_t len)
{
    uint64_t bps = imp->cfg.bandwidth_bps;
    if (bps == 0)
        return now;
    uint64_t busy_end = imp->busy_us + (imp->busy_frac != 0);
    if (now >= busy_end) { /* the link was idle: start sending now */
        imp->busy_us = now;
        imp->busy_frac = 0;
    }
    uint64_t total = imp->busy_frac + (uint64_t)len * 8u * 1000000u;
    imp->busy_us += total / bps;
    imp->busy_frac = total % bps;
    return imp->busy_us + (imp->busy_frac != 0);
}

/* ------------------------------------------------------------------------
 * Copies
 * ---------------------------------------------------------------------- */
static uint64_t reorder_extra(const sk_impair_config *cfg)
{
    if (cfg->reorder_extra_us != 0)
        return cfg->reorder_extra_us;
    uint64_t twice = 2u * (uint64_t)cfg->delay_us;
    return twice > SK_IMPAIR_REORDER_MIN_US ? twice : SK_IMPAIR_REORDER_MIN_US;
}

/* Delivery time of a copy whose last bit left the sender at `sent`. A copy
 * that is not reordered never overtakes an earlier one. */
static uint64_t copy_time(sk_impair *imp, uint64_t sent, unsigned *flags)
{
    uint64_t t = sent + imp->cfg.delay_us;
    if (imp->cfg.jitter_us != 0)
        t += sk_rng_below(&imp->rng, (uint64_t)imp->cfg.jitter_us + 1);
    if (sk_rng_chance(&imp->rng, imp->cfg.reorder)) {
        *flags |= SK_IMPAIR_F_REORDERED;
        imp->stats.reordered++;
        return t + reorder_extra(&imp->cfg);
    }
    if (t < imp->last_in_order)
        t = imp->last_in_order;
    imp->last_in_order = t;
    return t;
}

static int schedule_copy(sk_impair *imp, uint64_t sent, const uint8_t *frame, size_t len,
                         unsigned flags)
{
    sk_impair_item it = {0};
    it.time = copy_time(imp, sent, &flags);
    it.seq = imp->next_seq++;
    it.len = len;
    it.data = malloc(len ? len : 1);
    if (it.data == NULL)
        return -1;
    if (len != 0)
        memcpy(it.data, frame, len);
    if (len != 0 && sk_rng_chance(&imp->rng, imp->cfg.corrupt)) {
        uint64_t bit = sk_rng_below(&imp->rng, (uint64_t)len * 8u);
        it.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        flags |= SK_IMPAIR_F_CORRUPTED;
        imp->stats.corrupted++;
    }
    it.flags = flags;
    if (heap_push(imp, &it) != 0) {
        free(it.data);
        return -1;
    }
    return 0;
}

/* MTU and tail drop, decided before the frame takes any link time. */
static int admit(sk_impair *imp, uint64_t now, size_t len, enum sk_impair_fate *fate)
{
    if (imp->cfg.mtu != 0 && len > imp->cfg.mtu) {
        imp->stats.mtu_dropped++;
        *fate = SK_IMPAIR_MTU_DROP;
        return 0;
    }
    if (!queue_tracked(imp))
        return 1;
    tx_release(imp, now);
    if (imp->backlog_bytes + len > imp->cfg.queue_limit_bytes || tx_reserve(imp) != 0) {
        imp->stats.queue_dropped++;
        *fate = SK_IMPAIR_QUEUE_DROP;
        return 0;
    }
    return 1;
}

/* Gilbert-Elliott: decide this frame's loss in the current state, then step
 * the chain. Off (no draw at all, so the random stream of a link without
 * it is unchanged) unless ge_p > 0. */
static int ge_lost(sk_impair *imp)
{
    const sk_impair_config *c = &imp->cfg;
    if (c->ge_p <= 0.0)
        return 0;
    int lost = sk_rng_chance(&imp->rng, imp->ge_bad ? c->ge_loss_bad : c->ge_loss_good);
    imp->stats.bad_frames += (uint64_t)imp->ge_bad;
    if (sk_rng_chance(&imp->rng, imp->ge_bad ? c->ge_r : c->ge_p))
        imp->ge_bad = !imp->ge_bad;
    return lost;
}

/* Time-stepped Gilbert-Elliott: step the chain, on its own stream, once
 * per quantum from the last quantum stepped to the one holding `t` (the
 * frame's time on the wire; wire times never go backwards), then decide
 * this frame's loss in that quantum's state. Every quantum draws once,
 * whether a frame meets it or not, so the state of quantum k depends on
 * the seed alone. An idle link costs one draw per quantum when the next
 * frame comes. */
static int ge_time_lost(sk_impair *imp, uint64_t t)
{
    const sk_impair_config *c = &imp->cfg;
    if (!imp->ge_started) {
        imp->ge_started = 1;
        imp->ge_origin_us = t;
    }
    uint64_t k = t > imp->ge_origin_us ? (t - imp->ge_origin_us) / c->ge_quantum_us : 0;
    for (; imp->ge_step < k; imp->ge_step++) {
        if (sk_rng_chance(&imp->ge_rng, imp->ge_bad ? c->ge_r : c->ge_p))
            imp->ge_bad = !imp->ge_bad;
    }
    imp->stats.bad_frames += (uint64_t)imp->ge_bad;
    return sk_rng_chance(&imp->rng, imp->ge_bad ? c->ge_loss_bad : c->ge_loss_good);
}

enum sk_impair_fate sk_impair_submit(sk_impair *imp, uint64_t now, const uint8_t *frame,
                                     size_t len)
{
    enum sk_impair_fate fate = SK_IMPAIR_QUEUED;
    imp->stats.submitted++;
    if (!admit(imp, now, len, &fate))
        return fate;
    uint64_t sent = serialize(imp, now, len);
    if (queue_tracked(imp))
        tx_push(imp, sent, len);
    /* A lost frame still used its link time: it is lost on the wire. The
     * per-frame chain steps for every frame on the wire, lost or not; the
     * time-stepped one per quantum up to this frame's wire time. */
    int lost = sk_rng_chance(&imp->rng, imp->cfg.loss);
    int burst = imp->cfg.ge_p > 0.0 && imp->cfg.ge_quantum_us != 0 ? ge_time_lost(imp, sent)
                                                                    : ge_lost(imp);
    if (lost || burst) {
        imp->stats.lost++;
        imp->stats.burst_lost += (uint64_t)(burst && !lost);
        return SK_IMPAIR_LOST;
    }
    int dup = sk_rng_chance(&imp->rng, imp->cfg.dup);
    if (schedule_copy(imp, sent, frame, len, 0) != 0) {
        imp->stats.queue_dropped++; /* out of memory: the same as a full queue */
        return SK_IMPAIR_QUEUE_DROP;
    }
    if (dup && schedule_copy(imp, sent, frame, len, SK_IMPAIR_F_DUP) == 0)
        imp->stats.duplicated++;
    return SK_IMPAIR_QUEUED;
}

uint64_t sk_impair_next_time(const sk_impair *imp)
{
    return imp->heap_len ? imp->heap[0].time : UINT64_MAX;
}

size_t sk_impair_pending(const sk_impair *imp) { return imp->heap_len; }

int sk_impair_pop(sk_impair *imp, uint64_t now, uint8_t *buf, size_t cap, size_t *len,
                  unsigned *flags)
{
    if (imp->heap_len == 0 || imp->heap[0].time > now)
        return 0;
    sk_impair_item it = heap_take(imp);
    size_t n = it.len < cap ? it.len : cap;
    if (n != 0)
        memcpy(buf, it.data, n);
    *len = it.len;
    if (flags != NULL)
        *flags = it.flags;
    free(it.data);
    imp->stats.delivered++;
    return 1;
}
