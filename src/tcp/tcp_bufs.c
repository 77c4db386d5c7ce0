/* Socket buffers: the send block (send ring + record of what was sent)
 * and the receive block (receive ring + out-of-order ranges), taken lazily from a small cache of spare ones and
 * given back when empty, so idle connections hold no buffer memory. */
#include "tcp/tcp_conn.h"

/* The send buffer's block holds the record of what was sent after the
 * buffer bytes (tcp_rtb.h), its capacities sized from the send buffer: both
 * come and go together. */
static size_t snd_bytes_aligned_for(uint32_t bytes)
{
    return ((size_t)bytes + 15u) & ~(size_t)15u;
}

/* The block of a send buffer of `bytes`: the stack's size, or a grown one
 * (auto-tuning, below). */
static size_t snd_block_size_for(uint32_t bytes)
{
    return snd_bytes_aligned_for(bytes) + sk_rtb_size(bytes);
}

static size_t snd_block_size(const sk_tcp_env *e)
{
    return snd_block_size_for(e->ctx->cfg.sndbuf);
}

/* The receive buffer's block holds the out-of-order ranges (tcp_reass.c)
 * after the buffer bytes: the reassembly queue exists only with the buffer,
 * which is kept while it holds anything. */
static size_t rcv_bytes_aligned_for(uint32_t bytes)
{
    return ((size_t)bytes + 15u) & ~(size_t)15u;
}

static size_t rcv_block_size_for(uint32_t bytes)
{
    return rcv_bytes_aligned_for(bytes) + sk_reass_cap(bytes) * sizeof(sk_range);
}

static size_t rcv_block_size(const sk_tcp_env *e)
{
    return rcv_block_size_for(e->ctx->cfg.rcvbuf);
}

/* The cache: a burst of connections that all hold buffers at once and
 * all drain them (a thousand clients sending a request together) gives
 * back as many blocks as it took, and the next burst takes them again.
 * Handing them to the allocator in between costs more than the stack's
 * own work (glibc maps and unmaps or trims and regrows blocks this size:
 * bench/README-tcp.md), so the cache keeps every block given back, up to
 * one per socket, and returns to the allocator only what no connection
 * took for SK_BUFCACHE_DECAY_US: the fewest spares it held in that time,
 * less the SK_BUFCACHE_KEEP it always keeps. */
static void cache_release_all(sk_tcp_env *e, sk_bufcache *c, size_t size)
{
    for (uint32_t i = 0; i < c->n; i++)
        sk_ctx_release(e->ctx, c->slot[i], size);
    sk_ctx_release(e->ctx, c->slot, sizeof(void *) * c->cap);
    *c = (sk_bufcache){0};
}

static int cache_init(sk_tcp_env *e, sk_bufcache *c)
{
    uint32_t cap = e->n_tcbs < SK_BUFCACHE_KEEP ? e->n_tcbs : SK_BUFCACHE_KEEP;
    c->slot = sk_ctx_alloc(e->ctx, sizeof(void *) * cap);
    if (c->slot == NULL)
        return -1;
    c->cap = cap;
    return 0;
}

int sk_tcp_bufcache_init(sk_tcp_env *e)
{
    return cache_init(e, &e->snd_cache) == 0 && cache_init(e, &e->rcv_cache) == 0 ? 0 : -1;
}

/* Grown blocks (auto-tuning): taken by exact size, given back while a
 * slot is free, all returned to the allocator at a sweep that finds none
 * taken for SK_BUFCACHE_DECAY_US (a take of any size keeps them all:
 * at most SK_BIGCACHE_SLOTS blocks wait). */
static void *big_take(sk_tcp_env *e, sk_bigcache *c, size_t size)
{
    for (uint8_t i = 0; i < c->n; i++)
        if (c->size[i] == size) {
            void *p = c->p[i];
            c->n--;
            c->p[i] = c->p[c->n];
            c->size[i] = c->size[c->n];
            c->taken = true;
            return p;
        }
    return sk_ctx_alloc(e->ctx, size);
}

static void big_give(sk_tcp_env *e, sk_bigcache *c, void *p, size_t size)
{
    if (c->n < SK_BIGCACHE_SLOTS) {
        c->p[c->n] = p;
        c->size[c->n] = size;
        c->n++;
    } else {
        sk_ctx_release(e->ctx, p, size);
    }
}

static void big_release_all(sk_tcp_env *e, sk_bigcache *c)
{
    while (c->n > 0) {
        c->n--;
        sk_ctx_release(e->ctx, c->p[c->n], c->size[c->n]);
    }
}

