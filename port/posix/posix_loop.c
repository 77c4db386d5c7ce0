#include "posix_loop.h"

#include "posix_sys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sys/prctl.h>

_Static_assert(SK_POSIX_LOOP_HEADROOM >= SK_VNET_HDR_LEN, "no room for a vnet header");

static uint8_t *loop_buf(sk_posix_loop *l)
{
    return l->room + SK_POSIX_LOOP_HEADROOM;
}

static uint64_t wall_offset(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t wall = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    return wall - sk_posix_now_us();
}

static int init_impair(sk_impair *imp, const sk_impair_config *cfg, uint64_t seed, bool *has,
                       const char *dir, char *err, size_t errcap)
{
    *has = false;
    if (cfg == NULL)
        return 0;
    if (sk_impair_init(imp, cfg, seed) != 0) {
        snprintf(err, errcap, "bad %s impairment (probability outside 0..1 or rate too high)",
                 dir);
        return -1;
    }
    *has = true;
    return 0;
}

/* The delay lines keep whole frames, not their metadata (a super-segment
 * would also be lost or delayed as one): no impairment on a vnet device. */
static int check_vnet_impair(const sk_posix_loop *l, char *err, size_t errcap)
{
    if (!l->dev->vnet || (!l->has_imp_in && !l->has_imp_out))
        return 0;
    snprintf(err, errcap, "impairment needs a device without offloads (%s has vnet headers)",
             l->dev->name);
    return -1;
}

int sk_posix_loop_init(sk_posix_loop *l, const sk_posix_loop_config *cfg, char *err,
                       size_t errcap)
{
    memset(l, 0, sizeof *l);
    l->stack = cfg->stack;
    l->dev = cfg->dev;
    l->batch = cfg->batch ? cfg->batch : 64;
    l->busy_poll_us = cfg->busy_poll_us;
    if (cfg->rx_coalesce_us > SK_POSIX_LOOP_RX_COALESCE_MAX) {
        snprintf(err, errcap, "receive coalescing of %u us is more than %u us",
                 (unsigned)cfg->rx_coalesce_us, SK_POSIX_LOOP_RX_COALESCE_MAX);
        return -1;
    }
    l->rx_coalesce_us = cfg->rx_coalesce_us;
    l->wall_offset_us = wall_offset();
    l->pfd[0].fd = cfg->dev->fd;
    l->pfd[0].events = POLLIN;
    l->nfds = 1;
    if (init_impair(&l->imp_in, cfg->impair_in, cfg->impair_seed, &l->has_imp_in, "inbound",
                    err, errcap) != 0)
        return -1;
    if (init_impair(&l->imp_out, cfg->impair_out, cfg->impair_seed ^ 0x9e3779b97f4a7c15u,
                    &l->has_imp_out, "outbound", err, errcap) != 0) {
        sk_posix_loop_free(l);
        return -1;
    }
    if (check_vnet_impair(l, err, errcap) != 0) {
        sk_posix_loop_free(l);
        return -1;
    }
    if (cfg->pcap_path != NULL) {
        uint32_t link = cfg->dev->kind == SK_DEV_TAP ? SK_PCAP_LINK_ETHERNET : SK_PCAP_LINK_RAW;
        /* a super-segment is one record of up to SK_POSIX_LOOP_FRAME_MAX */
        l->pcap = sk_pcap_open(cfg->pcap_path, link, cfg->dev->vnet ? 262144u : 0);
        if (l->pcap == NULL) {
            snprintf(err, errcap, "cannot write %s: %s", cfg->pcap_path, strerror(errno));
            sk_posix_loop_free(l);
            return -1;
        }
    }
    l->gather = l->dev->vnet && l->pcap == NULL;
    l->now = sk_posix_now_us();
    return 0;
}

void sk_posix_loop_free(sk_posix_loop *l)
{
    if (l->has_imp_in)
        sk_impair_free(&l->imp_in);
    if (l->has_imp_out)
        sk_impair_free(&l->imp_out);
    l->has_imp_in = l->has_imp_out = false;
    sk_pcap_close(l->pcap);
    l->pcap = NULL;
}

int sk_posix_loop_watch(sk_posix_loop *l, int fd, short events)
{
    for (unsigned i = 1; i < l->nfds; i++) {
        if (l->pfd[i].fd == fd) {
            l->pfd[i].events = events;
            return 0;
        }
    }
    if (l->nfds >= 1 + SK_POSIX_LOOP_MAX_FDS)
        return -1;
    l->pfd[l->nfds].fd = fd;
    l->pfd[l->nfds].events = events;
    l->pfd[l->nfds].revents = 0;
    l->nfds++;
    return 0;
}

