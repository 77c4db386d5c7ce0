/* A small SVG writer for the plots (tools/tool_plot.h): a frame with a
 * title, axes with "nice" ticks (1, 2 or 5 times a power of ten) and their
 * labels, a legend, polylines. Numbers are printed with fixed decimals, so
 * the same data give the same bytes. */
#include "tool_plot.h"

#include <math.h>
#include <string.h>

#define PLOT_W 900
#define PLOT_H 520

void plot_svg_prolog(FILE *f)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
}

void plot_svg_escape(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f); break;
        }
    }
}

double plot_svg_x(const plot_svg *p, double v)
{
    double span = p->x1 - p->x0;
    return p->ml + (v - p->x0) / span * (p->w - p->ml - p->mr);
}

double plot_svg_y(const plot_svg *p, double v)
{
    double span = p->y1 - p->y0;
    return p->h - p->mb - (v - p->y0) / span * (p->h - p->mt - p->mb);
}

/* 1, 2 or 5 times a power of ten, giving about `want` intervals. */
static double nice_step(double span, int want)
{
    double raw = span / want;
    double mag = pow(10.0, floor(log10(raw)));
    double n = raw / mag;
    double step = n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10;
    return step * mag;
}

static void tick_label(char *buf, size_t cap, double v, double step)
{
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (dec > 6)
        dec = 6;
    if (fabs(v) < step * 1e-6)
        v = 0;
    snprintf(buf, cap, "%.*f", dec, v);
}

static void axis_x(plot_svg *p, const char *label)
{
    FILE *f = p->f;
    double step = nice_step(p->x1 - p->x0, 8);
    double ybase = p->h - p->mb;
    fprintf(f, "<g class=\"axis x\">\n<line class=\"axis-line\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n",
            p->ml, ybase, p->w - p->mr, ybase);
    double first = ceil(p->x0 / step) * step;
    for (int k = 0; k <= 40 && first + k * step <= p->x1 + step * 1e-9; k++) {
        char t[32];
        double v = first + k * step;
        double x = plot_svg_x(p, v);
        tick_label(t, sizeof t, v, step);
        fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                   "<text class=\"tick-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                x, ybase, x, ybase + 5, x, ybase + 18, t);
    }
    fprintf(f, "<text class=\"axis-label\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
            (p->ml + p->w - p->mr) / 2.0, p->h - 8);
    plot_svg_escape(f, label);
    fputs("</text>\n</g>\n", f);
}

