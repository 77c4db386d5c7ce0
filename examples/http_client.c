/* http_client: fetch one URL path over synack and write the response body
 * to stdout, with the blocking helpers of the POSIX port.
 *
 *   sudo ip tuntap add dev tap0 mode tap
 *   sudo ip addr add 192.0.2.1/24 dev tap0 && sudo ip link set tap0 up
 *   sudo ./http_client tap0 192.0.2.2/24 192.0.2.1 8080 /index.html > out
 *
 * HTTP/1.0 with "Connection: close", so the body ends at the server's FIN;
 * the status line and headers go to stderr. Exit status 0 on a 2xx answer. */
#include "synack/error.h"
#include "synack/posix/posix_alloc.h"
#include "synack/posix/posix_dev.h"
#include "synack/posix/posix_loop.h"
#include "synack/posix/posix_sock.h"
#include "synack/posix/posix_sys.h"
#include "synack/stack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAIT_US 10000000u /* each step: at most 10 s */

static int open_stack(const char *tap, const char *cidr, sk_posix_dev *dev, sk_stack **st)
{
    char err[256];
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    if (sk_ip4_prefix_from_str(cidr, &cfg.addr, &cfg.prefix_len) != 0) {
        fprintf(stderr, "http_client: bad address '%s' (want A.B.C.D/NN)\n", cidr);
        return -1;
    }
    if (sk_posix_dev_open(dev, SK_DEV_TAP, tap, err, sizeof err) != 0) {
        fprintf(stderr, "http_client: %s\n", err);
        return -1;
    }
    cfg.link = SK_LINK_ETHERNET;
    cfg.mac = sk_posix_stable_mac(cfg.addr);
    cfg.mtu = dev->mtu;
    cfg.seed = sk_posix_seed();
    cfg.alloc = sk_posix_allocator();
    int r = sk_stack_create(&cfg, st);
    if (r != 0) {
        fprintf(stderr, "http_client: %s\n", sk_strerror(r));
        sk_posix_dev_close(dev);
        return -1;
    }
    return 0;
}

/* The end of the head (the blank line), or NULL. */
static char *head_end(char *buf, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return buf + i;
    return NULL;
}

/* Write the body to stdout, the head to stderr; return the status code. */
static int fetch(sk_posix_loop *l, sk_sock s, const char *host, const char *path)
{
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
    if (n < 0 || (size_t)n >= sizeof req ||
        sk_blocking_send_all(l, s, req, (size_t)n, WAIT_US) != n)
        return -1;
    static char buf[65536];
    size_t have = 0;
    int status = -1;
    bool in_body = false;
    for (;;) {
        ptrdiff_t got = sk_blocking_recv(l, s, buf + have, sizeof buf - have, WAIT_US);
        if (got < 0) {
            fprintf(stderr, "http_client: %s\n", sk_strerror((int)got));
            return -1;
        }
        if (got == 0)
            return in_body ? status : -1;
        have += (size_t)got;
        if (!in_body) {
            char *end = head_end(buf, have);
            if (end == NULL && have < sizeof buf)
                continue;
            if (end == NULL || sscanf(buf, "HTTP/%*d.%*d %d", &status) != 1)
                return -1;
            size_t head = (size_t)(end - buf) + 4;
            fwrite(buf, 1, head, stderr);
            memmove(buf, buf + head, have - head);
            have -= head;
            in_body = true;
        }
        fwrite(buf, 1, have, stdout);
        have = 0;
    }
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: http_client TAP A.B.C.D/NN SERVER PORT PATH\n");
        return 2;
    }
    sk_endpoint server = {.port = (uint16_t)atoi(argv[4])};
    sk_ip4 ip;
    if (sk_ip4_from_str(argv[3], &ip) != 0) {
        fprintf(stderr, "http_client: bad server address '%s'\n", argv[3]);
        return 2;
    }
    server.addr = sk_ipaddr_from_ip4(ip);
    sk_posix_dev dev;
    sk_stack *st;
    if (open_stack(argv[1], argv[2], &dev, &st) != 0)
        return 1;
    static sk_posix_loop loop;
    char err[256];
    sk_posix_loop_config lc = {.stack = st, .dev = &dev};
    if (sk_posix_loop_init(&loop, &lc, err, sizeof err) != 0) {
        fprintf(stderr, "http_client: %s\n", err);
        return 1;
    }
    sk_sock s;
    int status = -1;
    int r = sk_blocking_connect(&loop, &server, WAIT_US, &s);
    if (r != 0)
        fprintf(stderr, "http_client: connect %s:%s: %s\n", argv[3], argv[4], sk_strerror(r));
    else {
        status = fetch(&loop, s, argv[3], argv[5]);
        sk_blocking_close(&loop, s, WAIT_US);
    }
    fflush(stdout);
    sk_posix_loop_linger(&loop, 1000000);
    sk_posix_loop_free(&loop);
    sk_stack_destroy(st);
    sk_posix_dev_close(&dev);
    return status >= 200 && status < 300 ? 0 : 1;
}
