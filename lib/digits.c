/* Digits: cuts every digit box from the rectified page and reads it two independent ways — the
 * handwriting model (OpenCV dnn, its networks averaged) on an MNIST-style normalised cell, and the
 * ink along the seven segments between the printed guide dots — reads the correction written beside
 * a box whose digit is struck through, then turns each reader's three cells into a distribution
 * over the field's value under the writing conventions. Reads the page,
 * the located boxes and the model; writes each field's `ocr` and `segments` readings, and keeps the
 * cells the model read in the result (c1_field_box_cell). The cell pipeline here must stay the same
 * as tools/cells.py's, on which the model was trained. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

#define INSET_MM 0.6          /* the interior starts this far inside the printed line */
#define INK_THRESHOLD 77      /* of 255 */
#define DOT_RADIUS_PX 4       /* ceil(0.8 mm * 5 px/mm): the guide dot mask */
#define EDGE_BAND_PX 3        /* the box line's reach into the interior: clean_borders' three rows */
#define MAX_CELL_PX 256
#define PAPER_WINDOW_MM 3.0   /* the local paper: the brightest within this */
#define SPILL_MM 2.5          /* how far past its box a digit's stroke is followed */
#define BIG_BOX_MM 20.0       /* in a box this wide (the votes), further: */
#define SPILL_OF_BOX 0.35     /* this share of its width, as far as an oversize digit sits off centre */
#define PRINT_LEVEL 160       /* darker than this on the blank page: printed */
#define PRINT_REACH_PX 2
#define STRUCK_SURE 0.5       /* a box the model takes for a digit struck through, more likely than not */
#define ACROSS_PRINT_PX 12    /* how far either side of print a stroke crossing it is looked for (a dot is 10 px) */
#define MIN_CORRECTION_MM 2.0 /* a correction digit is at least this tall; less is a speck or a tick */
#define MIN_CORRECTION_INK 20 /* pixels of ink, at 5 px/mm */
#define CORRECTION_SURE 0.5   /* a correction whose best digit is less likely than this is not read */

static const char *const class_names[C1_N_CLASSES] = {"0", "1", "2", "3", "4", "5", "6", "7",
                                                      "8", "9", "empty", "filler", "struck", "other"};

const char *digits_class_name(int k) { return k >= 0 && k < C1_N_CLASSES ? class_names[k] : "?"; }

/* ---- the model */

/* A whole file, NUL-terminated so that a card can be parsed as text; NULL if it cannot be read. */
static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *fh = fopen(path, "rb");
    long n = -1;
    if (fh && fseek(fh, 0, SEEK_END) == 0)
        n = ftell(fh);
    uint8_t *data = fh && n > 0 && n < (64L << 20) && fseek(fh, 0, SEEK_SET) == 0 ? malloc((size_t)n + 1) : NULL;
    if (data && fread(data, 1, (size_t)n, fh) == (size_t)n) {
        data[n] = '\0';
        *size = (size_t)n;
    } else {
        free(data);
        data = NULL;
    }
    if (fh)
        fclose(fh);
    return data;
}

/* The card's classes must be the library's; its "members" name the networks to average (file names
 * in models/, no path), or there is one, digits.onnx. Fills `names` and the average's temperature
 * (1 if the card gives none) and returns how many, 0 if bad. */
static int read_model_card(const char *path, char names[DIGIT_MAX_MEMBERS][64], double *temperature, char *msg,
                           size_t msg_size)
{
    size_t size;
    char *text = (char *)read_file(path, &size);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *classes = cJSON_GetObjectItem(j, "classes"), *members = cJSON_GetObjectItem(j, "members");
    int ok = cJSON_GetArraySize(classes) == C1_N_CLASSES;
    for (int k = 0; ok && k < C1_N_CLASSES; k++) {
        const cJSON *c = cJSON_GetArrayItem(classes, k);
        ok = cJSON_IsString(c) && !strcmp(c->valuestring, class_names[k]);
    }
    const cJSON *t = cJSON_GetObjectItem(j, "ensemble_temperature");
    *temperature = !t ? 1.0 : cJSON_IsNumber(t) ? t->valuedouble : 0;
    ok = ok && *temperature >= 0.25 && *temperature <= 4;
    int count = members ? cJSON_GetArraySize(members) : 1;
    ok = ok && count >= 1 && count <= DIGIT_MAX_MEMBERS && (!members || cJSON_IsArray(members));
    for (int k = 0; ok && k < count; k++) {
        const cJSON *m = members ? cJSON_GetArrayItem(members, k) : NULL;
        const char *name = m ? (cJSON_IsString(m) ? m->valuestring : "") : "digits.onnx";
        ok = *name && !strchr(name, '/') && strlen(name) < 64;
        if (ok)
            snprintf(names[k], 64, "%s", name);
    }
    cJSON_Delete(j);
    if (!ok && msg)
        snprintf(msg, msg_size,
                 "%s: missing, unreadable, its classes not the library's %d, or its members or temperature bad", path,
                 C1_N_CLASSES);
    return ok ? count : 0;
}

c1_error digits_load_model(c1_engine *e, char *msg, size_t msg_size)
{
    char path[700], names[DIGIT_MAX_MEMBERS][64];
    snprintf(path, sizeof path, "%s/models/digits.json", e->data_dir);
    digit_model *m = &e->model;
    int n = read_model_card(path, names, &m->temperature, msg, msg_size);
    if (!n)
        return C1_ERR_MODEL;
    for (m->n = 0; m->n < n; m->n++) {
        snprintf(path, sizeof path, "%s/models/%s", e->data_dir, names[m->n]);
        m->onnx[m->n] = read_file(path, &m->size[m->n]);
        void *net = m->onnx[m->n] ? cv_dnn_load(m->onnx[m->n], m->size[m->n]) : NULL;
        if (!net) {
            free(m->onnx[m->n]);
            m->onnx[m->n] = NULL;
            if (msg)
                snprintf(msg, msg_size, "%s: cannot load the digit model", path);
            return C1_ERR_MODEL;
        }
        cv_dnn_free(net);
    }
    return C1_OK;
}

