/* synack plot: the plots of a TCP connection from any capture (pcap or
 * pcapng), e.g. one tcpdump or Wireshark wrote of Linux's own traffic. The
 * reading is tools/tool_plot_cap.c, the decoding tool_plot_tcp.c, the
 * inference tool_plot_infer.c, the drawing tool_plot_draw.c. */
#include "tool.h"
#include "tool_plot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PLOT_MAX_FILE (1ull << 31)

static const char usage_text[] =
    "usage: synack plot CAPTURE [options]\n"
    "\n"
    "Draws one TCP connection of a capture (pcap: either byte order, µs or ns;\n"
    "pcapng: several interfaces; link types Ethernet, raw IPv4/IPv6, Linux cooked\n"
    "SLL/SLL2; IPv4 and IPv6) as three SVG files in DIR:\n"
    "  tseq.svg  time-sequence graph: data segments as bars, the ACK line, the\n"
    "            receive window's edge, SACK blocks, retransmissions marked\n"
    "  cwnd.svg  flight size over time (inferred: cwnd is not on the wire)\n"
    "  rtt.svg   RTT samples (Karn's rule) with SRTT and RTO as RFC 6298 computes them\n"
    "The plotted direction is the one that sent the most data.\n"
    "\n"
    "options:\n"
    "  -o DIR, --out DIR  where to write the plots (default: synack-plot; created)\n"
    "  --list             list the TCP connections, numbered, and stop\n"
    "  --conn N           plot connection N of --list (default: the one with most bytes)\n"
    "  --port P           plot the largest connection with port P at either end\n"
    "  --iface N          a pcapng with several interfaces (capture points) that saw the\n"
    "                     same connection: draw it as interface N saw it (default: the\n"
    "                     one that saw most of its segments; the subtitle says which)\n"
    "  --help             this text\n"
    "\n"
    "Exit status: 0 done, 1 the capture cannot be read or has no TCP connection\n"
    "(one line says why), 2 bad options.\n";

typedef struct {
    const char *capture, *out;
    bool list;
    uint64_t conn, port;
    int iface; /* -1: the one with most segments */
} plot_args;

/* "synack plot: <what><arg><end> (try: ...)" */
static int usage_error(const char *what, const char *arg, const char *end)
{
    fprintf(stderr, "synack plot: %s%s%s (try: synack plot --help)\n", what, arg, end);
    return 2;
}

static int parse(int argc, char **argv, plot_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        bool val = strcmp(s, "-o") == 0 || strcmp(s, "--out") == 0 || strcmp(s, "--conn") == 0 ||
                   strcmp(s, "--port") == 0 || strcmp(s, "--iface") == 0;
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (val && i + 1 >= argc)
            return usage_error("", s, ": missing value");
        if (strcmp(s, "-o") == 0 || strcmp(s, "--out") == 0)
            a->out = argv[++i];
        else if (strcmp(s, "--conn") == 0) {
            if (tool_parse_u64(argv[++i], 1, 1u << 20, &a->conn) != 0)
                return usage_error("--conn: expected a connection number from --list, got '", argv[i], "'");
        } else if (strcmp(s, "--port") == 0) {
            if (tool_parse_u64(argv[++i], 1, 65535, &a->port) != 0)
                return usage_error("--port: expected a port between 1 and 65535, got '", argv[i], "'");
        } else if (strcmp(s, "--iface") == 0) {
            uint64_t v;
            if (tool_parse_u64(argv[++i], 0, 254, &v) != 0)
                return usage_error("--iface: expected an interface number between 0 and 254, got '", argv[i], "'");
            a->iface = (int)v;
        } else if (strcmp(s, "--list") == 0)
            a->list = true;
        else if (s[0] == '-' && s[1] != '\0')
            return usage_error("unknown option '", s, "'");
        else if (a->capture == NULL)
            a->capture = s;
        else
            return usage_error("unexpected argument '", s, "'");
    }
    if (a->capture == NULL)
        return usage_error("missing the capture file", "", "");
    if (a->out[0] == '\0')
        return usage_error("-o: expected a directory name", "", "");
    return -1;
}

/* The whole file in memory; NULL after printing why. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        tool_error("plot", "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || cap >= PLOT_MAX_FILE)
            break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    bool bad = buf == NULL || ferror(f) || (n == cap && cap >= PLOT_MAX_FILE);
    fclose(f);
    if (bad) {
        tool_error("plot", "cannot read '%s': %s", path, buf == NULL ? "out of memory" : "read error or too large");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int draw(const plot_capture *pc, const plot_args *a)
{
    int idx = a->conn != 0 ? (int)a->conn - 1 : plot_capture_pick(pc, (uint16_t)a->port);
    if (idx < 0 || (size_t)idx >= plot_capture_count(pc)) {
        tool_error("plot", "%s: no such TCP connection (see synack plot --list %s)", a->capture, a->capture);
        return 1;
    }
    char source[96];
    const char *base = strrchr(a->capture, '/');
    snprintf(source, sizeof source, "capture %.60s, connection %d", base != NULL ? base + 1 : a->capture, idx + 1);
    plot_conn c;
    int used = -1;
    if (plot_capture_conn(pc, idx, a->iface, &c, source, &used) != 0) {
        if (c.oom)
            tool_error("plot", "out of memory");
        else
            tool_error("plot", "%s: connection %d has no segment on interface %d", a->capture, idx + 1, a->iface);
        plot_conn_free(&c);
        return 1;
    }
    if (used >= 0) {
        size_t n = strlen(c.source);
        snprintf(c.source + n, sizeof c.source - n, ", interface %d", used);
    }
    const char *what = NULL;
    int rc = plot_write_dir(&c, a->out, &what);
    if (rc != 0)
        tool_error("plot", "cannot write %s in '%s': %s", what, a->out, strerror(errno));
    else
        printf("plotted %s -> %s (%zu segments): %s/tseq.svg %s/cwnd.svg %s/rtt.svg\n", c.name[0], c.name[1],
               c.n_seg, a->out, a->out, a->out);
    plot_conn_free(&c);
    return rc != 0 ? 1 : 0;
}

int cmd_plot(int argc, char **argv)
{
    plot_args a = {NULL, "synack-plot", false, 0, 0, -1};
    int r = parse(argc, argv, &a);
    if (r >= 0)
        return r;
    size_t len = 0;
    uint8_t *buf = slurp(a.capture, &len);
    if (buf == NULL)
        return 1;
    char err[160];
    plot_capture *pc = plot_capture_load(buf, len, err, sizeof err);
    if (pc == NULL) {
        tool_error("plot", "%s: %s", a.capture, err);
        free(buf);
        return 1;
    }
    if (plot_capture_count(pc) == 0) {
        tool_error("plot", "%s: no TCP segment in the capture", a.capture);
        r = 1;
    } else if (a.list) {
        plot_capture_list(pc, stdout);
        r = 0;
    } else {
        r = draw(pc, &a);
    }
    plot_capture_free(pc);
    free(buf);
    return r;
}
