/* The narration's event queue: every line (a segment's, a loss, a timer or
 * recovery event) and every pcapng record is queued keyed by (time, order of
 * insertion) and leaves the queue only when everything before it is known.
 * A segment's line is queued when the segment is sent, stamped with its
 * send time, and filled in once its fate is known (lost on the link at once,
 * otherwise after the receiver processed it); lines behind it wait. So the
 * narration runs in the order things happened even when jitter, a queue or
 * reordering delivers segments late or out of order, and an event never
 * comes before the segments that caused it.
 *
 * Every entry is queued at the simulation's current time, which never goes
 * back: the queue is a FIFO sorted by (time, order) by construction
 * (demo_q_push checks it). */
#include "tool_demo.h"

#include "posix/pcap_file.h"

#include <stdlib.h>
#include <string.h>

/* Beyond this many entries the oldest leaves even unfilled (a segment
 * whose fate never came), so memory stays bounded. */
#define DEMO_Q_MAX 200000u

static demo_qent *at(demo *d, size_t k)
{
    return &d->q[(d->q_head + k) % d->q_cap];
}

static bool grow(demo *d)
{
    size_t cap = d->q_cap ? d->q_cap * 2 : 256;
    demo_qent *nq = malloc(cap * sizeof *nq);
    if (nq == NULL)
        return false;
    for (size_t k = 0; k < d->q_len; k++)
        nq[k] = *at(d, k);
    free(d->q);
    d->q = nq;
    d->q_cap = cap;
    d->q_head = 0;
    return true;
}

static char *dup_bytes(const void *p, size_t n)
{
    char *c = malloc(n + 1);
    if (c != NULL) {
        memcpy(c, p, n);
        c[n] = '\0';
    }
    return c;
}

demo_qent *demo_q_push(demo *d, uint64_t t, uint32_t rec_num, const char *text, bool print)
{
    if (d->q_len == DEMO_Q_MAX)
        demo_q_flush(d, 1);
    if (d->q_len == d->q_cap && !grow(d)) {
        d->q_failed = true;
        return NULL;
    }
    if (d->q_len > 0 && t < at(d, d->q_len - 1)->t)
        t = at(d, d->q_len - 1)->t; /* cannot happen: the clock never goes back */
    demo_qent *e = at(d, d->q_len++);
    memset(e, 0, sizeof *e);
    e->t = t;
    e->order = d->q_order++;
    e->rec_num = rec_num;
    e->print = print;
    if (text != NULL) {
        e->text = dup_bytes(text, strlen(text));
        e->ready = true;
    }
    return e;
}

void demo_q_attach_frame(demo *d, demo_qent *e, int ifid, const uint8_t *frame, size_t len)
{
    if (e == NULL)
        return;
    e->frame = (uint8_t *)dup_bytes(frame, len);
    e->frame_len = e->frame != NULL ? len : 0;
    e->ifid = ifid;
    if (e->frame == NULL)
        d->q_failed = true;
}

/* The waiting line of segment `num`, NULL when it has none (flushed, or
 * already filled by an earlier copy). */
demo_qent *demo_q_find(demo *d, uint32_t num)
{
    for (size_t k = 0; k < d->q_len; k++) {
        demo_qent *e = at(d, k);
        if (e->rec_num == num && !e->ready)
            return e;
    }
    return NULL;
}

demo_qent *demo_q_by_order(demo *d, uint64_t order)
{
    for (size_t k = d->q_len; k > 0; k--) {
        demo_qent *e = at(d, k - 1);
        if (e->order == order)
            return e;
        if (e->order < order)
            break;
    }
    return NULL;
}

void demo_q_fill(demo_qent *e, const char *text)
{
    free(e->text);
    e->text = dup_bytes(text, strlen(text));
    e->ready = true;
}

/* The comment of a capture record: the entry's first line, from its first
 * non-blank character. */
static void comment_of(const char *text, char *buf, size_t cap)
{
    while (*text == ' ')
        text++;
    size_t n = strcspn(text, "\n");
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
}

static void emit(demo *d, demo_qent *e)
{
    if (e->text != NULL && e->print && d->narrate)
        fputs(e->text, d->out);
    if (e->frame != NULL && d->pcap != NULL) {
        char comment[1024];
        comment_of(e->text != NULL ? e->text : "", comment, sizeof comment);
        if (sk_pcap_write_on(d->pcap, (uint32_t)e->ifid, e->t, e->frame, e->frame_len, comment) != 0)
            d->pcap_failed = true;
    }
    free(e->text);
    free(e->frame);
}

void demo_q_flush(demo *d, size_t force)
{
    while (d->q_len > 0) {
        demo_qent *e = at(d, 0);
        if (!e->ready && force == 0)
            break;
        if (force > 0)
            force--;
        emit(d, e);
        d->q_head = (d->q_head + 1) % d->q_cap;
        d->q_len--;
    }
}

void demo_q_free(demo *d)
{
    for (size_t k = 0; k < d->q_len; k++) {
        free(at(d, k)->text);
        free(at(d, k)->frame);
    }
    free(d->q);
    d->q = NULL;
    d->q_len = d->q_cap = 0;
}