static void big_sweep(sk_tcp_env *e, sk_bigcache *c)
{
    if (!c->taken)
        big_release_all(e, c);
    c->taken = false;
}

void sk_tcp_bufcache_free(sk_tcp_env *e)
{
    cache_release_all(e, &e->snd_cache, snd_block_size(e));
    cache_release_all(e, &e->rcv_cache, rcv_block_size(e));
    big_release_all(e, &e->snd_big);
    big_release_all(e, &e->rcv_big);
}

static void *cache_take(sk_tcp_env *e, sk_bufcache *c, size_t size)
{
    if (c->n == 0)
        return sk_ctx_alloc(e->ctx, size);
    void *p = c->slot[--c->n];
    if (c->n < c->low)
        c->low = c->n;
    return p;
}

/* Room for one more spare: the stack of pointers doubles, to at most one
 * per socket (no more blocks of a class exist). A failure to grow it is
 * no error: the block goes back to the allocator instead. */
static bool cache_room(sk_tcp_env *e, sk_bufcache *c)
{
    if (c->n < c->cap)
        return true;
    uint32_t cap = c->cap < e->n_tcbs / 2u ? c->cap * 2u : e->n_tcbs;
    if (cap <= c->cap)
        return false;
    void **slot = sk_ctx_alloc(e->ctx, sizeof(void *) * cap);
    if (slot == NULL)
        return false;
    for (uint32_t i = 0; i < c->n; i++)
        slot[i] = c->slot[i];
    sk_ctx_release(e->ctx, c->slot, sizeof(void *) * c->cap);
    c->slot = slot;
    c->cap = cap;
    return true;
}

static void cache_give(sk_tcp_env *e, sk_bufcache *c, void *p, size_t size)
{
    if (cache_room(e, c))
        c->slot[c->n++] = p;
    else
        sk_ctx_release(e->ctx, p, size);
}

static void cache_sweep(sk_tcp_env *e, sk_bufcache *c, size_t size)
{
    uint32_t unused = c->low, keep = SK_BUFCACHE_KEEP;
    while (unused > 0 && c->n > keep) {
        sk_ctx_release(e->ctx, c->slot[--c->n], size);
        unused--;
    }
    c->low = c->n;
}

void sk_tcp_bufcache_sweep(sk_tcp_env *e, sk_time now)
{
    if (!sk_time_due(sk_time_after(e->bufcache_swept, SK_BUFCACHE_DECAY_US), now))
        return;
    e->bufcache_swept = now;
    cache_sweep(e, &e->snd_cache, snd_block_size(e));
    cache_sweep(e, &e->rcv_cache, rcv_block_size(e));
    big_sweep(e, &e->snd_big);
    big_sweep(e, &e->rcv_big);
}

/* A send block of the stack's size goes back to its cache, a grown one
 * to the cache of grown blocks. */
static void snd_give(sk_tcp_env *e, uint8_t *buf, size_t cap)
{
    if (cap == e->ctx->cfg.sndbuf)
        cache_give(e, &e->snd_cache, buf, snd_block_size(e));
    else
        big_give(e, &e->snd_big, buf, snd_block_size_for((uint32_t)cap));
}

static void rcv_give(sk_tcp_env *e, uint8_t *buf, size_t cap)
{
    if (cap == e->ctx->cfg.rcvbuf)
        cache_give(e, &e->rcv_cache, buf, rcv_block_size(e));
    else
        big_give(e, &e->rcv_big, buf, rcv_block_size_for((uint32_t)cap));
}

bool sk_tcb_ensure_sndbuf(sk_tcp_env *e, sk_tcb *t)
{
    if (t->x->sndbuf.buf != NULL)
        return true;
    if (!sk_tcb_ext_attach(e, t))
        return false;
    /* a grown connection whose buffer emptied takes its grown size again */
    uint32_t bytes = t->x->sndbuf_kb == 0 ? sk_tcb_sndbuf(e, t) : e->ctx->cfg.sndbuf;
    uint8_t *p = bytes == e->ctx->cfg.sndbuf ? cache_take(e, &e->snd_cache, snd_block_size(e))
                                             : big_take(e, &e->snd_big, snd_block_size_for(bytes));
    if (p == NULL)
        return false;
    sk_ring_init(&t->x->sndbuf, p, bytes);
    t->x->rtb = sk_rtb_place(p + snd_bytes_aligned_for(bytes), bytes);
    return true;
}

