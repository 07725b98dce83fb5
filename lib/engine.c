/* Engine: loads the forms' pages and the digit model once, keeps the pools of thread-bound objects, and
 * runs the pipeline's stages for each photo in the order of its one table, timing each. The
 * caller's known values go into the result for the gate. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tesseract/capi.h>

#include "cv.h"
#include "stages.h"

#ifndef C1_DEFAULT_DATA_DIR
#define C1_DEFAULT_DATA_DIR "."
#endif
#define DEFAULT_MAX_PIXELS 50000000u
#define MAX_FILE_BYTES (512u << 20)

#define STR_(x) #x
#define STR(x) STR_(x)

/* The pipeline, in order: each stage reads what those before it wrote. */
static const struct {
    const char *name;
    c1_error (*run)(const c1_engine *e, c1_result *r);
} pipeline[STAGE_COUNT] = {
    [STAGE_LOAD] = {"load", load_image},
    [STAGE_REGISTER] = {"register", register_page},
    [STAGE_IDENTIFY] = {"identify", identify_form},
    [STAGE_QUALITY] = {"quality", check_quality},
    [STAGE_LOCATE] = {"locate", locate_boxes},
    [STAGE_DIGITS] = {"digits", read_digits},
    [STAGE_TALLY] = {"tally", read_tallies},
    [STAGE_BUBBLES] = {"bubbles", read_bubbles},
    [STAGE_ROWS] = {"rows", read_row_counts},
    [STAGE_VALIDATE] = {"validate", validate_fields},
};

const char *stage_name(c1_stage s) { return s >= 0 && s < STAGE_COUNT ? pipeline[s].name : "?"; }

unsigned c1_version_number(void) { return C1_VERSION_NUMBER; }
const char *c1_version(void) { return STR(C1_VERSION_MAJOR) "." STR(C1_VERSION_MINOR) "." STR(C1_VERSION_PATCH); }

void c1_engine_options_init(c1_engine_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->max_pixels = DEFAULT_MAX_PIXELS;
    o->tesseract_instances = 2;
}

static void set_message(char *msg, size_t size, const char *text)
{
    if (msg && size)
        snprintf(msg, size, "%s", text);
}

static void *make_tesseract(const void *ctx)
{
    (void)ctx;
    TessBaseAPI *api = TessBaseAPICreate();
    if (api && TessBaseAPIInit3(api, NULL, "eng") != 0) {
        TessBaseAPIDelete(api);
        api = NULL;
    }
    return api;
}

static void destroy_tesseract(void *api)
{
    TessBaseAPIEnd(api);
    TessBaseAPIDelete(api);
}

static void *make_digit_nets(const void *ctx)
{
    const c1_engine *e = ctx;
    return model_nets_create(&e->model);
}

/* The caller's own thresholds, where it gives one, in place of the model's. */
static c1_error override_gate(c1_gate *gate, const double *wanted, char *msg, size_t msg_size)
{
    for (int k = 0; k < C1_GATE_COUNT; k++) {
        if (wanted[k] == 0)
            continue;
        if (!(wanted[k] > 0 && wanted[k] <= (k == C1_GATE_SHARP_PAGE_MM ? 5 : 1))) {
            set_message(msg, msg_size, "a gate threshold in the options is out of range");
            return C1_ERR_INVALID_ARGUMENT;
        }
        gate->value[k] = wanted[k];
    }
    return C1_OK;
}

/* A form's rules across its pages: forms/NAME, named in forms.txt as "station NAME". */
static c1_error load_station_rules(c1_engine *e, const char *forms, const char *name, char *msg, size_t msg_size)
{
    char path[1024];
    size_t size;
    snprintf(path, sizeof path, "%s/%s", forms, name);
    if (e->n_station_rules == C1_MAX_STATION_SETS) {
        snprintf(msg, msg_size, "%s: more than %d forms with station rules", path, C1_MAX_STATION_SETS);
        return C1_ERR_FORM_TEMPLATE;
    }
    char *text = (char *)model_read_file(path, 1 << 20, &size);
    if (!text) {
        snprintf(msg, msg_size, "%s: cannot read", path);
        return C1_ERR_FORM_TEMPLATE;
    }
    c1_error err = station_rules_parse(e, text, size, name, &e->station_rules[e->n_station_rules], msg, msg_size);
    e->n_station_rules += !err;
    free(text);
    return err;
}

/* Every page forms/forms.txt names (one NAME a line, NAME.form under forms/), each with its page
 * marker learned off its blank and its blank at low resolution; all pages share their marks. A line
 * "station NAME" names a form's rules across its pages, after the pages it names. */
