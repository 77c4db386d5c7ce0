/* The page of `synack demo --html` (see tools/tool_html.c for the layout):
 * the ladder as inline SVG, the narration beside each arrow, a details
 * panel filled by a few lines of JavaScript from a JSON table of the
 * segments, and the three plots. Nothing is fetched; the same run gives
 * the same bytes. */
#include "tool_demo.h"
#include "tool_html.h"
#include "tool_plot_demo.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define NARR_X 820 /* left edge of the narration column, pixels */

static const char page_css[] =
    "body{font-family:sans-serif;margin:16px;color:#222;background:#fff}\n"
    "h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}\n"
    ".sub{color:#555;margin:0 0 12px;white-space:pre-wrap;font-family:monospace;font-size:12px}\n"
    "#ladder-wrap{position:relative}\n"
    "#ladder text{font-size:11px;font-family:monospace}\n"
    "#ladder .who{font-size:14px;font-weight:bold;font-family:sans-serif}\n"
    "#ladder .timeline{stroke:#444;stroke-width:2}\n"
    "#ladder .arrow line{stroke:#1f4fbf;stroke-width:1.6}\n"
    "#ladder .arrow.rexmit line{stroke:#d62728}\n"
    "#ladder .arrow.lost line{stroke:#d62728;stroke-dasharray:5,3}\n"
    "#ladder .arrow line.hit{stroke:transparent;stroke-width:12;stroke-dasharray:none}\n"
    "#ladder .arrow:hover line,#ladder .arrow.sel line{stroke-width:3}\n"
    "#ladder .arrow text{fill:#123;paint-order:stroke;stroke:#fff;stroke-width:3px}\n"
    "#ladder .cross{stroke:#d62728;stroke-width:2.5}\n"
    "#ladder .state{fill:#6a3d9a;font-size:10px}\n"
    ".narr{position:absolute;left:" "820" "px;width:620px;font-size:12px;line-height:15px;white-space:pre-wrap;"
    "color:#333;border-left:3px solid #ddd;padding-left:6px;cursor:pointer}\n"
    ".narr.sel{border-left-color:#1f4fbf;background:#eef3ff}\n"
    "#details{position:fixed;right:12px;top:12px;width:340px;background:#fafafa;border:1px solid #bbb;"
    "padding:8px;font-size:12px;font-family:monospace;white-space:pre-wrap;box-shadow:0 2px 6px #0003}\n"
    ".plots svg{display:block;margin:8px 0;border:1px solid #eee}\n";

static void flags_text(uint8_t f, char *buf, size_t cap)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = {{PLOT_SYN, "SYN"}, {PLOT_FIN, "FIN"}, {PLOT_RST, "RST"}, {PLOT_PSH, "PSH"}, {PLOT_ACK, "ACK"}};
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if ((f & names[i].bit) && n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n > 0 ? "+" : "", names[i].name);
}

static void opts_text(const plot_seg *g, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
#define OPT_(...) (n < cap ? (n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__)) : n)
    if (g->mss != 0)
        OPT_("%smss %u", n ? "," : "", g->mss);
    if (g->wscale >= 0)
        OPT_("%swscale %d", n ? "," : "", g->wscale);
    if (g->sack_ok)
        OPT_("%ssackOK", n ? "," : "");
    if (g->has_ts)
        OPT_("%sTS val %u ecr %u", n ? "," : "", g->ts_val, g->ts_ecr);
    for (unsigned k = 0; k < g->n_sack; k++)
        OPT_("%ssack %u-%u", n ? "," : "", g->sack[k][0], g->sack[k][1]);
#undef OPT_
}

static uint32_t shown(const demo *d, int side, uint32_t v)
{
    return d->o.relative && d->side[side].syn_sent ? v - d->side[side].iss : v;
}

static void arrow_label(const demo *d, const plot_seg *g, char *buf, size_t cap)
{
    char fl[40], op[200];
    flags_text(g->flags, fl, sizeof fl);
    opts_text(g, op, sizeof op);
    int n = snprintf(buf, cap, "%s seq=%u", fl, shown(d, g->dir, g->seq));
    if ((g->flags & PLOT_ACK) && n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, " ack=%u", shown(d, 1 - g->dir, g->ack));
    if (n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, " len=%u win=%u", g->len, g->win);
    if (op[0] != '\0' && n >= 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, " <%s>", op);
}

