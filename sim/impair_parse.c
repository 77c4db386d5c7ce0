/* sk_impair_parse: the command-line impairment spec, a comma-separated list of
 * key=value items (see sim/README.md). Numbers are parsed by hand, not with
 * strtod, so the result does not depend on the C locale. */
#include "impair.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *p;
    size_t n;
} span;

struct unit {
    const char *name;
    double mult;
};

static const struct unit time_units[] = {{"us", 1.0}, {"ms", 1e3}, {"s", 1e6}, {NULL, 0}};
static const struct unit rate_units[] = {
    {"bit", 1.0}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {NULL, 0}};
static const struct unit byte_units[] = {{"", 1.0}, {"k", 1024.0}, {"m", 1048576.0}, {NULL, 0}};

enum key_id { K_LOSS, K_DUP, K_REORDER, K_CORRUPT, K_DELAY, K_JITTER, K_REORDER_DELAY,
              K_RATE, K_QUEUE, K_MTU, K_GE, K__COUNT };

struct key {
    const char *name;
    const struct unit *units; /* NULL: a probability */
    double max;
};

static const struct key keys[K__COUNT] = {
    [K_LOSS] = {"loss", NULL, 1.0},
    [K_DUP] = {"dup", NULL, 1.0},
    [K_REORDER] = {"reorder", NULL, 1.0},
    [K_CORRUPT] = {"corrupt", NULL, 1.0},
    [K_DELAY] = {"delay", time_units, 4294967295.0},
    [K_JITTER] = {"jitter", time_units, 4294967295.0},
    [K_REORDER_DELAY] = {"reorder_delay", time_units, 4294967295.0},
    [K_RATE] = {"rate", rate_units, (double)SK_IMPAIR_RATE_MAX},
    [K_QUEUE] = {"queue", byte_units, 4294967295.0},
    [K_MTU] = {"mtu", byte_units, 4294967295.0},
    [K_GE] = {"ge", NULL, 1.0}, /* p/r[/loss_bad[/loss_good]]: parse_ge */
};

#define ERR(...) ((err != NULL && errcap != 0) ? (void)snprintf(err, errcap, __VA_ARGS__) : (void)0)
#define SPAN(s) (int)(s).n, (s).p

static int is_space(char c) { return c == ' ' || c == '\t'; }

