/* HyStart++ (RFC 9406): slow start that leaves early, into Conservative
 * Slow Start, when the RTT grows by a threshold from one round to the
 * next. Used by CUBIC (tcp_cc_cubic.c) for the initial slow start only
 * (RFC 9406 §4.3). */
#ifndef SK_TCP_CC_HYSTART_H
#define SK_TCP_CC_HYSTART_H

#include "tcp/tcp_cc.h"

/* RFC 9406 §4.3 constants */
#define SK_HS_MIN_RTT_THRESH_US 4000u
#define SK_HS_MAX_RTT_THRESH_US 16000u
#define SK_HS_MIN_RTT_DIVISOR 8u
#define SK_HS_N_RTT_SAMPLE 8u
#define SK_HS_CSS_GROWTH_DIVISOR 4u
#define SK_HS_CSS_ROUNDS 5u
#define SK_HS_RTT_INF UINT32_MAX
/* the ACK-train exit (an extension, not RFC 9406; tcp_cc_hystart.c):
 * ACKs within ACK_DELTA of the previous one form a train; a train that
 * spans minRTT / 2 ends slow start, once cwnd >= LOW_WINDOW segments */
#define SK_HS_ACK_DELTA_US 2000u
#define SK_HS_TRAIN_LOW_WINDOW 16u

typedef struct {
    sk_seq window_end;        /* the round ends when this is acknowledged */
    uint32_t last_round_min;  /* lastRoundMinRTT */
    uint32_t cur_round_min;   /* currentRoundMinRTT */
    uint32_t samples;         /* rttSampleCount */
    uint32_t css_baseline;    /* cssBaselineMinRtt */
    uint32_t round_start;     /* the first ACK of this round, us (mod 2^32) */
    uint32_t train_span;      /* the train's latest ACK - round_start, us */
    uint8_t css_rounds;       /* rounds completed in CSS */
    bool active;              /* still in the initial slow start */
    bool started;             /* window_end is valid */
    bool in_css;
    bool train_on;            /* this round's ACKs still form one train */
} sk_hystart;

void sk_hystart_init(sk_hystart *h);
/* An ACK of new data while cwnd < ssthresh: grows cwnd (standard or
 * conservative slow start) and may end slow start by setting ssthresh. */
void sk_hystart_on_ack(sk_hystart *h, sk_tcb *t, const sk_cc_ack *a);
/* A congestion signal: HyStart++ is done for this connection. */
void sk_hystart_stop(sk_hystart *h);

#endif
