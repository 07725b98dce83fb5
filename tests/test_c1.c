/* Tests of the C library through its public API only: templates, bad input, registration against
 * the committed fixtures' labels, JSON, memory reads and threads. Run from the project root. */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "c1.h"
#include "check.h"


static char *slurp(const char *path, size_t *size)
{
    FILE *fh = fopen(path, "rb");
    if (!fh)
        return NULL;
    fseek(fh, 0, SEEK_END);
    long n = ftell(fh);
    fseek(fh, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, fh) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(fh);
    if (size)
        *size = (size_t)n;
    return buf;
}

static cJSON *load_json(const char *path)
{
    char *text = slurp(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    return j;
}

/* The result as JSON without its timings, which differ from run to run. */
static char *stable_json(const c1_result *r)
{
    char *text = c1_result_to_json(r, NULL);
    cJSON *j = cJSON_Parse(text);
    c1_string_free(text);
    cJSON_DeleteItemFromObject(j, "timing_ms");
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return out;
}

/* ---- form templates */

/* A data dir whose template is the real one with line `line_no` replaced by `replacement`. */
static void make_data_dir(const char *dir, int line_no, const char *replacement)
{
    char path[512], cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/forms && ln -s %s/forms/c1-ppwp %s/forms/c1-ppwp", dir, dir,
             getcwd(path, sizeof path), dir);
    if (system(cmd) != 0)
        return;
    char *orig = slurp("forms/c1-ppwp.form", NULL);
    snprintf(path, sizeof path, "%s/forms/c1-ppwp.form", dir);
    FILE *fh = fopen(path, "w");
    int line = 1;
    for (char *s = orig, *nl; s && *s; s = nl + 1, line++) {
        nl = strchr(s, '\n');
        if (!nl)
            break;
        if (line == line_no)
            fprintf(fh, "%s\n", replacement);
        else
            fwrite(s, 1, (size_t)(nl - s + 1), fh);
    }
    fclose(fh);
    free(orig);
}

static void expect_template_error(int line_no, const char *replacement, const char *want)
{
    const char *dir = "build/test-data";
    make_data_dir(dir, line_no, replacement);
    c1_engine_options o;
    c1_engine_options_init(&o);
    o.data_dir = dir;
    c1_engine *e = (c1_engine *)1;
    char msg[512] = "";
    c1_error err = c1_engine_create(&o, &e, msg, sizeof msg);
    CHECK(err == C1_ERR_FORM_TEMPLATE && e == NULL, "line %d '%s': got %s", line_no, replacement, c1_error_name(err));
    CHECK(strstr(msg, want) != NULL, "message '%s' should contain '%s'", msg, want);
    c1_engine_free(e);
}

static void test_templates(void)
{
    expect_template_error(12, "bogus 1 2 3", "c1-ppwp.form:12: unknown keyword 'bogus'");
    expect_template_error(12, "marker tl 10 10 16", "c1-ppwp.form:12: marker needs");
    expect_template_error(12, "marker tl 10 10 16 x", "c1-ppwp.form:12: marker: 'x' is not a number");
    expect_template_error(66, "hint ballots_reserve reserve dpt 2 ss_diterima", "c1-ppwp.form:66: hint needs");
    expect_template_error(66, "hint ballots_reserve reserve dpt 0 = ss_diterima", "not a percentage");
    expect_template_error(66, "hint ballots_reserve reserve dpt 2 = nope", "unknown field 'nope'");
    expect_template_error(12, "marker tl 590 10 16 16", "off the 594x420 page");
    char *form = slurp("forms/c1-ppwp.form", NULL);
    int rule_line = 1;
    for (char *s = form; s && strncmp(s, "rule ", 5); s = strchr(s, '\n') + 1)
        rule_line++;
    free(form);
    expect_template_error(rule_line, "rule r1 sum dpt nosuch = paslon1", "unknown field 'nosuch'");
    expect_template_error(rule_line, "rule r1 sum dpt paslon1", "a sum ends with '= FIELD'");

    c1_engine_options o;
    c1_engine_options_init(&o);
    o.data_dir = "build/no-such-dir";
    c1_engine *e;
    char msg[512];
    CHECK(c1_engine_create(&o, &e, msg, sizeof msg) == C1_ERR_FORM_TEMPLATE && strstr(msg, "cannot open"),
          "missing template: %s", msg);
}

/* ---- the model card */

/* A data dir with the real form and the real network, under a card whose "members" are `members`
 * (a JSON array, or NULL for none) and whose "ensemble_temperature" is `temperature` (JSON, or NULL
 * for the committed card's). */
