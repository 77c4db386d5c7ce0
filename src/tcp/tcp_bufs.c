/* Socket buffers: the send block (send ring + record of what was sent)
 * and the receive block (receive ring + out-of-order ranges), taken lazily from a small cache of spare ones and
 * given back when empty, so idle connections hold no buffer memory. */
#include "tcp/tcp_conn.h"

/* The send buffer's block holds the record of what was sent after the
 * buffer bytes (tcp_rtb.h), its capacities sized from the send buffer: both
 * come and go together. */
static size_t snd_bytes_aligned(const sk_tcp_env *e)
{
    return ((size_t)e->ctx->cfg.sndbuf + 15u) & ~(size_t)15u;
}

static size_t snd_block_size(const sk_tcp_env *e)
{
    return snd_bytes_aligned(e) + sk_rtb_size(e->ctx->cfg.sndbuf);
}

/* The receive buffer's block holds the out-of-order ranges (tcp_reass.c)
 * after the buffer bytes: the reassembly queue exists only with the buffer,
 * which is kept while it holds anything. */
static size_t rcv_bytes_aligned(const sk_tcp_env *e)
{
    return ((size_t)e->ctx->cfg.rcvbuf + 15u) & ~(size_t)15u;
}

static size_t rcv_block_size(const sk_tcp_env *e)
{
    return rcv_bytes_aligned(e) + sk_reass_cap(e->ctx->cfg.rcvbuf) * sizeof(sk_range);
}

void sk_tcp_bufcache_free(sk_tcp_env *e)
{
    for (uint32_t i = 0; i < e->n_snd_cache; i++)
        sk_ctx_release(e->ctx, e->snd_cache[i], snd_block_size(e));
    for (uint32_t i = 0; i < e->n_rcv_cache; i++)
        sk_ctx_release(e->ctx, e->rcv_cache[i], rcv_block_size(e));
    e->n_snd_cache = e->n_rcv_cache = 0;
}

static void *cache_take(sk_tcp_env *e, void **cache, uint32_t *n, size_t size)
{
    if (*n > 0)
        return cache[--*n];
    return sk_ctx_alloc(e->ctx, size);
}

static void cache_give(sk_tcp_env *e, void **cache, uint32_t *n, void *p, size_t size)
{
    if (*n < SK_BUFCACHE_MAX)
        cache[(*n)++] = p;
    else
        sk_ctx_release(e->ctx, p, size);
}

bool sk_tcb_ensure_sndbuf(sk_tcp_env *e, sk_tcb *t)
{
    if (t->x->sndbuf.buf != NULL)
        return true;
    if (!sk_tcb_ext_attach(e, t))
        return false;
    uint8_t *p = cache_take(e, e->snd_cache, &e->n_snd_cache, snd_block_size(e));
    if (p == NULL)
        return false;
    sk_ring_init(&t->x->sndbuf, p, e->ctx->cfg.sndbuf);
    t->x->rtb = sk_rtb_place(p + snd_bytes_aligned(e), e->ctx->cfg.sndbuf);
    return true;
}

bool sk_tcb_ensure_rcvbuf(sk_tcp_env *e, sk_tcb *t)
{
    if (t->x->rcvbuf.buf != NULL)
        return true;
    if (!sk_tcb_ext_attach(e, t))
        return false;
    uint8_t *p = cache_take(e, e->rcv_cache, &e->n_rcv_cache, rcv_block_size(e));
    if (p == NULL)
        return false;
    sk_ring_init(&t->x->rcvbuf, p, e->ctx->cfg.rcvbuf);
    sk_rset_init(&t->x->reass, (sk_range *)(void *)(p + rcv_bytes_aligned(e)),
                 sk_reass_cap(e->ctx->cfg.rcvbuf));
    return true;
}

/* Give back buffers that hold nothing, so idle connections cost no buffer
 * memory. The receive buffer is kept while out-of-order data sits in it. */
void sk_tcb_trim_buffers(sk_tcp_env *e, sk_tcb *t)
{
    if (t->x->sndbuf.buf != NULL && sk_ring_empty(&t->x->sndbuf)) {
        cache_give(e, e->snd_cache, &e->n_snd_cache, t->x->sndbuf.buf, snd_block_size(e));
        sk_ring_init(&t->x->sndbuf, NULL, 0);
        t->x->rtb = NULL;
        /* the probe or reorder timer belongs to the record (tcp_rack.c) */
        sk_tcb_timer_set(e, t, SK_TIMER_RECOVERY, SK_TIME_NEVER);
    }
    if (t->x->rcvbuf.buf != NULL && sk_ring_empty(&t->x->rcvbuf) && sk_rset_count(&t->x->reass) == 0) {
        cache_give(e, e->rcv_cache, &e->n_rcv_cache, t->x->rcvbuf.buf, rcv_block_size(e));
        sk_ring_init(&t->x->rcvbuf, NULL, 0);
        sk_rset_init(&t->x->reass, NULL, 0);
    }
}

void sk_tcb_free_buffers(sk_tcp_env *e, sk_tcb *t)
{
    if (t->x->sndbuf.buf != NULL)
        cache_give(e, e->snd_cache, &e->n_snd_cache, t->x->sndbuf.buf, snd_block_size(e));
    t->x->rtb = NULL;
    if (t->x->rcvbuf.buf != NULL)
        cache_give(e, e->rcv_cache, &e->n_rcv_cache, t->x->rcvbuf.buf, rcv_block_size(e));
    sk_ring_init(&t->x->sndbuf, NULL, 0);
    sk_ring_init(&t->x->rcvbuf, NULL, 0);
    sk_rset_init(&t->x->reass, NULL, 0);
}
