/* sk_impair: a one-direction, fault-injecting delay line for opaque frames.
 *
 * A frame submitted at `now` is (in this order) checked against the MTU,
 * tail-dropped if the transmit queue is full, serialized at the link rate
 * behind the frames already queued, possibly lost, possibly duplicated, and
 * each surviving copy is delayed (delay + jitter), possibly reordered (an
 * extra delay) and possibly corrupted (one bit flipped). sk_impair_pop()
 * hands copies back when their delivery time has come, earliest first and
 * first-in first-out among equal times.
 *
 * Order: copies that are not reordered are delivered in submission order,
 * even with jitter (a copy never overtakes an earlier one, as on a real path
 * where jitter comes from queueing). Only `reorder` reorders.
 *
 * Determinism: every random choice comes from an sk_rng seeded at init, drawn
 * in a fixed order, so the same seed and the same submissions (times, bytes)
 * give the same deliveries. `now` must not go backwards between calls.
 *
 * Memory: frames are copied into malloc'd buffers; sk_impair_free() releases
 * everything still queued. The struct may be embedded; treat its fields as
 * private except `stats`.
 */
#ifndef SK_SIM_IMPAIR_H
#define SK_SIM_IMPAIR_H

#include "synack/rng.h"

#include <stddef.h>
#include <stdint.h>

/* All zero = a perfect, instant, unlimited link. */
typedef struct {
    double loss;               /* probability a frame is lost, 0..1 */
    double dup;                /* probability a frame is delivered twice */
    double reorder;            /* probability a copy gets reorder_extra_us more delay */
    double corrupt;            /* probability a copy has one random bit flipped */
    uint32_t delay_us;         /* fixed one-way propagation delay */
    uint32_t jitter_us;        /* extra delay, uniform in [0, jitter_us] per copy */
    uint32_t reorder_extra_us; /* 0: default, max(2 * delay_us, 5 ms) */
    uint64_t bandwidth_bps;    /* link rate in bit/s; 0 = unlimited (no serialization) */
    uint32_t queue_limit_bytes; /* transmit queue (needs a rate); 0 = unlimited */
    uint32_t mtu;              /* largest frame accepted, bytes; 0 = no limit */
    /* Bursty loss (Gilbert-Elliott), on when ge_p > 0: a two-state Markov
     * chain stepped once per frame on the wire. In state good a frame is
     * lost with probability ge_loss_good (1 - k), in state bad with
     * ge_loss_bad (1 - h); then the chain moves good -> bad with ge_p and
     * bad -> good with ge_r. It starts in good. Long-run loss rate:
     * (ge_r * ge_loss_good + ge_p * ge_loss_bad) / (ge_p + ge_r); mean stay
     * in bad: 1 / ge_r frames. Applies on top of `loss`. */
    double ge_p, ge_r;         /* transition probabilities; ge_r > 0 when on */
    double ge_loss_bad;        /* loss probability in bad (the usual form: 1) */
    double ge_loss_good;       /* loss probability in good (the usual form: 0) */
    /* Time-stepped Gilbert-Elliott, when ge_quantum_us > 0: the chain steps
     * once per ge_quantum_us of time instead of once per frame (ge_p and
     * ge_r are then per quantum; a stay in bad lasts 1 / ge_r quanta), on
     * its own random stream, whether frames pass or not. Quantum 0 starts
     * at the first frame's time on the wire (the end of its serialization);
     * a frame is judged by the chain's state in the quantum holding its
     * own time on the wire. So the same seed gives the same good/bad
     * pattern in time however many frames are offered. */
    uint32_t ge_quantum_us;
} sk_impair_config;

typedef struct {
    uint64_t submitted;     /* frames given to sk_impair_submit */
    uint64_t delivered;     /* copies returned by sk_impair_pop */
    uint64_t lost;          /* frames lost on the wire (after serialization) */
    uint64_t burst_lost;    /* ... of them, by the Gilbert-Elliott model alone */
    uint64_t bad_frames;    /* frames that met the Gilbert-Elliott chain in bad */
    uint64_t duplicated;    /* extra copies made */
    uint64_t reordered;     /* copies given the reorder delay */
    uint64_t corrupted;     /* copies with a flipped bit */
    uint64_t queue_dropped; /* tail drops: the transmit queue was full */
    uint64_t mtu_dropped;   /* frames longer than the MTU */
} sk_impair_stats;

