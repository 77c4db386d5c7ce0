/* Invariants of the UDP table, checked by walking it (fuzz targets may read
 * src/ internals) after the output is drained: every queue within its
 * bounds in datagrams and bytes, its records adding up to the bytes its
 * ring holds, its memory held exactly while it holds a datagram; a socket
 * on the output list exactly when it has datagrams to send, on the event
 * list exactly when marked so, each list's links ending at its tail; free
 * slots plus open sockets = the table; bound sockets have a port, connected
 * ones a remote end. */
#ifndef SK_FUZZ_UDP_CHECK_H
#define SK_FUZZ_UDP_CHECK_H

#include "api/stack_impl.h"
#include "fuzz_common.h"

#include <stddef.h>
#include <stdint.h>

static inline void fz_check_udpq(const sk_udp_queue *q)
{
    CHECK(q->n <= q->cap_n);
    CHECK((q->rec != NULL) == (q->n > 0));
    if (q->rec == NULL)
        return;
    CHECK(q->bytes.len <= q->cap_bytes && q->bytes.cap == q->cap_bytes);
    size_t sum = 0;
    for (uint32_t i = 0; i < q->n; i++)
        sum += q->rec[(q->head + i) % q->cap_n].len;
    CHECK(sum == q->bytes.len);
}

/* Walk a FIFO list; returns its length, every member `mark`ed. */
static inline uint32_t fz_udp_list(const sk_udp *u, uint32_t head, uint32_t tail, size_t off,
                                   size_t mark_off)
{
    uint32_t n = 0, last = SK_UDP_NONE;
    for (uint32_t i = head; i != SK_UDP_NONE && n <= u->n; n++) {
        CHECK(i < u->n && u->socks[i].state == SK_UDP_OPEN);
        CHECK(*(const bool *)(const void *)((const char *)&u->socks[i] + mark_off));
        last = i;
        i = *(const uint32_t *)(const void *)((const char *)&u->socks[i] + off);
    }
    CHECK(n <= u->n && last == tail);
    return n;
}

static inline void fz_check_udp(const sk_stack *s)
{
    const sk_udp *u = &s->udp;
    uint32_t open = 0, on_out = 0, on_ev = 0, free_n = 0;
    for (uint32_t i = 0; i < u->n; i++) {
        const sk_udp_sock *k = &u->socks[i];
        if (k->state != SK_UDP_OPEN)
            continue;
        open++;
        fz_check_udpq(&k->rxq);
        fz_check_udpq(&k->txq);
        CHECK(k->on_out == (k->txq.n > 0));
        CHECK(!k->bound || k->local.port != 0);
        CHECK(!k->connected || (k->bound && k->remote.port != 0));
        on_out += k->on_out;
        on_ev += k->on_ev;
    }
    for (uint32_t i = u->free_head; i != SK_UDP_NONE && free_n <= u->n; free_n++) {
        CHECK(i < u->n && u->socks[i].state == SK_UDP_FREE);
        i = u->socks[i].free_next;
    }
    CHECK(open + free_n == u->n);
    CHECK(fz_udp_list(u, u->out_head, u->out_tail, offsetof(sk_udp_sock, out_next),
                      offsetof(sk_udp_sock, on_out)) == on_out);
    CHECK(fz_udp_list(u, u->ev_head, u->ev_tail, offsetof(sk_udp_sock, ev_next),
                      offsetof(sk_udp_sock, on_ev)) == on_ev);
}

#endif
