/* synack demo: replay the textbook TCP conversation between two synack
 * stacks on a simulated link, narrated segment by segment (see
 * tools/tool_demo.h for how the pieces fit). This file reads the options. */
#include "tool.h"
#include "tool_demo.h"
#include "tool_plot_demo.h"

#include "posix/pcap_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A transfer longer than this shows a progress line on a terminal. */
#define DEMO_PROGRESS_MIN_BYTES 65536u

static const char usage_text[] =
    "usage: synack demo [options]\n"
    "\n"
    "Replays the conversation a TCP textbook tells, between two synack stacks\n"
    "(client 10.0.0.1, server 10.0.0.2) on a simulated link, and narrates it\n"
    "segment by segment: handshake, 20 bytes from the client, 10 bytes back with\n"
    "a piggybacked ACK, then the close. Same options, same output.\n"
    "\n"
    "options:\n"
    "  --explain          explain every segment in plain words\n"
    "  --lang en|zh       language of the explanations and notes (default en)\n"
    "  --loss P           loss probability per segment, each direction: 0..1 or 0%..100%\n"
    "  --delay MS         one-way delay in milliseconds (default 10)\n"
    "  --impair SPEC      full link model for both directions, e.g. \"loss=0.1,reorder=0.05\"\n"
    "                     (syntax in sim/README.md; --loss and --delay override it)\n"
    "  --seed N           seed of the link's randomness and of --random-isn (default 1)\n"
    "  --bytes N          instead of the 20/10-byte exchange, send N bytes from client\n"
    "                     to server and verify them with a checksum at the receiver\n"
    "  --pcap FILE        write the segments to FILE (raw IPv4, virtual time): FILE.pcapng\n"
    "                     has two interfaces, the client (0) and the server (1), each\n"
    "                     frame at its sender when sent and at its receiver when\n"
    "                     delivered (a lost one only at its sender), and the narration\n"
    "                     line as its packet comment; any other name: classic pcap,\n"
    "                     every frame once, when sent\n"
    "  --plot DIR         write SVG plots of the run to DIR: tseq.svg (time-sequence graph),\n"
    "                     cwnd.svg (cwnd, ssthresh, flight), rtt.svg (RTT samples, SRTT, RTO)\n"
    "  --html FILE        write one self-contained page: the ladder diagram with the\n"
    "                     narration (--explain's, in --lang) beside each arrow, both ends'\n"
    "                     states, the plots; hover or click an arrow for its details\n"
    "  --trace FILE       write both stacks' trace events to FILE, one line each (the\n"
    "                     `serve --trace` form: retransmissions with the stack's cause)\n"
    "  --isn-client N     client initial sequence number (default 1000)\n"
    "  --isn-server N     server initial sequence number (default 8000)\n"
    "  --random-isn       let the stacks choose ISNs (RFC 6528), keyed by --seed\n"
    "  --mss-client N     MSS the client announces, 64..1460 (default 1460)\n"
    "  --mss-server N     MSS the server announces, 64..1460 (default 1024)\n"
    "  --wscale           turn on window scaling (RFC 7323); off keeps the textbook view\n"
    "  --sack             turn on SACK (RFC 2018, 2883); off keeps the textbook view\n"
    "  --timestamps       turn on timestamps (RFC 7323: RTTM, PAWS); off by default too\n"
    "  --push-ack         ACK at once when the application has read all data that ended\n"
    "                     with PSH, as Linux does; off by default: the textbook delayed ACK\n"
    "  --quick-ack        ACK each of the first segments of data at once (quick-ACK mode,\n"
    "                     as Linux's receiver), not every second one; off by default\n"
    "  --relative         show sequence numbers relative to each side's ISN\n"
    "  --columns LIST     after each segment, the sender's values: a comma-separated\n"
    "                     list of cwnd, ssthresh, flight, srtt, rto, or \"all\"\n"
    "  --quiet            print the summary only\n"
    "  --verbose          narrate every segment, even a long transfer on a terminal\n"
    "  --help             this text\n"
    "\n"
    "Exit status: 0 when every byte arrived and verified and the connection closed,\n"
    "1 when not (the reason is printed), 2 for bad options.\n";

typedef struct {
    const char *name;
    int id;
    bool takes_value;
} opt_def;

