/* port/posix: the event loop and the blocking calls, without a real device.
 * A "device" here is one end of an AF_UNIX SOCK_SEQPACKET pair: it keeps
 * frame boundaries, is non-blocking and pollable like a TUN descriptor, so
 * two stacks (SK_LINK_IP) can talk through it with no root and no netns. */
#include "posix/posix_alloc.h"
#include "posix/posix_loop.h"
#include "posix/posix_sock.h"
#include "posix/posix_sys.h"
#include "sk_test.h"
#include "synack/error.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    sk_posix_dev dev;
    sk_stack *st;
    sk_posix_loop loop; /* 64 KiB buffer: the hosts are static */
} host;

static host host_a, host_b;
static int pair[2];

static int host_open(host *h, int fd, const char *addr, uint64_t seed,
                     const sk_impair_config *imp_out)
{
    memset(&h->dev, 0, sizeof h->dev);
    h->dev.fd = fd;
    h->dev.kind = SK_DEV_TUN;
    h->dev.mtu = 1500;
    snprintf(h->dev.name, sizeof h->dev.name, "pair%d", fd);
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    if (sk_ip4_prefix_from_str(addr, &cfg.addr, &cfg.prefix_len) != 0)
        return -1;
    cfg.link = SK_LINK_IP;
    cfg.mtu = 1500;
    cfg.seed = seed;
    cfg.alloc = sk_posix_allocator();
    if (sk_stack_create(&cfg, &h->st) != 0)
        return -1;
    char err[256];
    sk_posix_loop_config lc = {.stack = h->st, .dev = &h->dev, .impair_out = imp_out,
                               .impair_seed = seed};
    return sk_posix_loop_init(&h->loop, &lc, err, sizeof err);
}

static void host_close(host *h)
{
    sk_posix_loop_free(&h->loop);
    sk_stack_destroy(h->st);
    close(h->dev.fd);
}

static int open_pair(void)
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0)
        return -1;
    return 0;
}

static sk_endpoint endpoint(uint8_t last, uint16_t port)
{
    sk_endpoint e = {sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, last)), port};
    return e;
}

/* The server side runs in its own thread: accept, echo one message, close. */
static void *server_main(void *arg)
{
    int *result = arg;
    sk_sock ls, s;
    uint8_t buf[64];
    *result = sk_tcp_listen(host_b.st, 7, NULL, &ls);
    if (*result == 0)
        *result = sk_blocking_accept(&host_b.loop, ls, 5000000u, &s, NULL);
    if (*result != 0)
        return NULL;
    ptrdiff_t n = sk_blocking_recv(&host_b.loop, s, buf, sizeof buf, 5000000u);
    if (n > 0)
        n = sk_blocking_send_all(&host_b.loop, s, buf, (size_t)n, 5000000u);
    *result = n > 0 ? sk_blocking_close(&host_b.loop, s, 5000000u) : (int)n;
    return NULL;
}

/* A timeout as large as the clock (UINT64_MAX, "as long as it takes") must
 * not wrap around into a deadline in the past: each call waits for its
 * event instead of returning SK_ETIMEDOUT at once. */
static void test_blocking_calls_with_largest_timeout(void)
{
    SK_CHECK_EQ_I(open_pair(), 0);
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], "192.0.2.2/24", 1, NULL), 0);
    SK_CHECK_EQ_I(host_open(&host_b, pair[1], "192.0.2.1/24", 2, NULL), 0);
    int server_result = -1;
    pthread_t th;
    SK_CHECK_EQ_I(pthread_create(&th, NULL, server_main, &server_result), 0);
    sk_endpoint peer = endpoint(1, 7);
    sk_sock s;
    int r = sk_blocking_connect(&host_a.loop, &peer, UINT64_MAX, &s);
    SK_CHECK_EQ_I(r, 0);
    if (r == 0) {
        static const char msg[] = "hello";
        char back[16] = {0};
        SK_CHECK_EQ_I(sk_blocking_send_all(&host_a.loop, s, msg, 5, UINT64_MAX), 5);
        SK_CHECK_EQ_I(sk_blocking_recv(&host_a.loop, s, back, sizeof back, UINT64_MAX), 5);
        SK_CHECK_MEM(back, msg, 5);
        SK_CHECK_EQ_I(sk_blocking_close(&host_a.loop, s, UINT64_MAX - 1), 0);
    }
    pthread_join(th, NULL);
    SK_CHECK_EQ_I(server_result, 0);
    host_close(&host_a);
    host_close(&host_b);
}

