/* Bounded sorted range set; see rangeset.h. Lookups bisect (a scoreboard
 * may hold thousands of ranges); inserts and removals move the tail. */
#include "base/rangeset.h"

#include <string.h>

/* The first range whose end lies after `s` (strict) or at or after it:
 * ends ascend, so bisect. */
static uint32_t first_ending(const sk_rset *rs, sk_seq s, bool strict)
{
    uint32_t lo = 0, hi = rs->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        bool before = strict ? sk_seq_le(rs->r[mid].end, s) : sk_seq_lt(rs->r[mid].end, s);
        if (before)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool sk_rset_insert(sk_rset *rs, sk_seq start, sk_seq end)
{
    if (!sk_seq_lt(start, end))
        return true;
    /* i: the first range that ends at or after start (may touch it) */
    uint32_t i = first_ending(rs, start, false);
    /* ranges i..j-1 overlap or touch [start, end) and merge with it */
    uint32_t j = i;
    while (j < rs->n && sk_seq_le(rs->r[j].start, end)) {
        start = sk_seq_min(start, rs->r[j].start);
        end = sk_seq_max(end, rs->r[j].end);
        j++;
    }
    if (i == j) {
        if (rs->n == rs->cap)
            return false;
        memmove(&rs->r[i + 1], &rs->r[i], (size_t)(rs->n - i) * sizeof rs->r[0]);
        rs->n++;
    } else if (j - i > 1) {
        memmove(&rs->r[i + 1], &rs->r[j], (size_t)(rs->n - j) * sizeof rs->r[0]);
        rs->n -= j - i - 1;
    }
    rs->r[i].start = start;
    rs->r[i].end = end;
    return true;
}

void sk_rset_remove_below(sk_rset *rs, sk_seq s)
{
    uint32_t k = first_ending(rs, s, true);
    if (k > 0) {
        memmove(&rs->r[0], &rs->r[k], (size_t)(rs->n - k) * sizeof rs->r[0]);
        rs->n -= k;
    }
    if (rs->n > 0 && sk_seq_lt(rs->r[0].start, s))
        rs->r[0].start = s;
}

const sk_range *sk_rset_find(const sk_rset *rs, sk_seq s)
{
    uint32_t i = first_ending(rs, s, true);
    if (i < rs->n && sk_seq_in(s, rs->r[i].start, rs->r[i].end))
        return &rs->r[i];
    return NULL;
}

bool sk_rset_covers(const sk_rset *rs, sk_seq start, sk_seq end)
{
    if (!sk_seq_lt(start, end))
        return true;
    const sk_range *r = sk_rset_find(rs, start);
    return r != NULL && sk_seq_le(end, r->end);
}

bool sk_rset_first_hole(const sk_rset *rs, sk_seq from, sk_range *hole)
{
    sk_seq at = from;
    for (uint32_t i = first_ending(rs, from, true); i < rs->n; i++) {
        if (sk_seq_le(rs->r[i].start, at)) { /* `at` is held: skip past it */
            at = rs->r[i].end;
            continue;
        }
        hole->start = at;
        hole->end = rs->r[i].start;
        return true;
    }
    return false;
}