static c1_error engine_with_card(const char *members, const char *temperature, c1_engine **e, char *msg,
                                 size_t msg_size)
{
    const char *dir = "build/test-model";
    char cwd[512], cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/models && ln -s %s/forms %s/forms && ln -s %s/models/digits.onnx %s/models/digits.onnx",
             dir, dir, getcwd(cwd, sizeof cwd), dir, cwd, dir);
    if (system(cmd) != 0)
        return C1_ERR_IO;
    char *orig = slurp("models/digits.json", NULL);
    cJSON *card = cJSON_Parse(orig);
    free(orig);
    cJSON_DeleteItemFromObject(card, "members");
    if (members)
        cJSON_AddItemToObject(card, "members", cJSON_Parse(members));
    if (temperature) {
        cJSON_DeleteItemFromObject(card, "ensemble_temperature");
        cJSON_AddItemToObject(card, "ensemble_temperature", cJSON_Parse(temperature));
    }
    char *text = cJSON_Print(card), path[600];
    snprintf(path, sizeof path, "%s/models/digits.json", dir);
    FILE *fh = fopen(path, "w");
    fputs(text, fh);
    fclose(fh);
    free(text);
    cJSON_Delete(card);
    c1_engine_options o;
    c1_engine_options_init(&o);
    o.data_dir = dir;
    return c1_engine_create(&o, e, msg, msg_size);
}

/* Members are averaged: two copies of one network read exactly as the network alone. */
static void test_model_members(void)
{
    c1_engine *single = NULL, *e = NULL;
    char msg[512] = "";
    CHECK(engine_with_card(NULL, NULL, &single, msg, sizeof msg) == C1_OK, "no members: %s", msg);
    CHECK(engine_with_card("[\"digits.onnx\", \"digits.onnx\"]", NULL, &e, msg, sizeof msg) == C1_OK, "two members: %s", msg);
    c1_result *a = NULL, *b = NULL;
    if (single && e && c1_read_file(single, "fixtures/free_upright.jpg", &a) == C1_OK &&
        c1_read_file(e, "fixtures/free_upright.jpg", &b) == C1_OK)
        for (int i = 0; i < c1_result_field_count(a); i++)
            CHECK(c1_field_value(a, i) == c1_field_value(b, i) && fabs(c1_field_confidence(a, i) - c1_field_confidence(b, i)) < 1e-9,
                  "field %s: %d (%.6f) alone, %d (%.6f) as two members", c1_field_id(a, i), c1_field_value(a, i),
                  c1_field_confidence(a, i), c1_field_value(b, i), c1_field_confidence(b, i));
    else
        CHECK(0, "free_upright was not read");
    c1_result_free(a), c1_result_free(b), c1_engine_free(e), c1_engine_free(single);
    const char *bad[] = {"[]", "[\"../digits.onnx\"]", "[\"nosuch.onnx\"]", "[1]", "\"digits.onnx\"",
                         "[\"digits.onnx\", \"digits.onnx\", \"digits.onnx\", \"digits.onnx\", \"digits.onnx\"]"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        e = (c1_engine *)1;
        msg[0] = '\0';
        c1_error err = engine_with_card(bad[k], NULL, &e, msg, sizeof msg);
        CHECK(err == C1_ERR_MODEL && e == NULL && *msg, "members %s: got %s (%s)", bad[k], c1_error_name(err), msg);
        c1_engine_free(e);
    }
}

/* How sure the handwriting model is of a field's least sure box (each box's top class), from the JSON. */
static double least_sure_cell(const c1_result *r, const char *field)
{
    char *text = c1_result_to_json(r, "x");
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    const cJSON *cells = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "fields"), field), "cells");
    double least = 2;
    const cJSON *cell;
    cJSON_ArrayForEach(cell, cells) {
        double top = 0;
        const cJSON *p;
        cJSON_ArrayForEach(p, cJSON_GetObjectItem(cell, "ocr"))
            top = fmax(top, p->valuedouble);
        least = fmin(least, top);
    }
    cJSON_Delete(j);
    free(text);
    return least;
}

/* The members' average is calibrated by the card's temperature: below 1 it sharpens the cells (the
 * same readings, surer), and a card with a temperature out of reason is refused. */
static void test_ensemble_temperature(void)
{
    c1_engine *plain = NULL, *sharp = NULL, *e = NULL;
    char msg[512] = "";
    const char *two = "[\"digits.onnx\", \"digits.onnx\"]";
    CHECK(engine_with_card(two, "1", &plain, msg, sizeof msg) == C1_OK, "T = 1: %s", msg);
    CHECK(engine_with_card(two, "0.5", &sharp, msg, sizeof msg) == C1_OK, "T = 0.5: %s", msg);
    c1_result *a = NULL, *b = NULL;
    if (plain && sharp && c1_read_file(plain, "fixtures/free_upright.jpg", &a) == C1_OK &&
        c1_read_file(sharp, "fixtures/free_upright.jpg", &b) == C1_OK) {
        int sharper = 0;
        for (int i = 0; i < c1_result_field_count(a); i++) {
            double pa = least_sure_cell(a, c1_field_id(a, i)), pb = least_sure_cell(b, c1_field_id(b, i));
            CHECK(c1_field_value(a, i) == c1_field_value(b, i), "field %s: %d at T = 1, %d at T = 0.5",
                  c1_field_id(a, i), c1_field_value(a, i), c1_field_value(b, i));
            CHECK(pb >= pa - 1e-4, "field %s: least sure cell %.4f at T = 1, %.4f at T = 0.5", c1_field_id(a, i), pa, pb);
            sharper += pa < 0.999 && pb > pa + 1e-4;
        }
        CHECK(sharper > 0, "no cell in doubt at T = 1 became surer at T = 0.5");
    } else
        CHECK(0, "free_upright was not read");
    c1_result_free(a), c1_result_free(b), c1_engine_free(plain), c1_engine_free(sharp);
    const char *bad[] = {"0", "-1", "0.1", "10", "\"0.8\"", "null"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        e = (c1_engine *)1;
        msg[0] = '\0';
        c1_error err = engine_with_card(two, bad[k], &e, msg, sizeof msg);
        CHECK(err == C1_ERR_MODEL && e == NULL && *msg, "temperature %s: got %s (%s)", bad[k], c1_error_name(err), msg);
        c1_engine_free(e);
    }
}