/* What sk_impair_submit did with a frame. */
enum sk_impair_fate {
    SK_IMPAIR_QUEUED,     /* at least one copy will be delivered */
    SK_IMPAIR_LOST,       /* lost on the wire */
    SK_IMPAIR_QUEUE_DROP, /* tail drop (also when the host is out of memory) */
    SK_IMPAIR_MTU_DROP,   /* longer than the MTU */
};

/* Flags describing a delivered copy. */
#define SK_IMPAIR_F_DUP 1u       /* the extra copy of a duplicated frame */
#define SK_IMPAIR_F_REORDERED 2u /* delivered with the reorder delay */
#define SK_IMPAIR_F_CORRUPTED 4u /* one bit flipped */

/* Default extra delay of a reordered copy when reorder_extra_us is 0. */
#define SK_IMPAIR_REORDER_MIN_US 5000u

/* Highest accepted link rate (keeps the serialization arithmetic exact). */
#define SK_IMPAIR_RATE_MAX 1000000000000ull /* 1 Tbit/s */

typedef struct sk_impair_item sk_impair_item; /* private */
typedef struct sk_impair_tx sk_impair_tx;     /* private */

typedef struct {
    sk_impair_config cfg;
    sk_impair_stats stats;
    sk_rng rng;
    sk_impair_item *heap; /* binary min-heap on (time, seq) */
    size_t heap_len, heap_cap;
    uint64_t next_seq;      /* tie-breaker: FIFO among equal times */
    uint64_t last_in_order; /* latest delivery time of a non-reordered copy */
    uint64_t busy_us;       /* serialization clock: link busy until here ... */
    uint64_t busy_frac;     /* ... plus busy_frac / bandwidth_bps microseconds */
    sk_impair_tx *tx;       /* ring of frames still serializing (queue limit only) */
    size_t tx_head, tx_count, tx_cap;
    uint64_t backlog_bytes; /* bytes not yet fully serialized */
    int ge_bad;             /* Gilbert-Elliott state: 1 = bad */
    /* time-stepped chain only (cfg.ge_quantum_us > 0): */
    sk_rng ge_rng;          /* the chain's own stream */
    uint64_t ge_origin_us;  /* start of quantum 0: the first frame's wire time */
    uint64_t ge_step;       /* quanta stepped so far: ge_bad is quantum ge_step's state */
    int ge_started;         /* ge_origin_us is set */
} sk_impair;

/* Returns 0, or -1 if a probability is outside [0, 1] or NaN, the rate is
 * above SK_IMPAIR_RATE_MAX, or ge_p > 0 with ge_r == 0 (a chain that never
 * leaves bad) (imp is then left safe to free). */
int sk_impair_init(sk_impair *imp, const sk_impair_config *cfg, uint64_t seed);
void sk_impair_free(sk_impair *imp);

/* Copy `frame` into the delay line (see the file comment for the model). */
enum sk_impair_fate sk_impair_submit(sk_impair *imp, uint64_t now, const uint8_t *frame,
                                     size_t len);

/* Delivery time of the next copy, or UINT64_MAX when none is queued. */
uint64_t sk_impair_next_time(const sk_impair *imp);

/* Number of copies waiting for delivery. */
size_t sk_impair_pending(const sk_impair *imp);

/* If a copy is due (its time <= now), copy it into buf and return 1, with
 * *len = its full length (a copy longer than cap is cut to cap bytes) and
 * *flags = SK_IMPAIR_F_* bits (flags may be NULL). Otherwise return 0. */
int sk_impair_pop(sk_impair *imp, uint64_t now, uint8_t *buf, size_t cap, size_t *len,
                  unsigned *flags);

/* Parse a spec such as
 *   "loss=0.1,delay=20ms,jitter=5ms,reorder=5%,dup=0.01,corrupt=0.001,
 *    rate=10mbit,queue=64k,mtu=1500,ge=1%/25%/100%/0"
 * ("ge=0.25%/25%@121us": the chain steps once per 121 us, not per frame)
 * into *out (every key not given is zero). The empty string is a perfect
 * link. Returns 0, or -1 with a message in err (NULL allowed) and *out
 * untouched. The syntax is described in sim/README.md. */
int sk_impair_parse(const char *spec, sk_impair_config *out, char *err, size_t errcap);

#endif