/* linger(max_us = UINT64_MAX) waits until the delay line is empty; it must
 * not compute a wrapped end time and return with the frame still held. */
static void test_linger_largest_max_delivers(void)
{
    SK_CHECK_EQ_I(open_pair(), 0);
    sk_impair_config slow = {.delay_us = 20000};
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], "192.0.2.2/24", 3, &slow), 0);
    sk_endpoint peer = endpoint(1, 7);
    sk_sock s;
    SK_CHECK_EQ_I(sk_tcp_connect(host_a.st, sk_posix_loop_clock(&host_a.loop), &peer, NULL, &s),
                  0);
    SK_CHECK_EQ_I(sk_posix_loop_flush(&host_a.loop), 0);
    SK_CHECK_EQ_I(sk_impair_pending(&host_a.loop.imp_out), 1); /* the SYN, delayed */
    SK_CHECK_EQ_I(sk_posix_loop_linger(&host_a.loop, UINT64_MAX), 0);
    SK_CHECK_EQ_I(sk_impair_pending(&host_a.loop.imp_out), 0);
    uint8_t frame[128];
    ssize_t n = recv(pair[1], frame, sizeof frame, MSG_DONTWAIT);
    SK_CHECK(n >= 40); /* the SYN came out: IPv4, TCP */
    SK_CHECK_EQ_I(frame[0], 0x45);
    SK_CHECK_EQ_I(frame[9], 6);
    host_close(&host_a);
    close(pair[1]);
}

/* n frames of len bytes (28..1500) queued at the device's other end: IPv4
 * packets for an address nobody here owns, so the stack drops them without
 * answering. */
static void queue_big_frames(int fd, unsigned n, unsigned len)
{
    uint8_t ip[1500] = {0x45, 0, (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, 0, 64, 17, 0, 0,
                        198, 51, 100, 1, 198, 51, 100, 9};
    for (unsigned i = 0; i < n; i++) {
        ip[5] = (uint8_t)i; /* distinct ids */
        SK_CHECK_EQ_I((int)send(fd, ip, len, MSG_DONTWAIT), (int)len);
    }
}

/* n small ones (28 bytes). */
static void queue_frames(int fd, unsigned n)
{
    queue_big_frames(fd, n, 28);
}

/* A burst smaller than the batch is drained in one wake-up: one ppoll, the
 * frames, and one read that finds the device empty. The next round polls
 * (and sleeps) again. */
static void test_burst_drained_in_one_wakeup(void)
{
    SK_CHECK_EQ_I(open_pair(), 0);
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], "192.0.2.2/24", 4, NULL), 0);
    sk_posix_loop *l = &host_a.loop;
    queue_frames(pair[1], 40);
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK_EQ(l->stats.wakeups, 1);
    SK_CHECK_EQ(l->stats.polls, 1);
    SK_CHECK_EQ(l->stats.frames_read, 40);
    SK_CHECK_EQ(l->stats.empty_reads, 1);
    SK_CHECK(!l->dev_backlog);
    queue_frames(pair[1], 1);
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK_EQ(l->stats.polls, 2); /* the device was empty: poll first */
    SK_CHECK_EQ(l->stats.polls_skipped, 0);
    SK_CHECK_EQ(l->stats.frames_read, 41);
    host_close(&host_a);
    close(pair[1]);
}

/* A burst larger than the batch: the first round reads `batch` frames and
 * stops (timers and output get their turn); the second reads the rest at
 * once, without a ppoll, since the device is known to be readable. */
