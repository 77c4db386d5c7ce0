/* tap_write_bench: what one frame written to a TAP costs, one write() per
 * frame against io_uring (liburing) submitting a batch of writes per
 * io_uring_enter (issue 9 item 2, "compare one write per frame and
 * io_uring"). Driver: bench/run_tapwrite_bench.sh, which makes the
 * namespace; this program creates the TAP inside it.
 *
 *   tap_write_bench --tap NAME [-n FRAMES] [-b BATCH] [-r ROUNDS]
 *
 * The frames are Ethernet frames to a unicast MAC that is not the
 * interface's, so the kernel takes each through tun_get_user and its
 * receive path and drops it as PACKET_OTHERHOST before IP: the cost is the
 * system call and the device, the part batching can change; what a real
 * frame costs beyond (the peer's TCP input) is the same either way. Two
 * sizes: 1514 bytes (a full data segment) and 66 (a pure ACK with
 * timestamps). Each round times FRAMES frames each way, in alternating
 * order; per way the median over ROUNDS of ns per frame, wall clock and the
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID: immune to other jobs taking
 * the CPU). Prints one RESULT line per size and way. */
#include "posix/posix_dev.h"
#include "bench_provenance.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef SK_HAVE_LIBURING
#include <liburing.h>
#endif

#define MAX_ROUNDS 51
#define MAX_BATCH 256

typedef struct {
    double wall_ns, cpu_ns; /* per frame */
    unsigned long errors;
} cost;

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void make_frame(uint8_t *f, size_t len)
{
    static const uint8_t dst[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99}; /* nobody's */
    static const uint8_t src[6] = {0x02, 0x73, 0x6b, 0x00, 0x00, 0x02};
    memset(f, 0, len);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08; /* IPv4 */
    f[14] = 0x45;
    f[16] = (uint8_t)((len - 14) >> 8);
    f[17] = (uint8_t)(len - 14);
    f[22] = 64;
    f[23] = 17;
}

static cost by_write(int fd, const uint8_t *f, size_t len, unsigned n)
{
    cost c = {0, 0, 0};
    uint64_t w0 = clock_ns(CLOCK_MONOTONIC), t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    for (unsigned i = 0; i < n; i++)
        if (write(fd, f, len) != (ssize_t)len)
            c.errors++;
    c.cpu_ns = (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / n;
    c.wall_ns = (double)(clock_ns(CLOCK_MONOTONIC) - w0) / n;
    return c;
}

#ifdef SK_HAVE_LIBURING
static cost by_uring(struct io_uring *ring, int fd, const uint8_t *f, size_t len, unsigned n,
                     unsigned batch)
{
    cost c = {0, 0, 0};
    uint64_t w0 = clock_ns(CLOCK_MONOTONIC), t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    for (unsigned done = 0; done < n;) {
        unsigned k = n - done < batch ? n - done : batch;
        for (unsigned i = 0; i < k; i++)
            io_uring_prep_write(io_uring_get_sqe(ring), fd, f, (unsigned)len, 0);
        if (io_uring_submit_and_wait(ring, k) < 0) {
            c.errors += k;
            break;
        }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(ring, head, cqe) {
            c.errors += cqe->res != (int)len;
            seen++;
        }
        io_uring_cq_advance(ring, seen);
        done += k;
    }
    c.cpu_ns = (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / n;
    c.wall_ns = (double)(clock_ns(CLOCK_MONOTONIC) - w0) / n;
    return c;
}
#endif

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void report(const char *way, size_t len, unsigned batch, cost *c, unsigned rounds)
{
    double wall[MAX_ROUNDS], cpu[MAX_ROUNDS];
    unsigned long errors = 0;
    for (unsigned r = 0; r < rounds; r++) {
        wall[r] = c[r].wall_ns;
        cpu[r] = c[r].cpu_ns;
        errors += c[r].errors;
    }
    printf("RESULT way=%s size=%zu batch=%u rounds=%u wall_ns=%.1f cpu_ns=%.1f errors=%lu\n",
           way, len, batch, rounds, median(wall, rounds), median(cpu, rounds), errors);
}

static int usage(void)
{
    fprintf(stderr, "usage: tap_write_bench --tap NAME [-n FRAMES] [-b BATCH 1..%d] "
                    "[-r ROUNDS 1..%d]\n", MAX_BATCH, MAX_ROUNDS);
    return 2;
}

static int run(sk_posix_dev *dev, unsigned n, unsigned batch, unsigned rounds)
{
    static uint8_t frame[1514];
    static cost cw[MAX_ROUNDS], cu[MAX_ROUNDS];
    static const size_t sizes[2] = {1514, 66};
#ifdef SK_HAVE_LIBURING
    struct io_uring ring;
    if (io_uring_queue_init(MAX_BATCH, &ring, 0) != 0) {
        fprintf(stderr, "tap_write_bench: io_uring_queue_init failed\n");
        return 1;
    }
#endif
    for (unsigned s = 0; s < 2; s++) {
        make_frame(frame, sizes[s]);
        for (unsigned r = 0; r < rounds; r++) {
#ifdef SK_HAVE_LIBURING
            if (r % 2)
                cu[r] = by_uring(&ring, dev->fd, frame, sizes[s], n, batch);
            cw[r] = by_write(dev->fd, frame, sizes[s], n);
            if (r % 2 == 0)
                cu[r] = by_uring(&ring, dev->fd, frame, sizes[s], n, batch);
#else
            cw[r] = by_write(dev->fd, frame, sizes[s], n);
#endif
        }
        report("write", sizes[s], 1, cw, rounds);
#ifdef SK_HAVE_LIBURING
        report("io_uring", sizes[s], batch, cu, rounds);
#else
        (void)cu;
        (void)batch;
        printf("io_uring: not built (liburing-dev missing at configure time)\n");
#endif
    }
#ifdef SK_HAVE_LIBURING
    io_uring_queue_exit(&ring);
#endif
    return 0;
}

int main(int argc, char **argv)
{
    const char *tap = NULL;
    unsigned long n = 200000, batch = 32, rounds = 9;
    for (int i = 1; i + 1 < argc; i += 2) {
        char *end = NULL;
        unsigned long v = strtoul(argv[i + 1], &end, 10);
        bool num = end != argv[i + 1] && *end == '\0';
        if (!strcmp(argv[i], "--tap"))
            tap = argv[i + 1];
        else if (!strcmp(argv[i], "-n") && num && v > 0 && v <= 100000000u)
            n = v;
        else if (!strcmp(argv[i], "-b") && num && v > 0 && v <= MAX_BATCH)
            batch = v;
        else if (!strcmp(argv[i], "-r") && num && v > 0 && v <= MAX_ROUNDS)
            rounds = v;
        else
            return usage();
    }
    if (tap == NULL || argc % 2 == 0)
        return usage();
    bench_print_provenance(stdout, "# ");
    sk_posix_dev dev;
    char err[256];
    if (sk_posix_dev_open(&dev, SK_DEV_TAP, tap, err, sizeof err) != 0) {
        fprintf(stderr, "tap_write_bench: %s\n", err);
        return 1;
    }
    printf("# %lu frames per way per round, %lu rounds, io_uring batch %lu\n", n, rounds, batch);
    int rc = run(&dev, (unsigned)n, (unsigned)batch, (unsigned)rounds);
    sk_posix_dev_close(&dev);
    return rc;
}