void sk_posix_loop_unwatch(sk_posix_loop *l, int fd)
{
    for (unsigned i = 1; i < l->nfds; i++) {
        if (l->pfd[i].fd == fd) {
            l->pfd[i] = l->pfd[l->nfds - 1];
            l->nfds--;
            return;
        }
    }
}

short sk_posix_loop_revents(const sk_posix_loop *l, int fd)
{
    for (unsigned i = 1; i < l->nfds; i++) {
        if (l->pfd[i].fd == fd)
            return l->pfd[i].revents;
    }
    return 0;
}

sk_time_us sk_posix_loop_clock(sk_posix_loop *l)
{
    l->now = sk_posix_now_us();
    return l->now;
}

/* A frame with a partial checksum (NEEDS_CSUM) is recorded with the sum
 * the device will complete (sk_frame_csum_complete), so tshark's checksum
 * verdicts hold; the two bytes are put back for the device, which wants
 * the pseudo-header sum there. */
static void capture(sk_posix_loop *l, uint8_t *frame, size_t len, const sk_frame_meta *meta)
{
    if (l->pcap == NULL)
        return;
    uint64_t ts = l->now + l->wall_offset_us;
    size_t at = meta != NULL ? (size_t)meta->csum_start + meta->csum_offset : 0;
    if (meta == NULL || (meta->flags & SK_FRAME_NEEDS_CSUM) == 0 || at + 2 > len) {
        sk_pcap_write(l->pcap, ts, frame, len);
        return;
    }
    uint8_t saved[2] = {frame[at], frame[at + 1]};
    sk_frame_meta m = *meta;
    (void)sk_frame_csum_complete(frame, len, &m);
    sk_pcap_write(l->pcap, ts, frame, len);
    frame[at] = saved[0];
    frame[at + 1] = saved[1];
}

/* Read one frame into loop_buf(l): on a vnet device with its virtio-net header
 * into l->rx_meta (all zero otherwise; sk_posix_dev_read_frame). */
static long loop_read_frame(sk_posix_loop *l)
{
    long n = sk_posix_dev_read_frame(l->dev, loop_buf(l), SK_POSIX_LOOP_FRAME_MAX, &l->rx_meta);
    l->stats.merged_in += n > 0 && l->rx_meta.gso_type != SK_GSO_NONE;
    return n;
}

/* The stack's next frame into loop_buf(l) (0: none), its metadata into
 * l->tx_meta on a vnet device, a gathered payload's views into
 * l->tx_spans (l->gather). */
static size_t loop_output_frame(sk_posix_loop *l)
{
    if (!l->dev->vnet)
        return sk_stack_output(l->stack, l->now, loop_buf(l), SK_POSIX_LOOP_FRAME_MAX);
    if (l->gather)
        return sk_stack_output_gather(l->stack, l->now, loop_buf(l), SK_POSIX_LOOP_FRAME_MAX,
                                      &l->tx_meta, l->tx_spans, &l->tx_n_spans);
    return sk_stack_output_meta(l->stack, l->now, loop_buf(l), SK_POSIX_LOOP_FRAME_MAX,
                                &l->tx_meta);
}

/* Write one frame (always in loop_buf(l)), on a vnet device with
 * l->tx_meta and its header in the headroom, and the views of its payload
 * when it was gathered (the frame came from loop_output_frame: a vnet
 * device has no delay lines). */
static int loop_write_frame(sk_posix_loop *l, uint8_t *frame, size_t len)
{
    if (!l->dev->vnet)
        return sk_posix_dev_write(l->dev, frame, len);
    int r;
    if (l->tx_n_spans > 0) {
        r = sk_posix_dev_write_gather_inplace(l->dev, frame, len, l->tx_spans, l->tx_n_spans,
                                              &l->tx_meta);
        l->stats.gathered_out += r == 0;
        l->tx_n_spans = 0; /* the views end with this write */
    } else {
        r = sk_posix_dev_write_meta_inplace(l->dev, frame, len, &l->tx_meta);
    }
    l->stats.supers_out += r == 0 && l->tx_meta.gso_type != SK_GSO_NONE;
    return r;
}