void digits_model_release(digit_model *m)
{
    for (int k = 0; k < m->n; k++)
        free(m->onnx[k]);
    m->n = 0;
}

typedef struct {
    void *net[DIGIT_MAX_MEMBERS];
    int n;
    double temperature;
} digit_nets;

void *digits_nets_create(const digit_model *m)
{
    digit_nets *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->temperature = m->temperature;
    for (d->n = 0; d->n < m->n; d->n++)
        if (!(d->net[d->n] = cv_dnn_load(m->onnx[d->n], m->size[d->n]))) {
            digits_nets_free(d);
            return NULL;
        }
    return d;
}

void digits_nets_free(void *nets)
{
    digit_nets *d = nets;
    for (int k = 0; d && k < DIGIT_MAX_MEMBERS; k++)
        if (d->net[k])
            cv_dnn_free(d->net[k]);
    free(d);
}

/* ---- one cell: the ink inside a box, as the model was trained to see it */

typedef struct {
    int w, h;
    uint8_t ink[MAX_CELL_PX * MAX_CELL_PX];
    uint8_t dots[MAX_CELL_PX * MAX_CELL_PX];
    double dot_xy[6][2];
    double spacing;          /* distance between the dot columns, px */
} cell;

static void set_dots(cell *c, const c1_form *f, c1_rect box, int margin);

/* Is blank-page pixel (bx, by) printed, or within PRINT_REACH_PX of print (registration's error)? */
static int printed_near(const c1_pix *blank, int bx, int by)
{
    for (int dy = -PRINT_REACH_PX; dy <= PRINT_REACH_PX; dy++)
        for (int dx = -PRINT_REACH_PX; dx <= PRINT_REACH_PX; dx++) {
            int x = bx + dx, y = by + dy;
            if (x >= 0 && y >= 0 && x < blank->w && y < blank->h && pix_row(blank, y)[x] < PRINT_LEVEL)
                return 1;
        }
    return 0;
}

/* Beyond SPILL_MM around the box, what the blank page prints there (the next row's box lines,
 * labels) is no ink: a wide margin reaches them, and a stroke that touches one would carry the whole
 * line into the cell. Within PRINT_REACH_PX of print, for registration's error. Nearer, the box's own
 * line is left for keep_box_ink, which erases it and joins the strokes it cut. */
static void erase_print_around(cell *c, const c1_pix *blank, int x0, int y0, int margin)
{
    const int near = (int)lround(SPILL_MM * C1_PAGE_PX_PER_MM);
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            if (x >= margin - near && y >= margin - near && x < c->w - margin + near && y < c->h - margin + near)
                continue;
            if (printed_near(blank, x0 + x, y0 + y))
                c->ink[y * c->w + x] = 0;
        }
}

/* The box interior grown by `margin` px on every side (0: the interior, as the model was trained), as
 * ink = how much darker than the paper, 0..255. The paper is taken locally, as the brightest within
 * PAPER_WINDOW_MM (wider than any pen stroke or guide dot), smoothed: a shadow's edge or a fold's
 * gradient across a box would otherwise stay in the cell as a grey wash, which the handwriting model
 * reads as a digit struck through or scribbled over. */
static int cut_region(const c1_pix *page, const c1_form *f, double x_mm, double y_mm, c1_rect box, int margin, cell *c)
{
    const double k = C1_PAGE_PX_PER_MM;
    int x0 = (int)lround((x_mm + INSET_MM) * k) - margin, y0 = (int)lround((y_mm + INSET_MM) * k) - margin;
    c->w = (int)lround((box.w - 2 * INSET_MM) * k) + 2 * margin;
    c->h = (int)lround((box.h - 2 * INSET_MM) * k) + 2 * margin;
    if (c->w < 8 || c->h < 8 || c->w > MAX_CELL_PX || c->h > MAX_CELL_PX || x0 < 0 || y0 < 0 ||
        x0 + c->w > page->w || y0 + c->h > page->h)
        return 0;
    const int window = (int)lround(PAPER_WINDOW_MM * k), pad = window;
    c1_pix *around = pix_crop(page, x0 - pad, y0 - pad, x0 + c->w + pad, y0 + c->h + pad);
    c1_pix *flat = around ? cv_flatten(around, window) : NULL;
    if (!flat) {
        pix_destroy(&around);
        return 0;
    }
    int fx0 = x0 - (x0 - pad < 0 ? 0 : x0 - pad), fy0 = y0 - (y0 - pad < 0 ? 0 : y0 - pad);
    /* The brightest pixel is the paper plus its noise: the paper is the flattened box's 90th
     * percentile, so that noise and JPEG ringing stay at no ink. */
    int hist[256] = {0}, n = c->w * c->h, acc = 0, paper = 255;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            hist[pix_row(flat, fy0 + y)[fx0 + x]]++;
    while (paper > 40 && (acc += hist[paper]) < n / 10)
        paper--;
    for (int y = 0; y < c->h; y++) {
        const uint8_t *row = pix_row(flat, fy0 + y) + fx0;
        for (int x = 0; x < c->w; x++) {
            double v = 255.0 * (paper - row[x]) / paper;
            c->ink[y * c->w + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
        }
    }
    pix_destroy(&flat);
    pix_destroy(&around);
    if (margin > 0)
        erase_print_around(c, f->blank, x0, y0, margin);
    set_dots(c, f, box, margin);
    return 1;
}

static int cut_cell(const c1_pix *page, const c1_form *f, double x_mm, double y_mm, c1_rect box, cell *c)
{
    return cut_region(page, f, x_mm, y_mm, box, 0, c);
}

/* Ink in the interior's outer two pixels: only then can a stroke run on past the box line. */
static int touches_edge(const cell *c)
{
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            if ((x < 2 || y < 2 || x >= c->w - 2 || y >= c->h - 2) && c->ink[y * c->w + x] >= INK_THRESHOLD &&
                !c->dots[y * c->w + x])
                return 1;
    return 0;
}

/* Numbers the cell's marks (8-connected ink at INK_THRESHOLD) from 1 in `label` (0: no ink); `stack`
 * is scratch of w * h. Returns how many. */
static int label_marks(const cell *c, int *label, int *stack)
{
    int n = c->w * c->h, n_labels = 0;
    memset(label, 0, sizeof(int) * (size_t)n);
    for (int s = 0; s < n; s++) {
        if (c->ink[s] < INK_THRESHOLD || label[s])
            continue;
        int top = 0, id = ++n_labels;
        stack[top++] = s, label[s] = id;
        while (top) {
            int p = stack[--top], x = p % c->w, y = p / c->w;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy, q = yy * c->w + xx;
                    if (xx >= 0 && yy >= 0 && xx < c->w && yy < c->h && c->ink[q] >= INK_THRESHOLD && !label[q])
                        label[q] = id, stack[top++] = q;
                }
        }
    }
    return n_labels;
}

