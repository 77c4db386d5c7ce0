/* The demo's narration, split per segment for the page (tools/tool_html.h).
 * It reads the printed text rather than re-deriving it, so the page says
 * exactly what the terminal says, in the chosen language: a line whose
 * first word is a segment number starts that segment's span, indented lines
 * after it (the explanations) belong to it, and event lines (their first
 * word a time, "40.000") belong to the segment that follows them. */
#include "tool_html.h"

#include <stdlib.h>
#include <string.h>

/* The first word of the line at s (after blanks): 1 a number, 2 a time
 * ("12.345"), 0 anything else; *num the number. */
static int first_word(const char *s, const char *end, unsigned long *num)
{
    while (s < end && *s == ' ')
        s++;
    const char *w = s;
    unsigned long v = 0;
    while (s < end && *s >= '0' && *s <= '9' && v < 100000000ul)
        v = v * 10 + (unsigned long)(*s++ - '0');
    if (s == w)
        return 0;
    *num = v;
    if (s < end && *s == '.')
        return 2;
    return s < end && *s == ' ' ? 1 : 0;
}

int html_narr_split(html_narr *nr, const char *text, size_t len, size_t n)
{
    memset(nr, 0, sizeof *nr);
    nr->text = text;
    nr->n = n;
    nr->seg = calloc(n + 1, sizeof *nr->seg);
    if (nr->seg == NULL)
        return -1;
    size_t ev_start = SIZE_MAX; /* pending event lines */
    html_narr_seg *cur = NULL;
    bool in_body = false; /* past the header's blank line */
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl != NULL ? (size_t)(nl - text) + 1 : len;
        unsigned long num = 0;
        int kind = first_word(text + off, text + end, &num);
        bool blank = end - off <= 1 || (end - off == 2 && text[off] == '\r');
        bool indented = text[off] == ' ';
        if (kind == 1 && num >= 1 && num <= n && indented) {
            cur = &nr->seg[num - 1];
            cur->off = ev_start != SIZE_MAX ? ev_start : off;
            cur->len = end - cur->off;
            ev_start = SIZE_MAX;
            in_body = true;
        } else if (kind == 2 && indented && in_body) {
            if (ev_start == SIZE_MAX)
                ev_start = off;
            cur = NULL;
        } else if (cur != NULL && indented && !blank) {
            cur->len = end - cur->off; /* an explanation line */
        } else if (blank || !indented) {
            cur = NULL;
            if (ev_start != SIZE_MAX && nr->tail_len == 0) {
                nr->tail_off = ev_start;
                nr->tail_len = off - ev_start;
            }
            ev_start = SIZE_MAX;
        }
        off = end;
    }
    return 0;
}

void html_narr_free(html_narr *nr)
{
    free(nr->seg);
    memset(nr, 0, sizeof *nr);
}

void html_escape(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(s[i], f); break;
        }
    }
}

void html_json_string(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch == '<' || ch == '>' || ch == '&' || ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}