static int dev_write(sk_posix_loop *l, uint8_t *frame, size_t len)
{
    int r = loop_write_frame(l, frame, len);
    if (r < 0)
        return -1;
    if (r > 0)
        l->stats.write_drops++;
    else
        l->stats.frames_written++;
    return 0;
}

static void stack_input(sk_posix_loop *l, uint8_t *frame, size_t len)
{
    const sk_frame_meta *meta = l->dev->vnet ? &l->rx_meta : NULL;
    capture(l, frame, len, meta);
    sk_stack_input_meta(l->stack, l->now, frame, len, meta);
}

/* Frames whose impairment delay has passed go on to their destination. */
static int deliver_impaired(sk_posix_loop *l)
{
    size_t len;
    while (l->has_imp_out && sk_impair_pop(&l->imp_out, l->now, loop_buf(l), SK_POSIX_LOOP_FRAME_MAX, &len, NULL))
        if (dev_write(l, loop_buf(l), len) != 0)
            return -1;
    while (l->has_imp_in && sk_impair_pop(&l->imp_in, l->now, loop_buf(l), SK_POSIX_LOOP_FRAME_MAX, &len, NULL))
        stack_input(l, loop_buf(l), len);
    return 0;
}

int sk_posix_loop_flush(sk_posix_loop *l)
{
    if (deliver_impaired(l) != 0)
        return -1;
    size_t n;
    while ((n = loop_output_frame(l)) > 0) {
        capture(l, loop_buf(l), n, l->dev->vnet ? &l->tx_meta : NULL);
        if (l->has_imp_out) {
            sk_impair_submit(&l->imp_out, l->now, loop_buf(l), n);
        } else if (dev_write(l, loop_buf(l), n) != 0) {
            return -1;
        }
    }
    /* an outbound frame with no delay is due at once */
    if (deliver_impaired(l) != 0)
        return -1;
    sk_posix_dev_flush(l->dev); /* a queueing backend (AF_XDP) sends now */
    return 0;
}

static sk_time_us next_deadline(const sk_posix_loop *l, uint64_t timeout_us)
{
    sk_time_us t = sk_stack_poll_at(l->stack);
    sk_time_us cap = timeout_us > SK_NEVER - l->now ? SK_NEVER : l->now + timeout_us;
    if (cap < t)
        t = cap;
    if (l->has_imp_in && sk_impair_next_time(&l->imp_in) < t)
        t = sk_impair_next_time(&l->imp_in);
    if (l->has_imp_out && sk_impair_next_time(&l->imp_out) < t)
        t = sk_impair_next_time(&l->imp_out);
    return t;
}

/* One ppoll over the device and the watched descriptors (tsp NULL: no
 * limit), with revents cleared first. */
static int poll_once(sk_posix_loop *l, const struct timespec *tsp)
{
    for (unsigned i = 0; i < l->nfds; i++)
        l->pfd[i].revents = 0;
    l->stats.polls++;
    return ppoll(l->pfd, l->nfds, tsp, NULL);
}

/* Busy polling: look (ppoll with a zero timeout, so without sleeping) until
 * a descriptor is ready, busy_poll_us pass, or the deadline comes. 1: ready
 * or due, skip the sleep; 0: sleep. */
static int spin_until(sk_posix_loop *l, sk_time_us deadline)
{
    sk_time_us end = l->now + l->busy_poll_us;
    if (deadline < end)
        end = deadline;
    const struct timespec zero = {0, 0};
    for (;;) {
        int r = poll_once(l, &zero);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r != 0) { /* ready, or a signal for the caller to look at */
            l->stats.spin_hits += r > 0;
            return 1;
        }
        if (sk_posix_loop_clock(l) >= end)
            return l->now >= deadline;
    }
}

/* Receive coalescing (posix_loop.h): sleep until rx_coalesce_us from now
 * or the deadline, whichever is first, off the device's wait queue, then
 * look without sleeping. */
static int coalesce_until(sk_posix_loop *l, sk_time_us deadline)
{
    sk_time_us until = l->now + l->rx_coalesce_us;
    if (deadline < until)
        until = deadline;
    if (!l->slack_set) { /* the thread that runs the loop sleeps what it asks, not 50 us more */
        (void)prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
        l->slack_set = true;
    }
    if (until > l->now) {
        uint64_t wait = until - l->now;
        struct timespec ts = {(time_t)(wait / 1000000u), (long)(wait % 1000000u) * 1000L};
        (void)nanosleep(&ts, NULL); /* a signal cuts it short: look now */
    }
    l->stats.coalesced++;
    l->coalescing = true;
    const struct timespec zero = {0, 0};
    if (poll_once(l, &zero) < 0 && errno != EINTR)
        return -1;
    return 0;
}

