/* Result: the object one read fills, its failure and its accessors (the public c1_result_* and
 * c1_field_* calls), and the error codes' names. Touches only the result it is given. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"


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

int list_has(const char *const *list, int n, const char *what)
{
    for (int k = 0; k < n; k++)
        if (!strcmp(list[k], what))
            return 1;
    return 0;
}

void field_add_reason(c1_field_result *f, const char *reason)
{
    if (list_has(f->reasons, f->n_reasons, reason))
        return;
    if (f->n_reasons < C1_MAX_REASONS)
        f->reasons[f->n_reasons++] = reason;
}

c1_result *result_create(const c1_gate *gate)
{
    c1_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->gate = gate;
    r->tag_id = -1, r->marker_cells = -1;
    for (int s = 0; s < STAGE_COUNT; s++)
        r->stage_ms[s] = -1;
    return r;
}

void field_add_evidence(c1_field_result *f, const char *what)
{
    if (f->n_evidence < C1_MAX_EVIDENCE)
        f->evidence[f->n_evidence++] = what;
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
const char *c1_result_form(const c1_result *r) { return r && r->form && !r->error ? r->form->id : ""; }
int c1_result_page(const c1_result *r) { return r && r->form && !r->error ? r->form->page : 0; }

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
        if (!strcmp(stage, stage_name((c1_stage)s)))
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
    return r && id && r->n_fields && r->form ? form_field_index(r->form, id) : -1;
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
