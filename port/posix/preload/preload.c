/* The libc calls libsynack-preload.so interposes (preload.h). A call on a
 * synack socket goes to sk_bsd_*; any other descriptor to libc's own
 * function, looked up once with dlsym(RTLD_NEXT).
 *
 * fork(): the child has no stack thread; it may close inherited synack
 * sockets, any other use of them (or a new TCP socket) fails with one line
 * on stderr (bsd_stack.c). exec(): the new program starts a stack of its
 * own at its first TCP socket, which fails while the old process still
 * holds the TAP (one line on stderr says so); synack descriptors left open
 * across exec are bare eventfds there. Threads: any number, one lock
 * (synack_bsd.h). */
#include "preload.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define SK_EXPORT __attribute__((visibility("default")))

/* glibc declares the address arguments as transparent unions under
 * _GNU_SOURCE (__SOCKADDR_ARG): our definitions use the same types. */
#if defined __USE_GNU && defined __GNUC__
#define SA(a) ((a).__sockaddr__)
#else
#define SA(a) (a)
#endif

/* libc's function `name` into the function pointer `fp` (once). */
#define NEXT(fp, name)                                                                         \
    do {                                                                                       \
        if ((fp) == NULL) {                                                                    \
            void *p_ = dlsym(RTLD_NEXT, name);                                                 \
            memcpy(&(fp), &p_, sizeof(fp));                                                    \
        }                                                                                      \
    } while (0)

SK_EXPORT int socket(int domain, int type, int protocol);
SK_EXPORT int socket(int domain, int type, int protocol)
{
    static int (*f)(int, int, int);
    int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    bool tcp = kind == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP);
    bool udp = kind == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP);
    if ((domain == AF_INET || domain == AF_INET6) && (tcp || udp) && !sk_preload_starting()) {
        sk_bsd_stack *b = sk_preload_stack();
        if (b == NULL) {
            errno = EAFNOSUPPORT;
            return -1;
        }
        return sk_bsd_socket(b, domain, type, protocol);
    }
    NEXT(f, "socket");
    return f(domain, type, protocol); /* raw, AF_UNIX, netlink ...: the kernel's */
}

#define PASS(name, ret, params, args, ours_call)                                               \
    SK_EXPORT ret name params;                                                                 \
    SK_EXPORT ret name params                                                                  \
    {                                                                                          \
        static ret(*f) params;                                                                 \
        if (sk_bsd_is_socket(fd))                                                              \
            return ours_call;                                                                  \
        NEXT(f, #name);                                                                        \
        return f args;                                                                         \
    }

PASS(bind, int, (int fd, __CONST_SOCKADDR_ARG a, socklen_t l), (fd, a, l),
     sk_bsd_bind(fd, SA(a), l))
PASS(listen, int, (int fd, int n), (fd, n), sk_bsd_listen(fd, n))
PASS(accept, int, (int fd, __SOCKADDR_ARG a, socklen_t *l), (fd, a, l),
     sk_bsd_accept4(fd, SA(a), l, 0))
PASS(accept4, int, (int fd, __SOCKADDR_ARG a, socklen_t *l, int fl), (fd, a, l, fl),
     sk_bsd_accept4(fd, SA(a), l, fl))
PASS(connect, int, (int fd, __CONST_SOCKADDR_ARG a, socklen_t l), (fd, a, l),
     sk_bsd_connect(fd, SA(a), l))
PASS(send, ssize_t, (int fd, const void *p, size_t n, int fl), (fd, p, n, fl),
     sk_bsd_send(fd, p, n, fl))
PASS(recv, ssize_t, (int fd, void *p, size_t n, int fl), (fd, p, n, fl),
     sk_bsd_recv(fd, p, n, fl))
PASS(sendto, ssize_t,
     (int fd, const void *p, size_t n, int fl, __CONST_SOCKADDR_ARG a, socklen_t l),
     (fd, p, n, fl, a, l), sk_bsd_sendto(fd, p, n, fl, SA(a), l))
PASS(recvfrom, ssize_t, (int fd, void *p, size_t n, int fl, __SOCKADDR_ARG a, socklen_t *l),
     (fd, p, n, fl, a, l), sk_bsd_recvfrom(fd, p, n, fl, SA(a), l))
PASS(sendmsg, ssize_t, (int fd, const struct msghdr *m, int fl), (fd, m, fl),
     sk_bsd_sendmsg(fd, m, fl))
PASS(recvmsg, ssize_t, (int fd, struct msghdr *m, int fl), (fd, m, fl),
     sk_bsd_recvmsg(fd, m, fl))
PASS(read, ssize_t, (int fd, void *p, size_t n), (fd, p, n), sk_bsd_recv(fd, p, n, 0))
PASS(write, ssize_t, (int fd, const void *p, size_t n), (fd, p, n), sk_bsd_send(fd, p, n, 0))
PASS(readv, ssize_t, (int fd, const struct iovec *v, int n), (fd, v, n), sk_bsd_readv(fd, v, n))
PASS(writev, ssize_t, (int fd, const struct iovec *v, int n), (fd, v, n),
     sk_bsd_writev(fd, v, n))
PASS(close, int, (int fd), (fd), sk_bsd_close(fd))
PASS(shutdown, int, (int fd, int how), (fd, how), sk_bsd_shutdown(fd, how))
PASS(getsockname, int, (int fd, __SOCKADDR_ARG a, socklen_t *l), (fd, a, l),
     sk_bsd_getsockname(fd, SA(a), l))
PASS(getpeername, int, (int fd, __SOCKADDR_ARG a, socklen_t *l), (fd, a, l),
     sk_bsd_getpeername(fd, SA(a), l))
PASS(setsockopt, int, (int fd, int lv, int nm, const void *v, socklen_t l), (fd, lv, nm, v, l),
     sk_bsd_setsockopt(fd, lv, nm, v, l))
PASS(getsockopt, int, (int fd, int lv, int nm, void *v, socklen_t *l), (fd, lv, nm, v, l),
     sk_bsd_getsockopt(fd, lv, nm, v, l))

/* _FORTIFY_SOURCE builds (Debian's curl, wget ...) call these instead. */
SK_EXPORT ssize_t __read_chk(int fd, void *p, size_t n, size_t cap);
SK_EXPORT ssize_t __read_chk(int fd, void *p, size_t n, size_t cap)
{
    static ssize_t (*f)(int, void *, size_t, size_t);
    if (sk_bsd_is_socket(fd))
        return sk_bsd_recv(fd, p, n < cap ? n : cap, 0);
    NEXT(f, "__read_chk");
    return f(fd, p, n, cap);
}

SK_EXPORT ssize_t __recv_chk(int fd, void *p, size_t n, size_t cap, int fl);
SK_EXPORT ssize_t __recv_chk(int fd, void *p, size_t n, size_t cap, int fl)
{
    static ssize_t (*f)(int, void *, size_t, size_t, int);
    if (sk_bsd_is_socket(fd))
        return sk_bsd_recv(fd, p, n < cap ? n : cap, fl);
    NEXT(f, "__recv_chk");
    return f(fd, p, n, cap, fl);
}

SK_EXPORT ssize_t __recvfrom_chk(int fd, void *p, size_t n, size_t cap, int fl,
                                 struct sockaddr *a, socklen_t *l);
SK_EXPORT ssize_t __recvfrom_chk(int fd, void *p, size_t n, size_t cap, int fl,
                                 struct sockaddr *a, socklen_t *l)
{
    static ssize_t (*f)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
    if (sk_bsd_is_socket(fd))
        return sk_bsd_recvfrom(fd, p, n < cap ? n : cap, fl, a, l);
    NEXT(f, "__recvfrom_chk");
    return f(fd, p, n, cap, fl, a, l);
}

static int fcntl_common(const char *name, int fd, int cmd, long arg)
{
    int (*f)(int, int, ...) = NULL;
    if (sk_bsd_is_socket(fd)) {
        if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
            fprintf(stderr, "synack: fcntl(F_DUPFD) of a synack socket is not supported\n");
            errno = EINVAL;
            return -1;
        }
        return sk_bsd_fcntl(fd, cmd, arg);
    }
    NEXT(f, name);
    return f(fd, cmd, arg);
}