/* Auto-tuning (stack.h, cfg.sndbuf_max): as Linux expands a socket's
 * buffer when the application is limited by it and the congestion window
 * is not the limit (tcp_should_expand_sndbuf), but measured on what the
 * buffer holds rather than on the application's blocked writes, which a
 * sans-I/O stack does not see: an application that waits for room worth a
 * read (sk_tcp_send_space) never fails a write. The buffer is the limit
 * when the ACK finds it at least three quarters full, all of it sent but
 * a tail shorter than a segment (Nagle's, which a larger buffer would let
 * go), and both windows larger than what it holds; an
 * application-limited sender (buffer not full), a cwnd- or
 * window-limited one (a segment or more unsent) and a closing one never
 * grow. */
bool sk_tcb_sndbuf_limited(const sk_tcp_env *e, const sk_tcb *t)
{
    uint32_t max = e->ctx->cfg.sndbuf_max;
    if (max <= e->ctx->cfg.sndbuf || t->x->sndbuf_kb != 0 || t->x->sndbuf.buf == NULL ||
        (t->flags & SK_TF_FIN_QUEUED))
        return false;
    uint32_t lim = sk_tcb_sndbuf(e, t);
    size_t held = sk_ring_len(&t->x->sndbuf);
    if (lim >= max || held < (size_t)lim / 4u * 3u)
        return false;
    /* a full segment unsent waits for a window: not the buffer's doing; a
     * shorter tail may be Nagle's, which a larger buffer would send */
    sk_seq end = sk_seq_add(t->x->snd_buf_seq, (uint32_t)held);
    if (sk_seq_lt(t->x->snd_nxt, end) && sk_seq_len(t->x->snd_nxt, end) >= t->snd_mss)
        return false;
    return t->cwnd > held && t->snd_wnd > held;
}

void sk_tcb_sndbuf_grow(sk_tcp_env *e, sk_tcb *t)
{
    unsigned shift = t->x->snd_auto_shift + 1u;
    uint32_t bytes = sk_tcb_auto_limit(e->ctx->cfg.sndbuf, e->ctx->cfg.sndbuf_max, shift);
    sk_ring *old = &t->x->sndbuf;
    if (t->x->rtb == NULL || bytes <= old->cap)
        return;
    uint8_t *p = big_take(e, &e->snd_big, snd_block_size_for(bytes));
    if (p == NULL) {
        e->ctx->stats.sndbuf_grow_failed++;
        return;
    }
    sk_ring grown;
    sk_ring_init(&grown, p, bytes);
    size_t held = sk_ring_peek(old, 0, p, sk_ring_len(old));
    sk_ring_commit(&grown, held);
    sk_rtb *rtb = sk_rtb_move(p + snd_bytes_aligned_for(bytes), bytes, t->x->rtb);
    snd_give(e, old->buf, old->cap);
    t->x->sndbuf = grown;
    t->x->rtb = rtb;
    t->x->snd_auto_shift = (uint8_t)shift;
    e->ctx->stats.sndbuf_grown++;
    sk_tcb_notify(e, t, SK_EV_WRITABLE);
}

bool sk_tcb_ensure_rcvbuf(sk_tcp_env *e, sk_tcb *t)
{
    if (t->x->rcvbuf.buf != NULL)
        return true;
    if (!sk_tcb_ext_attach(e, t))
        return false;
    /* a grown connection whose buffer emptied takes its grown size again */
    uint32_t bytes = t->x->rcvbuf_kb == 0 ? sk_tcb_rcvbuf(e, t) : e->ctx->cfg.rcvbuf;
    uint8_t *p = bytes == e->ctx->cfg.rcvbuf ? cache_take(e, &e->rcv_cache, rcv_block_size(e))
                                             : big_take(e, &e->rcv_big, rcv_block_size_for(bytes));
    if (p == NULL)
        return false;
    sk_ring_init(&t->x->rcvbuf, p, bytes);
    sk_rset_init(&t->x->reass, (sk_range *)(void *)(p + rcv_bytes_aligned_for(bytes)),
                 sk_reass_cap(bytes));
    return true;
}