static void axis_y(plot_svg *p, const char *label)
{
    FILE *f = p->f;
    double step = nice_step(p->y1 - p->y0, 6);
    fprintf(f, "<g class=\"axis y\">\n<line class=\"axis-line\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
            p->ml, p->mt, p->ml, p->h - p->mb);
    double first = ceil(p->y0 / step) * step;
    for (int k = 0; k <= 40 && first + k * step <= p->y1 + step * 1e-9; k++) {
        char t[32];
        double v = first + k * step;
        double y = plot_svg_y(p, v);
        tick_label(t, sizeof t, v, step);
        fprintf(f, "<line class=\"tick\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                   "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                   "<text class=\"tick-label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                p->ml - 5, y, p->ml, y, p->ml, y, p->w - p->mr, y, p->ml - 8, y + 4, t);
    }
    fprintf(f, "<text class=\"axis-label\" transform=\"translate(16,%.1f) rotate(-90)\" text-anchor=\"middle\">",
            (p->mt + p->h - p->mb) / 2.0);
    plot_svg_escape(f, label);
    fputs("</text>\n</g>\n", f);
}

static const char svg_style[] =
    "<style>\n"
    "text{font-family:sans-serif;font-size:12px;fill:#222}\n"
    ".title{font-size:16px;font-weight:bold}.subtitle{fill:#555}\n"
    ".axis-line,.tick{stroke:#222;stroke-width:1}.grid{stroke:#ddd;stroke-width:0.5}\n"
    ".seg{stroke:#1f4fbf;stroke-width:2}.seg.rexmit{stroke:#d62728}.seg.lost{stroke:#d62728;stroke-dasharray:3,2}\n"
    ".rexmit-mark{fill:none;stroke:#d62728;stroke-width:1.5}.lost-mark{stroke:#d62728;stroke-width:2}\n"
    ".ack{fill:none;stroke:#2ca02c;stroke-width:1.5}.win{fill:none;stroke:#bcbd22;stroke-width:1.5}\n"
    ".sack{stroke:#9467bd;stroke-width:3}\n"
    ".cwnd{fill:none;stroke:#1f4fbf;stroke-width:1.5}.ssthresh{fill:none;stroke:#ff7f0e;stroke-width:1.5;"
    "stroke-dasharray:6,3}\n"
    ".flight{fill:none;stroke:#2ca02c;stroke-width:1}\n"
    ".rtt{fill:#1f4fbf}.srtt{fill:none;stroke:#2ca02c;stroke-width:1.5}.rto{fill:none;stroke:#d62728;"
    "stroke-width:1.5;stroke-dasharray:6,3}\n"
    ".note{fill:#555;font-style:italic}\n"
    "</style>\n";

void plot_svg_begin(plot_svg *p, FILE *f, const char *title, const char *subtitle, const char *xlabel,
                    const char *ylabel, double x0, double x1, double y0, double y1)
{
    memset(p, 0, sizeof *p);
    p->f = f;
    p->w = PLOT_W;
    p->h = PLOT_H;
    p->ml = 80;
    p->mr = 190;
    p->mt = 56;
    p->mb = 50;
    p->x0 = x0;
    p->x1 = x1 > x0 ? x1 : x0 + 1;
    p->y0 = y0;
    p->y1 = y1 > y0 ? y1 : y0 + 1;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
            p->w, p->h, p->w, p->h);
    fputs(svg_style, f);
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", p->w, p->h);
    fputs("<text class=\"title\" x=\"80\" y=\"22\">", f);
    plot_svg_escape(f, title);
    fputs("</text>\n<text class=\"subtitle\" x=\"80\" y=\"40\">", f);
    plot_svg_escape(f, subtitle);
    fputs("</text>\n", f);
    axis_x(p, xlabel);
    axis_y(p, ylabel);
    /* data beyond the frame (a far window edge, a long RTO) is clipped; the
     * clip's id comes from the title, so that the plots of one page differ
     * and a plot's bytes do not depend on what else was drawn before */
    uint32_t clip_id = 2166136261u;
    for (const char *c = title; *c != '\0'; c++)
        clip_id = (clip_id ^ (uint8_t)*c) * 16777619u;
    fprintf(f, "<clipPath id=\"plotclip%08x\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath>\n",
            clip_id, p->ml, p->mt - 4, p->w - p->ml - p->mr + 4, p->h - p->mt - p->mb + 4);
    fprintf(f, "<g class=\"data\" clip-path=\"url(#plotclip%08x)\">\n", clip_id);
}

void plot_svg_legend(plot_svg *p, const char *cls, const char *label, bool mark)
{
    FILE *f = p->f;
    if (p->legend_n == 0)
        fputs("</g>\n", f); /* the data group ends where the legend begins */
    double x = p->w - p->mr + 16, y = p->mt + 10 + 20.0 * p->legend_n++;
    fprintf(f, "<g class=\"legend\">");
    if (mark)
        fprintf(f, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/>", cls, x + 12, y);
    else
        fprintf(f, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", cls, x, y, x + 24, y);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 32, y + 4);
    plot_svg_escape(f, label);
    fputs("</text></g>\n", f);
}

void plot_svg_end(plot_svg *p)
{
    if (p->legend_n == 0)
        fputs("</g>\n", p->f);
    fputs("</svg>\n", p->f);
}

void plot_line_begin(plot_line *l, plot_svg *p, const char *cls, bool step)
{
    memset(l, 0, sizeof *l);
    l->p = p;
    l->cls = cls;
    l->step = step;
}

void plot_line_point(plot_line *l, double x, double y)
{
    FILE *f = l->p->f;
    double px = plot_svg_x(l->p, x), py = plot_svg_y(l->p, y);
    if (!l->started) {
        fprintf(f, "<polyline class=\"%s\" points=\"", l->cls);
        l->started = true;
    } else if (l->step) {
        fprintf(f, " %.1f,%.1f", px, l->last_y);
        l->n++;
    }
    fprintf(f, "%s%.1f,%.1f", l->n > 0 ? " " : "", px, py);
    l->n++;
    l->last_y = py;
}

void plot_line_end(plot_line *l)
{
    if (l->started)
        fputs("\"/>\n", l->p->f);
}
