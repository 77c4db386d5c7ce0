/* The HTTP/1.1 parts of `synack serve --http` that need no socket: request
 * head parsing (RFC 9112 §3, §9.3), path resolution under a document root
 * with traversal refused, and response heads (RFC 9110 §6, §8.6). */
#ifndef SK_TOOL_HTTP_H
#define SK_TOOL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOOL_HTTP_MAX_HEAD 8192 /* request line + header fields */
#define TOOL_HTTP_MAX_PATH 1024

typedef struct {
    bool head;          /* HEAD (else GET) */
    int minor;          /* HTTP/1.<minor> */
    bool keep_alive;    /* the connection stays open after the response */
    char path[TOOL_HTTP_MAX_PATH]; /* decoded, query removed, starts with '/' */
} tool_http_req;

/* Length of the request head in buf (through the blank line), 0 when it is
 * not complete yet. A bare LF ends lines too, and empty lines before the
 * request line are skipped (RFC 9112 §2.2). */
size_t tool_http_head_len(const char *buf, size_t len);

/* Parse a complete request head. Returns 0, or the status to answer with:
 * 400 (malformed, missing Host in 1.1, a body), 403 (path traversal), 405
 * (a method other than GET/HEAD), 414 (path too long), 505 (not HTTP/1.x).
 * req->keep_alive is set as far as the head was understood (false on 400). */
int tool_http_parse(const char *head, size_t len, tool_http_req *req);

const char *tool_http_reason(int status);
/* Content-Type from the file name's extension. */
const char *tool_http_mime(const char *path);

/* Write a response head into buf: status line, Date, Server,
 * Content-Length, Content-Type, Allow on 405, and "Connection: close" when
 * !keep_alive (or "Connection: keep-alive" for a persistent HTTP/1.0
 * connection). Returns its length (0 when cap is too small). */
size_t tool_http_response_head(char *buf, size_t cap, int status, int minor, bool keep_alive,
                               uint64_t content_length, const char *content_type);

#endif
