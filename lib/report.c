/* Report: the result object, its accessors and its JSON form (cJSON, so that escaping and number
 * formatting are right by construction). Reads the result only. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

const char *const c1_stage_names[STAGE_COUNT] = {"load", "register", "quality", "identify", "locate", "digits", "tally", "validate"};

static const struct {
    const char *name, *text;
} error_table[C1_ERR_COUNT_] = {
    [C1_OK] = {"ok", "success"},
    [C1_ERR_INVALID_ARGUMENT] = {"invalid_argument", "an argument is missing or invalid"},
    [C1_ERR_NO_MEMORY] = {"no_memory", "out of memory"},
    [C1_ERR_IO] = {"io", "the file could not be read"},
    [C1_ERR_EMPTY_INPUT] = {"empty_input", "the input is empty"},
    [C1_ERR_NOT_AN_IMAGE] = {"not_an_image", "the input is not a JPEG, PNG or TIFF image"},
    [C1_ERR_TRUNCATED] = {"truncated", "the image file is cut short"},
    [C1_ERR_IMAGE_TOO_LARGE] = {"image_too_large", "the image is larger than allowed"},
    [C1_ERR_DECODE] = {"decode_failed", "the image could not be decoded"},
    [C1_ERR_PAGE_NOT_FOUND] = {"page_not_found", "no whole form was found in the photo"},
    [C1_ERR_WRONG_FORM] = {"wrong_form", "the photo shows another form"},
    [C1_ERR_TOO_SMALL] = {"too_small", "the form is too small in the photo to read"},
    [C1_ERR_TOO_BLURRED] = {"too_blurred", "the photo is too blurred to read"},
    [C1_ERR_FORM_TEMPLATE] = {"form_template", "the form template is missing or malformed"},
    [C1_ERR_MODEL] = {"model", "a model could not be loaded"},
    [C1_ERR_INTERNAL] = {"internal", "internal error"},
};

const char *c1_error_name(c1_error code)
{
    return code >= 0 && code < C1_ERR_COUNT_ ? error_table[code].name : "unknown";
}

const char *c1_error_string(c1_error code)
{
    return code >= 0 && code < C1_ERR_COUNT_ ? error_table[code].text : "unknown error";
}

void result_fail(c1_result *r, c1_error code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
    r->error = code;
    r->status = C1_PHOTO_REJECTED;
}

void field_add_reason(c1_field_result *f, const char *reason)
{
    for (int i = 0; i < f->n_reasons; i++)
        if (!strcmp(f->reasons[i], reason))
            return;
    if (f->n_reasons < C1_MAX_REASONS)
        f->reasons[f->n_reasons++] = reason;
}

void c1_result_free(c1_result *r)
{
    if (!r)
        return;
    pix_destroy(&r->page);
    free(r->model_inputs);
    for (int i = 0; i < C1_MAX_FIELDS; i++)
        free(r->fields[i].tally);
    free(r);
}

c1_photo_status c1_result_status(const c1_result *r) { return r ? r->status : C1_PHOTO_REJECTED; }
c1_error c1_result_error(const c1_result *r) { return r ? r->error : C1_ERR_INVALID_ARGUMENT; }
const char *c1_result_message(const c1_result *r) { return r ? r->message : ""; }
const char *c1_result_form(const c1_result *r) { return r && r->have_page && !r->error ? r->form->id : ""; }

int c1_result_page_corners(const c1_result *r, double xy[8])
{
    if (!r || !r->have_page)
        return 0;
    memcpy(xy, r->corners, sizeof r->corners);
    return 1;
}

double c1_result_blur_mm(const c1_result *r)
{
    return r && r->have_page && r->blur_mm > 0 ? r->blur_mm : -1;
}

double c1_result_stage_ms(const c1_result *r, const char *stage)
{
    for (int s = 0; r && stage && s < STAGE_COUNT; s++)
        if (!strcmp(stage, c1_stage_names[s]))
            return r->stage_ms[s];
    return -1;
}

static const c1_field_result *field_at(const c1_result *r, int i)
{
    return r && i >= 0 && i < r->n_fields ? &r->fields[i] : NULL;
}

int c1_result_field_count(const c1_result *r) { return r ? r->n_fields : 0; }
int c1_result_field_index(const c1_result *r, const char *id)
{
    return r && id && r->n_fields ? form_field_index(r->form, id) : -1;
}
const char *c1_field_id(const c1_result *r, int i) { return field_at(r, i) ? r->form->fields[i].id : NULL; }
int c1_field_value(const c1_result *r, int i) { return field_at(r, i) ? r->fields[i].value : -1; }
c1_field_status c1_field_status_of(const c1_result *r, int i)
{
    return field_at(r, i) ? r->fields[i].status : C1_FIELD_REVIEW;
}
double c1_field_confidence(const c1_result *r, int i) { return field_at(r, i) ? r->fields[i].confidence : 0; }
int c1_field_reason_count(const c1_result *r, int i) { return field_at(r, i) ? r->fields[i].n_reasons : 0; }
const char *c1_field_reason(const c1_result *r, int i, int k)
{
    const c1_field_result *f = field_at(r, i);
    return f && k >= 0 && k < f->n_reasons ? f->reasons[k] : NULL;
}

int c1_field_evidence_count(const c1_result *r, int i) { return field_at(r, i) ? r->fields[i].n_evidence : 0; }
const char *c1_field_evidence(const c1_result *r, int i, int k)
{
    const c1_field_result *f = field_at(r, i);
    return f && k >= 0 && k < f->n_evidence ? f->evidence[k] : NULL;
}

int c1_field_box_corners(const c1_result *r, int i, int box, double xy[8])
{
    const c1_field_result *f = field_at(r, i);
    if (!f || box < 0 || box >= C1_DIGITS)
        return 0;
    memcpy(xy, f->photo[box], sizeof f->photo[box]);
    return 1;
}

int c1_field_box_cell(const c1_result *r, int i, int box, float cell[784])
{
    const c1_field_result *f = field_at(r, i);
    if (!f || box < 0 || box >= C1_DIGITS || !r->model_inputs || !r->model_input_of[i][box])
        return 0;
    memcpy(cell, r->model_inputs + 784 * (size_t)(r->model_input_of[i][box] - 1), sizeof(float) * 784);
    return 1;
}

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
            cJSON *probs = cJSON_AddObjectToObject(box, names[k]);
            for (int c = 0; c < C1_N_CLASSES; c++)
                if (readers[k]->cells[d][c] >= 0.001)
                    cJSON_AddNumberToObject(probs, digits_class_name(c), milli(readers[k]->cells[d][c]));
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
    cJSON_AddItemToObject(o, "doubtful_cells", cJSON_CreateIntArray(t->doubtful, t->n_doubtful));
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
    cJSON *page = cJSON_AddObjectToObject(root, "page");
    cJSON_AddItemToObject(page, "corners", corners_json(r->corners));
    cJSON_AddNumberToObject(page, "px_per_mm", centi(r->px_per_mm));
    if (r->blur_mm > 0)
        cJSON_AddNumberToObject(page, "blur_mm", centi(r->blur_mm));
    if (r->qr_text[0])
        cJSON_AddStringToObject(page, "qr", r->qr_text);
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
            cJSON_AddNumberToObject(timing, c1_stage_names[s], round(r->stage_ms[s] * 10) / 10);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

void c1_string_free(char *s) { cJSON_free(s); }
