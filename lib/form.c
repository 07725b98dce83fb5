/* Form template: parses and validates forms/NAME.form into a c1_form; touches only the form and
 * the blank page image it names. Every mistake is reported with its file and line. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"
#include "form.h"

#define MAX_TEMPLATE_BYTES (1u << 20)

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
    if (v[2] < 1 || v[3] < 1 || v[2] > 100 || v[3] > 100)
        return bad(p, "tally '%s': %g x %g cells is not a grid", w[1], v[2], v[3]);
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

static c1_error parse_marker(parse_ctx *p, c1_form *f, char **w, int n)
{
    static const char *const names[4] = {"tl", "tr", "br", "bl"};
    if (n != 6)
        return bad(p, "marker needs: tl|tr|br|bl x y w h");
    for (int i = 0; i < 4; i++)
        if (!strcmp(w[1], names[i]))
            return need_rect(p, &w[2], &f->markers[i], f, "marker");
    return bad(p, "unknown marker '%s' (tl, tr, br or bl)", w[1]);
}

static c1_error parse_guide(parse_ctx *p, c1_form *f, char **w, int n)
{
    if (!strcmp(w[0], "dot")) {
        double v[3];
        if (n != 4 || need_numbers(p, &w[1], 3, v, "dot") || v[0] < 0 || v[0] > 5)
            return bad(p, "dot needs: index(0-5) fx fy");
        f->dots[(int)v[0]][0] = v[1];
        f->dots[(int)v[0]][1] = v[2];
        return C1_OK;
    }
    if (!strcmp(w[0], "segment")) {
        if (n != 4 || strlen(w[1]) != 1 || w[1][0] < 'a' || w[1][0] > 'g')
            return bad(p, "segment needs: a..g dot dot");
        f->segments[w[1][0] - 'a'][0] = (char)atoi(w[2]);
        f->segments[w[1][0] - 'a'][1] = (char)atoi(w[3]);
        return C1_OK;
    }
    if (n != 3 || strlen(w[1]) != 1 || w[1][0] < '0' || w[1][0] > '9' || strlen(w[2]) > 7)
        return bad(p, "digit needs: 0..9 segments");
    strcpy(f->digit_segments[w[1][0] - '0'], w[2]);
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
    double s = C1_PAGE_PX_PER_MM / pxmm;
    f->blank = cv_resize(full, (int)(full->w * s + 0.5), (int)(full->h * s + 0.5));
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
    if (!strcmp(k, "form"))
        return n == 2 ? copy_id(p, f->id, sizeof f->id, w[1]) : bad(p, "form needs one name");
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
    if (!strcmp(k, "qr")) {
        if (n < 6)
            return bad(p, "qr needs: x y w h payload");
        c1_error e = need_rect(p, &w[1], &f->qr, f, "qr");
        return e ? e : copy_text(p, f->qr_payload, sizeof f->qr_payload, rest_of_line(raw, 5));
    }
    if (!strcmp(k, "title_box"))
        return n == 5 ? need_rect(p, &w[1], &f->title_box, f, "title_box") : bad(p, "title_box needs x y w h");
    if (!strcmp(k, "marker"))
        return parse_marker(p, f, w, n);
    if (!strcmp(k, "dot") || !strcmp(k, "segment") || !strcmp(k, "digit"))
        return parse_guide(p, f, w, n);
    if (!strcmp(k, "field"))
        return parse_field(p, f, w, n);
    if (!strcmp(k, "tally"))
        return parse_tally(p, f, w, n);
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

/* What a template must have before the engine may use it. */
static c1_error check_complete(parse_ctx *p, const c1_form *f)
{
    if (!f->id[0])
        return bad(p, "no 'form' line");
    if (!f->title[0] || !f->qr_payload[0] || f->title_box.w <= 0)
        return bad(p, "a form needs 'title', 'title_box' and 'qr' lines");
    for (int i = 0; i < 4; i++)
        if (f->markers[i].w <= 0)
            return bad(p, "all four markers (tl tr br bl) are needed");
    if (!f->n_fields)
        return bad(p, "no fields");
    if (!f->blank)
        return bad(p, "no 'blank' line");
    for (int d = 0; d < 10; d++)
        if (!f->digit_segments[d][0])
            return bad(p, "no 'digit %d' line", d);
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

int form_field_index(const c1_form *form, const char *id)
{
    for (int i = 0; i < form->n_fields; i++)
        if (!strcmp(form->fields[i].id, id))
            return i;
    return -1;
}