/* Auto-tuning of the receive buffer (stack.h, cfg.rcvbuf_max), as Linux's
 * dynamic right-sizing lets the window follow what the application reads
 * per round trip, but on two facts rather than a receiver-side RTT
 * estimate: the peer filled the window we offered (the window, not the
 * path, held it back: tcp_input.c sets SK_RCV_WND_FILLED), and the
 * application read every byte held (it keeps up: a slow reader must not
 * be given a larger window). Then the buffer doubles: the bytes held
 * ahead of a hole (at the same offsets) and the reassembly ranges move to
 * a larger block; no memory for it keeps the buffer as it was, counted.
 * A buffer the read emptied then goes back (to the cache of grown
 * blocks), and the next segment takes one of the grown size. */
void sk_tcb_rcvbuf_maybe_grow(sk_tcp_env *e, sk_tcb *t)
{
    bool filled = (t->x->rcv_auto & SK_RCV_WND_FILLED) != 0;
    t->x->rcv_auto &= SK_RCV_AUTO_SHIFT; /* the signal is spent at every read */
    uint32_t max = e->ctx->cfg.rcvbuf_max;
    if (!filled || max <= e->ctx->cfg.rcvbuf || t->x->rcvbuf_kb != 0 || t->x->rcvbuf.buf == NULL ||
        !sk_ring_empty(&t->x->rcvbuf) || (t->flags & SK_TF_FIN_RCVD))
        return;
    unsigned shift = (t->x->rcv_auto & SK_RCV_AUTO_SHIFT) + 1u;
    uint32_t bytes = sk_tcb_auto_limit(e->ctx->cfg.rcvbuf, max, shift);
    sk_ring *old = &t->x->rcvbuf;
    if (bytes <= old->cap)
        return;
    uint8_t *p = big_take(e, &e->rcv_big, rcv_block_size_for(bytes));
    if (p == NULL) {
        e->ctx->stats.rcvbuf_grow_failed++;
        return;
    }
    sk_ring_copy_window(old, p); /* bytes held ahead of a hole, at their offsets */
    sk_rset grown_set;
    sk_rset_init(&grown_set, (sk_range *)(void *)(p + rcv_bytes_aligned_for(bytes)),
                 sk_reass_cap(bytes));
    sk_rset_copy(&grown_set, &t->x->reass);
    rcv_give(e, old->buf, old->cap);
    sk_ring_init(old, p, bytes);
    t->x->reass = grown_set;
    t->x->rcv_auto = (uint8_t)shift;
    e->ctx->stats.rcvbuf_grown++;
}

uint8_t sk_tcb_our_wscale(const sk_tcp_env *e, const sk_tcb *t)
{
    uint32_t b = sk_tcb_rcvbuf(e, t);
    if (t->x->rcvbuf_kb == 0 && e->ctx->cfg.rcvbuf_max > b)
        b = e->ctx->cfg.rcvbuf_max;
    return sk_tcp_our_wscale(e, b);
}

/* Give back buffers that hold nothing, so idle connections cost no buffer
 * memory. The receive buffer is kept while out-of-order data sits in it. */
void sk_tcb_trim_buffers(sk_tcp_env *e, sk_tcb *t)
{
    if (t->x->sndbuf.buf != NULL && sk_ring_empty(&t->x->sndbuf)) {
        snd_give(e, t->x->sndbuf.buf, sk_ring_cap(&t->x->sndbuf));
        sk_ring_init(&t->x->sndbuf, NULL, 0);
        t->x->rtb = NULL;
        /* the probe or reorder timer belongs to the record (tcp_rack.c) */
        sk_tcb_timer_set(e, t, SK_TIMER_RECOVERY, SK_TIME_NEVER);
    }
    if (t->x->rcvbuf.buf != NULL && sk_ring_empty(&t->x->rcvbuf) && sk_rset_count(&t->x->reass) == 0) {
        rcv_give(e, t->x->rcvbuf.buf, sk_ring_cap(&t->x->rcvbuf));
        sk_ring_init(&t->x->rcvbuf, NULL, 0);
        sk_rset_init(&t->x->reass, NULL, 0);
    }
}

void sk_tcb_free_buffers(sk_tcp_env *e, sk_tcb *t)
{
    if (t->x->sndbuf.buf != NULL)
        snd_give(e, t->x->sndbuf.buf, sk_ring_cap(&t->x->sndbuf));
    t->x->rtb = NULL;
    if (t->x->rcvbuf.buf != NULL)
        rcv_give(e, t->x->rcvbuf.buf, sk_ring_cap(&t->x->rcvbuf));
    sk_ring_init(&t->x->sndbuf, NULL, 0);
    sk_ring_init(&t->x->rcvbuf, NULL, 0);
    sk_rset_init(&t->x->reass, NULL, 0);
}