static void test_burst_over_batch_skips_poll(void)
{
    SK_CHECK_EQ_I(open_pair(), 0);
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], "192.0.2.2/24", 5, NULL), 0);
    sk_posix_loop *l = &host_a.loop;
    SK_CHECK_EQ(l->batch, 64); /* the default */
    queue_frames(pair[1], 100);
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK_EQ(l->stats.frames_read, 64);
    SK_CHECK_EQ(l->stats.empty_reads, 0);
    SK_CHECK(l->dev_backlog);
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK_EQ(l->stats.wakeups, 2);
    SK_CHECK_EQ(l->stats.polls, 1);
    SK_CHECK_EQ(l->stats.polls_skipped, 1);
    SK_CHECK_EQ(l->stats.frames_read, 100);
    SK_CHECK_EQ(l->stats.empty_reads, 1);
    SK_CHECK(!l->dev_backlog);
    SK_CHECK_EQ(sk_stack_stats(host_a.st)->drops, 100); /* every frame reached the stack */
    host_close(&host_a);
    close(pair[1]);
}

/* With another descriptor watched, a full batch still polls (the watched
 * descriptor's revents come from ppoll), and that ppoll returns at once. */
static void test_backlog_polls_when_fds_watched(void)
{
    SK_CHECK_EQ_I(open_pair(), 0);
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], "192.0.2.2/24", 6, NULL), 0);
    sk_posix_loop *l = &host_a.loop;
    int p[2];
    SK_CHECK_EQ_I(pipe(p), 0);
    SK_CHECK_EQ_I((int)write(p[1], "x", 1), 1);
    SK_CHECK_EQ_I(sk_posix_loop_watch(l, p[0], POLLIN), 0);
    queue_frames(pair[1], 70);
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK_EQ(l->stats.polls, 2);
    SK_CHECK_EQ(l->stats.polls_skipped, 0);
    SK_CHECK_EQ(l->stats.frames_read, 70);
    SK_CHECK((sk_posix_loop_revents(l, p[0]) & POLLIN) != 0);
    close(p[0]);
    close(p[1]);
    host_close(&host_a);
    close(pair[1]);
}

/* The loop of host h again, with receive coalescing and busy polling as
 * given. */
static int loop_reopen(host *h, uint32_t coalesce_us, uint32_t busy_us)
{
    sk_posix_loop_free(&h->loop);
    char err[256];
    sk_posix_loop_config lc = {.stack = h->st, .dev = &h->dev, .rx_coalesce_us = coalesce_us,
                               .busy_poll_us = busy_us};
    return sk_posix_loop_init(&h->loop, &lc, err, sizeof err);
}

/* Receive coalescing: rounds that read little (ACKs, handshakes, an
 * exchange of requests) never coalesce, even with coalescing on: they poll
 * and sleep on the device as before. */
static void test_small_rounds_never_coalesce(void)
{
    SK_CHECK_EQ_I(open_pair(), 0);
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], "192.0.2.2/24", 7, NULL), 0);
    SK_CHECK_EQ_I(loop_reopen(&host_a, 200, 0), 0);
    sk_posix_loop *l = &host_a.loop;
    queue_frames(pair[1], 60); /* 60 x 28 bytes */
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK_EQ(l->stats.frames_read, 60);
    SK_CHECK(!l->streaming);
    queue_big_frames(pair[1], 21, 1500); /* 31,500 bytes: one short of a stream's 32 KiB */
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK_EQ(l->stats.frames_read, 81);
    SK_CHECK(!l->streaming);
    queue_frames(pair[1], 1);
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK_EQ(l->stats.frames_read, 82);
    SK_CHECK_EQ(l->stats.coalesced, 0);
    SK_CHECK_EQ(l->stats.polls, 3); /* each round waited on the device */
    host_close(&host_a);
    close(pair[1]);
}

/* A round that read a stream's worth makes the next one sleep
 * rx_coalesce_us off the device, then look (a ppoll that does not sleep)
 * and read what came; a round that then reads nothing goes back to
 * waiting on the device. */
