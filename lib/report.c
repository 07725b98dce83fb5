/* Report: a result as JSON (cJSON, so that escaping and number formatting are right by
 * construction), the c1scan output format. Reads the result only. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "result.h"

/* Hundredths of a pixel are more than any registration can claim. */
static double centi(double v) { return round(v * 100) / 100; }

static cJSON *corners_json(const double xy[8])
{
    cJSON *a = cJSON_CreateArray();
    for (int k = 0; k < 4; k++) {
        const double pt[2] = {centi(xy[2 * k]), centi(xy[2 * k + 1])};
        cJSON_AddItemToArray(a, cJSON_CreateDoubleArray(pt, 2));
    }
    return a;
}

static double milli(double v) { return round(v * 10000) / 10000; }

static cJSON *reading_json(const c1_reading *rd)
{
    cJSON *o = cJSON_CreateObject();
    if (rd->value >= 0)
        cJSON_AddNumberToObject(o, "value", rd->value);
    else
        cJSON_AddNullToObject(o, "value");
    cJSON_AddNumberToObject(o, "confidence", milli(rd->confidence));
    cJSON *alts = cJSON_AddArrayToObject(o, "alternatives");
    for (int k = 0; k < rd->n_alts; k++) {
        const double pair[2] = {rd->alts[k].value, milli(rd->alts[k].p)};
        cJSON_AddItemToArray(alts, cJSON_CreateDoubleArray(pair, 2));
    }
    if (rd->left_aligned > 0.0001)
        cJSON_AddNumberToObject(o, "left_aligned", milli(rd->left_aligned));
    return o;
}

/* Per box, each reader's class probabilities above 0.1 %: what a person debugging a reading needs. */
static cJSON *cells_json(const c1_field_result *f)
{
    cJSON *a = cJSON_CreateArray();
    for (int d = 0; d < C1_DIGITS; d++) {
        cJSON *box = cJSON_CreateObject();
        const c1_reading *readers[2] = {&f->ocr, &f->segments};
        const char *names[2] = {"ocr", "segments"};
        for (int k = 0; k < 2; k++) {
            if (!readers[k]->valid)
                continue;
            cJSON *probs = cJSON_AddObjectToObject(box, names[k]);
            for (int c = 0; c < C1_N_CLASSES; c++)
                if (readers[k]->cells[d][c] >= 0.001)
                    cJSON_AddNumberToObject(probs, model_class_name(c), milli(readers[k]->cells[d][c]));
        }
        /* the box's own digit struck through: "ocr" above is the correction written beside it */
        if (f->correction_of == d + 1)
            cJSON_AddNumberToObject(box, "struck", milli(f->struck));
        cJSON_AddItemToArray(a, box);
    }
    return a;
}

static cJSON *tally_json(const c1_tally *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "value", t->value);
    cJSON_AddNumberToObject(o, "confidence", milli(t->confidence));
    cJSON_AddItemToObject(o, "cells", cJSON_CreateIntArray(t->cells, t->n_cells));
    cJSON_AddNumberToObject(o, "by_strokes", t->by_strokes);
    cJSON_AddNumberToObject(o, "by_groups", t->by_groups);
    if (t->by_model >= 0) {
        cJSON_AddNumberToObject(o, "by_model", t->by_model);
        cJSON_AddNumberToObject(o, "model_p", milli(t->model_p));
    }
    cJSON_AddItemToObject(o, "doubtful_cells", cJSON_CreateIntArray(t->doubtful, t->n_doubtful));
    return o;
}

static cJSON *bubbles_json(const c1_bubble_reading *b)
{
    static const char *verdicts[] = {"none", "several", "unclear"};
    cJSON *o = cJSON_CreateObject();
    if (b->value >= 0)
        cJSON_AddNumberToObject(o, "value", b->value);
    else
        cJSON_AddNullToObject(o, "value");
    cJSON_AddNumberToObject(o, "confidence", milli(b->confidence));
    if (b->empty)
        cJSON_AddBoolToObject(o, "empty", 1);
    cJSON *cols = cJSON_AddArrayToObject(o, "columns");
    for (int d = 0; d < C1_DIGITS; d++) {
        cJSON *c = cJSON_CreateObject();
        if (b->column[d] >= 0)
            cJSON_AddNumberToObject(c, "digit", b->column[d]);
        else
            cJSON_AddStringToObject(c, "digit", verdicts[-1 - b->column[d]]);
        cJSON_AddNumberToObject(c, "p", milli(b->column_p[d]));
        double fill[10];
        for (int j = 0; j < 10; j++)
            fill[j] = centi(b->mark[d][j]);
        cJSON_AddItemToObject(c, "fill", cJSON_CreateDoubleArray(fill, 10));
        cJSON_AddItemToArray(cols, c);
    }
    return o;
}

static cJSON *rows_json(const c1_row_reading *rw, const c1_tally *t, int cols)
{
    cJSON *o = cJSON_CreateObject();
    if (rw->sum >= 0)
        cJSON_AddNumberToObject(o, "sum", rw->sum);
    else
        cJSON_AddNullToObject(o, "sum");
    cJSON_AddNumberToObject(o, "confidence", milli(rw->sum_p));
    cJSON *rows = cJSON_AddArrayToObject(o, "rows");
    for (int k = 0; k < rw->n_rows; k++) {
        cJSON *row = cJSON_CreateObject();
        if (rw->value[k] >= 0)
            cJSON_AddNumberToObject(row, "value", rw->value[k]);
        else
            cJSON_AddNullToObject(row, "value");
        cJSON_AddNumberToObject(row, "p", milli(rw->p[k]));
        if (t && t->valid) {   /* the tally's own count of the row, to set beside it */
            int n = 0;
            for (int c = 0; c < cols && k * cols + c < t->n_cells; c++)
                n += t->cells[k * cols + c];
            cJSON_AddNumberToObject(row, "tally", n);
        }
        cJSON_AddItemToArray(rows, row);
    }
    return o;
}