/* ---- bad input */

static void expect_rejection(const c1_engine *e, const char *path, c1_error want)
{
    c1_result *r = NULL;
    c1_error got = c1_read_file(e, path, &r);
    CHECK(r != NULL, "%s: no result", path);
    CHECK(got == want && c1_result_error(r) == want, "%s: want %s, got %s (%s)", path, c1_error_name(want),
          c1_error_name(got), c1_result_message(r));
    CHECK(c1_result_status(r) == C1_PHOTO_REJECTED && c1_result_field_count(r) == 0 && c1_result_message(r)[0],
          "%s: a rejected photo has a message and no fields", path);
    c1_result_free(r);
}

static c1_error error_named(const char *name)
{
    for (int c = 0; c < C1_ERR_COUNT_; c++)
        if (!strcmp(c1_error_name((c1_error)c), name))
            return (c1_error)c;
    return C1_ERR_COUNT_;
}

/* Every hostile fixture (fixtures/bad_*) is rejected with the code its label expects. */
static void test_hostile_fixtures(const c1_engine *e)
{
    DIR *d = opendir("fixtures");
    int n = 0;
    for (struct dirent *de; d && (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, "bad_", 4) || len < 6 || strcmp(de->d_name + len - 5, ".json"))
            continue;
        char label_path[512], photo[512];
        snprintf(label_path, sizeof label_path, "fixtures/%s", de->d_name);
        cJSON *label = load_json(label_path);
        const cJSON *want = cJSON_GetObjectItem(label, "expect_error");
        CHECK(cJSON_IsString(want) && error_named(want->valuestring) < C1_ERR_COUNT_, "%s: no known expect_error",
              label_path);
        static const char *const exts[] = {".jpg", ".png", ".tif"};
        for (int k = 0; k < 3 && cJSON_IsString(want); k++) {
            snprintf(photo, sizeof photo, "fixtures/%.*s%s", (int)(len - 5), de->d_name, exts[k]);
            if (access(photo, F_OK) == 0) {
                expect_rejection(e, photo, error_named(want->valuestring));
                n++;
            }
        }
        cJSON_Delete(label);
    }
    if (d)
        closedir(d);
    CHECK(n >= 11, "only %d hostile fixtures found", n);
}

static void test_bad_input(const c1_engine *e)
{
    test_hostile_fixtures(e);
    expect_rejection(e, "fixtures/free_cut_corner.jpg", C1_ERR_PAGE_NOT_FOUND);
    expect_rejection(e, "fixtures/free_blur_unreadable.jpg", C1_ERR_TOO_BLURRED);
    expect_rejection(e, "fixtures/no-such-file.jpg", C1_ERR_IO);
    expect_rejection(e, "fixtures", C1_ERR_IO);

    /* Every prefix length class of a real photo: rejected with a code, never a crash or a read. */
    size_t size;
    char *jpeg = slurp("fixtures/dots_upright.jpg", &size);
    const size_t cuts[] = {1, 2, 3, 10, 100, 1000, size / 3, size - 2};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        c1_result *r;
        c1_error err = c1_read_memory(e, jpeg, cuts[i], &r);
        CHECK(err != C1_OK && c1_result_status(r) == C1_PHOTO_REJECTED, "first %zu bytes: %s", cuts[i],
              c1_error_name(err));
        c1_result_free(r);
    }
    /* Noise after a JPEG signature. */
    srand(7);
    for (size_t i = 3; i < size; i++)
        jpeg[i] = (char)rand();
    c1_result *r;
    CHECK(c1_read_memory(e, jpeg, size, &r) != C1_OK, "random bytes behind a JPEG signature were read");
    c1_result_free(r);
    free(jpeg);

    CHECK(c1_read_memory(e, NULL, 10, &r) == C1_ERR_INVALID_ARGUMENT && r == NULL, "NULL data");
    CHECK(c1_read_file(NULL, "x", &r) == C1_ERR_INVALID_ARGUMENT && r == NULL, "NULL engine");
    CHECK(c1_read_file(e, "x", NULL) == C1_ERR_INVALID_ARGUMENT, "NULL result pointer");
}

