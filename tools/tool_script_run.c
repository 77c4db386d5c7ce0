/* `synack script`: running a parsed script in virtual time.
 *
 * The clock starts at 0 and moves only forward, to each line's time and,
 * on the way, to every deadline the stack names (sk_stack_poll_at), where
 * its output is drained and every frame stamped with the time it left.
 * A `>` line takes the oldest frame not yet matched: it must have left
 * within the tolerance of the line's time and match the line. Before any
 * other line a frame left earlier than the tolerance allows is an
 * "unexpected" failure, and so is one left over after the last line. */
#include "tool_script.h"

#include "synack/error.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int run_fail(sc_runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run_fail(sc_runner *r, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(r->err, "%s:%d: %s\n", r->sc->file, r->line, msg);
    return -1;
}

static double secs(sk_time_us t)
{
    return (double)t / 1e6;
}

/* Take every frame the stack has for `now`. */
static int drain(sc_runner *r)
{
    for (int i = 0; i < 100000; i++) {
        if (r->qn == SC_QCAP)
            return run_fail(r, "more than %d segments emitted and not matched", SC_QCAP);
        sc_frame *f = &r->q[(r->qh + r->qn) % SC_QCAP];
        size_t n = sk_stack_output(r->s, r->now, f->data, sizeof f->data);
        if (n == 0)
            return 0;
        f->len = (uint16_t)n;
        f->t = r->now;
        r->qn++;
        if (r->verbose) {
            char text[300];
            sc_format_frame(&r->fl, f->data, f->len, text, sizeof text);
            fprintf(r->out, "  %10.6f  emitted  %s\n", secs(r->now), text);
        }
    }
    return run_fail(r, "the stack does not stop emitting");
}

/* Move the clock to `target` through every deadline on the way; with
 * stop_on_frame, stop at the first time a frame is waiting. */
static int advance(sc_runner *r, sk_time_us target, bool stop_on_frame)
{
    for (int i = 0; i < 1000000; i++) {
        if (drain(r) != 0)
            return -1;
        if (stop_on_frame && r->qn > 0)
            return 0;
        sk_time_us d = sk_stack_poll_at(r->s);
        if (d > target || d == SK_NEVER)
            break;
        r->now = d > r->now ? d : r->now + 1; /* still due after a drain: move on */
    }
    if (r->now < target) {
        r->now = target;
        return drain(r);
    }
    return 0;
}

static const sc_frame *head(const sc_runner *r)
{
    return r->qn > 0 ? &r->q[r->qh] : NULL;
}

static void pop(sc_runner *r)
{
    r->qh = (r->qh + 1) % SC_QCAP;
    r->qn--;
}

static int unexpected(sc_runner *r, const sc_frame *f, const char *when)
{
    char got[300];
    sc_format_frame(&r->fl, f->data, f->len, got, sizeof got);
    return run_fail(r, "unexpected outbound segment at %.6f %s: %s", secs(f->t), when, got);
}

static int run_out(sc_runner *r, const sc_line *ln, sk_time_us t)
{
    uint32_t tol = r->sc->setup.tolerance_us;
    bool any = ln->time_kind == SC_T_ANY;
    sk_time_us lo = any ? r->now : (t > tol ? t - tol : 0);
    sk_time_us hi = any ? r->now + 600000000u : t + tol;
    char want[200], got[300], why[160];
    sc_format_seg(&ln->seg, '>', want, sizeof want);
    if (advance(r, lo, false) != 0)
        return -1;
    const sc_frame *f = head(r);
    if (f != NULL && f->t < lo) {
        sc_format_frame(&r->fl, f->data, f->len, got, sizeof got);
        return run_fail(r, "expected %s at %.6f, got %s at %.6f", want, secs(t), got, secs(f->t));
    }
    if (f == NULL && advance(r, hi, true) != 0)
        return -1;
    f = head(r);
    if (f == NULL)
        return run_fail(r, "expected %s at %.6f, got nothing by %.6f", want, secs(t), secs(hi));
    if (!sc_match_out(&r->fl, &ln->seg, f->data, f->len, why, sizeof why)) {
        sc_format_frame(&r->fl, f->data, f->len, got, sizeof got);
        return run_fail(r, "expected %s at %.6f, got %s at %.6f (%s)", want, secs(t), got,
                        secs(f->t), why);
    }
    pop(r);
    return 0;
}

