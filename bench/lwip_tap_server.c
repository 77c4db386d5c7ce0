/* lwip_tap_server: lwIP (Debian's liblwip, the contrib "unix" port) as the
 * peer stack in bench/run_tap_bench.sh, so that synack behind a TAP device
 * can be compared with another user-space stack behind an identical one.
 *
 *   lwip_tap_server --tap NAME --addr A.B.C.D/NN [--discard PORT] [--echo PORT]
 *
 NAME must be an existing TAP device (ip tuntap add NAME mode tap), set up on
 * the Linux side by the caller; this program only attaches to it.
 *
 * Two drivers (--driver):
 *   own    (default) a small TAP netif written here: a reader thread does one
 *          blocking read() per frame into a PBUF_RAM pbuf and hands it to
 *          the tcpip thread (tcpip_input); output is one write() per frame
 *          from the tcpip thread, straight from the pbuf when it is one piece.
 *   tapif  the unix port's tapif_init from liblwip itself, attached with
 *          PRECONFIGURED_TAPIF=NAME (so it neither creates "tap0" nor runs
 *          /sbin/ifconfig). Debian's liblwip0 2.1.3+dfsg1-2 corrupts its heap
 *          with it on the first full-size frame: its PBUF_POOL buffers are
 *          592 bytes (sized for TCP_MSS 536) but tapif's input copies a
 *          1514-byte frame into one (AddressSanitizer: heap-buffer-overflow
 *          in pbuf_take from tapif's thread). Works only with MTU <= 576.
 *
 *   discard  accept, read and drop everything, close on EOF (bulk test)
 *   echo     accept, send back whatever arrives, close on EOF; with the
 *            Linux conn-client this is "one byte each way, then close"
 *
 * Debian builds lwIP with NO_SYS=0 and LWIP_TCPIP_CORE_LOCKING=1 (its
 * /usr/include/lwip/lwipopts.h): tcpip_init starts the tcpip thread, and
 * either driver has a second thread that reads the TAP device and posts each
 * frame to the tcpip thread's mailbox. The servers use the raw TCP API; its
 * callbacks run in the tcpip thread.
 *
 * Prints "READY" once the interface is up and, on SIGINT/SIGTERM, one
 * "RESULT ..." line with its counters, then exits. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "netif/etharp.h"
#include "netif/tapif.h"

typedef struct {
    const char *tap;
    ip4_addr_t addr, mask;
    int discard_port, echo_port;
    int use_tapif;
} options;

/* Counters, written only in the tcpip thread, read under the core lock. */
static struct {
    unsigned long long discarded;
    unsigned long discard_conns, echo_conns, errors, refused;
} counts;

static struct netif tap_netif;
static sys_sem_t init_done;
static int init_failed;

static void usage(void)
{
    fprintf(stderr, "usage: lwip_tap_server --tap NAME --addr A.B.C.D/NN"
                    " [--discard PORT] [--echo PORT]\n"
                    "                       [--driver own|tapif]\n");
    exit(2);
}

static int port_arg(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1 || v > 65535)
        usage();
    return (int)v;
}

static void parse_addr(const char *s, options *o)
{
    char buf[32];
    const char *slash = strchr(s, '/');
    if (slash == NULL || (size_t)(slash - s) >= sizeof buf)
        usage();
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = '\0';
    char *end;
    long len = strtol(slash + 1, &end, 10);
    if (!ip4addr_aton(buf, &o->addr) || *end != '\0' || len < 1 || len > 32)
        usage();
    u32_t m = len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
    ip4_addr_set_u32(&o->mask, lwip_htonl(m));
}

static void parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    int have_addr = 0;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        const char *k = argv[i], *v = argv[++i];
        if (strcmp(k, "--tap") == 0)
            o->tap = v;
        else if (strcmp(k, "--addr") == 0) {
            parse_addr(v, o);
            have_addr = 1;
        } else if (strcmp(k, "--discard") == 0)
            o->discard_port = port_arg(v);
        else if (strcmp(k, "--echo") == 0)
            o->echo_port = port_arg(v);
        else if (strcmp(k, "--driver") == 0 && strcmp(v, "own") == 0)
            o->use_tapif = 0;
        else if (strcmp(k, "--driver") == 0 && strcmp(v, "tapif") == 0)
            o->use_tapif = 1;
        else
            usage();
    }
    if (o->tap == NULL || !have_addr || (o->discard_port == 0 && o->echo_port == 0))
        usage();
}

/* ---- own TAP driver ---- */

#define FRAME_MAX 2048 /* a TAP without IFF_VNET_HDR delivers <= MTU + 14 */

static int tap_fd = -1;
static unsigned long tx_errors, rx_nomem, rx_refused;