static int find_root(int *parent, int a)
{
    while (parent[a] != a)
        a = parent[a] = parent[parent[a]];
    return a;
}

/* Keeps, in a region grown `m` px around a w x h interior, the ink that belongs to this box: the
 * printed box line is erased, strokes cut by it are joined across the sides in join_side (left,
 * right, top, bottom: never a side shared with the next box, whose digit may come close), and a
 * mark is kept when most of it lies inside. Returns the number of kept ink pixels outside. */
static int keep_box_ink(cell *c, int m, int w, int h, const int join_side[4], int clear_foreign)
{
    int band[4][2] = {{m - 3, 0}, {m + w + 2, 0}, {m - 3, 1}, {m + h + 2, 1}};   /* line position, 1: horizontal */
    for (int b = 0; b < 4; b++)
        for (int t = 0; t < (band[b][1] ? c->w : c->h); t++)
            for (int o = -2; o <= 2; o++) {
                int x = band[b][1] ? t : band[b][0] + o, y = band[b][1] ? band[b][0] + o : t;
                if (x >= 0 && y >= 0 && x < c->w && y < c->h)
                    c->ink[y * c->w + x] = 0;
            }
    int n = c->w * c->h, *label = malloc(sizeof(int) * (size_t)n), *parent = malloc(sizeof(int) * (size_t)(n + 1));
    int *stack = malloc(sizeof(int) * (size_t)n), n_labels = 0, outside = 0;
    if (!label || !parent || !stack)
        goto done;
    n_labels = label_marks(c, label, stack);
    for (int id = 1; id <= n_labels; id++)
        parent[id] = id;
    /* Join what the erased line separated: ink just before and just after the band, nearly opposite. */
    for (int b = 0; b < 4; b++)
        for (int t = 0; join_side[b] && t < (band[b][1] ? c->w : c->h); t++)
            for (int d = -2; d <= 2; d++) {
                int ax = band[b][1] ? t : band[b][0] - 3, ay = band[b][1] ? band[b][0] - 3 : t;
                int bx = band[b][1] ? t + d : band[b][0] + 3, by = band[b][1] ? band[b][0] + 3 : t + d;
                if (ax < 0 || ay < 0 || bx < 0 || by < 0 || ax >= c->w || bx >= c->w || ay >= c->h || by >= c->h)
                    continue;
                int la = label[ay * c->w + ax], lb = label[by * c->w + bx];
                if (la && lb)
                    parent[find_root(parent, la)] = find_root(parent, lb);
            }
    int *inside = calloc((size_t)n_labels + 1, sizeof(int)), *all = calloc((size_t)n_labels + 1, sizeof(int));
    if (inside && all) {
        for (int p = 0; p < n; p++)
            if (label[p]) {
                int r = find_root(parent, label[p]), x = p % c->w, y = p / c->w;
                all[r]++;
                inside[r] += x >= m && x < m + w && y >= m && y < m + h;
            }
        for (int p = 0; p < n; p++) {
            int x = p % c->w, y = p / c->w, in = x >= m && x < m + w && y >= m && y < m + h;
            int r = label[p] ? find_root(parent, label[p]) : 0;
            int keep = r && inside[r] >= 4 && inside[r] * 5 >= all[r] * 2;
            if (!keep && (!in || clear_foreign))
                c->ink[p] = 0;   /* not ours: a neighbour's stroke, a label, the line */
            else if (keep && !in)
                outside++;
        }
    }
    free(inside), free(all);
done:
    free(label), free(parent), free(stack);
    return outside;
}

/* The guide dots of a box, in interior pixels, and the mask that keeps them out of the framing. */
static void set_dots(cell *c, const c1_form *f, c1_rect box, int margin)
{
    const double k = C1_PAGE_PX_PER_MM;
    memset(c->dots, 0, (size_t)(c->w * c->h));
    for (int d = 0; d < 6; d++) {
        c->dot_xy[d][0] = (f->dots[d][0] * box.w - INSET_MM) * k + margin;
        c->dot_xy[d][1] = (f->dots[d][1] * box.h - INSET_MM) * k + margin;
        int cx = (int)lround(c->dot_xy[d][0]), cy = (int)lround(c->dot_xy[d][1]);
        for (int y = cy - DOT_RADIUS_PX; y <= cy + DOT_RADIUS_PX; y++)
            for (int x = cx - DOT_RADIUS_PX; x <= cx + DOT_RADIUS_PX; x++)
                if (x >= 0 && y >= 0 && x < c->w && y < c->h &&
                    (x - cx) * (x - cx) + (y - cy) * (y - cy) <= DOT_RADIUS_PX * DOT_RADIUS_PX)
                    c->dots[y * c->w + x] = 1;
    }
    c->spacing = c->dot_xy[1][0] - c->dot_xy[0][0];
}

