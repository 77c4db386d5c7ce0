/* synack link: an impaired Ethernet link between two TAP devices, each in
 * its own network namespace if asked, for kernels without netem. Every frame
 * goes through the simulator's impairment model (sim/impair.h: delay,
 * jitter, rate with a bounded queue, uniform and bursty loss, duplication,
 * reordering, corruption, MTU), one model per direction. See
 * port/posix/README.md ("synack link"). Exit 0 after SIGINT/SIGTERM or
 * --time, 1 on a runtime error, 2 on bad usage. */
#include "posix/posix_netns.h"
#include "posix/posix_sys.h"
#include "tool.h"
#include "tool_link.h"
#include "tool_net.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "link"

static const char usage_text[] =
    "usage: synack link --tap-a NAME --tap-b NAME [--ns-a NS] [--ns-b NS] [options]\n"
    "Forward every Ethernet frame between TAP devices A and B through an impairment\n"
    "model, one per direction (a user-space netem for kernels without it).\n"
    "  --tap-a NAME, --tap-b NAME  the devices (created if missing, attached if made by\n"
    "                            `ip tuntap add ... mode tap`); brought up\n"
    "  --ns-a NS, --ns-b NS      open the device inside this network namespace (a name\n"
    "                            from `ip netns add`, or a path such as /proc/PID/ns/net)\n"
    "  --impair SPEC             the same impairment both ways (each its own random stream)\n"
    "  --a2b SPEC, --b2a SPEC    one direction each (instead of --impair)\n"
    "  --seed N                  fixed seed (default: from the OS; printed at start)\n"
    "  --time SECS               stop after SECS seconds (default: at SIGINT/SIGTERM)\n"
    "  --stats                   print per-direction counters and timing at exit\n"
    "SPEC: comma-separated key=value (sim/README.md), e.g.\n"
    "  delay=10ms,rate=100mbit,queue=250k,loss=1%\n"
    "  loss=P dup=P reorder=P corrupt=P (0..1 or N%), delay= jitter= reorder_delay=\n"
    "  (us, ms, s), rate= (bit, kbit, mbit, gbit), queue= (bytes, k, m; needs rate),\n"
    "  mtu= (bytes), ge=p/r[/loss_bad[/loss_good]] (Gilbert-Elliott bursty loss:\n"
    "  good->bad p, bad->good r; loss in bad, default 1, and in good, default 0)\n";

typedef struct {
    const char *tap[2], *ns[2];
    const char *spec[3]; /* --impair, --a2b, --b2a */
    sk_impair_config cfg[2];
    uint64_t seed, secs;
    bool have_seed, stats;
} link_opts;

static int take_value(int argc, char **argv, int *i, const char **out)
{
    if (*i + 1 >= argc) {
        tool_error(CMD, "%s needs a value (try --help)", argv[*i]);
        return -1;
    }
    *out = argv[++*i];
    return 0;
}

static int parse_one(link_opts *o, int argc, char **argv, int *i)
{
    static const char *const valued[] = {"--tap-a", "--tap-b", "--ns-a", "--ns-b", "--impair",
                                         "--a2b", "--b2a", "--seed", "--time"};
    const char *a = argv[*i], *v = NULL;
    if (!strcmp(a, "--stats")) {
        o->stats = true;
        return 0;
    }
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++) {
        if (strcmp(a, valued[k]) != 0)
            continue;
        if (take_value(argc, argv, i, &v) != 0)
            return -1;
        const char **slot[] = {&o->tap[0], &o->tap[1], &o->ns[0], &o->ns[1], &o->spec[0],
                               &o->spec[1], &o->spec[2], NULL, NULL};
        if (slot[k] != NULL) {
            *slot[k] = v;
            return 0;
        }
        uint64_t *num = k == 7 ? &o->seed : &o->secs;
        if (tool_parse_u64(v, k == 7 ? 0 : 1, k == 7 ? UINT64_MAX : 86400u * 365u, num) != 0) {
            tool_error(CMD, "bad %s '%s' (try --help)", a, v);
            return -1;
        }
        o->have_seed |= k == 7;
        return 0;
    }
    tool_error(CMD, "unknown %s '%s' (try --help)", a[0] == '-' ? "option" : "argument", a);
    return -1;
}

