/* synack: a user-space TCP/IP stack, its teaching demo and its tools. */
#include "tool.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand commands[] = {
    {"demo", cmd_demo, "replay the textbook TCP conversation on a simulated link, narrated"},
    {"serve", cmd_serve, "serve echo/discard/HTTP/iperf on a TAP device"},
    {"connect", cmd_connect, "like nc: stdin to a TCP connection over a TAP device, and back"},
    {"ping", cmd_ping, "send ICMP echo requests over a TAP device"},
    {"link", cmd_link, "join two TAP devices (two namespaces) through an impaired link"},
    {"script", cmd_script, "run packetdrill-syntax conformance scripts in virtual time"},
    {"plot", cmd_plot, "draw a TCP connection of a pcap/pcapng capture as SVG plots"},
    {"run", cmd_run, "run an unmodified program with its TCP sockets on synack (LD_PRELOAD)"},
};

void tool_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "synack %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int tool_write_all(const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: synack <command> [options]   (synack <command> --help for details)\n"
               "       synack --version | -V\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        tool_print_version(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "synack: unknown command '%s' (try: synack --help)\n", argv[1]);
    return 2;
}