static void test_pixel_limit(void)
{
    c1_engine_options o;
    c1_engine_options_init(&o);
    o.max_pixels = 1000000;
    c1_engine *e;
    CHECK(c1_engine_create(&o, &e, NULL, 0) == C1_OK, "engine with a 1 MP limit");
    expect_rejection(e, "fixtures/dots_upright.jpg", C1_ERR_IMAGE_TOO_LARGE);
    c1_engine_free(e);
}

/* ---- registration (and the tallies given as sure) against the labels */

static double label_scale(const cJSON *quad, double w_mm, double h_mm)
{
    double p[4][2];
    for (int k = 0; k < 4; k++)
        for (int c = 0; c < 2; c++)
            p[k][c] = cJSON_GetArrayItem(cJSON_GetArrayItem(quad, k), c)->valuedouble;
    double top = hypot(p[1][0] - p[0][0], p[1][1] - p[0][1]), bottom = hypot(p[2][0] - p[3][0], p[2][1] - p[3][1]);
    double left = hypot(p[3][0] - p[0][0], p[3][1] - p[0][1]), right = hypot(p[2][0] - p[1][0], p[2][1] - p[1][1]);
    return ((top + bottom) / (2 * w_mm) + (left + right) / (2 * h_mm)) / 2;
}

static double quad_error_mm(const cJSON *truth, const double xy[8], double px_per_mm)
{
    double worst = 0;
    for (int k = 0; k < 4; k++) {
        const cJSON *pt = cJSON_GetArrayItem(truth, k);
        double dx = cJSON_GetArrayItem(pt, 0)->valuedouble - xy[2 * k];
        double dy = cJSON_GetArrayItem(pt, 1)->valuedouble - xy[2 * k + 1];
        worst = fmax(worst, hypot(dx, dy) / px_per_mm);
    }
    return worst;
}

/* A tally given with confidence >= 0.99 is the drawn count. Returns how many were given so. */
static int check_sure_tallies(const char *name, const cJSON *label, const c1_result *r)
{
    char *text = c1_result_to_json(r, NULL);
    cJSON *json = text ? cJSON_Parse(text) : NULL;
    c1_string_free(text);
    int sure = 0;
    const cJSON *truth;
    cJSON_ArrayForEach(truth, cJSON_GetObjectItem(label, "tally")) {
        const cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "fields"), truth->string), "tally");
        if (t && cJSON_GetObjectItem(t, "confidence")->valuedouble >= 0.99) {
            sure++;
            CHECK(cJSON_GetObjectItem(t, "value")->valueint == truth->valueint, "%s: %s tally %d given as sure, drawn %d",
                  name, truth->string, cJSON_GetObjectItem(t, "value")->valueint, truth->valueint);
        }
    }
    cJSON_Delete(json);
    return sure;
}

/* Returns how many tallies the photo's reading gave as sure. */
static int check_registration(const c1_engine *e, const char *name, const cJSON *label)
{
    char path[512];
    snprintf(path, sizeof path, "fixtures/%s.jpg", name);
    c1_result *r;
    c1_error err = c1_read_file(e, path, &r);
    CHECK(err == C1_OK && c1_result_status(r) == C1_PHOTO_READ, "%s: %s %s", name, c1_error_name(err),
          c1_result_message(r));
    if (err) {
        c1_result_free(r);
        return 0;
    }
    const cJSON *corners = cJSON_GetObjectItem(label, "page_corners");
    double xy[8], k = label_scale(corners, 594, 420);
    CHECK(c1_result_page_corners(r, xy) && quad_error_mm(corners, xy, k) < 2.0, "%s: page corners %.2f mm off", name,
          quad_error_mm(corners, xy, k));
    CHECK(!strcmp(c1_result_form(r), "c1-ppwp"), "%s: form '%s'", name, c1_result_form(r));
    const cJSON *boxes = cJSON_GetObjectItem(label, "boxes");
    double worst = 0;   /* mm at the page's mean resolution; c1score uses each box's own */
    for (int i = 0; i < c1_result_field_count(r); i++) {
        const cJSON *fb = cJSON_GetObjectItem(boxes, c1_field_id(r, i));
        for (int d = 0; d < 3; d++) {
            const cJSON *q = cJSON_GetArrayItem(fb, d);
            double bxy[8];
            c1_field_box_corners(r, i, d, bxy);
            worst = fmax(worst, quad_error_mm(q, bxy, k));
        }
        /* Accepted means no doubt at all; review always says why. */
        if (c1_field_status_of(r, i) == C1_FIELD_ACCEPTED) {
            CHECK(c1_field_reason_count(r, i) == 0 && c1_field_confidence(r, i) >= c1_engine_gate(e, C1_GATE_ACCEPT_WITH_EVIDENCE) && c1_field_value(r, i) >= 0,
                  "%s: field %s accepted with doubts", name, c1_field_id(r, i));
            double digits_only = c1_engine_gate(e, c1_result_blur_mm(r) > c1_engine_gate(e, C1_GATE_SHARP_PAGE_MM)
                                                       ? C1_GATE_ACCEPT_DIGITS_ONLY_STRICT
                                                       : C1_GATE_ACCEPT_DIGITS_ONLY);
            CHECK(c1_field_evidence_count(r, i) > 0 || c1_field_confidence(r, i) >= digits_only,
                  "%s: field %s accepted on its digits alone at p = %.5f (page blurred %.2f mm)", name,
                  c1_field_id(r, i), c1_field_confidence(r, i), c1_result_blur_mm(r));
            CHECK(c1_field_evidence(r, i, c1_field_evidence_count(r, i)) == NULL, "evidence past the count");
        } else
            CHECK(c1_field_reason_count(r, i) > 0, "%s: field %s in review without a reason", name, c1_field_id(r, i));
    }
    CHECK(worst < 1.5, "%s: a located box corner is %.2f mm from the truth", name, worst);
    int sure = check_sure_tallies(name, label, r);
    c1_result_free(r);
    return sure;
}

