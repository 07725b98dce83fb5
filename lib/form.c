/* Form template: parses and validates one page's template (forms/SET/pageN.form) into a c1_form;
 * touches only the form and the blank page image it names. Every mistake is reported with its file
 * and line. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"
#include "form.h"

#define MAX_TEMPLATE_BYTES (1u << 20)
#define MAX_BLANK_SIDE 10000      /* px: a 2 m sheet at 5 px/mm */

typedef struct {
    const char *path;
    int line;
    char *msg;
    size_t msg_size;
} parse_ctx;

static c1_error bad(parse_ctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static c1_error bad(parse_ctx *p, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (p->msg && p->msg_size)
        snprintf(p->msg, p->msg_size, "%s:%d: %s", p->path, p->line, why);
    return C1_ERR_FORM_TEMPLATE;
}

/* Splits a line into words in place; '#' starts a comment. */
static int split_words(char *line, char **words, int max_words)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    int n = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok && n < max_words; tok = strtok(NULL, " \t\r\n"))
        words[n++] = tok;
    return n;
}

static int parse_numbers(char **words, int n, double *out)
{
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        out[i] = strtod(words[i], &end);
        if (*end || errno || end == words[i])
            return i;
    }
    return n;
}

static c1_error need_numbers(parse_ctx *p, char **words, int n, double *out, const char *what)
{
    int ok = parse_numbers(words, n, out);
    if (ok < n)
        return bad(p, "%s: '%s' is not a number", what, words[ok]);
    return C1_OK;
}

static c1_error need_rect(parse_ctx *p, char **words, c1_rect *r, const c1_form *f, const char *what)
{
    double v[4];
    c1_error e = need_numbers(p, words, 4, v, what);
    if (e)
        return e;
    if (v[2] <= 0 || v[3] <= 0 || v[0] < 0 || v[1] < 0 || v[0] + v[2] > f->page_w || v[1] + v[3] > f->page_h)
        return bad(p, "%s: box %g %g %g %g is empty or off the %gx%g page", what, v[0], v[1], v[2], v[3],
                   f->page_w, f->page_h);
    *r = (c1_rect){v[0], v[1], v[2], v[3]};
    return C1_OK;
}

static c1_error copy_id(parse_ctx *p, char *dst, size_t size, const char *src)
{
    if (strlen(src) >= size)
        return bad(p, "name '%s' is longer than %zu characters", src, size - 1);
    strcpy(dst, src);
    return C1_OK;
}