enum {
    O_EXPLAIN, O_LANG, O_LOSS, O_DELAY, O_IMPAIR, O_SEED, O_BYTES, O_PCAP, O_TRACE, O_ISN_C, O_ISN_S,
    O_RANDOM_ISN, O_MSS_C, O_MSS_S, O_WSCALE, O_SACK, O_TS, O_RELATIVE, O_QUIET, O_VERBOSE, O_HELP,
    O_COLUMNS, O_PUSH_ACK, O_QUICK_ACK,
    O_PLOT, O_HTML,
};

static const opt_def opt_defs[] = {
    {"--explain", O_EXPLAIN, false}, {"--lang", O_LANG, true},
    {"--loss", O_LOSS, true},        {"--delay", O_DELAY, true},
    {"--impair", O_IMPAIR, true},    {"--seed", O_SEED, true},
    {"--bytes", O_BYTES, true},      {"--pcap", O_PCAP, true},
    {"--trace", O_TRACE, true},
    {"--isn-client", O_ISN_C, true}, {"--isn-server", O_ISN_S, true},
    {"--random-isn", O_RANDOM_ISN, false}, {"--mss-client", O_MSS_C, true},
    {"--mss-server", O_MSS_S, true}, {"--wscale", O_WSCALE, false},
    {"--sack", O_SACK, false},       {"--timestamps", O_TS, false},
    {"--push-ack", O_PUSH_ACK, false}, {"--quick-ack", O_QUICK_ACK, false},
    {"--relative", O_RELATIVE, false}, {"--quiet", O_QUIET, false},
    {"--columns", O_COLUMNS, true},
    {"-q", O_QUIET, false},          {"--verbose", O_VERBOSE, false},
    {"-v", O_VERBOSE, false},        {"--help", O_HELP, false},
    {"-h", O_HELP, false},
    {"--plot", O_PLOT, true},        {"--html", O_HTML, true},
};

typedef struct {
    demo_opts o;
    const char *impair;
    bool loss_set, delay_set, isn_set;
    double loss;
    uint32_t delay_ms;
} parsed;

static int bad_value(const char *opt, const char *expect, const char *got)
{
    tool_error("demo", "%s: expected %s, got '%s'", opt, expect, got);
    return 2;
}

static int parse_number(const char *opt, const char *v, uint64_t min, uint64_t max,
                        const char *expect, uint64_t *out)
{
    return tool_parse_u64(v, min, max, out) == 0 ? 0 : bad_value(opt, expect, v);
}

/* "cwnd,srtt" -> DEMO_COL_* bits; 0 for a bad list. */
static unsigned parse_columns(const char *v)
{
    static const struct {
        const char *name;
        unsigned bits;
    } names[] = {{"cwnd", DEMO_COL_CWND}, {"ssthresh", DEMO_COL_SSTHRESH}, {"flight", DEMO_COL_FLIGHT},
                 {"srtt", DEMO_COL_SRTT}, {"rto", DEMO_COL_RTO},
                 {"all", DEMO_COL_CWND | DEMO_COL_SSTHRESH | DEMO_COL_FLIGHT | DEMO_COL_SRTT | DEMO_COL_RTO}};
    unsigned bits = 0;
    const char *p = v;
    for (;;) {
        size_t len = strcspn(p, ",");
        unsigned found = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            if (strlen(names[i].name) == len && strncmp(names[i].name, p, len) == 0)
                found = names[i].bits;
        }
        if (found == 0)
            return 0;
        bits |= found;
        if (p[len] == '\0')
            return bits;
        p += len + 1;
    }
}

static int set_columns(parsed *p, const char *opt, const char *v)
{
    p->o.columns = parse_columns(v);
    if (p->o.columns == 0)
        return bad_value(opt, "a comma-separated list of cwnd, ssthresh, flight, srtt, rto (or all)", v);
    return 0;
}