/* The printed line the inset missed is a row or column at the edge that is mostly ink. */
static void clean_borders(cell *c)
{
    for (int k = 0; k < 3; k++) {
        int rows[2] = {k, c->h - 1 - k}, cols[2] = {k, c->w - 1 - k};
        for (int i = 0; i < 2; i++) {
            int inked = 0;
            for (int x = 0; x < c->w; x++)
                inked += c->ink[rows[i] * c->w + x] >= INK_THRESHOLD;
            if (inked * 2 > c->w)
                memset(c->ink + rows[i] * c->w, 0, (size_t)c->w);
        }
        for (int i = 0; i < 2; i++) {
            int inked = 0;
            for (int y = 0; y < c->h; y++)
                inked += c->ink[y * c->w + cols[i]] >= INK_THRESHOLD;
            if (inked * 2 > c->h)
                for (int y = 0; y < c->h; y++)
                    c->ink[y * c->w + cols[i]] = 0;
        }
    }
}

/* The box of the ink that is not a guide dot; 0 when there is none. */
static int ink_box(const cell *c, int *x0, int *y0, int *x1, int *y1, int *count)
{
    *x0 = c->w, *y0 = c->h, *x1 = -1, *y1 = -1, *count = 0;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            if (c->ink[y * c->w + x] >= INK_THRESHOLD && !c->dots[y * c->w + x]) {
                *x0 = x < *x0 ? x : *x0, *x1 = x > *x1 ? x : *x1;
                *y0 = y < *y0 ? y : *y0, *y1 = y > *y1 ? y : *y1;
                (*count)++;
            }
    return *x1 >= 0;
}

/* No ink, or a speck under a quarter of the box both ways. */
static int is_blank(const cell *c)
{
    int x0, y0, x1, y1, n;
    if (!ink_box(c, &x0, &y0, &x1, &y1, &n) || n < 4)
        return 1;
    return (x1 - x0 + 1) * 4 < c->w && (y1 - y0 + 1) * 4 < c->h;
}

/* MNIST framing: the ink's box fitted in 20x20, its centre of mass at the centre of 28x28. */
static int normalise(const cell *c, float out[784])
{
    memset(out, 0, sizeof(float) * 784);
    int x0, y0, x1, y1, n;
    if (!ink_box(c, &x0, &y0, &x1, &y1, &n))
        return 0;
    int w = x1 - x0 + 1, h = y1 - y0 + 1;
    c1_pix *crop = pix_create(w, h, 1);
    if (!crop)
        return 0;
    for (int y = 0; y < h; y++)
        memcpy(pix_row(crop, y), c->ink + (y0 + y) * c->w + x0, (size_t)w);
    double s = 20.0 / (w > h ? w : h);
    int nw = (int)(w * s + 0.5), nh = (int)(h * s + 0.5);
    nw = nw < 1 ? 1 : nw, nh = nh < 1 ? 1 : nh;
    c1_pix *small = cv_resize(crop, nw, nh);
    pix_destroy(&crop);
    if (!small)
        return 0;
    double total = 0, sx = 0, sy = 0;
    for (int y = 0; y < nh; y++)
        for (int x = 0; x < nw; x++) {
            double v = pix_row(small, y)[x];
            total += v, sx += v * (x + 0.5), sy += v * (y + 0.5);
        }
    if (total > 0) {
        int ox = (int)floor(14 - sx / total + 0.5), oy = (int)floor(14 - sy / total + 0.5);
        for (int y = 0; y < nh; y++)
            for (int x = 0; x < nw; x++)
                if (y + oy >= 0 && y + oy < 28 && x + ox >= 0 && x + ox < 28)
                    out[(y + oy) * 28 + x + ox] = pix_row(small, y)[x] / 255.0f;
    }
    pix_destroy(&small);
    return total > 0;
}

/* The cell pipeline on a given ink map, for the test that holds it equal to tools/cells.py. */
int digits_prepare(const c1_form *f, const uint8_t *ink, int w, int h, double box_w_mm, double box_h_mm,
                   float out[784])
{
    cell *c = malloc(sizeof *c);
    int ret = -2;
    if (c && w * h <= MAX_CELL_PX * MAX_CELL_PX) {
        c->w = w, c->h = h;
        memcpy(c->ink, ink, (size_t)(w * h));
        set_dots(c, f, (c1_rect){0, 0, box_w_mm, box_h_mm}, 0);
        clean_borders(c);
        ret = is_blank(c) ? -1 : normalise(c, out);
    }
    free(c);
    return ret;
}

/* ---- the segment reader */

static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }


/* How much of a segment's middle carries ink: the share of points along it with ink across it. */
static double segment_coverage(const cell *c, const double a[2], const double b[2], double reach)
{
    const int samples = 13;
    double dx = b[0] - a[0], dy = b[1] - a[1], len = hypot(dx, dy);
    double nx = -dy / len, ny = dx / len;
    int hits = 0;
    for (int i = 0; i < samples; i++) {
        double t = 0.2 + 0.6 * i / (samples - 1);
        int hit = 0;
        for (double o = -reach; o <= reach && !hit; o += 0.5) {
            int x = (int)(a[0] + t * dx + o * nx), y = (int)(a[1] + t * dy + o * ny);
            hit = x >= 0 && y >= 0 && x < c->w && y < c->h && c->ink[y * c->w + x] >= INK_THRESHOLD;
        }
        hits += hit;
    }
    return (double)hits / samples;
}

static void set_blank(double p[C1_N_CLASSES])
{
    memset(p, 0, sizeof(double) * C1_N_CLASSES);
    p[CLASS_EMPTY] = 0.995;   /* a rule, not a certainty: a faint stroke may hide below the threshold */
    p[CLASS_OTHER] = 0.005;
}

/* Blank but for ink round the guide dots (a dot the fold, the lens or blur spread past its mask, or
 * JPEG's ringing about it) and a box line along the edge, slanted or blurred so that no single row or
 * column of it was mostly ink for clean_borders. Seen as ink, either fits no segment pattern, and the
 * handwriting model, which never saw them alone, spreads its belief over every class: an empty box
 * reads as no digit. No digit lies wholly within the edge band, so a written box keeps its ink. */