static void draw_arrow(FILE *f, const demo *d, const demo_plot *p, const html_lad *L, size_t i)
{
    const plot_seg *g = &p->conn.seg[i];
    long rs = L->seg_row[2 * i], rr = L->seg_row[2 * i + 1];
    bool lost = g->t_recv == PLOT_NEVER;
    double x0 = html_x(g->dir), x1 = html_x(1 - g->dir), y0 = L->row_y[rs];
    double y1 = rr >= 0 ? L->row_y[rr] : y0 + 24;
    if (rr < 0) /* lost (or never delivered): it ends mid-air */
        x1 = x0 + (x1 - x0) * 0.55;
    char label[320];
    arrow_label(d, g, label, sizeof label);
    fprintf(f, "<g class=\"arrow%s%s\" data-i=\"%zu\"><title>#%zu ", g->rexmit ? " rexmit" : "", lost ? " lost" : "",
            i, i + 1);
    html_escape(f, label, strlen(label));
    fprintf(f, "</title><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"%s/>", x0, y0, x1, y1,
            rr >= 0 ? " marker-end=\"url(#ah)\"" : "");
    fprintf(f, "<line class=\"hit\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x0, y0, x1, y1);
    if (rr < 0)
        fprintf(f, "<path class=\"cross\" d=\"M%.1f %.1fl10 10m0 -10l-10 10\"/>", x1 - 5, y1 - 5);
    double lx = x0 < x1 ? x0 : x1, ly = x0 < x1 ? y0 : y1, rx = x0 < x1 ? x1 : x0, ry = x0 < x1 ? y1 : y0;
    double ang = atan2(ry - ly, rx - lx) * 180.0 / M_PI;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(%.2f %.1f %.1f)\">#%zu ",
            (x0 + x1) / 2, (y0 + y1) / 2 - 4, ang, (x0 + x1) / 2, (y0 + y1) / 2, i + 1);
    html_escape(f, label, strlen(label));
    fputs("</text></g>\n", f);
}

static void draw_states(FILE *f, const demo_plot *p, const html_lad *L)
{
    double last[2] = {-100, -100};
    fprintf(f, "<text class=\"state\" x=\"%d\" y=\"%d\" text-anchor=\"end\">CLOSED</text>\n", (int)html_x(0) - 8,
            78);
    fprintf(f, "<text class=\"state\" x=\"%d\" y=\"%d\">LISTEN</text>\n", (int)html_x(1) + 8, 78);
    for (size_t k = 0; k < p->n_states; k++) {
        const demo_plot_state *s = &p->states[k];
        /* where the segment it was sent with leaves, else the row of its time */
        size_t nx = s->next - 1;
        bool with_seg = nx < p->conn.n_seg && p->conn.seg[nx].t == s->t && p->conn.seg[nx].dir == s->side;
        double y = (with_seg ? L->row_y[L->seg_row[2 * nx]] : html_time_y(L, s->t)) + 4;
        if (y < last[s->side] + 11)
            y = last[s->side] + 11;
        last[s->side] = y;
        fprintf(f, "<text class=\"state\" x=\"%.1f\" y=\"%.1f\"%s>%s</text>\n",
                html_x(s->side) + (s->side == 0 ? -8 : 8), y, s->side == 0 ? " text-anchor=\"end\"" : "",
                sk_tcp_state_name((enum sk_tcp_state)s->state));
    }
}

