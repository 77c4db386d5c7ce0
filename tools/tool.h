/* Shared declarations for the `synack` command's subcommands. */
#ifndef SK_TOOL_H
#define SK_TOOL_H

/* Each subcommand: argv[0] is the subcommand name. Returns the exit status:
 * 0 success, 1 runtime failure (with a one-line message on stderr),
 * 2 bad usage (a one-line error and a hint to use --help). */
int cmd_demo(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_ping(int argc, char **argv);
int cmd_link(int argc, char **argv);
int cmd_script(int argc, char **argv); /* tools/tool_script.c */
int cmd_plot(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* Print "synack <cmd>: <message>" to stderr (printf-style). */
void tool_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write all n bytes to standard output (EINTR retried): 0, or -1 on an
 * error or end of file. */
#include <stddef.h>
#include <stdint.h>
int tool_write_all(const uint8_t *p, size_t n);

/* Strict number parsing for options (tools/tool_parse.c). Each returns 0,
 * or -1 when `s` is not entirely a number of the expected form or is out of
 * range; nothing is printed. */
#include <stdint.h>
/* Decimal digits only (no sign, no spaces, no "0x"), value in [min, max]. */
int tool_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* A size in bytes: digits with an optional K or M suffix (KiB, MiB: "6M",
 * "256k", "65536"), value in [min, max]. */
int tool_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* A probability: "0.25", "1", ".5" or a percentage "25%", "2.5%"; in [0, 1]. */
int tool_parse_prob(const char *s, double *out);

/* One line of `--trace` for a trace event at `t` (tools/tool_trace.c). */
#include "synack/stack.h"
#include <stdio.h>
void tool_trace_line(FILE *f, sk_time_us t, const sk_trace_event *ev);

/* Queue p[*off, len) on TCP socket h until all of it is taken or the send
 * buffer is full, advancing *off (tools/tool_tcp.c): 1 all taken, 0 the
 * buffer is full (wait for the socket to be writable), or a negative SK_E*
 * code. */
int tool_tcp_send_rest(sk_stack *s, sk_time_us now, sk_sock h, const uint8_t *p, size_t len,
                       size_t *off);

/* "synack 0.1.0 (git v0.1-42-gabcdef)" (tools/tool_version.c). */
void tool_print_version(FILE *f);

#endif