/* Apply one option with its value (NULL for flags). 0, or 2 after an error. */
static int apply(parsed *p, const opt_def *def, const char *v)
{
    uint64_t n = 0;
    int r = 0;
    switch (def->id) {
    case O_EXPLAIN: p->o.explain = true; break;
    case O_LANG:
        if (strcmp(v, "en") == 0)
            p->o.lang = DEMO_EN;
        else if (strcmp(v, "zh") == 0)
            p->o.lang = DEMO_ZH;
        else
            r = bad_value(def->name, "'en' or 'zh'", v);
        break;
    case O_LOSS:
        if (tool_parse_prob(v, &p->loss) != 0)
            r = bad_value(def->name, "a probability between 0 and 1 (or 0% to 100%)", v);
        p->loss_set = true;
        break;
    case O_DELAY:
        r = parse_number(def->name, v, 0, 600000, "milliseconds between 0 and 600000", &n);
        p->delay_ms = (uint32_t)n;
        p->delay_set = true;
        break;
    case O_IMPAIR: p->impair = v; break;
    case O_SEED: r = parse_number(def->name, v, 0, UINT64_MAX, "a non-negative integer", &p->o.seed); break;
    case O_BYTES:
        r = parse_number(def->name, v, 1, 1000000000, "a byte count between 1 and 1000000000", &p->o.bytes);
        break;
    case O_PCAP:
    case O_TRACE:
        if (v[0] == '\0')
            r = bad_value(def->name, "a file name", v);
        *(def->id == O_PCAP ? &p->o.pcap_path : &p->o.trace_path) = v;
        break;
    case O_PLOT:
    case O_HTML:
        if (v[0] == '\0')
            r = bad_value(def->name, def->id == O_PLOT ? "a directory name" : "a file name", v);
        *(def->id == O_PLOT ? &p->o.plot_dir : &p->o.html_path) = v;
        if (def->id == O_HTML)
            p->o.explain = true; /* the page shows the explanations beside the arrows */
        break;
    case O_ISN_C:
    case O_ISN_S:
        r = parse_number(def->name, v, 0, UINT32_MAX, "a sequence number between 0 and 4294967295", &n);
        p->o.isn[def->id == O_ISN_C ? DEMO_CLIENT : DEMO_SERVER] = (uint32_t)n;
        p->isn_set = true;
        break;
    case O_MSS_C:
    case O_MSS_S:
        r = parse_number(def->name, v, 64, 1460, "an MSS between 64 and 1460", &n);
        p->o.mss[def->id == O_MSS_C ? DEMO_CLIENT : DEMO_SERVER] = (uint16_t)n;
        break;
    case O_RANDOM_ISN: p->o.random_isn = true; break;
    case O_WSCALE: p->o.wscale = true; break;
    case O_SACK: p->o.sack = true; break;
    case O_TS: p->o.timestamps = true; break;
    case O_PUSH_ACK: p->o.push_ack = true; break;
    case O_QUICK_ACK: p->o.quick_ack = true; break;
    case O_RELATIVE: p->o.relative = true; break;
    case O_QUIET: p->o.verbosity = DEMO_QUIET; break;
    case O_VERBOSE: p->o.verbosity = DEMO_VERBOSE; break;
    case O_COLUMNS: r = set_columns(p, def->name, v); break;
    default: break;
    }
    return r;
}

static const opt_def *find_opt(const char *arg, size_t len)
{
    for (size_t i = 0; i < sizeof opt_defs / sizeof opt_defs[0]; i++) {
        if (strlen(opt_defs[i].name) == len && strncmp(opt_defs[i].name, arg, len) == 0)
            return &opt_defs[i];
    }
    return NULL;
}

/* True when the impairment spec names `key` (so --impair's own delay wins
 * over the default one). */
static bool spec_has_key(const char *spec, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = spec; *p != '\0';) {
        while (*p == ' ' || *p == ',')
            p++;
        if (strncmp(p, key, kl) == 0 && (p[kl] == '=' || p[kl] == ' '))
            return true;
        while (*p != '\0' && *p != ',')
            p++;
    }
    return false;
}

static int finish(parsed *p)
{
    if (p->o.random_isn && p->isn_set) {
        tool_error("demo", "--random-isn cannot be combined with --isn-client/--isn-server");
        return 2;
    }
    if (p->impair != NULL) {
        char err[256];
        if (sk_impair_parse(p->impair, &p->o.link, err, sizeof err) != 0) {
            tool_error("demo", "--impair: %s", err);
            return 2;
        }
        if (!spec_has_key(p->impair, "delay"))
            p->o.link.delay_us = 10000;
    }
    if (p->delay_set)
        p->o.link.delay_us = p->delay_ms * 1000u;
    if (p->loss_set)
        p->o.link.loss = p->loss;
    return 0;
}

