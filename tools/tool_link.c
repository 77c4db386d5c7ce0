/* The forwarding loop of `synack link` (see tool_link.h). One ppoll waits
 * for a frame on either device or the earliest due time of the two delay
 * lines, with nanosecond timeouts; the timer slack is set to 1 ns so the
 * kernel does not round the wake-up up (50 us by default). */
#include "tool_link.h"

#include "posix/posix_sys.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

static const uint64_t late_edges[TOOL_LINK_LATE_BUCKETS - 1] = {10, 50, 100, 500, 1000};
static const char *const late_names[TOOL_LINK_LATE_BUCKETS] = {
    "lt10us", "lt50us", "lt100us", "lt500us", "lt1ms", "ge1ms"};

int tool_link_init(tool_link *l, const sk_impair_config *a2b, const sk_impair_config *b2a,
                   uint64_t seed, char *err, size_t errcap)
{
    const sk_impair_config *cfg[2] = {a2b, b2a};
    static const char *const names[2] = {"a2b", "b2a"};
    for (int i = 0; i < 2; i++) {
        tool_link_dir *d = &l->dir[i];
        memset(d, 0, sizeof *d);
        d->name = names[i];
        d->from = i == 0 ? &l->a : &l->b;
        d->to = i == 0 ? &l->b : &l->a;
        /* each direction its own stream, both fixed by the one seed */
        if (sk_impair_init(&d->imp, cfg[i], seed + (uint64_t)(unsigned)i * UINT64_C(0x9E3779B97F4A7C15)) != 0) {
            snprintf(err, errcap, "bad %s impairment", names[i]);
            sk_impair_free(&l->dir[0].imp);
            sk_impair_free(&l->dir[1].imp);
            return -1;
        }
    }
    l->wakeups = 0;
    l->start_us = l->end_us = sk_posix_now_us();
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); /* best effort */
    return 0;
}

void tool_link_free(tool_link *l)
{
    sk_impair_free(&l->dir[0].imp);
    sk_impair_free(&l->dir[1].imp);
}

static void note_late(tool_link_dir *d, uint64_t late)
{
    int b = 0;
    while (b < TOOL_LINK_LATE_BUCKETS - 1 && late >= late_edges[b])
        b++;
    d->late_hist[b]++;
    d->late_sum_us += late;
    if (late > d->late_max_us)
        d->late_max_us = late;
}

/* Write every copy whose time has come. */
static int deliver(tool_link *l, tool_link_dir *d, uint64_t now)
{
    for (;;) {
        uint64_t due = sk_impair_next_time(&d->imp);
        size_t len;
        if (due > now || !sk_impair_pop(&d->imp, now, l->buf, sizeof l->buf, &len, NULL))
            return 0;
        if (len > sizeof l->buf)
            len = sizeof l->buf;
        note_late(d, now - due);
        int r = sk_posix_dev_write(d->to, l->buf, len);
        if (r < 0)
            return -1;
        if (r > 0) {
            d->write_drops++;
        } else {
            d->written++;
            d->bytes_out += len;
            if (d->first_us == 0) {
                d->first_us = now;
                d->first_len = len;
            }
            d->last_us = now;
        }
    }
}

/* Read what waits on d->from into its delay line. */
static int take(tool_link *l, tool_link_dir *d, uint64_t now)
{
    for (unsigned i = 0; i < TOOL_LINK_BATCH; i++) {
        long n = sk_posix_dev_read(d->from, l->buf, sizeof l->buf);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        d->frames_in++;
        d->bytes_in += (uint64_t)n;
        if (sk_impair_pending(&d->imp) >= TOOL_LINK_PENDING_MAX) {
            d->overflow++;
            continue;
        }
        sk_impair_submit(&d->imp, now, l->buf, (size_t)n);
    }
    return 0;
}

static uint64_t next_due(const tool_link *l, uint64_t until_us)
{
    uint64_t t = until_us ? until_us : UINT64_MAX;
    for (int i = 0; i < 2; i++) {
        uint64_t n = sk_impair_next_time(&l->dir[i].imp);
        if (n < t)
            t = n;
    }
    return t;
}

/* Sleep until a frame arrives, `deadline` (UINT64_MAX: none) or a signal.
 * SIGINT/SIGTERM are blocked except inside ppoll, so a signal that comes
 * between the check of *stop and the sleep still ends the sleep. */