static int sleep_until(sk_posix_loop *l, sk_time_us deadline)
{
    if (l->streaming && l->rx_coalesce_us > 0 && l->busy_poll_us == 0)
        return coalesce_until(l, deadline);
    if (l->busy_poll_us > 0 && deadline > l->now) {
        int r = spin_until(l, deadline);
        if (r != 0)
            return r < 0 ? -1 : 0;
    }
    struct timespec ts, *tsp = NULL;
    if (deadline != SK_NEVER) {
        uint64_t wait = deadline > l->now ? deadline - l->now : 0;
        ts.tv_sec = (time_t)(wait / 1000000u);
        ts.tv_nsec = (long)(wait % 1000000u) * 1000L;
        tsp = &ts;
    }
    if (poll_once(l, tsp) < 0 && errno != EINTR)
        return -1;
    return 0;
}

/* Read until the device is empty or `batch` frames are in; dev_backlog
 * says which. */
static int read_frames(sk_posix_loop *l)
{
    l->dev_backlog = true;
    size_t bytes = 0;
    for (unsigned i = 0; i < l->batch; i++) {
        long n = loop_read_frame(l);
        if (n < 0)
            return -1;
        if (n == 0) {
            l->stats.empty_reads++;
            l->dev_backlog = false;
            break;
        }
        l->stats.frames_read++;
        l->stats.coalesced_frames += l->coalescing;
        bytes += (size_t)n;
        if (l->has_imp_in)
            sk_impair_submit(&l->imp_in, l->now, loop_buf(l), (size_t)n);
        else
            stack_input(l, loop_buf(l), (size_t)n);
    }
    l->streaming = bytes >= SK_POSIX_LOOP_STREAM_BYTES;
    return 0;
}

/* Frames are known to be waiting and nothing else is watched: skip the
 * ppoll, which would return at once, and read. 1: skipped, 0: poll. */
static int skip_poll(sk_posix_loop *l)
{
    if (!l->dev_backlog || l->nfds != 1)
        return 0;
    l->pfd[0].revents = POLLIN;
    l->stats.polls_skipped++;
    return 1;
}

int sk_posix_loop_step(sk_posix_loop *l, uint64_t timeout_us)
{
    sk_posix_loop_clock(l);
    if (sk_posix_loop_flush(l) != 0)
        return -1;
    l->coalescing = false;
    if (!skip_poll(l) && sleep_until(l, next_deadline(l, timeout_us)) != 0)
        return -1;
    l->stats.wakeups++;
    sk_posix_loop_clock(l);
    if ((l->pfd[0].revents & (POLLERR | POLLNVAL)) != 0) {
        errno = EIO;
        return -1;
    }
    if ((l->pfd[0].revents & POLLIN) == 0)
        l->streaming = false;
    else if (read_frames(l) != 0)
        return -1;
    /* No drain here: the application reacts first, and the next round's
     * drain sends its answer together with the stack's own ACKs (data and
     * FIN ride on the ACK they answer). */
    return 0;
}

int sk_posix_loop_linger(sk_posix_loop *l, uint64_t max_us)
{
    sk_time_us now = sk_posix_loop_clock(l);
    sk_time_us until = max_us >= SK_NEVER - now ? SK_NEVER : now + max_us; /* no wrap */
    if (sk_posix_loop_flush(l) != 0)
        return -1;
    while (l->now < until && ((l->has_imp_out && sk_impair_pending(&l->imp_out) > 0) ||
                              (l->has_imp_in && sk_impair_pending(&l->imp_in) > 0))) {
        sk_time_us next = SK_NEVER;
        if (l->has_imp_out && sk_impair_next_time(&l->imp_out) < next)
            next = sk_impair_next_time(&l->imp_out);
        if (l->has_imp_in && sk_impair_next_time(&l->imp_in) < next)
            next = sk_impair_next_time(&l->imp_in);
        uint64_t wait = next > until ? until - l->now : next > l->now ? next - l->now : 0;
        if (sk_posix_loop_step(l, wait) != 0)
            return -1;
    }
    return 0;
}