static void test_registration(const c1_engine *e)
{
    DIR *d = opendir("fixtures");
    struct dirent *ent;
    int n = 0, sure = 0;
    while ((ent = readdir(d))) {
        char *dot = strrchr(ent->d_name, '.');
        if (!dot || strcmp(dot, ".json") || strncmp(ent->d_name, "bad_", 4) == 0)
            continue;
        char path[512], name[256];
        snprintf(path, sizeof path, "fixtures/%s", ent->d_name);
        snprintf(name, sizeof name, "%.*s", (int)(dot - ent->d_name), ent->d_name);
        cJSON *label = load_json(path);
        if (label && !cJSON_IsTrue(cJSON_GetObjectItem(label, "expect_reject_ok"))) {
            sure += check_registration(e, name, label);
            n++;
        }
        cJSON_Delete(label);
    }
    closedir(d);
    CHECK(n >= 15, "only %d intact fixtures", n);
    CHECK(sure >= 20, "only %d sure tallies over the fixtures", sure);
}

/* ---- API behaviour */

static void test_json_and_memory(const c1_engine *e)
{
    c1_result *a, *b;
    size_t size;
    char *data = slurp("fixtures/free_rot90.jpg", &size);
    c1_read_file(e, "fixtures/free_rot90.jpg", &a);
    c1_read_memory(e, data, size, &b);
    char *ja = stable_json(a), *jb = stable_json(b);
    CHECK(!strcmp(ja, jb), "reading from memory and from the file differ");
    cJSON_free(ja), cJSON_free(jb);
    free(data);

    char *text = c1_result_to_json(a, "some/file.jpg");
    cJSON *j = cJSON_Parse(text);
    CHECK(j != NULL, "JSON parses");
    CHECK(!strcmp(cJSON_GetObjectItem(j, "file")->valuestring, "some/file.jpg"), "file key");
    CHECK(!strcmp(cJSON_GetObjectItem(j, "status")->valuestring, "read"), "status key");
    CHECK(!strcmp(cJSON_GetObjectItem(j, "form")->valuestring, "c1-ppwp"), "form key");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "page"), "corners")) == 4, "page corners");
    const cJSON *fields = cJSON_GetObjectItem(j, "fields");
    CHECK(cJSON_GetArraySize(fields) == 16, "16 fields");
    const cJSON *f = cJSON_GetObjectItem(fields, "paslon1");
    CHECK(f && cJSON_IsNumber(cJSON_GetObjectItem(f, "value")) && cJSON_IsString(cJSON_GetObjectItem(f, "status")) &&
              cJSON_IsNumber(cJSON_GetObjectItem(f, "confidence")) && cJSON_IsArray(cJSON_GetObjectItem(f, "reasons")) &&
              cJSON_IsArray(cJSON_GetObjectItem(f, "evidence")),
          "field shape");
    const char *readings[] = {"ocr", "segments", "tally"};
    for (int k = 0; k < 3; k++) {
        const cJSON *rd = cJSON_GetObjectItem(f, readings[k]);
        CHECK(rd && cJSON_GetObjectItem(rd, "value") && cJSON_IsNumber(cJSON_GetObjectItem(rd, "confidence")),
              "paslon1 has its %s reading", readings[k]);
    }
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(f, "tally"), "cells")) == 60, "60 tally cells");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(f, "ocr"), "alternatives")) >= 1, "alternatives");
    CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "timing_ms"), "register") != NULL, "timing of register");
    cJSON_Delete(j);
    c1_string_free(text);

    CHECK(c1_result_field_index(a, "paslon3") == 12 && c1_result_field_index(a, "nope") == -1, "field index");
    CHECK(c1_result_stage_ms(a, "locate") >= 0 && c1_result_stage_ms(a, "nope") == -1, "stage timing");
    CHECK(c1_result_write_debug_png(a, "build/test-debug.png") == C1_OK, "debug png");
    char *png = slurp("build/test-debug.png", &size);
    CHECK(png && size > 1000 && !memcmp(png, "\x89PNG", 4), "debug png is a PNG");
    free(png);
    c1_result_free(a);
    c1_result_free(b);

    CHECK(!strcmp(c1_error_name(C1_ERR_WRONG_FORM), "wrong_form") && strlen(c1_error_string(C1_ERR_TRUNCATED)) > 5,
          "error names");
    CHECK(!strcmp(c1_error_name((c1_error)999), "unknown"), "unknown code");
}