SK_EXPORT int fcntl(int fd, int cmd, ...);
SK_EXPORT int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long); /* an int or a pointer: both fit (LP64) */
    va_end(ap);
    return fcntl_common("fcntl", fd, cmd, arg);
}

SK_EXPORT int fcntl64(int fd, int cmd, ...);
SK_EXPORT int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    return fcntl_common("fcntl64", fd, cmd, arg);
}

SK_EXPORT int ioctl(int fd, unsigned long req, ...);
SK_EXPORT int ioctl(int fd, unsigned long req, ...)
{
    static int (*f)(int, unsigned long, ...);
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (sk_bsd_is_socket(fd))
        return sk_bsd_ioctl(fd, req, arg);
    NEXT(f, "ioctl");
    return f(fd, req, arg);
}

/* dup of a synack socket would give a second number for one socket: refused. */
static int refuse_dup(void)
{
    fprintf(stderr, "synack: dup() of a synack socket is not supported\n");
    errno = EMFILE;
    return -1;
}

PASS(dup, int, (int fd), (fd), refuse_dup())
PASS(dup2, int, (int fd, int to), (fd, to), refuse_dup())
PASS(dup3, int, (int fd, int to, int fl), (fd, to, fl), refuse_dup())

/* sendfile to a synack socket: read the file and send it. */
static ssize_t sendfile_ours(int out, int in, off_t *off, size_t count)
{
    char buf[65536];
    size_t done = 0;
    while (done < count) {
        size_t want = count - done < sizeof buf ? count - done : sizeof buf;
        ssize_t n = off != NULL ? pread(in, buf, want, *off) : read(in, buf, want);
        if (n <= 0) {
            if (n < 0 && done == 0)
                return -1;
            break;
        }
        ssize_t m = sk_bsd_send(out, buf, (size_t)n, 0);
        if (m < 0) {
            if (done == 0)
                return -1;
            break;
        }
        done += (size_t)m;
        if (off != NULL)
            *off += m;
        else if (m < n)
            (void)lseek(in, m - n, SEEK_CUR);
        if (m < n)
            break;
    }
    return (ssize_t)done;
}

SK_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t count);
SK_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
    static ssize_t (*f)(int, int, off_t *, size_t);
    if (sk_bsd_is_socket(out))
        return sendfile_ours(out, in, off, count);
    NEXT(f, "sendfile");
    return f(out, in, off, count);
}
