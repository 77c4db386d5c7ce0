/* iperf3's protocol over synack: `synack serve --iperf3 PORT` and
 * `synack connect --iperf3`.
 *
 * The protocol (iperf3's iperf_api.h, iperf_server_api.c,
 * iperf_client_api.c; read for the protocol, no code taken): a control
 * connection on which the client first sends a 37-byte cookie (36
 * characters and a NUL), then the server drives the test with one-byte
 * states: PARAM_EXCHANGE (the client sends its parameters as a 4-byte
 * big-endian length and a JSON object: "tcp"/"udp", "time", "parallel",
 * "reverse", "len", "bandwidth" ...), CREATE_STREAMS (the client opens
 * `parallel` data connections to the same port, each starting with the
 * cookie; for UDP, datagrams to the same port, the first a 4-byte hello
 * that the server answers), TEST_START and TEST_RUNNING (data flows, from
 * the client, or from the server with "reverse"). The client ends the test
 * with TEST_END; the server answers EXCHANGE_RESULTS, both exchange their
 * results (length-prefixed JSON: cpu use, and per stream "id", "bytes",
 * "retransmits", "jitter", "errors", "packets"; the client sends first),
 * the server sends DISPLAY_RESULTS, the client IPERF_DONE. Stream ids are
 * 1, 3, 4, 5 ... (iperf3 numbers them so) on both sides, in the order the
 * streams were opened.
 *
 * UDP datagrams carry a 12-byte header: seconds, microseconds (the
 * sender's clock) and a sequence number from 1, each 32-bit big-endian
 * (64-bit sequence numbers when "udp_counters_64bit" is set). */
#ifndef SK_TOOL_IPERF3_H
#define SK_TOOL_IPERF3_H

#include "posix/posix_loop.h"
#include "synack/stack.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    IP3_TEST_START = 1,
    IP3_TEST_RUNNING = 2,
    IP3_TEST_END = 4,
    IP3_PARAM_EXCHANGE = 9,
    IP3_CREATE_STREAMS = 10,
    IP3_SERVER_TERMINATE = 11,
    IP3_CLIENT_TERMINATE = 12,
    IP3_EXCHANGE_RESULTS = 13,
    IP3_DISPLAY_RESULTS = 14,
    IP3_IPERF_DONE = 16,
    IP3_ACCESS_DENIED = -1,
    IP3_SERVER_ERROR = -2,
};
#define IP3_COOKIE 37                 /* 36 characters and a NUL */
#define IP3_MAX_STREAMS 16
#define IP3_JSON_MAX 16384            /* longest parameter or result object taken */
#define IP3_UDP_CONNECT_MSG 0x36373839u   /* written in the sender's byte order */
#define IP3_UDP_CONNECT_REPLY 0x39383736u

/* One data stream's counts, as the results exchange carries them. */
typedef struct {
    int id;
    uint64_t bytes;
    uint64_t packets;   /* UDP: highest sequence number seen (receiver) or sent */
    uint64_t errors;    /* UDP receiver: datagrams missing */
    double jitter_s;    /* UDP receiver: RFC 3550 §6.4.1 interarrival jitter */
} ip3_stream_result;

/* ---- tool_iperf3_json.c ---- */
/* The number (or true 1 / false 0) of "key" in the JSON text js, searched
 * from the start (the objects iperf3 sends are flat but for "streams").
 * false when missing. */
bool ip3_json_num(const char *js, const char *key, double *out);
/* The stream objects of a results object: up to max, in order. Returns
 * the number found (a stream without "id" or "bytes" ends the list). */
int ip3_json_streams(const char *js, ip3_stream_result *out, int max);
/* A results object into buf (NUL-terminated); its length, or 0 when it
 * does not fit. */
size_t ip3_json_results(char *buf, size_t cap, const ip3_stream_result *s, int n, double secs);
/* iperf3's stream id of the i-th stream (0-based): 1, 3, 4, 5 ... */
int ip3_stream_id(int i);

/* ---- tool_iperf3_srv.c: serve --iperf3, one test at a time ---- */
typedef struct ip3_server ip3_server;
/* Listen on TCP `port` (and bind UDP `port`); 0 or an SK_E* code. *out
 * is malloc'd; results and notes go to log. */
int ip3_server_open(sk_stack *s, uint16_t port, FILE *log, ip3_server **out);
bool ip3_server_owns(const ip3_server *sv, sk_sock h);
/* Run on any event of a socket it owns (and once a round): accepts,
 * reads, writes, moves the test on. */
void ip3_server_pump(ip3_server *sv, sk_time_us now);
void ip3_server_close(ip3_server *sv, sk_time_us now);

/* ---- tool_iperf3_cli.c: connect --iperf3 ---- */
typedef struct {
    unsigned parallel;     /* -P, 1..IP3_MAX_STREAMS */
    double time_s;         /* -t */
    bool reverse;          /* -R */
    bool udp;              /* -u */
    uint64_t bandwidth;    /* -b, bit/s: -u's rate (default 1M, as iperf3's) */
    uint32_t len;          /* block / datagram size */
    bool given;            /* one of the options above was given */
} ip3_client_opts;
/* connect's iperf3 options (-R, -P N, -t SECS, -u, -b RATE): 1 when
 * argv[*i] was one (*i moves past its value), 0 when not, -1 after a
 * one-line error. */
int ip3_client_arg(const char *cmd, int argc, char **argv, int *i, ip3_client_opts *o);
/* One test against an iperf3 server; prints iperf3-like lines to out.
 * 0, or 1 after a one-line error on stderr. */
int ip3_client_run(const char *cmd, sk_posix_loop *loop, const sk_endpoint *server,
                   const ip3_client_opts *o, FILE *out);

#endif
