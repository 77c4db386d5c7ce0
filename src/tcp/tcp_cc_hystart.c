/* HyStart++ (RFC 9406 §4.2), in rounds of one window: a round starts with
 * the first ACK beyond the previous round's last byte (windowEnd = SND.NXT
 * at the round's start). Each round keeps its minimum RTT sample; when a
 * round with at least N_RTT_SAMPLE samples has a minimum RTT larger than
 * the last round's by RttThresh, slow start ends and Conservative Slow
 * Start (CSS) begins: growth divided by CSS_GROWTH_DIVISOR for at most
 * CSS_ROUNDS rounds, then congestion avoidance (ssthresh = cwnd). If the
 * RTT falls below the baseline during CSS, the exit was spurious and slow
 * start resumes.
 *
 * The samples are the CC facts' RTT samples: today one timed segment per
 * round trip (RFC 6298 with Karn's rule), so a round gathers N_RTT_SAMPLE
 * samples only once every ACK is timed (RFC 7323 timestamps); until then
 * the delay test does not fire and slow start ends on loss, as without
 * HyStart++ (docs/rfc-coverage.md).
 *
 * Extension (not in RFC 9406; docs/rfc-coverage.md): the ACK-train exit of
 * HyStart (Ha & Rhee, 2011), as Linux's CUBIC has it. The delay test sees
 * a queue only in the round after it formed: with a one-BDP tail-drop
 * queue, the round where cwnd doubles from one BDP to two overflows the
 * queue before its minimum RTT rises. ACKs that come back closely spaced
 * (each within ACK_DELTA of the previous) are paced by the bottleneck; when
 * such a train, counted from the round's first ACK, spans minRTT / 2, the
 * window has filled the path: slow start ends with ssthresh = cwnd. The
 * train is only checked once cwnd >= TRAIN_LOW_WINDOW segments (a small
 * window's ACKs come back in bursts), and a gap ends it for the round. */
#include "tcp/tcp_cc_hystart.h"

#include "tcp/tcp_conn.h"

void sk_hystart_init(sk_hystart *h)
{
    h->window_end = sk_seq_make(0);
    h->last_round_min = SK_HS_RTT_INF;
    h->cur_round_min = SK_HS_RTT_INF;
    h->samples = 0;
    h->css_baseline = SK_HS_RTT_INF;
    h->css_rounds = 0;
    h->active = true;
    h->started = false;
    h->in_css = false;
    h->round_start = 0;
    h->train_span = 0;
    h->train_on = false;
}

void sk_hystart_stop(sk_hystart *h)
{
    h->active = false;
    h->in_css = false;
}

/* §4.2: RttThresh = max(MIN_RTT_THRESH, min(lastRoundMinRTT /
 * MIN_RTT_DIVISOR, MAX_RTT_THRESH)) */
static uint32_t rtt_thresh(uint32_t last_min)
{
    uint32_t th = last_min / SK_HS_MIN_RTT_DIVISOR;
    if (th > SK_HS_MAX_RTT_THRESH_US)
        th = SK_HS_MAX_RTT_THRESH_US;
    return th < SK_HS_MIN_RTT_THRESH_US ? SK_HS_MIN_RTT_THRESH_US : th;
}

/* A new round; false when CSS has run its CSS_ROUNDS and slow start is
 * over (ssthresh = cwnd). */
static bool new_round(sk_hystart *h, sk_tcb *t, sk_time now)
{
    h->last_round_min = h->cur_round_min;
    h->cur_round_min = SK_HS_RTT_INF;
    h->samples = 0;
    h->window_end = t->x->snd_nxt;
    h->started = true;
    h->round_start = (uint32_t)now; /* spans are taken mod 2^32 */
    h->train_span = 0;
    h->train_on = true;
    if (h->in_css && ++h->css_rounds >= SK_HS_CSS_ROUNDS) {
        t->ssthresh = t->cwnd; /* enter congestion avoidance */
        sk_hystart_stop(h);
        return false;
    }
    return true;
}

static void check_rtt(sk_hystart *h)
{
    if (h->samples < SK_HS_N_RTT_SAMPLE || h->cur_round_min == SK_HS_RTT_INF)
        return;
    if (!h->in_css) {
        if (h->last_round_min == SK_HS_RTT_INF)
            return;
        uint64_t limit = (uint64_t)h->last_round_min + rtt_thresh(h->last_round_min);
        if (h->cur_round_min >= limit) {
            h->css_baseline = h->cur_round_min;
            h->in_css = true;
            h->css_rounds = 0;
        }
    } else if (h->cur_round_min < h->css_baseline) {
        /* the RTT fell back: a spurious exit, resume slow start */
        h->css_baseline = SK_HS_RTT_INF;
        h->in_css = false;
        h->css_rounds = 0;
    }
}

/* The ACK-train test: true when this ACK extends the round's train to
 * minRTT / 2 with cwnd at least TRAIN_LOW_WINDOW segments. A paced sender
 * (cfg.pacing) spreads each slow-start flight over half an RTT itself
 * (rate 2 x cwnd / SRTT), so its ACKs come back as a train of that span
 * whatever the path: the train must then span a whole minRTT, as Linux
 * does when it paces (hystart_update: the threshold is halved only
 * without pacing). */
static bool train_full(sk_hystart *h, const sk_tcb *t, const sk_cc_ack *a)
{
    if (!h->train_on || a->min_rtt_us == 0)
        return false;
    uint32_t span = (uint32_t)a->now - h->round_start;
    if (span - h->train_span > SK_HS_ACK_DELTA_US) {
        h->train_on = false; /* a gap: the ACKs are not bottleneck-paced */
        return false;
    }
    h->train_span = span;
    if (t->cwnd < SK_HS_TRAIN_LOW_WINDOW * sk_cc_smss(t))
        return false;
    return span >= (a->paced ? a->min_rtt_us : a->min_rtt_us / 2u);
}

void sk_hystart_on_ack(sk_hystart *h, sk_tcb *t, const sk_cc_ack *a)
{
    /* the ACK of windowEnd itself still belongs to the round that sent it */
    if ((!h->started || sk_seq_gt(a->ack, h->window_end)) && !new_round(h, t, a->now))
        return;
    if (a->rtt_us != 0) {
        if (a->rtt_us < h->cur_round_min)
            h->cur_round_min = a->rtt_us;
        h->samples++;
    }
    /* RFC 5681 slow start with L = 2 SMSS (RFC 3465 §2.3; RFC 9406 §4.2
     * takes L from RFC 3465), divided in CSS */
    uint32_t inc = sk_cc_slow_start_inc(t, a->acked);
    t->cwnd += h->in_css ? inc / SK_HS_CSS_GROWTH_DIVISOR : inc;
    check_rtt(h);
    if (train_full(h, t, a)) {
        t->ssthresh = t->cwnd; /* enter congestion avoidance */
        sk_hystart_stop(h);
    }
}
