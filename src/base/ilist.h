/* Intrusive doubly linked lists of records named by 32-bit index: a record
 * on a list holds an sk_ilink (the next and previous record's index), the
 * list is its two ends, head and tail (SK_ILIST_NONE: empty). One
 * mechanism for the TCBs' lists (tcp/tcp_ilist.c: output, events, accept
 * queue, a listener's children) and the pooled records' lists
 * (base/recpool.h: TIME-WAIT deadlines, half-open timer levels and a
 * listener's half-open records).
 *
 * Where a record's link lives is the owner's business: an sk_ilinks names
 * a function that, given the owner, an offset and an index, returns the
 * link (in an array of records, or behind a record's pointer), so the
 * functions below never know the record type. They are static inline: with
 * the accessor a constant at the call site the compiler inlines it too.
 *
 * What a link holds when its record is on no list is the owner's choice
 * too: sk_il_unlink leaves SK_ILIST_NONE in both fields, an owner that
 * needs "on no list" to differ from "at an end" writes its own mark after.
 * No allocation, no I/O. */
#ifndef SK_BASE_ILIST_H
#define SK_BASE_ILIST_H

#include <stddef.h>
#include <stdint.h>

#define SK_ILIST_NONE UINT32_MAX

typedef struct {
    uint32_t next, prev;
} sk_ilink;

/* Record i's link: at(owner, off, i). */
typedef sk_ilink *(*sk_ilink_at_fn)(const void *owner, size_t off, uint32_t i);
typedef struct {
    sk_ilink_at_fn at;
    const void *owner;
    size_t off;
} sk_ilinks;

static inline sk_ilink *sk_il_link(sk_ilinks L, uint32_t i)
{
    return L.at(L.owner, L.off, i);
}

/* Put record i (on no list of these links) after record `after`
 * (SK_ILIST_NONE: at the head). */
static inline void sk_il_insert(sk_ilinks L, uint32_t *head, uint32_t *tail, uint32_t after,
                                uint32_t i)
{
    sk_ilink *k = sk_il_link(L, i);
    k->prev = after;
    k->next = after == SK_ILIST_NONE ? *head : sk_il_link(L, after)->next;
    if (after == SK_ILIST_NONE)
        *head = i;
    else
        sk_il_link(L, after)->next = i;
    if (k->next == SK_ILIST_NONE)
        *tail = i;
    else
        sk_il_link(L, k->next)->prev = i;
}

/* Take record i (on this list) off it; its links become SK_ILIST_NONE. */
static inline void sk_il_unlink(sk_ilinks L, uint32_t *head, uint32_t *tail, uint32_t i)
{
    sk_ilink *k = sk_il_link(L, i);
    if (k->prev != SK_ILIST_NONE)
        sk_il_link(L, k->prev)->next = k->next;
    else
        *head = k->next;
    if (k->next != SK_ILIST_NONE)
        sk_il_link(L, k->next)->prev = k->prev;
    else
        *tail = k->prev;
    k->next = k->prev = SK_ILIST_NONE;
}

/* The record after i on its list, SK_ILIST_NONE after the tail. */
static inline uint32_t sk_il_next(sk_ilinks L, uint32_t i)
{
    return sk_il_link(L, i)->next;
}

#endif