static int blank_but_dot_rims(const cell *c)
{
    const int rim = (DOT_RADIUS_PX + 2) * (DOT_RADIUS_PX + 2);
    int x0 = c->w, y0 = c->h, x1 = -1, y1 = -1, n = 0;
    for (int y = EDGE_BAND_PX; y < c->h - EDGE_BAND_PX; y++)
        for (int x = EDGE_BAND_PX; x < c->w - EDGE_BAND_PX; x++) {
            if (c->ink[y * c->w + x] < INK_THRESHOLD)
                continue;
            int near_dot = 0;
            for (int d = 0; d < 6 && !near_dot; d++) {
                double dx = x - c->dot_xy[d][0], dy = y - c->dot_xy[d][1];
                near_dot = dx * dx + dy * dy <= rim;
            }
            if (near_dot)
                continue;
            x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1, y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1, n++;
        }
    return n < 4 || ((x1 - x0 + 1) * 4 < c->w && (y1 - y0 + 1) * 4 < c->h);
}

/* A distribution over {digits, empty, filler, other}: seven-segment patterns by their segments'
 * ink, and "other" where the ink lies off the segments or fits no pattern, which is what an ordinary
 * handwritten digit looks like to this reader. */
static void read_segments(const cell *c, const c1_form *f, double p[C1_N_CLASSES])
{
    memset(p, 0, sizeof(double) * C1_N_CLASSES);
    double reach = fmax(1.2 * C1_PAGE_PX_PER_MM, 0.22 * c->spacing), on[7];
    for (int s = 0; s < 7; s++)
        /* A segment is on when most of its middle is inked: a flag on a 1 or a serif on a 7 covers
         * part of a neighbouring segment, not most of it (centre 0.78 chosen on the validation set). */
        on[s] = logistic((segment_coverage(c, c->dot_xy[(int)f->segments[s][0]], c->dot_xy[(int)f->segments[s][1]],
                                           reach) - 0.78) * 12);
    int inked = 0, off = 0;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            if (c->ink[y * c->w + x] < INK_THRESHOLD || c->dots[y * c->w + x])
                continue;
            inked++;
            double near = 1e9;
            for (int s = 0; s < 7; s++) {
                const double *a = c->dot_xy[(int)f->segments[s][0]], *b = c->dot_xy[(int)f->segments[s][1]];
                near = fmin(near, segment_distance(x, y, a[0], a[1], b[0], b[1]));
            }
            off += near > reach + 0.5 * C1_PAGE_PX_PER_MM;
        }
    /* Likelihood of every pattern: digits, the 1 drawn on the left dots, and the fillers. */
    double like[C1_N_CLASSES] = {0}, sum = 0, best = 0;
    for (int d = 0; d <= 10; d++) {
        const char *segs = d < 10 ? f->digit_segments[d] : "ef";
        double l = 1;
        for (int s = 0; s < 7; s++)
            l *= strchr(segs, 'a' + s) ? on[s] : 1 - on[s];
        int cls = d < 10 ? d : 1;
        like[cls] = fmax(like[cls], l);
        best = fmax(best, l);
    }
    /* A leading box filled in: a lone middle bar (a dash), or an x from corner dot to corner dot with
     * no bar above or below it. Both fit their pattern as well as a digit fits its own. */
    double l_dash = 1, l_cross = (1 - on[0]) * (1 - on[3]);
    for (int s = 0; s < 7; s++)
        l_dash *= s == 6 ? on[s] : 1 - on[s];
    for (int k = 0; k < 2; k++)
        l_cross *= logistic((segment_coverage(c, c->dot_xy[k], c->dot_xy[5 - k], reach) - 0.78) * 12);
    like[CLASS_FILLER] = fmax(l_dash, l_cross);
    best = fmax(best, like[CLASS_FILLER]);
    for (int k = 0; k < C1_N_CLASSES; k++)
        sum += like[k];
    double off_share = inked ? (double)off / inked : 0;
    double fit = pow(best, 1.0 / 7);
    double other = fmax(fmin(1, fmax(0, (off_share - 0.12) / 0.25)), fmin(1, fmax(0, (0.8 - fit) / 0.3)));
    for (int k = 0; k < C1_N_CLASSES; k++)
        p[k] = sum > 0 ? (1 - other) * like[k] / sum : 0;
    p[CLASS_OTHER] += other + (sum > 0 ? 0 : 1 - other);
}

/* ---- from three cells to a value */

static void add_alternative(c1_reading *rd, int value, double p)
{
    int at = rd->n_alts < C1_MAX_ALTS ? rd->n_alts++ : C1_MAX_ALTS;
    while (at > 0 && rd->alts[at - 1].p < p) {
        if (at < C1_MAX_ALTS)
            rd->alts[at] = rd->alts[at - 1];
        at--;
    }
    if (at < C1_MAX_ALTS)
        rd->alts[at] = (c1_alternative){value, p};
}

/* Right-aligned with leading zeros, blanks or dashes (078, _78, -78), or left-aligned with the
 * trailing boxes empty (78_): each value's probability is the sum over the ways it can be written. */
static void combine_cells(c1_reading *rd)
{
    double (*c)[C1_N_CLASSES] = rd->cells;
    double lead[C1_DIGITS];
    for (int d = 0; d < C1_DIGITS; d++)
        lead[d] = c[d][0] + c[d][CLASS_EMPTY] + c[d][CLASS_FILLER];
    rd->n_alts = 0;
    rd->left_aligned = 0;
    for (int v = 0; v <= 999; v++) {
        int h = v / 100, t = v / 10 % 10, u = v % 10;
        double p = (h ? c[0][h] : lead[0]) * (h || t ? c[1][t] : lead[1]) * c[2][u];
        double left = 0;
        if (v >= 10 && v <= 99)
            left = c[0][v / 10] * c[1][v % 10] * c[2][CLASS_EMPTY];
        else if (v >= 1 && v <= 9)
            left = c[0][v] * c[1][CLASS_EMPTY] * c[2][CLASS_EMPTY];
        rd->left_aligned += left;
        if (p + left > 1e-6)
            add_alternative(rd, v, p + left);
    }
    rd->value = rd->n_alts ? rd->alts[0].value : -1;
    rd->confidence = rd->n_alts ? rd->alts[0].p : 0;
    rd->valid = 1;
}