/* Every box with a digit in it reaches the model, framed as MNIST is: ink in [0, 1], its centre of
 * mass near the middle; the accessor refuses what does not exist. */
static void test_model_cells(const c1_engine *e)
{
    c1_result *r;
    cJSON *label = load_json("fixtures/free_upright.json");
    c1_read_file(e, "fixtures/free_upright.jpg", &r);
    const cJSON *boxes = cJSON_GetObjectItem(label, "box_labels");
    float cell[784];
    int digits = 0, framed = 0;
    for (int i = 0; i < c1_result_field_count(r); i++)
        for (int b = 0; b < 3; b++) {
            const char *what = cJSON_GetArrayItem(cJSON_GetObjectItem(boxes, c1_field_id(r, i)), b)->valuestring;
            if (what[0] < '0' || what[0] > '9')
                continue;
            digits++;
            if (!c1_field_box_cell(r, i, b, cell))
                continue;
            double mass = 0, mx = 0, my = 0, lo = 1, hi = 0;
            for (int k = 0; k < 784; k++) {
                mass += cell[k], mx += cell[k] * (k % 28), my += cell[k] * (k / 28);
                lo = cell[k] < lo ? cell[k] : lo, hi = cell[k] > hi ? cell[k] : hi;
            }
            framed += lo >= 0 && hi <= 1 && mass > 10 && fabs(mx / mass - 13.5) < 2 && fabs(my / mass - 13.5) < 2;
        }
    CHECK(digits > 30 && framed == digits, "%d of %d written boxes reached the model, framed", framed, digits);
    CHECK(!c1_field_box_cell(r, 0, 3, cell) && !c1_field_box_cell(r, -1, 0, cell) &&
              !c1_field_box_cell(r, c1_result_field_count(r), 0, cell),
          "no cell for a box that does not exist");
    c1_result_free(r);
    cJSON_Delete(label);
    c1_read_file(e, "fixtures/bad_no_form.jpg", &r);
    CHECK(!c1_field_box_cell(r, 0, 0, cell), "no cell from a rejected photo");
    c1_result_free(r);
}

static int field_has(const c1_result *r, int i, const char *what, int evidence)
{
    int n = evidence ? c1_field_evidence_count(r, i) : c1_field_reason_count(r, i);
    for (int k = 0; k < n; k++)
        if (!strcmp(evidence ? c1_field_evidence(r, i, k) : c1_field_reason(r, i, k), what))
            return 1;
    return 0;
}

/* The caller's known values: a bad one is refused; one that agrees with the digits is evidence; one
 * that does not sends the field to review and changes no value, even one a digit away (a 1 read as 7
 * must not become the list's 1). */
static void test_known_values(const c1_engine *e)
{
    const char *photo = "fixtures/free_upright.jpg";
    c1_result *r = (c1_result *)1;
    c1_known_value bad[] = {{"nope", 3}, {"tps", -1}, {NULL, 3}};
    for (int k = 0; k < 3; k++)
        CHECK(c1_read_file_known(e, photo, &bad[k], 1, &r) == C1_ERR_INVALID_ARGUMENT && r == NULL,
              "known value %d refused", k);
    c1_result *plain;
    c1_read_file(e, photo, &plain);
    int i = c1_result_field_index(plain, "tps"), read_as = c1_field_value(plain, i);
    const c1_known_value given[] = {{"tps", read_as}, {"tps", (read_as + 600) % 1000}, {"tps", read_as + 1}};
    for (int k = 0; k < 3; k++) {
        c1_result *with;
        c1_read_file_known(e, photo, &given[k], 1, &with);
        if (k == 0)
            CHECK(field_has(with, i, "known", 1) && !field_has(plain, i, "known", 1), "known tps is evidence");
        else
            CHECK(c1_field_status_of(with, i) == C1_FIELD_REVIEW && field_has(with, i, "known_mismatch", 0) &&
                      c1_field_value(with, i) == read_as,
                  "tps read as %d, given %d: value %d", read_as, given[k].value, c1_field_value(with, i));
        for (int f = 0; f < c1_result_field_count(plain); f++)
            CHECK(f == i || (c1_field_status_of(plain, f) == c1_field_status_of(with, f) &&
                             c1_field_value(plain, f) == c1_field_value(with, f)),
                  "a known tps changed %s", c1_field_id(plain, f));
        c1_result_free(with);
    }
    c1_result_free(plain);
}

typedef struct {
    const c1_engine *e;
    const char *files[3];
    char *json[3];
} thread_job;

static void *read_three(void *arg)
{
    thread_job *job = arg;
    for (int i = 0; i < 3; i++) {
        c1_result *r;
        c1_read_file(job->e, job->files[i], &r);
        job->json[i] = stable_json(r);
        c1_result_free(r);
    }
    return NULL;
}

