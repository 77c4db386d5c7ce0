/* synack run: start an unmodified program with its TCP sockets on synack
 * (as torsocks or VPP's LDP do): sets LD_PRELOAD to libsynack-preload.so
 * and the SYNACK_* variables it reads (port/posix/preload/preload.h), then
 * execs the program. Exit 2 on bad usage, 127 when the program or the
 * library cannot be found; otherwise the program's own exit. */
#include "synack/addr.h"
#include "synack/error.h"
#include "tool.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "run"
#define LIB "libsynack-preload.so"

static const char usage_text[] =
    "usage: synack run --tap NAME --addr A.B.C.D/NN [--gw A.B.C.D] [--addr6 X:X::X/NN]\n"
    "                  [--gw6 X:X::X] [--mac MAC] [--mtu N] [--offload on|off] -- PROGRAM [ARGS...]\n"
    "  runs PROGRAM with its TCP and UDP sockets (AF_INET/AF_INET6) on synack over the\n"
    "  TAP device; other descriptors stay with the kernel. --addr6 adds an IPv6 address\n"
    "  (native IPv6 for AF_INET6 sockets). --offload (default on): the TAP with its\n"
    "  virtio-net header, checksums offloaded both ways, TCP super-segments out and merged\n"
    "  segments in; off: one complete frame per system call. SYNACK_PRELOAD names the\n"
    "  library when it is not next to this command or in ../lib.\n";

/* The library next to this binary, or in the install prefix's lib dirs. */
static int find_lib(char *out, size_t cap)
{
    const char *env = getenv("SYNACK_PRELOAD");
    if (env != NULL && *env != '\0') {
        snprintf(out, cap, "%s", env);
        return access(out, R_OK) == 0 ? 0 : -1;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash != NULL)
        *slash = '\0';
    static const char *const rel[] = {"", "/../lib", "/../lib64", "/../lib/x86_64-linux-gnu"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        int k = snprintf(out, cap, "%s%s/" LIB, self, rel[i]);
        if (k > 0 && (size_t)k < cap && access(out, R_OK) == 0) /* a cut path is no path */
            return 0;
    }
    return -1;
}

/* Check one option's value; 0 or -1 after the error line. */
static int check_opt(const char *opt, const char *v)
{
    sk_ip4 a;
    uint8_t p;
    sk_mac m;
    if (strcmp(opt, "--addr") == 0 && sk_ip4_prefix_from_str(v, &a, &p) != 0) {
        tool_error(CMD, "--addr %s: want an IPv4 address with its prefix, like 192.0.2.2/24", v);
        return -1;
    }
    if (strcmp(opt, "--gw") == 0 && sk_ip4_from_str(v, &a) != 0) {
        tool_error(CMD, "--gw %s: not an IPv4 address", v);
        return -1;
    }
    sk_ip6 a6;
    uint8_t p6;
    if (strcmp(opt, "--addr6") == 0 && sk_ip6_prefix_from_str(v, &a6, &p6) != 0) {
        tool_error(CMD, "--addr6 %s: want an IPv6 address with its prefix, like 2001:db8::2/64", v);
        return -1;
    }
    if (strcmp(opt, "--gw6") == 0 && sk_ip6_from_str(v, &a6) != 0) {
        tool_error(CMD, "--gw6 %s: not an IPv6 address", v);
        return -1;
    }
    if (strcmp(opt, "--mac") == 0 && sk_mac_from_str(v, &m) != 0) {
        tool_error(CMD, "--mac %s: not a MAC address", v);
        return -1;
    }
    if (strcmp(opt, "--offload") == 0 && strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
        tool_error(CMD, "--offload %s: want on or off", v);
        return -1;
    }
    return 0;
}

static const char *env_name(const char *opt)
{
    static const char *const map[][2] = {{"--tap", "SYNACK_TAP"}, {"--addr", "SYNACK_ADDR"},
                                         {"--gw", "SYNACK_GW"},   {"--mac", "SYNACK_MAC"},
                                         {"--mtu", "SYNACK_MTU"},  {"--addr6", "SYNACK_ADDR6"},
                                         {"--gw6", "SYNACK_GW6"},  {"--offload", "SYNACK_OFFLOAD"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(opt, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

static int set_preload(void)
{
    char lib[PATH_MAX];
    if (find_lib(lib, sizeof lib) != 0) {
        tool_error(CMD, "cannot find " LIB " (next to this command, in ../lib, or SYNACK_PRELOAD)");
        return -1;
    }
    const char *old = getenv("LD_PRELOAD");
    char val[2 * PATH_MAX];
    snprintf(val, sizeof val, "%s%s%s", lib, old && *old ? ":" : "", old && *old ? old : "");
    return setenv("LD_PRELOAD", val, 1);
}

int cmd_run(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
        const char *name = env_name(argv[i]);
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (name == NULL || i + 1 >= argc) {
            tool_error(CMD, name == NULL ? "unknown option %s" : "%s needs a value", argv[i]);
            fputs(usage_text, stderr);
            return 2;
        }
        if (check_opt(argv[i], argv[i + 1]) != 0)
            return 2;
        setenv(name, argv[i + 1], 1);
    }
    if (i + 1 >= argc) {
        tool_error(CMD, "no program given after --");
        fputs(usage_text, stderr);
        return 2;
    }
    if (getenv("SYNACK_TAP") == NULL || getenv("SYNACK_ADDR") == NULL) {
        tool_error(CMD, "--tap and --addr are required");
        return 2;
    }
    if (set_preload() != 0)
        return 127;
    execvp(argv[i + 1], argv + i + 1);
    tool_error(CMD, "cannot run %s: %s", argv[i + 1], strerror(errno));
    return 127;
}