/* ---- a correction: the digit written beside a box whose own digit is struck through */

/* Where officers write it: above the struck box's top corner, to its right (shares of the box from
 * its top-left corner: x0, y0, x1, y1). */
static const double CORRECTION_AREA[4] = {0.3, -0.7, 1.45, 0.12};
/* Written into the row above, the correction may touch that row's digit: then only where it is
 * written is looked at, and what runs off this tighter window is cut at its edge. */
static const double CORRECTION_WINDOW[4] = {0.45, -0.5, 1.25, 0.12};

/* The print taken out of a region whose origin is pixel (x0, y0) of the blank page: a printed pixel
 * (the row above's box line, guide dots) keeps ink only where a stroke crosses it, ink on both
 * sides, so that a correction written across the line stays whole while the line goes. */
static void lift_print(cell *c, const c1_pix *blank, int x0, int y0)
{
    int n = c->w * c->h;
    uint8_t *printed = calloc((size_t)n, 1), *out = malloc((size_t)n);
    if (!printed || !out)
        goto done;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            printed[y * c->w + x] = (uint8_t)printed_near(blank, x0 + x, y0 + y);
    memcpy(out, c->ink, (size_t)n);
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            if (!printed[y * c->w + x])
                continue;
            static const int dirs[4][2] = {{1, 0}, {0, 1}, {1, 1}, {1, -1}};
            /* Across a line only: along it, a stroke beside the line would be drawn into it. A dot is
             * crossed any way, at a slant too. */
            int run[2] = {0, 0};
            for (int t = -ACROSS_PRINT_PX; t <= ACROSS_PRINT_PX; t++) {
                run[0] += x + t >= 0 && x + t < c->w && printed[y * c->w + x + t];
                run[1] += y + t >= 0 && y + t < c->h && printed[(y + t) * c->w + x];
            }
            int only = run[0] > 2 * run[1] ? 1 : run[1] > 2 * run[0] ? 0 : -1;
            int across = 0;
            for (int k = 0; k < 4; k++) {
                if (only >= 0 && k != only)
                    continue;
                int side[2] = {-1, -1};
                for (int s = 0; s < 2; s++)
                    for (int t = 1; t <= ACROSS_PRINT_PX && side[s] < 0; t++) {
                        int xx = x + (s ? t : -t) * dirs[k][0], yy = y + (s ? t : -t) * dirs[k][1];
                        if (xx < 0 || yy < 0 || xx >= c->w || yy >= c->h)
                            break;
                        if (!printed[yy * c->w + xx])
                            side[s] = c->ink[yy * c->w + xx];
                    }
                int v = side[0] < side[1] ? side[0] : side[1];
                across = v > across ? v : across;
            }
            out[y * c->w + x] = (uint8_t)across;
        }
    memcpy(c->ink, out, (size_t)n);
done:
    free(printed), free(out);
}

/* Keeps the marks that are the correction: most of their ink above the box's top line (row
 * `top_y`), tall enough for a digit, and clear of the region's left, top and right edges (what runs
 * off one is the row above's digit or the next box's), unless `cut_at_edges`: then a mark is kept as
 * far as the region reaches. Returns the ink pixels kept. */
static int keep_correction_marks(cell *c, int top_y, int cut_at_edges)
{
    int n = c->w * c->h, kept = 0;
    int *label = malloc(sizeof(int) * (size_t)n), *stack = malloc(sizeof(int) * (size_t)n);
    int *count = calloc((size_t)n + 1, sizeof(int)), *above = calloc((size_t)n + 1, sizeof(int));
    int *bounds = malloc(sizeof(int) * 4 * ((size_t)n + 1));   /* x0, y0, x1, y1 of each mark */
    uint8_t *keep = calloc((size_t)n + 1, 1), *rim = calloc((size_t)n, 1);
    if (!label || !stack || !count || !above || !bounds || !keep || !rim)
        goto done;
    int n_marks = label_marks(c, label, stack);
    for (int id = 1; id <= n_marks; id++)
        bounds[4 * id] = c->w, bounds[4 * id + 1] = c->h, bounds[4 * id + 2] = bounds[4 * id + 3] = -1;
    for (int p = 0; p < n; p++) {
        int id = label[p], x = p % c->w, y = p / c->w, *b = bounds + 4 * id;
        if (!id)
            continue;
        count[id]++, above[id] += y < top_y;
        b[0] = x < b[0] ? x : b[0], b[1] = y < b[1] ? y : b[1], b[2] = x > b[2] ? x : b[2], b[3] = y > b[3] ? y : b[3];
    }
    const int min_h = (int)lround(MIN_CORRECTION_MM * C1_PAGE_PX_PER_MM);
    for (int id = 1; id <= n_marks; id++) {
        const int *b = bounds + 4 * id;
        /* The region stops short of the struck digit, so the correction may run off its lower edge. */
        int off_edge = !cut_at_edges && (b[0] == 0 || b[1] == 0 || b[2] == c->w - 1);
        keep[id] = !off_edge && 2 * above[id] > count[id] && b[3] - b[1] + 1 >= min_h;
    }
    /* A kept mark keeps its faint rim (the model saw strokes with theirs); all else goes. */
    for (int p = 0; p < n; p++) {
        int x = p % c->w, y = p / c->w, near = 0;
        for (int dy = -2; dy <= 2 && !near; dy++)
            for (int dx = -2; dx <= 2 && !near; dx++) {
                int xx = x + dx, yy = y + dy;
                near = xx >= 0 && yy >= 0 && xx < c->w && yy < c->h && keep[label[yy * c->w + xx]];
            }
        kept += keep[label[p]];
        rim[p] = near;
    }
    for (int p = 0; p < n; p++)
        if (!rim[p] || (label[p] && !keep[label[p]]))
            c->ink[p] = 0;
done:
    free(label), free(stack), free(count), free(above), free(bounds), free(keep), free(rim);
    return kept;
}