static c1_error load_forms(c1_engine *e, char *msg, size_t msg_size)
{
    char forms[600], list[700], name[256];
    snprintf(forms, sizeof forms, "%s/forms", e->data_dir);
    snprintf(list, sizeof list, "%s/forms.txt", forms);
    FILE *fh = fopen(list, "r");
    if (!fh) {
        if (msg)
            snprintf(msg, msg_size, "%s: cannot open: %s", list, strerror(errno));
        return C1_ERR_FORM_TEMPLATE;
    }
    c1_error err = C1_OK;
    while (!err && fgets(name, sizeof name, fh)) {
        name[strcspn(name, "#\r\n")] = '\0';
        if (!name[0])
            continue;
        if (!strncmp(name, "station ", 8)) {
            err = load_station_rules(e, forms, name + 8, msg, msg_size);
            continue;
        }
        if (e->n_forms == C1_MAX_PAGES) {
            snprintf(msg, msg_size, "%s: more than %d pages", list, C1_MAX_PAGES);
            err = C1_ERR_FORM_TEMPLATE;
            break;
        }
        c1_form *f = &e->forms[e->n_forms];
        err = form_load(forms, name, f, msg, msg_size);
        if (err)
            break;
        e->n_forms++;
        const c1_form *f0 = &e->forms[0];
        int same = f->page_w == f0->page_w && f->page_h == f0->page_h;
        for (int k = 0; k < 4; k++)
            same &= f->marks[k].x == f0->marks[k].x && f->marks[k].y == f0->marks[k].y;
        if (!same) {
            snprintf(msg, msg_size, "%s: its page size or corner marks are not %s's", name, f0->id);
            err = C1_ERR_FORM_TEMPLATE;
        }
        if (!err)
            err = identify_learn_marker(f, e->markers, msg, msg_size);
        if (!err && !(e->blanks_small[e->n_forms - 1] = cv_resize(f->blank, (int)lround(f->page_w), (int)lround(f->page_h))))
            err = C1_ERR_NO_MEMORY;
    }
    fclose(fh);
    if (!err && e->n_forms == 0) {
        snprintf(msg, msg_size, "%s names no page", list);
        err = C1_ERR_FORM_TEMPLATE;
    }
    return err;
}

c1_error c1_engine_create(const c1_engine_options *options, c1_engine **out, char *msg, size_t msg_size)
{
    if (!out)
        return C1_ERR_INVALID_ARGUMENT;
    *out = NULL;
    c1_engine_options o;
    c1_engine_options_init(&o);
    if (options)
        o = *options;
    c1_engine *e = calloc(1, sizeof *e);
    if (!e) {
        set_message(msg, msg_size, "out of memory");
        return C1_ERR_NO_MEMORY;
    }
    const char *dir = o.data_dir ? o.data_dir : getenv("C1_DATA_DIR") ? getenv("C1_DATA_DIR") : C1_DEFAULT_DATA_DIR;
    snprintf(e->data_dir, sizeof e->data_dir, "%s", dir);
    e->max_pixels = o.max_pixels ? o.max_pixels : DEFAULT_MAX_PIXELS;
    int readers = o.tesseract_instances > 0 ? o.tesseract_instances : 2;
    c1_error err = (e->markers = identify_family_create()) ? C1_OK : C1_ERR_NO_MEMORY;
    if (err)
        set_message(msg, msg_size, "out of memory");
    else
        err = load_forms(e, msg, msg_size);
    if (!err)
        err = model_load(&e->model, &e->gate, e->data_dir, msg, msg_size);
    if (!err)
        err = override_gate(&e->gate, o.gate, msg, msg_size);
    if (!err && (!pool_init(&e->tesseract, readers, make_tesseract, destroy_tesseract, e) ||
                 !pool_init(&e->tag_readers, readers, identify_reader_create, identify_reader_free, e) ||
                 !pool_init(&e->digit_nets, readers, make_digit_nets, model_nets_free, e))) {
        set_message(msg, msg_size, "out of memory");
        err = C1_ERR_NO_MEMORY;
    }
    if (err) {
        c1_engine_free(e);
        return err;
    }
    *out = e;
    return C1_OK;
}

void c1_engine_free(c1_engine *e)
{
    if (!e)
        return;
    pool_release(&e->tesseract);
    pool_release(&e->tag_readers);
    identify_family_free(e->markers);   /* after its decoders */
    pool_release(&e->digit_nets);
    model_release(&e->model);
    for (int i = 0; i < e->n_forms; i++) {
        form_release(&e->forms[i]);
        pix_destroy(&e->blanks_small[i]);
    }
    free(e);
}

