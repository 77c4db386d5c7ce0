/* An open-addressed index: a power-of-two table of uint32 slots, each
 * holding value + 1 (0: empty), filled by linear probing and emptied by
 * backward-shift deletion, so there are no tombstones and every probe chain
 * stays unbroken. The caller hashes: `home` is the slot a value hashes to.
 * The TCB demux (tcp_demux.c) and the record pools (base/recpool.c: the
 * TIME-WAIT and half-open records) index their entries with it; each keeps
 * its own lookup, which compares its own keys. */
#ifndef SK_BASE_OHASH_H
#define SK_BASE_OHASH_H

#include <stdint.h>

/* The size of an open-addressed table for n entries: a power of two, at
 * least 16 and n, at most 2^30 (the demux and the record pools). */
static inline uint32_t sk_pow2_at_least(uint32_t n)
{
    uint32_t p = 16;
    while (p < n && p < (1u << 30))
        p <<= 1;
    return p;
}

/* The home slot of `value` (already masked). */
typedef uint32_t (*sk_ohash_home_fn)(const void *ctx, uint32_t value);

/* Put value in the first free slot from home on (the table is never full:
 * every user sizes it to at least twice its entries). */
static inline void sk_ohash_insert(uint32_t *slot, uint32_t mask, uint32_t home, uint32_t value)
{
    uint32_t i = home;
    while (slot[i] != 0)
        i = (i + 1) & mask;
    slot[i] = value + 1;
}

/* Empty slot i. Each entry after it in the same run moves back into the
 * hole unless its home lies cyclically in (hole, its slot], where a lookup
 * from its home still reaches it. */
static inline void sk_ohash_remove(uint32_t *slot, uint32_t mask, uint32_t i,
                                   sk_ohash_home_fn home_of, const void *ctx)
{
    uint32_t j = i;
    for (;;) {
        slot[i] = 0;
        for (;;) {
            j = (j + 1) & mask;
            if (slot[j] == 0)
                return;
            uint32_t home = home_of(ctx, slot[j] - 1);
            int stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays)
                break;
        }
        slot[i] = slot[j];
        i = j;
    }
}

#endif