/* The members' average is less sure than it is right (two networks agreeing are right more often
 * than either): a temperature fitted on the calibration cells, as each member's was, sharpens it. */
static void calibrate_average(double *p, double temperature)
{
    double sum = 0;
    for (int k = 0; k < C1_N_CLASSES; k++)
        sum += p[k] = pow(p[k], 1.0 / temperature);
    for (int k = 0; k < C1_N_CLASSES && sum > 0; k++)
        p[k] /= sum;
}

/* Adds weight * softmax(logits) to p: the members' calibrated probabilities are averaged. */
static void add_softmax(const float *logits, double weight, double *p)
{
    double m = logits[0], sum = 0, q[C1_N_CLASSES];
    for (int k = 1; k < C1_N_CLASSES; k++)
        m = fmax(m, logits[k]);
    for (int k = 0; k < C1_N_CLASSES; k++)
        sum += q[k] = exp(logits[k] - m);
    for (int k = 0; k < C1_N_CLASSES; k++)
        p[k] += weight * q[k] / sum;
}

/* Faint ballpoint in a dim or blurred photo stays below the ink threshold: scale the page's ink so
 * that its darkest strokes (the 99.5th percentile over every box) reach the level of a clear pen.
 * `cells` is not const only because GCC at -O1 (the sanitizer build) takes a const pointer to malloc'd
 * cells for a read of memory never written, though cut_cell wrote every one read here. */
static double ink_gain(cell *cells, const int *ok, int n)
{
    static const int bins = 256;
    long hist[256] = {0}, total = 0;
    for (int k = 0; k < n; k++)
        for (int j = 0; ok[k] && j < cells[k].w * cells[k].h; j++)
            hist[cells[k].ink[j]]++, total++;
    long acc = 0;
    int p = bins - 1;
    while (p > 0 && (acc += hist[p]) < total / 200)
        p--;
    double gain = p > 0 ? 200.0 / p : 1;
    return gain < 1 ? 1 : gain > 2.5 ? 2.5 : gain;
}

static void apply_gain(cell *c, double gain)
{
    for (int j = 0; j < c->w * c->h; j++) {
        double v = c->ink[j] * gain;
        c->ink[j] = (uint8_t)(v > 255 ? 255 : v);
    }
}

/* The segment reading of a box whose ink touches its edge, with a neighbour's strokes that cross
 * into it taken away: a stroke mostly outside the box is not drawn over its dots, and left in, it
 * makes an empty leading box look like no pattern at all. `region` is the box grown by `m` px; it
 * and `own` are scratch. */
static void read_segments_own_ink(cell *region, cell *own, const cell *c, int m, const int sides[4],
                                  const c1_form *f, double p[C1_N_CLASSES])
{
    keep_box_ink(region, m, c->w, c->h, sides, 1);
    *own = *c;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            uint8_t v = region->ink[(y + m) * region->w + x + m];
            own->ink[y * c->w + x] = c->ink[y * c->w + x] < INK_THRESHOLD ? c->ink[y * c->w + x] : v;
        }
    if (blank_but_dot_rims(own))
        set_blank(p);
    else
        read_segments(own, f, p);
}

/* How far past its box a stroke is followed. Only in the big vote boxes beyond SPILL_MM: the small
 * boxes sit in rows 2 mm apart, where a wider margin takes in the next row's digits (measured: more
 * misreads there, fewer in the vote boxes). */
static int spill_margin_px(c1_rect box)
{
    double narrow = box.w < box.h ? box.w : box.h;
    double mm = narrow >= BIG_BOX_MM && SPILL_OF_BOX * narrow > SPILL_MM ? SPILL_OF_BOX * narrow : SPILL_MM;
    return (int)lround(mm * C1_PAGE_PX_PER_MM);
}

/* The correction beside struck box d of field i, read by the model: 1 when there is one, its class
 * probabilities in p. */
static int read_correction(const c1_engine *e, const c1_result *r, int i, int d, const digit_nets *nets,
                           double gain, const double where[4], int cut_at_edges, cell *c, double p[C1_N_CLASSES])
{
    const double k = C1_PAGE_PX_PER_MM;
    const c1_rect box = e->form.fields[i].digits[d];
    const double *at = r->fields[i].mm[d];
    double x_mm = at[0] + where[0] * box.w, y_mm = at[1] + where[1] * box.h;
    c1_rect area = {0, 0, (where[2] - where[0]) * box.w, (where[3] - where[1]) * box.h};
    if (!cut_region(r->page, &e->form, x_mm, y_mm, area, 0, c))
        return 0;
    memset(c->dots, 0, sizeof c->dots);
    apply_gain(c, gain);
    /* The blank page's print sits where the template puts it; the page here is where the box was
     * found (a fold or the lens shifts it by a millimetre or two). */
    lift_print(c, e->form.blank, (int)lround((x_mm - at[0] + box.x + INSET_MM) * k),
               (int)lround((y_mm - at[1] + box.y + INSET_MM) * k));
    int top_y = (int)lround((at[1] - y_mm - INSET_MM) * k);
    float input[784], logits[C1_N_CLASSES];
    if (keep_correction_marks(c, top_y, cut_at_edges) < MIN_CORRECTION_INK || !normalise(c, input))
        return 0;
    memset(p, 0, sizeof(double) * C1_N_CLASSES);
    for (int m = 0; m < nets->n; m++) {
        if (!cv_dnn_forward(nets->net[m], input, 1, logits, C1_N_CLASSES))
            return 0;
        add_softmax(logits, 1.0 / nets->n, p);
    }
    calibrate_average(p, nets->temperature);
    /* A correction the model cannot name leaves the box struck: its value unread, as before. */
    int best = 0;
    for (int j = 1; j <= 9; j++)
        best = p[j] > p[best] ? j : best;
    return p[best] >= CORRECTION_SURE;
}