double c1_engine_gate(const c1_engine *e, c1_gate_value which)
{
    return e && which >= 0 && which < C1_GATE_COUNT ? e->gate.value[which] : -1;
}

/* Known values name fields of some page the engine reads; which page the photo is comes later. */
static int known_are_valid(const c1_engine *e, const c1_known_value *known, int n_known)
{
    if (n_known < 0 || n_known > C1_MAX_KNOWN || (n_known > 0 && !known))
        return 0;
    for (int k = 0; k < n_known; k++) {
        int found = 0;
        for (int i = 0; known[k].field && i < e->n_forms; i++)
            found |= form_field_index(&e->forms[i], known[k].field) >= 0;
        if (!found || known[k].value < 0 || strlen(known[k].field) >= C1_ID_LEN)
            return 0;
    }
    return 1;
}

static c1_result *result_new(const c1_engine *e, const c1_known_value *known, int n_known)
{
    c1_result *r = result_create(&e->gate);
    for (int k = 0; r && k < n_known; k++) {
        snprintf(r->known_names[k], sizeof r->known_names[k], "%s", known[k].field);
        r->known_given[k] = (c1_known_value){r->known_names[k], known[k].value};
    }
    if (r)
        r->n_known_given = n_known;
    return r;
}

static void run_pipeline(const c1_engine *e, const uint8_t *data, size_t size, c1_result *r)
{
    r->input = data, r->input_size = size;
    for (int s = 0; s < STAGE_COUNT && !r->error; s++) {
        double t0 = now_ms();
        pipeline[s].run(e, r);
        r->stage_ms[s] = now_ms() - t0;
    }
    r->input = NULL, r->input_size = 0;
    pix_destroy(&r->photo);
    if (r->error)
        r->n_fields = 0;
}

c1_error c1_read_memory_known(const c1_engine *e, const void *data, size_t size, const c1_known_value *known,
                              int n_known, c1_result **out)
{
    if (!out)
        return C1_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!e || (!data && size) || !known_are_valid(e, known, n_known))
        return C1_ERR_INVALID_ARGUMENT;
    c1_result *r = result_new(e, known, n_known);
    if (!r)
        return C1_ERR_NO_MEMORY;
    run_pipeline(e, data, size, r);
    *out = r;
    return r->error;
}

static c1_error slurp(const char *path, uint8_t **data, size_t *size, c1_result *r)
{
    FILE *fh = fopen(path, "rb");
    struct stat st;
    if (!fh || fstat(fileno(fh), &st) != 0 || !S_ISREG(st.st_mode)) {
        result_fail(r, C1_ERR_IO, "cannot read '%.200s': %s", path, fh ? "not a regular file" : strerror(errno));
        if (fh)
            fclose(fh);
        return r->error;
    }
    if ((unsigned long long)st.st_size > MAX_FILE_BYTES) {
        fclose(fh);
        result_fail(r, C1_ERR_IMAGE_TOO_LARGE, "the file is %lld bytes, more than any photo", (long long)st.st_size);
        return r->error;
    }
    *size = (size_t)st.st_size;
    *data = malloc(*size ? *size : 1);
    if (!*data || fread(*data, 1, *size, fh) != *size) {
        result_fail(r, *data ? C1_ERR_IO : C1_ERR_NO_MEMORY, "cannot read '%.200s'", path);
        free(*data);
        *data = NULL;
    }
    fclose(fh);
    return r->error;
}

c1_error c1_read_memory(const c1_engine *e, const void *data, size_t size, c1_result **out)
{
    return c1_read_memory_known(e, data, size, NULL, 0, out);
}

c1_error c1_read_file_known(const c1_engine *e, const char *path, const c1_known_value *known, int n_known,
                            c1_result **out)
{
    if (!out)
        return C1_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!e || !path || !known_are_valid(e, known, n_known))
        return C1_ERR_INVALID_ARGUMENT;
    c1_result *r = result_new(e, known, n_known);
    if (!r)
        return C1_ERR_NO_MEMORY;
    uint8_t *data = NULL;
    size_t size = 0;
    double t0 = now_ms();
    if (slurp(path, &data, &size, r) == C1_OK)
        run_pipeline(e, data, size, r);
    else
        r->stage_ms[STAGE_LOAD] = now_ms() - t0;
    free(data);
    *out = r;
    return r->error;
}

c1_error c1_read_file(const c1_engine *e, const char *path, c1_result **out)
{
    return c1_read_file_known(e, path, NULL, 0, out);
}

c1_error c1_read(const c1_engine *e, const char *path, c1_result **out)
{
    return c1_read_file_known(e, path, NULL, 0, out);
}