static void test_threads(const c1_engine *e)
{
    thread_job jobs[3] = {
        {e, {"fixtures/dots_upright.jpg", "fixtures/free_blur.jpg", "fixtures/dots_tilt35.jpg"}, {0}},
        {e, {"fixtures/free_blur.jpg", "fixtures/dots_tilt35.jpg", "fixtures/dots_upright.jpg"}, {0}},
        {e, {"fixtures/dots_tilt35.jpg", "fixtures/dots_upright.jpg", "fixtures/free_blur.jpg"}, {0}},
    };
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, read_three, &jobs[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 3; i++) {
        c1_result *r;
        c1_read_file(e, jobs[0].files[i], &r);
        char *alone = stable_json(r);
        c1_result_free(r);
        for (int k = 0; k < 3; k++)
            for (int j = 0; j < 3; j++)
                if (!strcmp(jobs[k].files[j], jobs[0].files[i]))
                    CHECK(!strcmp(jobs[k].json[j], alone), "thread %d reading %s differs from a lone read", k,
                          jobs[0].files[i]);
        cJSON_free(alone);
    }
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < 3; j++)
            cJSON_free(jobs[k].json[j]);
}

/* ---- tally marks: each hard case has a fixture whose label holds the true count per cell */

static cJSON *read_as_json(const c1_engine *e, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "fixtures/%s.jpg", name);
    c1_result *r = NULL;
    c1_error err = c1_read_file(e, path, &r);
    char *text = err == C1_OK ? c1_result_to_json(r, NULL) : NULL;
    cJSON *json = text ? cJSON_Parse(text) : NULL;
    c1_string_free(text);
    c1_result_free(r);
    CHECK(json != NULL, "%s: %s", name, c1_error_name(err));
    return json;
}

static cJSON *fixture_label(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "fixtures/%s.json", name);
    return load_json(path);
}

/* Strokes over the cell lines, a fifth stroke lying flat, a dry pen, strokes as tall as the cell:
 * the count is exact, the cells hold it, and no cell is off by more than the groups that were drawn
 * across a cell line. */
static void check_tally_exact(const c1_engine *e, const char *name, int max_cells_off)
{
    cJSON *label = fixture_label(name), *json = read_as_json(e, name);
    if (!label || !json)
        goto done;
    const cJSON *truth;
    cJSON_ArrayForEach(truth, cJSON_GetObjectItem(label, "tally")) {
        const cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "fields"), truth->string), "tally");
        const cJSON *cells = cJSON_GetObjectItem(t, "cells");
        const cJSON *true_cells = cJSON_GetObjectItem(cJSON_GetObjectItem(label, "tally_cells"), truth->string);
        int value = cJSON_GetObjectItem(t, "value") ? cJSON_GetObjectItem(t, "value")->valueint : -1;
        CHECK(value == truth->valueint, "%s: %s tally %d, drawn %d", name, truth->string, value, truth->valueint);
        int sum = 0, off = 0;
        for (int c = 0; c < cJSON_GetArraySize(cells); c++) {
            sum += cJSON_GetArrayItem(cells, c)->valueint;
            off += cJSON_GetArrayItem(cells, c)->valueint != cJSON_GetArrayItem(true_cells, c)->valueint;
        }
        CHECK(sum == value, "%s: %s cells add to %d, not %d", name, truth->string, sum, value);
        CHECK(off <= max_cells_off, "%s: %s has %d cells off", name, truth->string, off);
    }
done:
    cJSON_Delete(label), cJSON_Delete(json);
}

/* Ink in a grid that is not a vote (a scribble, a group drawn and then crossed out) must lower the
 * tally's confidence and keep the field in review, never be counted with confidence. */
static void check_tally_spoiled(const c1_engine *e, const char *name)
{
    cJSON *label = fixture_label(name), *json = read_as_json(e, name);
    int spoiled = 0;
    if (!label || !json)
        goto done;
    const cJSON *how;
    cJSON_ArrayForEach(how, cJSON_GetObjectItem(label, "conventions")) {
        if (!cJSON_GetObjectItem(how, "spoil"))
            continue;
        spoiled++;
        const cJSON *f = cJSON_GetObjectItem(cJSON_GetObjectItem(json, "fields"), how->string);
        double conf = cJSON_GetObjectItem(cJSON_GetObjectItem(f, "tally"), "confidence")->valuedouble;
        CHECK(conf < 0.99, "%s: %s tally confident (%.3f) over ink that is not a vote", name, how->string, conf);
        CHECK(!strcmp(cJSON_GetObjectItem(f, "status")->valuestring, "review"), "%s: %s accepted", name, how->string);
        int doubtful = cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(f, "tally"), "doubtful_cells"));
        CHECK(doubtful > 0, "%s: %s names no doubtful cell", name, how->string);
    }
    CHECK(spoiled == 1, "%s: %d spoiled grids in the label", name, spoiled);
done:
    cJSON_Delete(label), cJSON_Delete(json);
}

