/* bench_checksum: Internet checksum throughput on hot (cache-resident)
 * buffers of 1500 bytes (an Ethernet MTU) and 64 KiB (a large TSO/GRO
 * segment), for the dispatching fast path, each kernel, the RFC 1071
 * reference loop and memcpy of the same buffer.
 *
 * Every method is timed in the same run, in interleaved repetitions (each
 * repetition times every method once per size), and the median of the
 * repetitions is reported, so clock-frequency drift and noise from other
 * processes hit all methods alike. The functions live in the synack library
 * (another translation unit), their results go to a volatile sink, and
 * memcpy's destination goes through a compiler barrier, so no work can be
 * optimised away. 1 GB/s = 1e9 bytes per second.
 *
 *   bench_checksum [--reps N]      N repetitions (default 31, at most 101)
 *
 * Prints the provenance header (commit, kernel, CPU, date), the table, and
 * one "RESULT size=... fast=... avx2=... portable=... ref=... memcpy=..."
 * line per size (GB/s) for bench/run_checksum_bench.sh, which runs this
 * program in several processes and takes the median of each column across
 * them: a whole process can be bimodal (e.g. the reference loop), which
 * repetitions within one process do not see. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/checksum.h"
#include "base/checksum_impl.h"
#include "bench_provenance.h"

#define REPS_DEFAULT 31
#define REPS_MAX 101
#define BYTES_PER_SAMPLE ((size_t)64 << 20) /* work per timed sample */
#define MAX_SIZE ((size_t)64 << 10)

typedef uint32_t (*method_fn)(const void *, size_t, uint32_t);

static _Alignas(64) uint8_t g_src[MAX_SIZE];
static _Alignas(64) uint8_t g_dst[MAX_SIZE];
static volatile uint32_t g_sink;

/* Tell the compiler the memory behind p is read and written here. */
static void clobber(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static uint32_t do_memcpy(const void *buf, size_t len, uint32_t sum)
{
    memcpy(g_dst, buf, len);
    clobber(g_dst);
    return sum;
}

struct method {
    const char *name;
    method_fn fn;
    double gbps[2][REPS_MAX];
};

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One timed sample: GB/s of fn over the hot buffer. */
static double sample(method_fn fn, size_t len)
{
    size_t iters = BYTES_PER_SAMPLE / len;
    uint32_t acc = 0;
    clobber(g_src);
    double t0 = now_sec();
    for (size_t i = 0; i < iters; i++)
        acc ^= fn(g_src, len, (uint32_t)i);
    double t1 = now_sec();
    g_sink = acc;
    return (double)(iters * len) / (t1 - t0) / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double s[REPS_MAX];
    memcpy(s, v, (size_t)n * sizeof s[0]);
    qsort(s, (size_t)n, sizeof s[0], cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* --reps N, or nothing: N repetitions; -1 on a bad command line. */
static int parse_reps(int argc, char **argv)
{
    if (argc == 1)
        return REPS_DEFAULT;
    char *end = argv[0] + strlen(argv[0]);
    long v = argc == 3 && strcmp(argv[1], "--reps") == 0 ? strtol(argv[2], &end, 10) : 0;
    if (v < 1 || v > REPS_MAX || *end != '\0') {
        fprintf(stderr, "usage: bench_checksum [--reps N]   (N 1..%d, default %d)\n", REPS_MAX,
                REPS_DEFAULT);
        return -1;
    }
    return (int)v;
}

int main(int argc, char **argv)
{
    int reps = parse_reps(argc, argv);
    if (reps < 0)
        return 2;
    static const size_t sizes[2] = {1500, MAX_SIZE};
    struct method m[] = {{"fast", sk_csum_partial, {{0}}},
                         {"avx2", sk_csum_partial_avx2, {{0}}},
                         {"portable", sk_csum_partial_portable, {{0}}},
                         {"ref", sk_csum_partial_ref, {{0}}},
                         {"memcpy", do_memcpy, {{0}}}};
    size_t nm = sizeof m / sizeof m[0];
    int avx2 = sk_csum_avx2_usable();
    uint64_t x = 0x243f6a8885a308d3ull;

    for (size_t i = 0; i < MAX_SIZE; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        g_src[i] = (uint8_t)(x >> 56);
    }
    bench_print_provenance(stdout, "# ");
    printf("sk_csum_partial uses the %s kernel; %d interleaved repetitions, "
           "%zu MiB per sample, median GB/s (1e9 B/s)\n",
           avx2 ? "avx2" : "portable", reps, BYTES_PER_SAMPLE >> 20);

    for (size_t s = 0; s < 2; s++) /* warm-up: caches, clocks, page faults */
        for (size_t k = 0; k < nm; k++)
            if (avx2 || m[k].fn != sk_csum_partial_avx2)
                (void)sample(m[k].fn, sizes[s]);
    for (int r = 0; r < reps; r++)
        for (size_t s = 0; s < 2; s++)
            for (size_t k = 0; k < nm; k++)
                if (avx2 || m[k].fn != sk_csum_partial_avx2)
                    m[k].gbps[s][r] = sample(m[k].fn, sizes[s]);

    printf("%8s", "size");
    for (size_t k = 0; k < nm; k++)
        printf(" %9s", m[k].name);
    printf(" %9s %11s %13s\n", "fast/ref", "fast/memcpy", "fast/portable");
    double med[2][8];
    for (size_t s = 0; s < 2; s++) {
        printf("%6zu B", sizes[s]);
        for (size_t k = 0; k < nm; k++) {
            med[s][k] = median(m[k].gbps[s], reps);
            printf(" %9.2f", med[s][k]);
        }
        printf(" %8.1fx %10.2fx %12.2fx\n", med[s][0] / med[s][3], med[s][0] / med[s][4],
               med[s][0] / med[s][2]);
    }
    for (size_t s = 0; s < 2; s++) {
        printf("RESULT size=%zu", sizes[s]);
        for (size_t k = 0; k < nm; k++)
            printf(" %s=%.3f", m[k].name, med[s][k]);
        printf("\n");
    }
    return 0;
}