/* The rest of the line after `skip` words, for titles and payloads that contain spaces. */
static const char *rest_of_line(const char *raw, int skip)
{
    const char *s = raw;
    for (int i = 0; i < skip; i++) {
        while (*s == ' ' || *s == '\t')
            s++;
        while (*s && *s != ' ' && *s != '\t')
            s++;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Copies text up to a comment or the end of the line, without trailing blanks. */
static c1_error copy_text(parse_ctx *p, char *dst, size_t size, const char *src)
{
    size_t n = strcspn(src, "#\r\n");
    while (n && (src[n - 1] == ' ' || src[n - 1] == '\t'))
        n--;
    if (n == 0)
        return bad(p, "the text is missing");
    if (n >= size)
        return bad(p, "text longer than %zu characters", size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
    return C1_OK;
}

static c1_error parse_field(parse_ctx *p, c1_form *f, char **w, int n)
{
    if (n != 15)
        return bad(p, "field needs: id max and 3 boxes of x y w h (got %d words)", n);
    if (f->n_fields == C1_MAX_FIELDS)
        return bad(p, "more than %d fields", C1_MAX_FIELDS);
    if (form_field_index(f, w[1]) >= 0)
        return bad(p, "field '%s' is defined twice", w[1]);
    c1_form_field *fd = &f->fields[f->n_fields];
    memset(fd, 0, sizeof *fd);
    c1_error e = copy_id(p, fd->id, sizeof fd->id, w[1]);
    double max;
    if (!e)
        e = need_numbers(p, &w[2], 1, &max, "field max");
    for (int d = 0; !e && d < C1_DIGITS; d++)
        e = need_rect(p, &w[3 + 4 * d], &fd->digits[d], f, "field box");
    if (e)
        return e;
    if (max < 0 || max > 999)
        return bad(p, "field '%s': max %g is outside 0..999", fd->id, max);
    fd->max = (int)max;
    f->n_fields++;
    return C1_OK;
}

static c1_error parse_tally(parse_ctx *p, c1_form *f, char **w, int n)
{
    if (n != 8)
        return bad(p, "tally needs: field x y cols rows cell_w cell_h");
    int i = form_field_index(f, w[1]);
    if (i < 0)
        return bad(p, "tally for unknown field '%s' (define the field first)", w[1]);
    double v[6];
    c1_error e = need_numbers(p, &w[2], 6, v, "tally");
    if (e)
        return e;
    if (v[2] < 1 || v[3] < 1 || v[2] * v[3] > C1_MAX_TALLY_CELLS || v[4] <= 0 || v[5] <= 0 || v[0] < 0 || v[1] < 0 ||
        v[2] != (int)v[2] || v[3] != (int)v[3])
        return bad(p, "tally '%s': %g x %g cells of %g x %g mm is not a grid of at most %d cells", w[1], v[2], v[3],
                   v[4], v[5], C1_MAX_TALLY_CELLS);
    c1_form_field *fd = &f->fields[i];
    fd->has_tally = 1;
    fd->tally = (c1_rect){v[0], v[1], v[2] * v[4], v[3] * v[5]};
    fd->tally_cols = (int)v[2];
    fd->tally_rows = (int)v[3];
    if (v[0] + fd->tally.w > f->page_w || v[1] + fd->tally.h > f->page_h)
        return bad(p, "tally '%s' runs off the page", w[1]);
    return C1_OK;
}

/* The next rule slot, cleared, with its id and the names it gives as a reason and as evidence
 * ("rule_violated:<id>", "<kind>:<id>"; they fit: the id is under C1_ID_LEN). */
static c1_error start_rule(parse_ctx *p, c1_form *f, const char *id, const char *evidence_kind, c1_form_rule **out)
{
    if (f->n_rules == C1_MAX_RULES)
        return bad(p, "more than %d rules and hints", C1_MAX_RULES);
    c1_form_rule *r = &f->rules[f->n_rules];
    memset(r, 0, sizeof *r);
    c1_error e = copy_id(p, r->id, sizeof r->id, id);
    if (e)
        return e;
    snprintf(r->reason, sizeof r->reason, "rule_violated:%s", id);
    snprintf(r->evidence, sizeof r->evidence, "%s:%s", evidence_kind, id);
    *out = r;
    return C1_OK;
}

static c1_error parse_rule(parse_ctx *p, c1_form *f, char **w, int n)
{
    if (n < 4)
        return bad(p, "rule needs: id sum A B ... = C, or id le A B");
    c1_form_rule *r;
    c1_error e = start_rule(p, f, w[1], "rule", &r);
    if (e)
        return e;
    int last = n - 1;
    if (!strcmp(w[2], "sum")) {
        if (n < 6 || strcmp(w[n - 2], "="))
            return bad(p, "rule '%s': a sum ends with '= FIELD'", r->id);
        r->kind = C1_RULE_SUM;
        last = n - 2;
    } else if (!strcmp(w[2], "le")) {
        if (n != 5)
            return bad(p, "rule '%s': le takes exactly two fields", r->id);
        r->kind = C1_RULE_LE;
    } else {
        return bad(p, "rule '%s': unknown kind '%s' (sum or le)", r->id, w[2]);
    }
    for (int k = 3; k < last; k++) {
        int i = form_field_index(f, w[k]);
        if (i < 0)
            return bad(p, "rule '%s' names unknown field '%s'", r->id, w[k]);
        r->terms[r->n_terms++] = i;
    }
    if (r->kind == C1_RULE_LE)
        r->n_terms = 1;
    r->target = form_field_index(f, w[n - 1]);
    if (r->target < 0)
        return bad(p, "rule '%s' names unknown field '%s'", r->id, w[n - 1]);
    f->n_rules++;
    return C1_OK;
}

/* hint ID reserve BASE PERCENT = TARGET: TARGET is BASE plus PERCENT % of it, rounded either way. */
static c1_error parse_hint(parse_ctx *p, c1_form *f, char **w, int n)
{
    if (n != 7 || strcmp(w[2], "reserve") || strcmp(w[5], "="))
        return bad(p, "hint needs: id reserve BASE PERCENT = TARGET");
    c1_form_rule *r;
    c1_error e = start_rule(p, f, w[1], "hint", &r);
    if (e)
        return e;
    char *end;
    long percent = strtol(w[4], &end, 10);
    if (*end || percent < 1 || percent > 100)
        return bad(p, "hint '%s': '%s' is not a percentage from 1 to 100", r->id, w[4]);
    r->kind = C1_RULE_RESERVE;
    r->hint = 1;
    r->percent = (int)percent;
    r->n_terms = 1;
    r->terms[0] = form_field_index(f, w[3]);
    r->target = form_field_index(f, w[6]);
    if (r->terms[0] < 0 || r->target < 0)
        return bad(p, "hint '%s' names unknown field '%s'", r->id, r->terms[0] < 0 ? w[3] : w[6]);
    f->n_rules++;
    return C1_OK;
}

static const char *const corner_names[4] = {"tl", "tr", "br", "bl"};

static c1_error parse_mark(parse_ctx *p, c1_form *f, char **w, int n)
{
    double v[3];
    if (n != 5)
        return bad(p, "mark needs: tl|tr|br|bl x y square");
    c1_error e = need_numbers(p, &w[2], 3, v, "mark");
    if (e)
        return e;
    if (v[0] < 0 || v[1] < 0 || v[0] > f->page_w || v[1] > f->page_h || v[2] < 1 || v[2] > 50)
        return bad(p, "mark %s: %g %g is off the page or its square %g mm is not 1..50", w[1], v[0], v[1], v[2]);
    for (int i = 0; i < 4; i++)
        if (!strcmp(w[1], corner_names[i])) {
            f->marks[i] = (c1_mark){v[0], v[1], v[2]};
            return C1_OK;
        }
    return bad(p, "unknown mark '%s' (tl, tr, br or bl)", w[1]);
}

/* tag FAMILY ID x y w h ROTATION */
static c1_error parse_tag(parse_ctx *p, c1_form *f, char **w, int n)
{
    double v[2];
    if (n != 8 || strcmp(w[1], "tag36h10"))
        return bad(p, "tag needs: tag36h10 id x y w h rotation");
    c1_error e = need_numbers(p, &w[2], 1, &v[0], "tag id");
    if (!e)
        e = need_rect(p, &w[3], &f->tag.at, f, "tag");
    if (!e)
        e = need_numbers(p, &w[7], 1, &v[1], "tag rotation");
    if (e)
        return e;
    if (v[0] < 0 || v[0] > 9999 || v[0] != (int)v[0] || (v[1] != 0 && v[1] != 90 && v[1] != 180 && v[1] != 270))
        return bad(p, "tag: id %g is not 0..9999 or rotation %g not 0, 90, 180 or 270", v[0], v[1]);
    snprintf(f->tag.family, sizeof f->tag.family, "%s", w[1]);
    f->tag.id = (int)v[0];
    f->tag.rotation = (int)v[1];
    return C1_OK;
}

static c1_error parse_guide(parse_ctx *p, c1_form *f, char **w, int n)
{
    c1_guide *g = &f->guide;
    if (!strcmp(w[0], "dot_size")) {
        if (n != 2 || need_numbers(p, &w[1], 1, &g->dot_mm, "dot_size") || g->dot_mm <= 0 || g->dot_mm > 3)
            return bad(p, "dot_size needs: diameter in mm (up to 3)");
        return C1_OK;
    }
    if (!strcmp(w[0], "dot")) {
        double v[3];
        if (n != 4 || need_numbers(p, &w[1], 3, v, "dot") || v[0] != g->n_dots || v[0] >= C1_MAX_DOTS ||
            v[1] < 0 || v[1] > 1 || v[2] < 0 || v[2] > 1)
            return bad(p, "dot needs: index (the next, below %d) fx fy (fractions of the box)", C1_MAX_DOTS);
        g->dots[g->n_dots][0] = v[1], g->dots[g->n_dots++][1] = v[2];
        return C1_OK;
    }
    if (!strcmp(w[0], "segment")) {
        double v[2];
        if (n != 4 || strlen(w[1]) != 1 || w[1][0] < 'a' || w[1][0] >= 'a' + C1_SEGMENTS ||
            need_numbers(p, &w[2], 2, v, "segment") || v[0] < 0 || v[1] < 0 || v[0] >= g->n_dots ||
            v[1] >= g->n_dots)
            return bad(p, "segment needs: a..h and two dots defined before it");
        int s = w[1][0] - 'a';
        g->segments[s][0] = (int)v[0], g->segments[s][1] = (int)v[1];
        g->n_segments = s + 1 > g->n_segments ? s + 1 : g->n_segments;
        return C1_OK;
    }
    if (n != 3 || strlen(w[1]) != 1 || w[1][0] < '0' || w[1][0] > '9' || strlen(w[2]) > C1_SEGMENTS ||
        strspn(w[2], "abcdefgh") != strlen(w[2]))
        return bad(p, "digit needs: 0..9 and its segments (a..h)");
    if (g->n_patterns == C1_MAX_PATTERNS)
        return bad(p, "more than %d digit patterns", C1_MAX_PATTERNS);
    g->patterns[g->n_patterns].digit = w[1][0] - '0';
    strcpy(g->patterns[g->n_patterns++].segments, w[2]);
    return C1_OK;
}

static c1_form_field *named_field(parse_ctx *p, c1_form *f, const char *id, const char *what, c1_error *e)
{
    int i = form_field_index(f, id);
    *e = i < 0 ? bad(p, "%s for unknown field '%s' (define the field first)", what, id) : C1_OK;
    return i < 0 ? NULL : &f->fields[i];
}

/* row_counts FIELD x y digits rows cell_w cell_h */
static c1_error parse_row_counts(parse_ctx *p, c1_form *f, char **w, int n)
{
    double v[6];
    c1_error e = n == 8 ? C1_OK : bad(p, "row_counts needs: field x y digits rows cell_w cell_h");
    c1_form_field *fd = e ? NULL : named_field(p, f, w[1], "row_counts", &e);
    if (!e)
        e = need_numbers(p, &w[2], 6, v, "row_counts");
    if (e)
        return e;
    if (v[2] < 1 || v[2] > C1_DIGITS || v[3] < 1 || v[3] > C1_MAX_ROWS || v[4] <= 0 || v[5] <= 0 || v[0] < 0 ||
        v[1] < 0 || v[0] + v[2] * v[4] > f->page_w || v[1] + v[3] * v[5] > f->page_h)
        return bad(p, "row_counts '%s': %g digits x %g rows is not a grid on the page", w[1], v[2], v[3]);
    fd->has_row_counts = 1;
    fd->row_counts = (c1_row_counts){v[0], v[1], (int)v[2], (int)v[3], v[4], v[5]};
    return C1_OK;
}

/* bubbles FIELD x0 x1 x2 y0 pitch radius: one column of ten under each box */
static c1_error parse_bubbles(parse_ctx *p, c1_form *f, char **w, int n)
{
    double v[6];
    c1_error e = n == 8 ? C1_OK : bad(p, "bubbles needs: field x0 x1 x2 y0 pitch radius");
    c1_form_field *fd = e ? NULL : named_field(p, f, w[1], "bubbles", &e);
    if (!e)
        e = need_numbers(p, &w[2], 6, v, "bubbles");
    if (e)
        return e;
    for (int k = 0; k < C1_DIGITS; k++)
        if (v[k] - v[5] < 0 || v[k] + v[5] > f->page_w)
            return bad(p, "bubbles '%s': column %d is off the page", w[1], k);
    if (v[4] <= 2 * v[5] || v[5] <= 0 || v[3] - v[5] < 0 || v[3] + 9 * v[4] + v[5] > f->page_h)
        return bad(p, "bubbles '%s': ten rings of radius %g, %g apart, do not fit the page", w[1], v[5], v[4]);
    fd->has_bubbles = 1;
    fd->bubbles = (c1_bubbles){{v[0], v[1], v[2]}, v[3], v[4], v[5]};
    return C1_OK;
}

static c1_error parse_area(parse_ctx *p, c1_form *f, char **w, int n)
{
    if (n != 6 || (strcmp(w[1], "header") && strcmp(w[1], "signatures")))
        return bad(p, "area needs: header|signatures x y w h");
    return need_rect(p, &w[2], !strcmp(w[1], "header") ? &f->header : &f->signatures, f, "area");
}

static c1_error parse_page_of(parse_ctx *p, c1_form *f, char **w, int n)
{
    double v[2];
    if (n != 3 || need_numbers(p, &w[1], 2, v, "page_of") || v[1] < 1 || v[1] > 8 || v[0] < 1 || v[0] > v[1] ||
        v[0] != (int)v[0] || v[1] != (int)v[1])
        return bad(p, "page_of needs: this page's number and the set's pages (1..8)");
    f->page = (int)v[0], f->pages = (int)v[1];
    return C1_OK;
}

static c1_error load_blank(parse_ctx *p, c1_form *f, const char *dir, char **w, int n)
{
    double pxmm;
    if (n != 3 || need_numbers(p, &w[2], 1, &pxmm, "blank") || pxmm <= 0)
        return bad(p, "blank needs: file px_per_mm");
    if (f->blank)
        return bad(p, "a second 'blank' line");
    if (w[1][0] == '/' || strstr(w[1], ".."))
        return bad(p, "blank '%s': a file beside the template, not elsewhere", w[1]);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, w[1]);
    c1_pix *full = cv_read_gray(path);
    if (!full)
        return bad(p, "cannot read the blank page '%s'", path);
    /* The blank is kept at the library's own resolution: a px_per_mm far below the file's own would
     * blow a small image up to gigapixels (and past an int), so the result is bounded first. */
    double s = C1_PAGE_PX_PER_MM / pxmm, to_w = full->w * s, to_h = full->h * s;
    if (to_w < 1 || to_h < 1 || to_w > MAX_BLANK_SIDE || to_h > MAX_BLANK_SIDE) {
        pix_destroy(&full);
        return bad(p, "blank at %g px/mm would be %.0f x %.0f px at the library's %g px/mm: at most %d a side", pxmm, to_w,
                   to_h, C1_PAGE_PX_PER_MM, MAX_BLANK_SIDE);
    }
    f->blank = cv_resize(full, (int)(to_w + 0.5), (int)(to_h + 0.5));
    pix_destroy(&full);
    return f->blank ? C1_OK : C1_ERR_NO_MEMORY;
}

static c1_error parse_line(parse_ctx *p, c1_form *f, const char *dir, char *raw)
{
    char copy[1024];
    char *w[40];
    snprintf(copy, sizeof copy, "%s", raw);
    int n = split_words(copy, w, 40);
    if (n == 0)
        return C1_OK;
    const char *k = w[0];
    c1_error e;
    if (!strcmp(k, "form"))
        return n == 2 ? copy_id(p, f->id, sizeof f->id, w[1]) : bad(p, "form needs one name");
    if (!strcmp(k, "page_of"))
        return parse_page_of(p, f, w, n);
    if (!strcmp(k, "title"))
        return copy_text(p, f->title, sizeof f->title, rest_of_line(raw, 1));
    if (!strcmp(k, "other_title")) {
        if (f->n_other_titles == 8)
            return bad(p, "more than 8 other titles");
        return copy_text(p, f->other_titles[f->n_other_titles++], sizeof f->other_titles[0], rest_of_line(raw, 1));
    }
    if (!strcmp(k, "page")) {
        double v[2];
        if (n != 3 || need_numbers(p, &w[1], 2, v, "page") || v[0] < 50 || v[1] < 50 || v[0] > 2000 || v[1] > 2000)
            return bad(p, "page needs: width height in mm (50..2000)");
        f->page_w = v[0];
        f->page_h = v[1];
        return C1_OK;
    }
    if (f->page_w <= 0)
        return bad(p, "'%s' before 'page': the page size must come first", k);
    if (!strcmp(k, "blank"))
        return load_blank(p, f, dir, w, n);
    if (!strcmp(k, "title_box"))
        return n == 5 ? need_rect(p, &w[1], &f->title_box, f, "title_box") : bad(p, "title_box needs x y w h");
    if (!strcmp(k, "mark"))
        return parse_mark(p, f, w, n);
    if (!strcmp(k, "tag"))
        return parse_tag(p, f, w, n);
    if (!strcmp(k, "area"))
        return parse_area(p, f, w, n);
    if (!strcmp(k, "box_line")) {
        if (n != 2 || need_numbers(p, &w[1], 1, &f->box_line_mm, "box_line") || f->box_line_mm <= 0 || f->box_line_mm > 3)
            return bad(p, "box_line needs: the boxes' line width in mm (up to 3)");
        return C1_OK;
    }
    if (!strcmp(k, "dot") || !strcmp(k, "dot_size") || !strcmp(k, "segment") || !strcmp(k, "digit"))
        return parse_guide(p, f, w, n);
    if (!strcmp(k, "field"))
        return parse_field(p, f, w, n);
    if (!strcmp(k, "guide")) {
        c1_form_field *fd = n == 2 ? named_field(p, f, w[1], "guide", &e) : NULL;
        if (n != 2)
            return bad(p, "guide needs: field");
        if (!e)
            fd->guided = 1;
        return e;
    }
    if (!strcmp(k, "tally"))
        return parse_tally(p, f, w, n);
    if (!strcmp(k, "row_counts"))
        return parse_row_counts(p, f, w, n);
    if (!strcmp(k, "bubbles"))
        return parse_bubbles(p, f, w, n);
    if (!strcmp(k, "rule"))
        return parse_rule(p, f, w, n);
    if (!strcmp(k, "hint"))
        return parse_hint(p, f, w, n);
    if (!strcmp(k, "anchor")) {
        if (n != 5)
            return bad(p, "anchor needs x y w h");
        if (f->n_anchors == C1_MAX_ANCHORS)
            return bad(p, "more than %d anchors", C1_MAX_ANCHORS);
        return need_rect(p, &w[1], &f->anchors[f->n_anchors++], f, "anchor");
    }
    return bad(p, "unknown keyword '%s'", k);
}

/* Every digit 0-9 has a pattern, and the seven segments a..g are defined. */
static int guide_complete(const c1_guide *g)
{
    if (g->n_dots < 6 || g->n_segments < 7 || g->dot_mm <= 0)
        return 0;
    for (int d = 0; d <= 9; d++) {
        int found = 0;
        for (int k = 0; k < g->n_patterns; k++)
            found |= g->patterns[k].digit == d;
        if (!found)
            return 0;
    }
    return 1;
}

/* What a template must have before the engine may use it. */
static c1_error check_complete(parse_ctx *p, const c1_form *f)
{
    if (!f->id[0] || !f->page)
        return bad(p, "no 'form' or 'page_of' line");
    if (!f->title[0] || f->title_box.w <= 0)
        return bad(p, "a form needs 'title' and 'title_box' lines");
    for (int i = 0; i < 4; i++)
        if (f->marks[i].square <= 0)
            return bad(p, "all four marks (tl tr br bl) are needed");
    if (!f->tag.family[0])
        return bad(p, "no 'tag' line");
    if (!f->n_fields || f->box_line_mm <= 0)
        return bad(p, "no fields, or no 'box_line'");
    if (!f->blank)
        return bad(p, "no 'blank' line");
    for (int i = 0; i < f->n_fields; i++)
        if (f->fields[i].guided && !guide_complete(&f->guide))
            return bad(p, "field '%s' is guided, but the guide lacks dots, dot_size, segments a..g or a digit",
                       f->fields[i].id);
    return C1_OK;
}

c1_error form_parse(const char *text, size_t size, const char *dir, const char *name, c1_form *form, char *msg,
                    size_t msg_size)
{
    memset(form, 0, sizeof *form);
    parse_ctx p = {name, 0, msg, msg_size};
    char line[1024];
    c1_error e = C1_OK;
    for (size_t pos = 0; !e && pos < size;) {
        const char *nl = memchr(text + pos, '\n', size - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : size - pos;
        p.line++;
        if (n >= sizeof line - 1) {
            e = bad(&p, "line longer than %zu characters", sizeof line - 2);
            break;
        }
        if (memchr(text + pos, '\0', n)) {
            e = bad(&p, "a NUL byte in the line");
            break;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos += n + (nl != NULL);
        e = parse_line(&p, form, dir, line);
    }
    if (!e)
        e = check_complete(&p, form);
    if (e)
        form_release(form);
    return e;
}

c1_error form_load(const char *dir, const char *name, c1_form *form, char *msg, size_t msg_size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.form", dir, name);
    FILE *fh = fopen(path, "rb");
    char *text = fh ? malloc(MAX_TEMPLATE_BYTES) : NULL;
    size_t size = text ? fread(text, 1, MAX_TEMPLATE_BYTES, fh) : 0;
    int too_long = text && size == MAX_TEMPLATE_BYTES;
    if (fh)
        fclose(fh);
    c1_error e;
    parse_ctx p = {path, 0, msg, msg_size};
    memset(form, 0, sizeof *form);
    if (!fh)
        e = bad(&p, "cannot open: %s", strerror(errno));
    else if (!text)
        e = bad(&p, "out of memory");
    else if (too_long)
        e = bad(&p, "larger than %u bytes", MAX_TEMPLATE_BYTES - 1);
    else {
        e = form_parse(text, size, dir, path, form, msg, msg_size);
    }
    free(text);
    return e;
}

void form_release(c1_form *form)
{
    pix_destroy(&form->blank);
}

void form_bubble_centre(const c1_form_field *f, int box, int digit, double *x, double *y)
{
    *x = f->bubbles.x[box];
    *y = f->bubbles.y0 + digit * f->bubbles.pitch;
}

int form_field_index(const c1_form *form, const char *id)
{
    for (int i = 0; i < form->n_fields; i++)
        if (!strcmp(form->fields[i].id, id))
            return i;
    return -1;
}
