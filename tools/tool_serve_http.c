/* synack serve --http: the HTTP/1.1 application on a connection (request
 * heads in, a response from a file under --root or a generated page out,
 * keep-alive, half-close at the end) and its idle timeout. The parsing and
 * the response heads are tool_http.c. */
#include "tool_serve.h"

#include "synack/error.h"
#include "tool_http.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char index_page[] =
    "<!DOCTYPE html>\n<html><head><title>synack</title></head><body>\n"
    "<h1>synack</h1>\n<p>This page was served by synack, a user-space TCP/IPv4 stack.</p>\n"
    "<p><a href=\"/bytes/1048576\">/bytes/N</a> returns N bytes of a test pattern.</p>\n"
    "</body></html>\n";
static const char pattern[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+\n";

static void http_head(serve_conn *c, int status, bool keep, uint64_t len, const char *type,
                      int minor)
{
    c->out_len =
        tool_http_response_head((char *)c->out, SERVE_OUT_CAP, status, minor, keep, len, type);
    c->out_off = 0;
    c->close_after = !keep;
    c->responding = true;
}

static void http_error(serve_conn *c, int status, bool keep, int minor, bool head)
{
    char body[64];
    int n = snprintf(body, sizeof body, "%d %s\n", status, tool_http_reason(status));
    http_head(c, status, keep, (uint64_t)n, "text/plain; charset=utf-8", minor);
    if (!head && c->out_len + (size_t)n <= SERVE_OUT_CAP) {
        memcpy(c->out + c->out_len, body, (size_t)n);
        c->out_len += (size_t)n;
    }
}

/* Resolve `full` (symlinks, "." and "..") into real[PATH_MAX] and require
 * the result to be inside the canonical root: a symlink in the document
 * root must not serve files from outside it. 0, or a status. */
static int resolve_under_root(const char *root_real, const char *full, char *real)
{
    if (realpath(full, real) == NULL)
        return errno == ENAMETOOLONG ? 414 : errno == EACCES ? 403 : 404;
    size_t rl = strlen(root_real);
    if (strcmp(root_real, "/") == 0)
        return 0;
    if (strncmp(real, root_real, rl) != 0 || (real[rl] != '\0' && real[rl] != '/'))
        return 403;
    return 0;
}

/* A file under the root: 0 and an open fd with its size, or a status. Only
 * regular files are served: a device or a FIFO (opened non-blocking, so a
 * FIFO swapped in after the check cannot hang the server) answers 404. */
static int open_under_root(const char *root_real, const char *path, int *fd, uint64_t *size)
{
    char full[PATH_MAX], real[PATH_MAX];
    struct stat st;
    int n = snprintf(full, sizeof full, "%s%s", root_real, path);
    if (n < 0 || (size_t)n >= sizeof full)
        return 414;
    int r = resolve_under_root(root_real, full, real);
    if (r != 0)
        return r;
    if (stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
        n = snprintf(full, sizeof full, "%s/index.html", real);
        if (n < 0 || (size_t)n >= sizeof full)
            return 414;
        if ((r = resolve_under_root(root_real, full, real)) != 0)
            return r;
    }
    *fd = open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (*fd < 0)
        return errno == EACCES ? 403 : 404;
    if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(*fd);
        *fd = -1;
        return 404;
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

/* Generated content when there is no --root: "/" and "/bytes/N". */
static int generated(serve_conn *c, const char *path, uint64_t *size, const char **type)
{
    char *end;
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        c->page = index_page;
        *size = sizeof index_page - 1;
        *type = "text/html; charset=utf-8";
        return 0;
    }
    if (strncmp(path, "/bytes/", 7) == 0 && path[7] >= '0' && path[7] <= '9') {
        unsigned long long n = strtoull(path + 7, &end, 10);
        if (*end != '\0' || n > (1ull << 40))
            return 404;
        c->pattern = true;
        *size = n;
        *type = "application/octet-stream";
        return 0;
    }
    return 404;
}

static void http_start(server *sv, serve_conn *c, size_t head_len)
{
    tool_http_req req;
    int st = tool_http_parse(c->req, head_len, &req);
    memmove(c->req, c->req + head_len, c->req_len - head_len);
    c->req_len -= head_len;
    if (st != 0) {
        http_error(c, st, req.keep_alive, req.minor, req.head);
        return;
    }
    uint64_t size = 0;
    const char *type = NULL;
    c->fd = -1;
    c->page = NULL;
    c->pattern = false;
    if (sv->root != NULL) {
        st = open_under_root(sv->root_real, req.path, &c->fd, &size);
        type = tool_http_mime(req.path);
    } else {
        st = generated(c, req.path, &size, &type);
    }
    if (st != 0) {
        http_error(c, st, req.keep_alive, req.minor, req.head);
        return;
    }
    http_head(c, 200, req.keep_alive, size, type, req.minor);
    c->body_off = 0;
    c->body_left = req.head ? 0 : size;
}

/* Refill c->out with the next piece of the body: 0, or -1 (file error). */
static int http_refill(serve_conn *c)
{
    size_t want = c->body_left < SERVE_OUT_CAP ? (size_t)c->body_left : SERVE_OUT_CAP;
    if (c->fd >= 0) {
        ssize_t n = pread(c->fd, c->out, want, (off_t)c->body_off);
        if (n <= 0)
            return -1; /* the file shrank or failed: the response cannot be completed */
        want = (size_t)n;
    } else if (c->page != NULL) {
        memcpy(c->out, c->page + c->body_off, want);
    } else {
        for (size_t i = 0; i < want; i++)
            c->out[i] = (uint8_t)pattern[(c->body_off + i) % (sizeof pattern - 1)];
    }
    c->out_len = want;
    c->out_off = 0;
    c->body_off += want;
    c->body_left -= want;
    return 0;
}

/* The response in progress: 1 done, 0 would block, -1 failed. */
static int http_respond(server *sv, serve_conn *c)
{
    for (;;) {
        int f = serve_flush_out(sv, c);
        if (f <= 0)
            return f;
        if (c->body_left == 0)
            break;
        if (http_refill(c) != 0)
            return -1;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->responding = false;
    return 1;
}

int serve_http_pump(server *sv, serve_conn *c)
{
    for (;;) {
        if (c->responding) {
            int r = http_respond(sv, c);
            if (r <= 0)
                return r;
            if (c->close_after)
                return 1;
            continue;
        }
        size_t hl = tool_http_head_len(c->req, c->req_len);
        if (hl > 0) {
            http_start(sv, c, hl);
            continue;
        }
        if (c->req_len == sizeof c->req) {
            http_error(c, 431, false, 1, false);
            continue;
        }
        ptrdiff_t n = sk_tcp_recv(sv->stack, sv->loop->now, c->sock, c->req + c->req_len,
                                  sizeof c->req - c->req_len);
        if (n == SK_EAGAIN)
            return 0;
        if (n <= 0)
            return n == 0 ? 1 : -1;
        c->req_len += (size_t)n;
        c->t_active = sv->loop->now;
    }
}

/* RFC 9112 §9.8 lets a server close idle connections. Without a bound, a
 * client that sends half a request head and stalls, never reads its
 * response, or never answers our FIN would hold its slot (and ~40 KiB)
 * forever: a few thousand such clients would shut everyone else out. */
static void http_idle(server *sv, serve_conn *c)
{
    if (c->draining || c->responding) {
        /* the peer stopped reading or closing: reset (a close would leave
         * the stack probing a zero window with our unsent data forever) */
        sk_tcp_abort(sv->stack, sv->loop->now, c->sock);
        serve_conn_free(sv, c);
        return;
    }
    c->t_active = sv->loop->now; /* one more period for the close below */
    if (c->req_len > 0) {
        http_error(c, 408, false, 1, false); /* RFC 9110 §15.5.9 */
        serve_conn_pump(sv, c);
        return;
    }
    c->close_after = true; /* an idle persistent connection: just close it */
    c->draining = true;
    if (sk_tcp_shutdown(sv->stack, sv->loop->now, c->sock) != 0)
        serve_conn_end(sv, c, -1);
}

void serve_http_sweep(server *sv)
{
    sk_time_us now = sv->loop->now;
    if (now < sv->next_sweep)
        return;
    sv->next_sweep = now + 250000u;
    for (uint32_t i = 0; i < sv->max_conns; i++) {
        serve_conn *c = sv->conns[i];
        if (c != NULL && c->svc == SVC_HTTP && now - c->t_active >= sv->idle_us)
            http_idle(sv, c);
    }
}

