/* Engine and the read pipeline: loads the form and the digit model once, keeps the pools of
 * Tesseract handles and networks, and runs the stages
 * in order for each photo (load, register, quality, identify, locate, digits, tally, validate),
 * timing each. The caller's known values go into the result for the gate. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tesseract/capi.h>

#include "internal.h"

#ifndef C1_DEFAULT_DATA_DIR
#define C1_DEFAULT_DATA_DIR "."
#endif
#define DEFAULT_MAX_PIXELS 50000000u
#define MAX_FILE_BYTES (512u << 20)

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
    return digits_nets_create(&e->model);
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
    char forms[600];
    snprintf(forms, sizeof forms, "%s/forms", e->data_dir);
    c1_error err = form_load(forms, "c1-ppwp", &e->form, msg, msg_size);
    if (!err)
        err = digits_load_model(e, msg, msg_size);
    if (!err && (!pool_init(&e->tesseract, readers, make_tesseract, destroy_tesseract, e) ||
                 !pool_init(&e->digit_nets, readers, make_digit_nets, digits_nets_free, e))) {
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
    pool_release(&e->digit_nets);
    digits_model_release(&e->model);
    form_release(&e->form);
    free(e);
}

int pool_init(c1_pool *p, int n, void *(*make)(const void *), void (*destroy)(void *), const void *ctx)
{
    memset(p, 0, sizeof *p);
    p->items = calloc((size_t)n, sizeof *p->items);
    p->busy = calloc((size_t)n, sizeof *p->busy);
    if (!p->items || !p->busy) {
        free(p->items), free(p->busy);
        p->items = NULL, p->busy = NULL;
        return 0;
    }
    p->n = n, p->make = make, p->destroy = destroy, p->ctx = ctx;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->returned, NULL);
    return 1;
}

void pool_release(c1_pool *p)
{
    if (!p->items)
        return;
    for (int i = 0; i < p->n; i++)
        if (p->items[i])
            p->destroy(p->items[i]);
    free(p->items);
    free(p->busy);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->returned);
    p->items = NULL;
}

/* The pools are an engine's only mutable part; they live behind their locks. */
void *pool_take(const c1_pool *cp)
{
    c1_pool *p = (c1_pool *)cp;
    pthread_mutex_lock(&p->lock);
    int slot = -1;
    while (slot < 0) {
        for (int i = 0; i < p->n && slot < 0; i++)
            if (!p->busy[i])
                slot = i;
        if (slot < 0)
            pthread_cond_wait(&p->returned, &p->lock);
    }
    p->busy[slot] = 1;
    pthread_mutex_unlock(&p->lock);
    if (!p->items[slot])
        p->items[slot] = p->make(p->ctx);   /* only this thread holds the slot */
    if (!p->items[slot]) {
        pthread_mutex_lock(&p->lock);
        p->busy[slot] = 0;
        pthread_cond_signal(&p->returned);
        pthread_mutex_unlock(&p->lock);
    }
    return p->items[slot];
}

void pool_give(const c1_pool *cp, void *item)
{
    c1_pool *p = (c1_pool *)cp;
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->n; i++)
        if (p->items[i] == item)
            p->busy[i] = 0;
    pthread_cond_signal(&p->returned);
    pthread_mutex_unlock(&p->lock);
}

static int known_are_valid(const c1_engine *e, const c1_known_value *known, int n_known)
{
    if (n_known < 0 || (n_known > 0 && !known))
        return 0;
    for (int k = 0; k < n_known; k++)
        if (!known[k].field || known[k].value < 0 || form_field_index(&e->form, known[k].field) < 0)
            return 0;
    return 1;
}

static c1_result *result_new(const c1_engine *e, const c1_known_value *known, int n_known)
{
    c1_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->form = &e->form;
    for (int s = 0; s < STAGE_COUNT; s++)
        r->stage_ms[s] = -1;
    for (int k = 0; k < n_known; k++) {
        int i = form_field_index(&e->form, known[k].field);
        r->is_known[i] = 1, r->known[i] = known[k].value;
    }
    return r;
}

/* Runs one stage, timing it; a stage that rejects the photo ends the pipeline. */
#define STAGE(id, call)                                  \
    do {                                                 \
        double t0_ = now_ms();                           \
        c1_error e_ = (call);                            \
        r->stage_ms[id] = now_ms() - t0_;                \
        if (e_)                                          \
            goto done;                                   \
    } while (0)

static void run_pipeline(const c1_engine *e, const uint8_t *data, size_t size, c1_result *r)
{
    c1_pix *photo = NULL, *gray = NULL;
    STAGE(STAGE_LOAD, load_image(e, data, size, &photo, r));
    gray = pix_gray(photo);
    pix_destroy(&photo);
    if (!gray) {
        result_fail(r, C1_ERR_NO_MEMORY, "no memory for the grey image");
        goto done;
    }
    STAGE(STAGE_REGISTER, register_page(e, gray, r));
    /* Quality before identity: a blurred title is not another form's title. */
    STAGE(STAGE_QUALITY, check_quality(e, r));
    if (r->upright_unknown) {
        result_fail(r, C1_ERR_PAGE_NOT_FOUND, "four markers found, but no QR code beside any of them");
        goto done;
    }
    STAGE(STAGE_IDENTIFY, identify_form(e, r));
    STAGE(STAGE_LOCATE, locate_boxes(e, r));
    double t0 = now_ms();
    read_digits(e, r);
    double t1 = now_ms();
    read_tallies(e, r);
    double t2 = now_ms();
    validate_fields(e, r);
    r->stage_ms[STAGE_DIGITS] = t1 - t0;
    r->stage_ms[STAGE_TALLY] = t2 - t1;
    r->stage_ms[STAGE_VALIDATE] = now_ms() - t2;
done:
    if (r->upright_unknown)
        r->have_page = 0;   /* its corners would be a guess at which way is up */
    pix_destroy(&photo);
    pix_destroy(&gray);
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