static void ladder(FILE *f, const demo *d, const demo_plot *p, const html_lad *L, const html_narr *nr)
{
    fprintf(f, "<div id=\"ladder-wrap\" style=\"height:%.0fpx\">\n", L->height);
    fprintf(f, "<svg id=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\">\n", NARR_X - 10,
            L->height);
    fputs("<defs><marker id=\"ah\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
          "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" fill=\"#444\"/>"
          "</marker></defs>\n", f);
    for (int side = 0; side < 2; side++) {
        fprintf(f, "<text class=\"who\" x=\"%.1f\" y=\"40\" text-anchor=\"middle\">", html_x(side));
        html_escape(f, p->conn.name[side], strlen(p->conn.name[side]));
        fprintf(f, "</text><line class=\"timeline\" x1=\"%.1f\" y1=\"60\" x2=\"%.1f\" y2=\"%.0f\"/>\n", html_x(side),
                html_x(side), L->height - 20);
    }
    draw_states(f, p, L);
    for (size_t i = 0; i < p->conn.n_seg; i++)
        draw_arrow(f, d, p, L, i);
    fputs("</svg>\n", f);
    for (size_t i = 0; i < p->conn.n_seg && i < nr->n; i++) {
        if (nr->seg[i].len == 0)
            continue;
        fprintf(f, "<div class=\"narr\" data-i=\"%zu\" style=\"top:%.0fpx\">", i, L->row_y[L->seg_row[2 * i]] - 8);
        html_escape(f, nr->text + nr->seg[i].off, nr->seg[i].len);
        fputs("</div>\n", f);
    }
    fputs("</div>\n", f);
}

static void seg_json(FILE *f, const demo *d, const demo_plot *p, size_t i)
{
    const plot_seg *g = &p->conn.seg[i];
    char fl[40], op[200];
    flags_text(g->flags, fl, sizeof fl);
    opts_text(g, op, sizeof op);
    fprintf(f, "{\"n\":%zu,\"from\":\"%s\",\"to\":\"%s\",\"t\":%llu.%03u,", i + 1,
            g->dir == 0 ? "client" : "server", g->dir == 0 ? "server" : "client", (unsigned long long)(g->t / 1000),
            (unsigned)(g->t % 1000));
    if (g->t_recv == PLOT_NEVER || g->t_recv == 0)
        fputs("\"tr\":null,", f);
    else
        fprintf(f, "\"tr\":%llu.%03u,", (unsigned long long)(g->t_recv / 1000), (unsigned)(g->t_recv % 1000));
    fprintf(f, "\"flags\":\"%s\",\"seq\":%u,\"ack\":%u,\"len\":%u,\"win\":%u,\"opts\":\"%s\",", fl,
            shown(d, g->dir, g->seq), (g->flags & PLOT_ACK) ? shown(d, 1 - g->dir, g->ack) : 0, g->len, g->win, op);
    fprintf(f, "\"state\":\"%s\",\"rexmit\":%s,\"cause\":", sk_tcp_state_name((enum sk_tcp_state)p->snd_state[i]),
            g->rexmit ? "true" : "false");
    if (g->cause != NULL)
        fprintf(f, "\"%s\"}", g->cause);
    else
        fputs("null}", f);
}

static const char page_js[] =
    "(function(){\n"
    "const det=document.getElementById('details');\n"
    "function show(i){const s=SEGS[i];if(!s)return;\n"
    " document.querySelectorAll('.sel').forEach(e=>e.classList.remove('sel'));\n"
    " document.querySelectorAll('[data-i=\"'+i+'\"]').forEach(e=>e.classList.add('sel'));\n"
    " let t='#'+s.n+'  '+s.from+' \\u2192 '+s.to+'\\n'+'flags  '+s.flags+'\\nseq    '+s.seq+\n"
    "  (s.flags.indexOf('ACK')>=0?'\\nack    '+s.ack:'')+'\\nlen    '+s.len+'\\nwindow '+s.win+' bytes'+\n"
    "  '\\noptions '+(s.opts||'none')+'\\nsent   '+s.t.toFixed(3)+' ms ('+s.from+' '+s.state+')'+\n"
    "  '\\n'+(s.tr===null?'lost on the link':'arrived '+s.tr.toFixed(3)+' ms');\n"
    " if(s.rexmit)t+='\\nretransmission, cause: '+(s.cause||'?')+(CAUSES[s.cause]?' ('+CAUSES[s.cause]+')':'');\n"
    " const n=NARR[i];if(n)t+='\\n\\n'+n;det.textContent=t;}\n"
    "document.querySelectorAll('.arrow,.narr').forEach(e=>{const i=+e.dataset.i;\n"
    " e.addEventListener('mouseenter',()=>show(i));e.addEventListener('click',()=>show(i));});\n"
    "const h=/^#seg([0-9]+)$/.exec(location.hash);if(h)show(+h[1]-1);\n"
    "document.body.dataset.arrows=String(document.querySelectorAll('#ladder .arrow').length);\n"
    "})();\n";