/* Returns -1 to go on, or an exit status (0 after --help). */
static int parse_args(int argc, char **argv, parsed *p)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
        const opt_def *def = find_opt(arg, len);
        if (def == NULL) {
            if (arg[0] == '-')
                tool_error("demo", "unknown option '%.*s' (try: synack demo --help)", (int)len, arg);
            else
                tool_error("demo", "unexpected argument '%s' (try: synack demo --help)", arg);
            return 2;
        }
        if (def->id == O_HELP) {
            fputs(usage_text, stdout);
            return 0;
        }
        const char *v = NULL;
        if (def->takes_value) {
            if (eq != NULL)
                v = eq + 1;
            else if (i + 1 < argc)
                v = argv[++i];
            else {
                tool_error("demo", "%s: missing value (try: synack demo --help)", def->name);
                return 2;
            }
        } else if (eq != NULL) {
            tool_error("demo", "%s takes no value", def->name);
            return 2;
        }
        if (apply(p, def, v) != 0)
            return 2;
    }
    return finish(p) != 0 ? 2 : -1;
}

static void defaults(parsed *p)
{
    memset(p, 0, sizeof *p);
    p->o.seed = 1;
    p->o.isn[DEMO_CLIENT] = 1000;
    p->o.isn[DEMO_SERVER] = 8000;
    p->o.mss[DEMO_CLIENT] = 1460;
    p->o.mss[DEMO_SERVER] = 1024;
    p->o.link.delay_us = 10000;
    p->o.lang = DEMO_EN;
    p->o.verbosity = DEMO_NORMAL;
}

static int run(demo *d)
{
    if (d->o.trace_path != NULL) {
        d->trace = fopen(d->o.trace_path, "w");
        if (d->trace == NULL) {
            tool_error("demo", "--trace: cannot write '%s': %s", d->o.trace_path, strerror(errno));
            return 1;
        }
    }
    if (d->o.pcap_path != NULL) {
        /* pcapng: interface 0 the client, 1 the server */
        d->pcap = sk_pcap_open_named(d->o.pcap_path, SK_PCAP_LINK_RAW, 0, "client 10.0.0.1");
        if (d->pcap == NULL || (sk_pcap_is_ng(d->pcap) && sk_pcap_add_interface(d->pcap, "server 10.0.0.2") != 1)) {
            tool_error("demo", "--pcap: cannot write '%s': %s", d->o.pcap_path, strerror(errno));
            return 1;
        }
        d->keep_lines = d->keep_lines || sk_pcap_is_ng(d->pcap);
    }
    int err = demo_plot_open(d);
    if (err == 0)
        err = demo_setup(d);
    if (err != 0) {
        tool_error("demo", "cannot set up the simulation: %s", sk_strerror(err));
        return 1;
    }
    demo_narrate_header(d);
    int status = demo_run(d);
    if (d->q_failed) {
        tool_error("demo", "out of memory for the narration");
        status = 1;
    }
    if (demo_plot_finish(d) != 0)
        status = 1;
    if (d->pcap != NULL && (sk_pcap_close(d->pcap) != 0 || d->pcap_failed)) {
        tool_error("demo", "--pcap: error writing '%s'", d->o.pcap_path);
        status = 1;
    }
    d->pcap = NULL;
    if (d->trace != NULL && fclose(d->trace) != 0) {
        tool_error("demo", "--trace: error writing '%s'", d->o.trace_path);
        status = 1;
    }
    d->trace = NULL;
    if (status != 0 && d->why[0] != '\0')
        tool_error("demo", "%s", d->why);
    return status;
}

int cmd_demo(int argc, char **argv)
{
    parsed p;
    defaults(&p);
    int r = parse_args(argc, argv, &p);
    if (r >= 0)
        return r;
    static demo d; /* large; zeroed */
    d.o = p.o;
    d.out = stdout;
    d.o.progress = d.o.verbosity == DEMO_NORMAL && d.o.bytes > DEMO_PROGRESS_MIN_BYTES &&
                   isatty(STDOUT_FILENO);
    d.narrate = d.o.verbosity != DEMO_QUIET && !d.o.progress;
    d.keep_lines = d.narrate;
    int status = run(&d);
    if (d.pcap != NULL)
        sk_pcap_close(d.pcap);
    if (d.trace != NULL)
        fclose(d.trace);
    demo_plot_free(&d);
    demo_teardown(&d);
    return status;
}