static void test_stream_rounds_coalesce(void)
{
    SK_CHECK_EQ_I(open_pair(), 0);
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], "192.0.2.2/24", 8, NULL), 0);
    SK_CHECK_EQ_I(loop_reopen(&host_a, 2000, 0), 0);
    sk_posix_loop *l = &host_a.loop;
    queue_big_frames(pair[1], 22, 1500); /* 33,000 bytes */
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK(l->streaming);
    SK_CHECK_EQ(l->stats.coalesced, 0);
    /* frames that came while the stack slept: read in the round after */
    queue_big_frames(pair[1], 30, 1200);
    uint64_t t0 = sk_posix_now_us();
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK(sk_posix_now_us() - t0 >= 2000); /* it slept the whole 2 ms: nothing woke it */
    SK_CHECK_EQ(l->stats.coalesced, 1);
    SK_CHECK_EQ(l->stats.coalesced_frames, 30);
    SK_CHECK_EQ(l->stats.frames_read, 52);
    SK_CHECK(l->streaming); /* 36,000 bytes: still a stream */
    /* the stream ends: one more coalesced round finds nothing */
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK_EQ(l->stats.coalesced, 2);
    SK_CHECK(!l->streaming);
    /* and the next waits on the device again: a frame ends its sleep */
    queue_frames(pair[1], 1);
    uint64_t polls = l->stats.polls;
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK_EQ(l->stats.coalesced, 2);
    SK_CHECK_EQ(l->stats.polls, polls + 1);
    SK_CHECK_EQ(l->stats.frames_read, 53);
    SK_CHECK_EQ(l->stats.coalesced_frames, 30);
    host_close(&host_a);
    close(pair[1]);
}

/* A timer due sooner than the coalescing sleep cuts it short (the stack's
 * deadline, as the step's timeout): a 10 s coalescing sleep with a 1 ms
 * timeout returns. Busy polling takes precedence over coalescing. */
static void test_coalesce_bounded_and_busy_poll_first(void)
{
    SK_CHECK_EQ_I(open_pair(), 0);
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], "192.0.2.2/24", 9, NULL), 0);
    SK_CHECK_EQ_I(loop_reopen(&host_a, SK_POSIX_LOOP_RX_COALESCE_MAX, 0), 0);
    sk_posix_loop *l = &host_a.loop;
    queue_big_frames(pair[1], 25, 1500);
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK(l->streaming);
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 0), 0); /* due now: no sleep at all */
    SK_CHECK_EQ(l->stats.coalesced, 1);
    SK_CHECK(!l->streaming);
    SK_CHECK_EQ_I(loop_reopen(&host_a, 500, 1000), 0);
    queue_big_frames(pair[1], 25, 1500);
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK(l->streaming);
    queue_frames(pair[1], 1);
    SK_CHECK_EQ_I(sk_posix_loop_step(l, 1000000u), 0);
    SK_CHECK_EQ(l->stats.coalesced, 0);
    SK_CHECK_EQ(l->stats.frames_read, 26);
    host_close(&host_a);
    close(pair[1]);
}

/* A coalescing time over SK_POSIX_LOOP_RX_COALESCE_MAX is refused with a
 * reason. */
static void test_coalesce_limit_refused(void)
{
    SK_CHECK_EQ_I(open_pair(), 0);
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], "192.0.2.2/24", 10, NULL), 0);
    sk_posix_loop_free(&host_a.loop);
    char err[256] = "";
    sk_posix_loop_config lc = {.stack = host_a.st, .dev = &host_a.dev,
                               .rx_coalesce_us = SK_POSIX_LOOP_RX_COALESCE_MAX + 1};
    SK_CHECK_EQ_I(sk_posix_loop_init(&host_a.loop, &lc, err, sizeof err), -1);
    SK_CHECK(strstr(err, "coalescing") != NULL);
    lc.rx_coalesce_us = SK_POSIX_LOOP_RX_COALESCE_MAX;
    SK_CHECK_EQ_I(sk_posix_loop_init(&host_a.loop, &lc, err, sizeof err), 0);
    host_close(&host_a);
    close(pair[1]);
}

int main(void)
{
    alarm(60); /* a hang is a failure, not a stuck test run */
    SK_RUN(test_blocking_calls_with_largest_timeout);
    SK_RUN(test_linger_largest_max_delivers);
    SK_RUN(test_burst_drained_in_one_wakeup);
    SK_RUN(test_burst_over_batch_skips_poll);
    SK_RUN(test_backlog_polls_when_fds_watched);
    SK_RUN(test_small_rounds_never_coalesce);
    SK_RUN(test_stream_rounds_coalesce);
    SK_RUN(test_coalesce_bounded_and_busy_poll_first);
    SK_RUN(test_coalesce_limit_refused);
    return sk_test_finish();
}