static void scripts(FILE *f, const demo *d, const demo_plot *p, const html_narr *nr)
{
    fputs("<script>\nconst SEGS=[", f);
    for (size_t i = 0; i < p->conn.n_seg; i++) {
        fputs(i > 0 ? ",\n" : "\n", f);
        seg_json(f, d, p, i);
    }
    fputs("];\nconst NARR=[", f);
    for (size_t i = 0; i < p->conn.n_seg; i++) {
        fputs(i > 0 ? "," : "", f);
        html_json_string(f, i < nr->n ? nr->text + nr->seg[i].off : "", i < nr->n ? nr->seg[i].len : 0);
    }
    fputs("];\nconst CAUSES={", f);
    for (int c = 1; c < SK_REXMIT__COUNT; c++) {
        const char *s = sk_rexmit_cause_str((enum sk_rexmit_cause)c);
        fprintf(f, "%s\"%s\":", c > 1 ? "," : "", sk_rexmit_cause_name((enum sk_rexmit_cause)c));
        html_json_string(f, s, strlen(s));
    }
    fprintf(f, "};\n%s</script>\n", page_js);
}

static void page(FILE *f, const demo *d, const demo_plot *p, const html_lad *L, const html_narr *nr)
{
    bool zh = d->o.lang == DEMO_ZH;
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n<title>%s</title>\n<style>\n%s"
               "</style></head><body>\n",
            zh ? "zh" : "en", zh ? "synack 演示：TCP 对话" : "synack demo: the TCP conversation", page_css);
    fprintf(f, "<h1>%s</h1>\n", zh ? "synack 演示：教科书里的 TCP 对话" : "synack demo: the textbook's TCP conversation");
    size_t head = nr->n > 0 && nr->seg[0].len > 0 ? nr->seg[0].off : 0;
    fputs("<p class=\"sub\">", f);
    html_escape(f, nr->text, head);
    fprintf(f, "</p>\n<div id=\"details\">%s</div>\n",
            zh ? "将鼠标移到箭头上或点击它，查看该报文段的详细信息。" : "Hover over or click an arrow for its segment's details.");
    ladder(f, d, p, L, nr);
    if (nr->tail_len > 0) {
        fputs("<p class=\"sub\">", f);
        html_escape(f, nr->text + nr->tail_off, nr->tail_len);
        fputs("</p>\n", f);
    }
    fprintf(f, "<h2>%s</h2>\n<div class=\"plots\">\n", zh ? "图" : "plots");
    int dir = plot_data_dir(&p->conn);
    plot_draw_tseq(f, &p->conn, dir);
    plot_draw_cwnd(f, &p->conn, dir);
    plot_draw_rtt(f, &p->conn, dir);
    fputs("</div>\n", f);
    scripts(f, d, p, nr);
    fputs("</body></html>\n", f);
}

int demo_html_write(demo *d, const demo_plot *p)
{
    html_narr nr;
    html_lad L;
    memset(&L, 0, sizeof L);
    const char *text = p->narr != NULL ? p->narr : "";
    if (html_narr_split(&nr, text, p->narr != NULL ? p->narr_len : 0, p->conn.n_seg) != 0 ||
        html_layout(&L, p, &nr) != 0) {
        html_narr_free(&nr);
        html_layout_free(&L);
        errno = ENOMEM;
        return -1;
    }
    FILE *f = fopen(d->o.html_path, "w");
    int rc = -1;
    if (f != NULL) {
        page(f, d, p, &L, &nr);
        int bad = ferror(f);
        rc = fclose(f) == 0 && !bad ? 0 : -1;
        if (rc != 0 && errno == 0)
            errno = EIO;
    }
    html_narr_free(&nr);
    html_layout_free(&L);
    return rc;
}