static int parse_specs(link_opts *o)
{
    char err[200];
    if (o->spec[0] != NULL && (o->spec[1] != NULL || o->spec[2] != NULL)) {
        tool_error(CMD, "--impair sets both directions: use it or --a2b/--b2a, not both");
        return -1;
    }
    for (int d = 0; d < 2; d++) {
        const char *s = o->spec[0] != NULL ? o->spec[0] : o->spec[1 + d];
        if (s != NULL && sk_impair_parse(s, &o->cfg[d], err, sizeof err) != 0) {
            tool_error(CMD, "bad %s spec: %s", o->spec[0] ? "--impair" : d ? "--b2a" : "--a2b",
                       err);
            return -1;
        }
    }
    return 0;
}

/* 0: go on; else the exit status (0 after --help). */
static int parse_args(link_opts *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return -1;
        }
        if (parse_one(o, argc, argv, &i) != 0)
            return 2;
    }
    if (o->tap[0] == NULL || o->tap[1] == NULL) {
        tool_error(CMD, "--tap-a and --tap-b are required (try --help)");
        return 2;
    }
    if (o->ns[0] == NULL && o->ns[1] == NULL && !strcmp(o->tap[0], o->tap[1])) {
        tool_error(CMD, "--tap-a and --tap-b name the same device");
        return 2;
    }
    return parse_specs(o) != 0 ? 2 : 0;
}

/* Open TAP `i` inside its namespace (if any), then return to `home`. */
static int open_side(const link_opts *o, int i, sk_posix_dev *dev, int home)
{
    char err[256];
    int fd = -1, rc = -1;
    if (o->ns[i] != NULL) {
        fd = sk_posix_netns_open(o->ns[i], err, sizeof err);
        if (fd < 0 || sk_posix_netns_enter(fd, o->ns[i], err, sizeof err) != 0)
            goto out;
    }
    rc = sk_posix_dev_open(dev, SK_DEV_TAP, o->tap[i], err, sizeof err);
    if (o->ns[i] != NULL && sk_posix_netns_enter(home, "of this process", err, sizeof err) != 0)
        rc = -1;
out:
    if (rc != 0)
        tool_error(CMD, "%s", err);
    if (fd >= 0)
        close(fd);
    return rc;
}

static int open_both(const link_opts *o, tool_link *l)
{
    char err[256];
    int home = sk_posix_netns_self(err, sizeof err);
    if (home < 0 && (o->ns[0] != NULL || o->ns[1] != NULL)) {
        tool_error(CMD, "%s", err);
        return -1;
    }
    int rc = open_side(o, 0, &l->a, home);
    if (rc == 0 && (rc = open_side(o, 1, &l->b, home)) != 0)
        sk_posix_dev_close(&l->a);
    if (home >= 0)
        close(home);
    return rc;
}

int cmd_link(int argc, char **argv)
{
    link_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse_args(&o, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    uint64_t seed = o.have_seed ? o.seed : sk_posix_seed();
    tool_link *l = calloc(1, sizeof *l);
    if (l == NULL || open_both(&o, l) != 0) {
        free(l);
        return 1;
    }
    char err[200];
    if (tool_link_init(l, &o.cfg[0], &o.cfg[1], seed, err, sizeof err) != 0) {
        tool_error(CMD, "%s", err);
        rc = 1;
        goto done;
    }
    tool_signals_install();
    fprintf(stderr, "synack link: %s%s%s <-> %s%s%s running, seed %llu\n", o.tap[0],
            o.ns[0] ? " in " : "", o.ns[0] ? o.ns[0] : "", o.tap[1], o.ns[1] ? " in " : "",
            o.ns[1] ? o.ns[1] : "", (unsigned long long)seed);
    uint64_t until = o.secs ? sk_posix_now_us() + o.secs * 1000000u : 0;
    if (tool_link_run(l, &tool_stop_flag, until) != 0) {
        tool_error(CMD, "device failed: %s", strerror(errno));
        rc = 1;
    }
    if (o.stats)
        tool_link_print_stats(l, stderr);
    tool_link_free(l);
done:
    sk_posix_dev_close(&l->a);
    sk_posix_dev_close(&l->b);
    free(l);
    return rc;
}