static int tap_open(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* linkoutput, in the tcpip thread: one write() per frame. */
static err_t tap_linkoutput(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    static unsigned char frame[FRAME_MAX];
    const void *data = p->payload;
    if (p->next != NULL) {
        if (p->tot_len > sizeof frame)
            return ERR_BUF;
        pbuf_copy_partial(p, frame, p->tot_len, 0);
        data = frame;
    }
    if (write(tap_fd, data, p->tot_len) != (ssize_t)p->tot_len) {
        tx_errors++;
        return ERR_IF;
    }
    return ERR_OK;
}

static err_t tap_netif_init(struct netif *netif)
{
    static const u8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
    netif->name[0] = 't';
    netif->name[1] = 'p';
    netif->output = etharp_output;
    netif->linkoutput = tap_linkoutput;
    netif->mtu = 1500;
    netif->hwaddr_len = 6;
    memcpy(netif->hwaddr, mac, sizeof mac);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

/* Reader thread: one blocking read() per frame, copied into a pbuf of its
 * exact size and posted to the tcpip thread. */
static void *tap_reader(void *arg)
{
    struct netif *netif = arg;
    static unsigned char frame[FRAME_MAX];
    for (;;) {
        ssize_t n = read(tap_fd, frame, sizeof frame);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
        if (p == NULL) {
            rx_nomem++;
            continue;
        }
        memcpy(p->payload, frame, (size_t)n);
        if (netif->input(p, netif) != ERR_OK) { /* the tcpip mailbox is full */
            rx_refused++;
            pbuf_free(p);
        }
    }
    fprintf(stderr, "lwip_tap_server: TAP read failed: %s\n", strerror(errno));
    return NULL;
}

/* ---- servers (tcpip thread) ---- */

static void conn_error(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    counts.errors++; /* the pcb is already freed */
}

/* Close on the peer's FIN; if lwIP cannot queue our FIN now, abort rather
 * than leak the connection (the benchmark counts it as an error). */
static err_t close_conn(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_err(pcb, NULL);
    if (tcp_close(pcb) == ERR_OK)
        return ERR_OK;
    counts.errors++;
    tcp_abort(pcb);
    return ERR_ABRT;
}

static err_t discard_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL)
        return close_conn(pcb);
    counts.discarded += p->tot_len;
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

/* Echo the whole chain or nothing: returning ERR_MEM without freeing p
 * makes lwIP keep it and deliver it again once the send buffer drains. */
static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL)
        return close_conn(pcb);
    if (tcp_sndbuf(pcb) < p->tot_len) {
        counts.refused++;
        return ERR_MEM;
    }
    for (struct pbuf *q = p; q != NULL; q = q->next) {
        if (q->len > 0 && tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK) {
            counts.refused++;
            return ERR_MEM; /* nothing was queued for q; p is redelivered */
        }
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    tcp_output(pcb);
    return ERR_OK;
}

static err_t discard_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    counts.discard_conns++;
    tcp_recv(pcb, discard_recv);
    tcp_err(pcb, conn_error);
    return ERR_OK;
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    counts.echo_conns++;
    tcp_nagle_disable(pcb); /* as the Linux conn-server's TCP_NODELAY */
    tcp_recv(pcb, echo_recv);
    tcp_err(pcb, conn_error);
    return ERR_OK;
}

static int listen_on(int port, tcp_accept_fn fn)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL || tcp_bind(pcb, IP4_ADDR_ANY, (u16_t)port) != ERR_OK) {
        fprintf(stderr, "lwip_tap_server: cannot bind port %d\n", port);
        return -1;
    }
    struct tcp_pcb *l = tcp_listen_with_backlog(pcb, 255);
    if (l == NULL) {
        fprintf(stderr, "lwip_tap_server: cannot listen on port %d\n", port);
        return -1;
    }
    tcp_accept(l, fn);
    return 0;
}

/* Runs in the tcpip thread once it has started. */
static void setup(void *arg)
{
    const options *o = arg;
    ip4_addr_t gw;
    ip4_addr_set_zero(&gw);
    netif_init_fn init = o->use_tapif ? tapif_init : tap_netif_init;
    if (netif_add(&tap_netif, &o->addr, &o->mask, &gw, NULL, init, tcpip_input) == NULL) {
        fprintf(stderr, "lwip_tap_server: tapif_init failed on %s\n", o->tap);
        init_failed = 1;
    } else {
        netif_set_default(&tap_netif);
        netif_set_link_up(&tap_netif);
        netif_set_up(&tap_netif);
        if ((o->discard_port && listen_on(o->discard_port, discard_accept) != 0) ||
            (o->echo_port && listen_on(o->echo_port, echo_accept) != 0))
            init_failed = 1;
    }
    sys_sem_signal(&init_done);
}

int main(int argc, char **argv)
{
    options o;
    parse_options(argc, argv, &o);
    if (o.use_tapif) {
        /* tapif attaches to this existing device and does not configure it */
        if (setenv("PRECONFIGURED_TAPIF", o.tap, 1) != 0)
            return 1;
    } else if ((tap_fd = tap_open(o.tap)) < 0) {
        fprintf(stderr, "lwip_tap_server: cannot attach to TAP %s: %s\n", o.tap,
                strerror(errno));
        return 1;
    }

    /* Block the stop signals before lwIP starts its threads, so that they
     * inherit the mask and only sigwait below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    if (sys_sem_new(&init_done, 0) != ERR_OK)
        return 1;
    tcpip_init(setup, &o);
    sys_sem_wait(&init_done);
    if (init_failed)
        return 1;
    pthread_t reader;
    if (!o.use_tapif && pthread_create(&reader, NULL, tap_reader, &tap_netif) != 0)
        return 1;
    printf("READY lwip %s tap=%s driver=%s\n", LWIP_VERSION_STRING, o.tap,
           o.use_tapif ? "tapif" : "own");
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    LOCK_TCPIP_CORE();
    printf("RESULT stack=lwip discarded=%llu discard_conns=%lu echo_conns=%lu errors=%lu "
           "refused=%lu tx_errors=%lu rx_nomem=%lu rx_mbox_full=%lu\n",
           counts.discarded, counts.discard_conns, counts.echo_conns, counts.errors,
           counts.refused, tx_errors, rx_nomem, rx_refused);
    UNLOCK_TCPIP_CORE();
    fflush(stdout);
    _exit(0); /* lwIP's threads have no way to stop: leave without joining */
}