static void test_tallies(const c1_engine *e)
{
    check_tally_exact(e, "tally_spill", 2);
    check_tally_exact(e, "tally_flat_fifth", 0);
    check_tally_exact(e, "tally_faint", 0);
    check_tally_exact(e, "tally_tall", 0);
    check_tally_spoiled(e, "tally_scribble");
    check_tally_spoiled(e, "tally_crossed_out");
}

/* An oversize digit run far over the line of a big vote box: cut at the box line, the 0 of "081"
 * was an arc the model read as 3 (381). Followed past the line, it is whole: the handwriting model
 * reads 81 with the tally and the sums, and the field is accepted. */
static void test_oversize_digit(const c1_engine *e)
{
    cJSON *json = read_as_json(e, "free_big_zero");
    const cJSON *f = cJSON_GetObjectItem(cJSON_GetObjectItem(json, "fields"), "paslon1");
    const cJSON *ocr = cJSON_GetObjectItem(cJSON_GetObjectItem(f, "ocr"), "value");
    const cJSON *status = cJSON_GetObjectItem(f, "status");
    CHECK(ocr && ocr->valueint == 81, "free_big_zero: the model read paslon1 as %d, written 81", ocr ? ocr->valueint : -1);
    CHECK(status && !strcmp(status->valuestring, "accepted"), "free_big_zero: paslon1 %s",
          status ? status->valuestring : "missing");
    cJSON_Delete(json);
}

static int has_reason(const cJSON *field, const char *reason)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(field, "reasons"))
        if (cJSON_IsString(r) && !strcmp(r->valuestring, reason))
            return 1;
    return 0;
}

static const char *field_status(const cJSON *json, const char *id)
{
    const cJSON *s = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "fields"), id), "status");
    return s && cJSON_IsString(s) ? s->valuestring : "missing";
}

/* A digit struck through with its correction written above the box (ss_rusak: 0 struck, 1 beside
 * it). Unread, the struck box left ss_rusak without a value and the ballots rule unchecked: its
 * three other fields went to review as if the sum were broken. The correction read, the rule
 * holds and they are published; ss_rusak itself stays for a person (`correction`). */
static void test_correction_read(const c1_engine *e)
{
    cJSON *json = read_as_json(e, "free_correction_read");
    const cJSON *f = cJSON_GetObjectItem(cJSON_GetObjectItem(json, "fields"), "ss_rusak");
    const cJSON *value = cJSON_GetObjectItem(f, "value");
    const cJSON *struck = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(f, "cells"), 2), "struck");
    CHECK(value && cJSON_IsNumber(value) && value->valueint == 1, "free_correction_read: ss_rusak read as %d, corrected to 1",
          value && cJSON_IsNumber(value) ? value->valueint : -1);
    CHECK(struck && struck->valuedouble > 0.5, "free_correction_read: ss_rusak's units box not reported struck");
    CHECK(!strcmp(field_status(json, "ss_rusak"), "review") && has_reason(f, "correction"),
          "free_correction_read: a corrected field must go to a person");
    const char *others[] = {"ss_diterima", "ss_tidak_digunakan", "ss_digunakan"};
    for (int k = 0; k < 3; k++)
        CHECK(!strcmp(field_status(json, others[k]), "accepted"), "free_correction_read: %s %s", others[k],
              field_status(json, others[k]));
    cJSON_Delete(json);
}

/* The blur estimate that decides how sure a field on its digits alone must be: a generated photo
 * blurred by 0.42 mm is over the line, a sharp one under it, and a photo with no page has none. */
static double blur_of(const c1_engine *e, const char *path)
{
    c1_result *r;
    c1_read_file(e, path, &r);
    double blur = c1_result_blur_mm(r);
    c1_result_free(r);
    return blur;
}

static void test_blur_estimate(const c1_engine *e)
{
    double sharp = blur_of(e, "fixtures/dots_upright.jpg"), blurred = blur_of(e, "fixtures/free_blur.jpg");
    CHECK(sharp > 0 && sharp <= c1_engine_gate(e, C1_GATE_SHARP_PAGE_MM), "a sharp photo's blur is estimated at %.3f mm", sharp);
    CHECK(blurred > c1_engine_gate(e, C1_GATE_SHARP_PAGE_MM), "a photo blurred by 0.42 mm is estimated at %.3f mm", blurred);
    CHECK(blur_of(e, "fixtures/bad_no_form.jpg") == -1, "a photo with no page has a blur estimate");
    CHECK(c1_result_blur_mm(NULL) == -1, "a NULL result has a blur estimate");
}

int main(void)
{
    test_templates();
    c1_engine *e;
    char msg[512];
    c1_error err = c1_engine_create(NULL, &e, msg, sizeof msg);
    CHECK(err == C1_OK, "engine: %s", msg);
    if (err)
        return 1;
    test_bad_input(e);
    test_pixel_limit();
    test_registration(e);
    test_json_and_memory(e);
    test_model_cells(e);
    test_model_members();
    test_ensemble_temperature();
    test_known_values(e);
    test_threads(e);
    test_tallies(e);
    test_oversize_digit(e);
    test_correction_read(e);
    test_blur_estimate(e);
    c1_engine_free(e);
    return CHECK_SUMMARY();
}