/* Bring the clock to t for a `<` line or a call. */
static int arrive_at(sc_runner *r, sk_time_us t)
{
    uint32_t tol = r->sc->setup.tolerance_us;
    if (advance(r, t, false) != 0)
        return -1;
    const sc_frame *f = head(r);
    if (f != NULL && f->t + tol < t)
        return unexpected(r, f, "before this line");
    return 0;
}

static int run_in(sc_runner *r, const sc_line *ln)
{
    uint8_t pkt[SC_FRAME_CAP];
    size_t n = sc_build_in(&r->fl, &ln->seg, pkt, sizeof pkt);
    if (n == 0)
        return run_fail(r, "the segment's options take more than 40 bytes");
    if (r->verbose) {
        char text[200];
        sc_format_seg(&ln->seg, '<', text, sizeof text);
        fprintf(r->out, "  %10.6f  injected %s\n", secs(r->now), text);
    }
    sk_stack_input(r->s, r->now, pkt, n);
    return drain(r);
}

static int run_line(sc_runner *r, const sc_line *ln, sk_time_us t)
{
    if (ln->kind == SC_OUT)
        return run_out(r, ln, t);
    if (arrive_at(r, t) != 0)
        return -1;
    if (ln->kind == SC_IN)
        return run_in(r, ln);
    char why[300];
    if (sc_do_call(r, &ln->call, why, sizeof why) != 0)
        return run_fail(r, "%s", why);
    if (r->verbose)
        fprintf(r->out, "  %10.6f  %s(...) ok\n", secs(r->now), ln->call.name);
    return drain(r);
}

/* The line's time on the script's clock. */
static int line_time(sc_runner *r, const sc_line *ln, sk_time_us prev, sk_time_us *t)
{
    if (ln->time_kind == SC_T_ANY)
        *t = r->now;
    else if (ln->time_kind == SC_T_REL)
        *t = prev + (sk_time_us)ln->t_us;
    else
        *t = (sk_time_us)ln->t_us;
    if (*t + r->sc->setup.tolerance_us < prev)
        return run_fail(r, "time %.6f is before the previous line's %.6f", secs(*t), secs(prev));
    if (*t + r->sc->setup.tolerance_us < r->now && ln->kind != SC_OUT)
        return run_fail(r, "time %.6f is before the clock's %.6f", secs(*t), secs(r->now));
    return 0;
}

static int run_all(sc_runner *r)
{
    sk_time_us prev = 0;
    for (int i = 0; i < r->sc->n; i++) {
        const sc_line *ln = &r->sc->lines[i];
        r->line = ln->line;
        sk_time_us t;
        if (line_time(r, ln, prev, &t) != 0 || run_line(r, ln, t) != 0)
            return -1;
        prev = ln->time_kind == SC_T_ANY ? r->now : t;
    }
    if (drain(r) != 0)
        return -1;
    if (head(r) != NULL)
        return unexpected(r, head(r), "after the last line");
    return 0;
}

int sc_run(const sc_script *sc, FILE *out, FILE *err, bool verbose)
{
    sc_runner *r = calloc(1, sizeof *r);
    if (r == NULL)
        return 1;
    r->sc = sc;
    r->out = out;
    r->err = err;
    r->verbose = verbose;
    r->q = calloc(SC_QCAP, sizeof *r->q);
    r->fl.lport = SC_LISTEN_PORT; /* until listen() or connect() says otherwise */
    r->fl.rport = SC_PEER_PORT;
    sc_addrs(sc->setup.family, &r->fl.us, &r->fl.peer);
    r->line = sc->n > 0 ? sc->lines[0].line : 0;
    int rc = 1;
    int e = r->q == NULL ? SK_ENOMEM : sk_stack_create(&sc->setup.cfg, &r->s);
    if (e != 0)
        run_fail(r, "the stack's configuration is refused: %s", sk_strerror(e));
    else
        rc = run_all(r) == 0 ? 0 : 1;
    sk_stack_destroy(r->s);
    free(r->q);
    free(r);
    return rc;
}
