/* Index-linked lists of TCBs: the output list, the event list and the
 * accept queues link TCBs by table index through an sk_ilink member. */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"

static sk_ilink *link_of(sk_tcp_env *e, uint32_t idx, size_t off)
{
    /* an extension's link is written only in a TCB's own extension */
    SK_ASSERT(!(off & SK_ILINK_EXT) || e->tcbs[idx].x != &e->ext_blank);
    return (sk_ilink *)(uintptr_t)sk_ilink_at(e, idx, off);
}

bool sk_ilink_on(const sk_tcp_env *e, uint32_t idx, size_t off)
{
    return sk_ilink_at(e, idx, off)->next != SK_LINK_OFF;
}

void sk_ilist_push(sk_tcp_env *e, sk_ilist *l, uint32_t idx, size_t off)
{
    sk_ilink *k = link_of(e, idx, off);
    SK_ASSERT(k->next == SK_LINK_OFF);
    k->next = SK_TCB_NONE;
    k->prev = l->tail;
    if (l->tail != SK_TCB_NONE)
        link_of(e, l->tail, off)->next = idx;
    else
        l->head = idx;
    l->tail = idx;
    l->len++;
}

void sk_ilist_remove(sk_tcp_env *e, sk_ilist *l, uint32_t idx, size_t off)
{
    if (!sk_ilink_on(e, idx, off))
        return;
    sk_ilink *k = link_of(e, idx, off);
    if (k->prev != SK_TCB_NONE)
        link_of(e, k->prev, off)->next = k->next;
    else
        l->head = k->next;
    if (k->next != SK_TCB_NONE)
        link_of(e, k->next, off)->prev = k->prev;
    else
        l->tail = k->prev;
    k->next = k->prev = SK_LINK_OFF;
    l->len--;
}

uint32_t sk_ilist_pop(sk_tcp_env *e, sk_ilist *l, size_t off)
{
    uint32_t idx = l->head;
    if (idx != SK_TCB_NONE)
        sk_ilist_remove(e, l, idx, off);
    return idx;
}
