/* The engine of `synack link`: two TAP devices joined by one sk_impair delay
 * line per direction. Every frame read from A goes through the a2b model and
 * is written to B when it is due, and the other way round. Frames are opaque
 * (Ethernet, ARP, IPv4, IPv6 alike); nothing is parsed. */
#ifndef SK_TOOL_LINK_H
#define SK_TOOL_LINK_H

#include "impair.h"
#include "posix/posix_dev.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

/* Frames waiting in one direction's delay line at most. A rate without a
 * queue limit would otherwise let a fast sender grow it without bound;
 * beyond this a frame is dropped and counted as `overflow`. */
#define TOOL_LINK_PENDING_MAX 65536u
#define TOOL_LINK_BATCH 64u     /* frames read per device per wakeup */
#define TOOL_LINK_LATE_BUCKETS 6 /* delivery lateness: <10us, <50, <100, <500, <1000, more */

typedef struct {
    const char *name;        /* "a2b" or "b2a" */
    sk_posix_dev *from, *to;
    sk_impair imp;
    uint64_t frames_in, bytes_in;       /* read from `from` */
    uint64_t written, bytes_out;        /* written to `to` */
    uint64_t write_drops;               /* the kernel had no room */
    uint64_t overflow;                  /* TOOL_LINK_PENDING_MAX reached */
    uint64_t late_sum_us, late_max_us;  /* written minus due time */
    uint64_t first_us, last_us;         /* first and last write (0: none) */
    uint64_t first_len;                 /* the first written frame's length */
    uint64_t late_hist[TOOL_LINK_LATE_BUCKETS];
} tool_link_dir;

typedef struct {
    sk_posix_dev a, b;       /* opened by the caller */
    tool_link_dir dir[2];    /* [0] a2b, [1] b2a */
    uint64_t start_us, end_us;
    uint64_t wakeups;
    uint8_t buf[65536];
} tool_link;

/* Set up both directions over the opened l->a and l->b. Returns 0, or -1
 * with a reason in err (a config sk_impair_init refuses). */
int tool_link_init(tool_link *l, const sk_impair_config *a2b, const sk_impair_config *b2a,
                   uint64_t seed, char *err, size_t errcap);
/* Forward until *stop is set (SIGINT/SIGTERM) or the monotonic clock reaches
 * until_us (0: no end). Returns 0, or -1 when a device failed (errno). */
int tool_link_run(tool_link *l, volatile sig_atomic_t *stop, uint64_t until_us);
void tool_link_print_stats(const tool_link *l, FILE *f);
void tool_link_free(tool_link *l);

#endif