static int wait_io(struct pollfd *pfd, uint64_t now, uint64_t deadline, const sigset_t *mask)
{
    struct timespec ts, *tsp = NULL;
    if (deadline != UINT64_MAX) {
        uint64_t wait = deadline > now ? deadline - now : 0;
        ts.tv_sec = (time_t)(wait / 1000000u);
        ts.tv_nsec = (long)(wait % 1000000u) * 1000L;
        tsp = &ts;
    }
    pfd[0].revents = pfd[1].revents = 0;
    if (ppoll(pfd, 2, tsp, mask) < 0 && errno != EINTR)
        return -1;
    for (int i = 0; i < 2; i++) {
        if (pfd[i].revents & (POLLERR | POLLNVAL | POLLHUP)) {
            errno = EIO;
            return -1;
        }
    }
    return 0;
}

static int step(tool_link *l, struct pollfd *pfd, uint64_t until_us, const sigset_t *mask)
{
    uint64_t now = sk_posix_now_us();
    for (int i = 0; i < 2; i++)
        if (deliver(l, &l->dir[i], now) != 0)
            return -1;
    if (wait_io(pfd, now, next_due(l, until_us), mask) != 0)
        return -1;
    l->wakeups++;
    now = sk_posix_now_us();
    for (int i = 0; i < 2; i++) {
        if (deliver(l, &l->dir[i], now) != 0)
            return -1;
        if ((pfd[i].revents & POLLIN) && take(l, &l->dir[i], now) != 0)
            return -1;
    }
    return 0;
}

int tool_link_run(tool_link *l, volatile sig_atomic_t *stop, uint64_t until_us)
{
    sigset_t block, orig, in_poll;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &orig);
    in_poll = orig;
    sigdelset(&in_poll, SIGINT);
    sigdelset(&in_poll, SIGTERM);
    struct pollfd pfd[2] = {{l->a.fd, POLLIN, 0}, {l->b.fd, POLLIN, 0}};
    int rc = 0;
    while (!*stop && (until_us == 0 || sk_posix_now_us() < until_us)) {
        if (step(l, pfd, until_us, &in_poll) != 0) {
            rc = -1;
            break;
        }
    }
    int e = errno;
    sigprocmask(SIG_SETMASK, &orig, NULL);
    l->end_us = sk_posix_now_us();
    errno = e;
    return rc;
}

static void print_dir(const tool_link *l, const tool_link_dir *d, FILE *f)
{
    const sk_impair_stats *s = &d->imp.stats;
    double secs = (double)(l->end_us - l->start_us) / 1e6;
    fprintf(f, "link %s: in=%llu bytes_in=%llu out=%llu bytes_out=%llu lost=%llu burst_lost=%llu "
            "queue_drops=%llu mtu_drops=%llu duplicated=%llu reordered=%llu corrupted=%llu "
            "write_drops=%llu overflow=%llu pending=%zu\n",
            d->name, (unsigned long long)d->frames_in, (unsigned long long)d->bytes_in,
            (unsigned long long)d->written, (unsigned long long)d->bytes_out,
            (unsigned long long)s->lost, (unsigned long long)s->burst_lost,
            (unsigned long long)s->queue_dropped, (unsigned long long)s->mtu_dropped,
            (unsigned long long)s->duplicated, (unsigned long long)s->reordered,
            (unsigned long long)s->corrupted, (unsigned long long)d->write_drops,
            (unsigned long long)d->overflow, sk_impair_pending(&d->imp));
    uint64_t n = s->delivered;
    fprintf(f, "link %s: late_mean_us=%.1f late_max_us=%llu", d->name,
            n ? (double)d->late_sum_us / (double)n : 0.0, (unsigned long long)d->late_max_us);
    for (int b = 0; b < TOOL_LINK_LATE_BUCKETS; b++)
        fprintf(f, " %s=%llu", late_names[b], (unsigned long long)d->late_hist[b]);
    /* active: from the first write to the last; for a saturated link, the
     * rate it achieved (the first frame's bits went by before the span) */
    double active = (double)(d->last_us - d->first_us) / 1e6;
    uint64_t first_bytes = d->first_len;
    fprintf(f, " out_mbit_s=%.3f active_s=%.6f active_mbit_s=%.3f\n",
            secs > 0 ? (double)d->bytes_out * 8 / secs / 1e6 : 0.0, active,
            active > 0 ? (double)(d->bytes_out - first_bytes) * 8 / active / 1e6 : 0.0);
}

void tool_link_print_stats(const tool_link *l, FILE *f)
{
    print_dir(l, &l->dir[0], f);
    print_dir(l, &l->dir[1], f);
    fprintf(f, "link: %.3f s, %llu wakeups\n", (double)(l->end_us - l->start_us) / 1e6,
            (unsigned long long)l->wakeups);
}