static span trim(span s)
{
    while (s.n > 0 && is_space(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && is_space(s.p[s.n - 1]))
        s.n--;
    return s;
}

static int span_is(span s, const char *lit)
{
    return strlen(lit) == s.n && memcmp(s.p, lit, s.n) == 0;
}

/* A non-negative decimal "123" or "1.25" at the start of s. Returns the
 * number of characters used (0: no number). The mantissa and the power of
 * ten are exact integers, so one division gives the correctly rounded
 * double ("0.1" is the double nearest 0.1). */
static size_t parse_decimal(span s, double *out)
{
    uint64_t mant = 0, div = 1;
    size_t i = 0, digits = 0;
    int frac = 0;
    for (; i < s.n; i++) {
        char c = s.p[i];
        if (c == '.' && !frac) {
            frac = 1;
            continue;
        }
        if (c < '0' || c > '9')
            break;
        if (++digits > 18)
            return 0; /* more precision than we keep: call it malformed */
        mant = mant * 10u + (uint64_t)(c - '0');
        if (frac)
            div *= 10u;
    }
    if (digits == 0)
        return 0;
    *out = (double)mant / (double)div;
    return i;
}

static void unit_list(const struct unit *u, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (; u->name != NULL && used < cap; u++) {
        if (u->name[0] != '\0') {
            int n = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", u->name);
            used += n > 0 ? (size_t)n : 0;
        }
    }
}

static int find_unit(const struct unit *u, span name, double *mult)
{
    for (; u->name != NULL; u++) {
        if (span_is(name, u->name)) {
            *mult = u->mult;
            return 0;
        }
    }
    return -1;
}

/* "0.05" or "5%" */
static int parse_prob(const struct key *k, span val, double *out, char *err, size_t errcap)
{
    double x;
    size_t used = parse_decimal(val, &x);
    span rest = {val.p + used, val.n - used};
    if (used == 0 || (rest.n != 0 && !span_is(rest, "%"))) {
        ERR("%s: '%.*s' is not a probability (0..1 or 0%%..100%%)", k->name, SPAN(val));
        return -1;
    }
    if (rest.n != 0)
        x /= 100.0;
    if (x > 1.0) {
        ERR("%s: '%.*s' is above 1 (100%%)", k->name, SPAN(val));
        return -1;
    }
    *out = x;
    return 0;
}

/* A number and a unit from k->units, rounded to an integer. */
static int parse_scaled(const struct key *k, span val, uint64_t *out, char *err, size_t errcap)
{
    char units[64];
    double x, mult;
    size_t used = parse_decimal(val, &x);
    span unit = {val.p + used, val.n - used};
    unit_list(k->units, units, sizeof units);
    if (used == 0) {
        ERR("%s: '%.*s' is not a number", k->name, SPAN(val));
        return -1;
    }
    if (find_unit(k->units, unit, &mult) != 0) {
        if (unit.n == 0)
            ERR("%s: '%.*s' needs a unit (%s)", k->name, SPAN(val), units);
        else
            ERR("%s: unknown unit '%.*s' (%s)", k->name, SPAN(unit), units);
        return -1;
    }
    x = x * mult + 0.5;
    if (x >= k->max + 1.0) {
        ERR("%s: '%.*s' is too large", k->name, SPAN(val));
        return -1;
    }
    /* rate, queue and mtu: 0 in the config means "no limit", so a value
     * that rounds to 0 would silently turn the limit off. Times may be 0. */
    if (x < 1.0 && k->units != time_units) {
        ERR("%s: '%.*s' rounds to 0 (0 means no limit: leave the key out)", k->name, SPAN(val));
        return -1;
    }
    *out = (uint64_t)x;
    return 0;
}

/* The chain's part of a `ge` value: "p/r[/loss_bad[/loss_good]]". */
static int parse_ge_chain(span val, sk_impair_config *cfg, char *err, size_t errcap)
{
    static const char *const names[4] = {"p", "r", "loss_bad", "loss_good"};
    double v[4] = {0.0, 0.0, 1.0, 0.0};
    int n = 0;
    const char *p = val.p, *end = val.p + val.n;
    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        span part = trim((span){p, (size_t)((slash ? slash : end) - p)});
        if (n == 4) {
            ERR("ge: '%.*s' has more than 4 parts (p/r[/loss_bad[/loss_good]])", SPAN(val));
            return -1;
        }
        struct key k = {names[n], NULL, 1.0};
        if (part.n == 0) {
            ERR("ge: %s is missing in '%.*s' (p/r[/loss_bad[/loss_good]])", names[n], SPAN(val));
            return -1;
        }
        char sub[80];
        if (parse_prob(&k, part, &v[n], sub, sizeof sub) != 0) {
            ERR("ge: %s", sub);
            return -1;
        }
        n++;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    if (n < 2 || v[0] <= 0.0 || v[1] <= 0.0) {
        ERR("ge: '%.*s' needs p/r, both above 0 (p/r[/loss_bad[/loss_good]])", SPAN(val));
        return -1;
    }
    cfg->ge_p = v[0];
    cfg->ge_r = v[1];
    cfg->ge_loss_bad = v[2];
    cfg->ge_loss_good = v[3];
    return 0;
}

/* The time-stepped chain's quantum after '@' in "ge=p/r@121us": a time of
 * at least 1 us (0 would be the per-frame chain: leave '@' out). */
static int parse_ge_quantum(span q, uint32_t *out, char *err, size_t errcap)
{
    static const struct key k = {"ge quantum", time_units, 4294967295.0};
    uint64_t v = 0;
    char sub[120];
    if (parse_scaled(&k, trim(q), &v, sub, sizeof sub) != 0) {
        ERR("ge: %s", sub);
        return -1;
    }
    if (v == 0) {
        ERR("ge: quantum '%.*s' rounds to 0 us (per-frame steps: leave out '@')", SPAN(q));
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* Gilbert-Elliott: "p/r[/loss_bad[/loss_good]][@quantum]", each a
 * probability; loss_bad defaults to 1 and loss_good to 0 (loss only in bad,
 * the usual simplified form). p and r must be above 0: p = 0 never enters
 * bad, r = 0 never leaves it. With "@quantum" the chain steps once per
 * quantum of time (p and r per quantum), without it once per frame. */
static int parse_ge(span val, sk_impair_config *cfg, char *err, size_t errcap)
{
    uint32_t quantum = 0;
    const char *at = memchr(val.p, '@', val.n);
    if (at != NULL) {
        span q = {at + 1, val.n - (size_t)(at + 1 - val.p)};
        if (parse_ge_quantum(q, &quantum, err, errcap) != 0)
            return -1;
        val = trim((span){val.p, (size_t)(at - val.p)});
    }
    if (parse_ge_chain(val, cfg, err, errcap) != 0)
        return -1;
    cfg->ge_quantum_us = quantum;
    return 0;
}

static void store(sk_impair_config *c, enum key_id id, double p, uint64_t v)
{
    switch (id) {
    case K_LOSS: c->loss = p; break;
    case K_DUP: c->dup = p; break;
    case K_REORDER: c->reorder = p; break;
    case K_CORRUPT: c->corrupt = p; break;
    case K_DELAY: c->delay_us = (uint32_t)v; break;
    case K_JITTER: c->jitter_us = (uint32_t)v; break;
    case K_REORDER_DELAY: c->reorder_extra_us = (uint32_t)v; break;
    case K_RATE: c->bandwidth_bps = v; break;
    case K_QUEUE: c->queue_limit_bytes = (uint32_t)v; break;
    case K_MTU: c->mtu = (uint32_t)v; break;
    case K_GE: case K__COUNT: break;
    }
}

static int find_key(span name, enum key_id *id)
{
    for (int i = 0; i < K__COUNT; i++) {
        if (span_is(name, keys[i].name)) {
            *id = (enum key_id)i;
            return 0;
        }
    }
    return -1;
}

static int parse_item(span item, sk_impair_config *cfg, unsigned *seen, char *err, size_t errcap)
{
    const char *eq = memchr(item.p, '=', item.n);
    if (eq == NULL) {
        ERR("'%.*s': expected key=value", SPAN(item));
        return -1;
    }
    span name = trim((span){item.p, (size_t)(eq - item.p)});
    span val = trim((span){eq + 1, item.n - (size_t)(eq - item.p) - 1});
    enum key_id id;
    if (find_key(name, &id) != 0) {
        ERR("unknown key '%.*s' (loss, dup, reorder, corrupt, delay, jitter, "
            "reorder_delay, rate, queue, mtu, ge)", SPAN(name));
        return -1;
    }
    if (*seen & (1u << id)) {
        ERR("%s given twice", keys[id].name);
        return -1;
    }
    *seen |= 1u << id;
    if (val.n == 0) {
        ERR("%s: missing value", keys[id].name);
        return -1;
    }
    if (id == K_GE)
        return parse_ge(val, cfg, err, errcap);
    double p = 0.0;
    uint64_t v = 0;
    int rc = keys[id].units ? parse_scaled(&keys[id], val, &v, err, errcap)
                            : parse_prob(&keys[id], val, &p, err, errcap);
    if (rc == 0)
        store(cfg, id, p, v);
    return rc;
}

int sk_impair_parse(const char *spec, sk_impair_config *out, char *err, size_t errcap)
{
    sk_impair_config cfg = {0};
    unsigned seen = 0;
    span all = trim((span){spec, strlen(spec)});
    const char *p = all.p, *end = all.p + all.n;
    while (all.n != 0) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        span item = trim((span){p, (size_t)(stop - p)});
        if (item.n == 0) {
            ERR("empty item in '%s' (a stray comma?)", spec);
            return -1;
        }
        if (parse_item(item, &cfg, &seen, err, errcap) != 0)
            return -1;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    if (cfg.queue_limit_bytes != 0 && cfg.bandwidth_bps == 0) {
        ERR("queue needs rate (the queue fills only behind a rate limit)");
        return -1;
    }
    *out = cfg;
    return 0;
}