/* A box whose digit the model sees struck through reads as the correction written beside it, where
 * one is found: so the field has a value (still in review for a person: `correction`) and the rules
 * it is in can be checked. The segment reader has nothing to say there: a correction is drawn freehand. */
static void read_corrections(const c1_engine *e, c1_result *r, const digit_nets *nets, double gain, cell *scratch)
{
    for (int i = 0; i < r->n_fields; i++) {
        c1_field_result *fr = &r->fields[i];
        for (int d = 0; d < C1_DIGITS && !fr->correction_of; d++) {
            double p[C1_N_CLASSES];
            if (fr->ocr.cells[d][CLASS_STRUCK] < STRUCK_SURE ||
                (!read_correction(e, r, i, d, nets, gain, CORRECTION_AREA, 0, scratch, p) &&
                 !read_correction(e, r, i, d, nets, gain, CORRECTION_WINDOW, 1, scratch, p)))
                continue;
            fr->struck = fr->ocr.cells[d][CLASS_STRUCK];
            fr->correction_of = d + 1;
            memcpy(fr->ocr.cells[d], p, sizeof p);
            memset(fr->segments.cells[d], 0, sizeof fr->segments.cells[d]);
            fr->segments.cells[d][CLASS_OTHER] = 1;
        }
    }
}

void read_digits(const c1_engine *e, c1_result *r)
{
    const c1_form *f = &e->form;
    int total = r->n_fields * C1_DIGITS, n = 0;
    float *batch = malloc(sizeof(float) * 784 * (size_t)total);
    float *logits = malloc(sizeof(float) * C1_N_CLASSES * (size_t)total);
    int *where = malloc(sizeof(int) * (size_t)total), *cut = calloc((size_t)total, sizeof(int));
    cell *cells = malloc(sizeof *cells * (size_t)total), *spill = malloc(sizeof *spill);
    cell *own_region = malloc(sizeof *own_region), *own = malloc(sizeof *own);
    if (!batch || !logits || !where || !cut || !cells || !spill || !own_region || !own)
        goto done;
    for (int k = 0; k < total; k++) {
        const c1_field_result *fr = &r->fields[k / C1_DIGITS];
        int d = k % C1_DIGITS;
        cut[k] = cut_cell(r->page, f, fr->mm[d][0], fr->mm[d][1], f->fields[k / C1_DIGITS].digits[d], &cells[k]);
    }
    double gain = ink_gain(cells, cut, total);
    for (int k = 0; k < total; k++) {
        c1_field_result *fr = &r->fields[k / C1_DIGITS];
        double *ocr = fr->ocr.cells[k % C1_DIGITS], *seg = fr->segments.cells[k % C1_DIGITS];
        cell *c = &cells[k];
        if (!cut[k]) {
            ocr[CLASS_OTHER] = seg[CLASS_OTHER] = 1;   /* off the page: unreadable */
            continue;
        }
        apply_gain(c, gain);
        clean_borders(c);
        if (blank_but_dot_rims(c)) {   /* is_blank, and more: rims round the dots are no ink */
            set_blank(ocr), set_blank(seg);
            continue;
        }
        /* A stroke that runs over the box line is part of the digit: follow it outside the box. */
        const c1_field_result *frc = &r->fields[k / C1_DIGITS];
        const c1_rect box = f->fields[k / C1_DIGITS].digits[k % C1_DIGITS];
        int m = spill_margin_px(box);
        const int sides[4] = {k % C1_DIGITS == 0, k % C1_DIGITS == C1_DIGITS - 1, 1, 1};
        const cell *framed = c;
        if (touches_edge(c) && cut_region(r->page, f, frc->mm[k % C1_DIGITS][0], frc->mm[k % C1_DIGITS][1], box, m, spill)) {
            apply_gain(spill, gain);
            *own_region = *spill;
            read_segments_own_ink(own_region, own, c, m, sides, f, seg);
            if (keep_box_ink(spill, m, c->w, c->h, sides, 0) >= 6)
                framed = spill;
        } else {
            read_segments(c, f, seg);
        }
        if (normalise(framed, batch + 784 * n)) {
            r->model_input_of[k / C1_DIGITS][k % C1_DIGITS] = n + 1;
            where[n++] = k;
        } else {
            ocr[CLASS_OTHER] = 1;
        }
    }
    digit_nets *nets = n ? pool_take(&e->digit_nets) : NULL;
    int ok = nets != NULL;
    for (int k = 0; k < n; k++)
        memset(r->fields[where[k] / C1_DIGITS].ocr.cells[where[k] % C1_DIGITS], 0, sizeof(double) * C1_N_CLASSES);
    for (int m = 0; ok && m < nets->n; m++) {
        ok = cv_dnn_forward(nets->net[m], batch, n, logits, C1_N_CLASSES);
        for (int k = 0; ok && k < n; k++) {
            double *p = r->fields[where[k] / C1_DIGITS].ocr.cells[where[k] % C1_DIGITS];
            add_softmax(logits + C1_N_CLASSES * k, 1.0 / nets->n, p);
        }
    }
    for (int k = 0; ok && k < n; k++)
        calibrate_average(r->fields[where[k] / C1_DIGITS].ocr.cells[where[k] % C1_DIGITS], nets->temperature);
    if (ok)
        read_corrections(e, r, nets, gain, spill);
    if (nets)
        pool_give(&e->digit_nets, nets);
    for (int k = 0; k < n && !ok; k++) {
        double *p = r->fields[where[k] / C1_DIGITS].ocr.cells[where[k] % C1_DIGITS];
        memset(p, 0, sizeof(double) * C1_N_CLASSES);
        p[CLASS_OTHER] = 1;
    }
    for (int i = 0; i < r->n_fields; i++) {
        combine_cells(&r->fields[i].ocr);
        combine_cells(&r->fields[i].segments);
    }
    r->model_inputs = batch;   /* kept for c1_field_box_cell: training cells from reviewed forms */
    batch = NULL;
done:
    free(batch), free(logits), free(where), free(cut), free(cells), free(spill), free(own_region), free(own);
}