static cJSON *field_json(const c1_result *r, int i)
{
    const c1_field_result *f = &r->fields[i];
    cJSON *o = cJSON_CreateObject();
    if (f->value >= 0)
        cJSON_AddNumberToObject(o, "value", f->value);
    else
        cJSON_AddNullToObject(o, "value");
    cJSON_AddStringToObject(o, "status", f->status == C1_FIELD_ACCEPTED ? "accepted" : "review");
    cJSON_AddNumberToObject(o, "confidence", milli(f->confidence));
    cJSON *reasons = cJSON_AddArrayToObject(o, "reasons");
    for (int k = 0; k < f->n_reasons; k++)
        cJSON_AddItemToArray(reasons, cJSON_CreateString(f->reasons[k]));
    cJSON *evidence = cJSON_AddArrayToObject(o, "evidence");
    for (int k = 0; k < f->n_evidence; k++)
        cJSON_AddItemToArray(evidence, cJSON_CreateString(f->evidence[k]));
    if (f->ocr.valid)
        cJSON_AddItemToObject(o, "ocr", reading_json(&f->ocr));
    if (f->segments.valid)
        cJSON_AddItemToObject(o, "segments", reading_json(&f->segments));
    if (f->ocr.valid)
        cJSON_AddItemToObject(o, "cells", cells_json(f));
    if (f->tally && f->tally->valid)
        cJSON_AddItemToObject(o, "tally", tally_json(f->tally));
    else if (f->tally && f->tally->empty)
        cJSON_AddItemToObject(o, "tally", cJSON_CreateObject()), cJSON_AddBoolToObject(cJSON_GetObjectItem(o, "tally"), "empty", 1);
    if (f->bubbles.read)
        cJSON_AddItemToObject(o, "bubbles", bubbles_json(&f->bubbles));
    if (f->rows.read)
        cJSON_AddItemToObject(o, "row_counts", rows_json(&f->rows, f->tally, r->form->fields[i].tally_cols));
    cJSON *boxes = cJSON_AddArrayToObject(o, "boxes");
    for (int d = 0; d < C1_DIGITS; d++)
        cJSON_AddItemToArray(boxes, corners_json(f->photo[d]));
    if (r->form->fields[i].has_tally)
        cJSON_AddItemToObject(o, "tally_grid", corners_json(f->tally_photo));
    cJSON_AddNumberToObject(o, "box_match", centi(f->match));
    return o;
}

static void add_registration(cJSON *root, const c1_result *r)
{
    cJSON *page = cJSON_AddObjectToObject(root, "registration");
    cJSON_AddItemToObject(page, "corners", corners_json(r->corners));
    cJSON_AddNumberToObject(page, "px_per_mm", centi(r->px_per_mm));
    if (r->blur_mm > 0)
        cJSON_AddNumberToObject(page, "blur_mm", centi(r->blur_mm));
    if (r->tag_id >= 0)
        cJSON_AddNumberToObject(page, "marker", r->tag_id);
    if (r->tag_id >= 0 && r->marker_cells > 0)
        cJSON_AddNumberToObject(page, "marker_cells", centi(r->marker_cells));
    else
        cJSON_AddNumberToObject(page, "layout_match", centi(r->layout_match));
    if (r->title_text[0])
        cJSON_AddStringToObject(page, "title", r->title_text);
}

char *c1_result_to_json(const c1_result *r, const char *file)
{
    if (!r)
        return NULL;
    cJSON *root = cJSON_CreateObject();
    if (file)
        cJSON_AddStringToObject(root, "file", file);
    cJSON_AddStringToObject(root, "status", r->status == C1_PHOTO_READ ? "read" : "rejected");
    if (r->error) {
        cJSON *err = cJSON_AddObjectToObject(root, "error");
        cJSON_AddStringToObject(err, "code", c1_error_name(r->error));
        cJSON_AddStringToObject(err, "message", r->message);
    }
    cJSON_AddStringToObject(root, "form", c1_result_form(r));
    if (c1_result_page(r))
        cJSON_AddNumberToObject(root, "page", c1_result_page(r));
    if (r->photo_w)
        cJSON_AddItemToObject(root, "photo", cJSON_CreateIntArray((const int[]){r->photo_w, r->photo_h}, 2));
    if (r->have_page)
        add_registration(root, r);
    cJSON *fields = cJSON_AddObjectToObject(root, "fields");
    for (int i = 0; i < r->n_fields; i++)
        cJSON_AddItemToObject(fields, r->form->fields[i].id, field_json(r, i));
    cJSON *timing = cJSON_AddObjectToObject(root, "timing_ms");
    for (int s = 0; s < STAGE_COUNT; s++)
        if (r->stage_ms[s] >= 0)
            cJSON_AddNumberToObject(timing, stage_name((c1_stage)s), round(r->stage_ms[s] * 10) / 10);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

void c1_string_free(char *s) { cJSON_free(s); }
