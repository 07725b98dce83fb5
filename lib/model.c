/* Model: the handwriting model's card (models/digits.json: its classes, the networks to average,
 * the average's temperature and the publish thresholds measured with it), its ONNX networks, and
 * classifying cells with them. Reads only the files under the engine's models/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cv.h"
#include "engine.h"
#include "model.h"

#define MAX_CARD_BYTES (1u << 20)
#define MAX_NET_BYTES (64u << 20)

static const char *const class_names[C1_N_CLASSES] = {"0", "1", "2", "3", "4", "5", "6", "7",
                                                      "8", "9", "empty", "filler", "struck", "other"};

/* The card's names of the gate's values, in c1_gate_value order, with the range each must lie in. */
static const struct {
    const char *name;
    double lo, hi;
} gate_keys[C1_GATE_COUNT] = {
    [C1_GATE_ACCEPT_WITH_EVIDENCE] = {"accept_with_evidence", 0.5, 1},
    [C1_GATE_ACCEPT_DIGITS_ONLY] = {"accept_digits_only", 0.5, 1},
    [C1_GATE_ACCEPT_DIGITS_ONLY_STRICT] = {"accept_digits_only_strict", 0.5, 1},
    [C1_GATE_SHARP_PAGE_MM] = {"sharp_page_mm", 0, 5},
    [C1_GATE_FAMILIAR_HAND] = {"familiar_hand", 0, 1},
};

const char *model_class_name(int k) { return k >= 0 && k < C1_N_CLASSES ? class_names[k] : "?"; }

uint8_t *model_read_file(const char *path, size_t max_size, size_t *size)
{
    FILE *fh = fopen(path, "rb");
    long n = -1;
    if (fh && fseek(fh, 0, SEEK_END) == 0)
        n = ftell(fh);
    uint8_t *data = fh && n > 0 && (size_t)n <= max_size && fseek(fh, 0, SEEK_SET) == 0 ? malloc((size_t)n + 1) : NULL;
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

static int classes_are_ours(const cJSON *classes)
{
    int ok = cJSON_GetArraySize(classes) == C1_N_CLASSES;
    for (int k = 0; ok && k < C1_N_CLASSES; k++) {
        const cJSON *c = cJSON_GetArrayItem(classes, k);
        ok = cJSON_IsString(c) && !strcmp(c->valuestring, class_names[k]);
    }
    return ok;
}

static int read_gate(const cJSON *gate, c1_gate *out)
{
    for (int k = 0; k < C1_GATE_COUNT; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(gate, gate_keys[k].name);
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= gate_keys[k].lo && v->valuedouble <= gate_keys[k].hi))
            return 0;
        out->value[k] = v->valuedouble;
    }
    return 1;
}

/* The networks to average: "members" (file names in models/, no path), or there is one, digits.onnx. */
static int read_members(const cJSON *members, char names[DIGIT_MAX_MEMBERS][64])
{
    int count = members ? cJSON_GetArraySize(members) : 1;
    int ok = count >= 1 && count <= DIGIT_MAX_MEMBERS && (!members || cJSON_IsArray(members));
    for (int k = 0; ok && k < count; k++) {
        const cJSON *m = members ? cJSON_GetArrayItem(members, k) : NULL;
        const char *name = m ? (cJSON_IsString(m) ? m->valuestring : "") : "digits.onnx";
        ok = *name && !strchr(name, '/') && strlen(name) < 64;
        if (ok)
            snprintf(names[k], 64, "%s", name);
    }
    return ok ? count : 0;
}

int model_parse_card(const char *text, char names[DIGIT_MAX_MEMBERS][64], double *temperature, c1_gate *gate)
{
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "ensemble_temperature");
    *temperature = !t ? 1.0 : cJSON_IsNumber(t) ? t->valuedouble : 0;
    int ok = cJSON_IsObject(j) && classes_are_ours(cJSON_GetObjectItemCaseSensitive(j, "classes")) &&
             *temperature >= 0.25 && *temperature <= 4 &&
             read_gate(cJSON_GetObjectItemCaseSensitive(j, "gate"), gate);
    int count = ok ? read_members(cJSON_GetObjectItemCaseSensitive(j, "members"), names) : 0;
    cJSON_Delete(j);
    return count;
}

/* A network's file, kept as bytes (each read's set of networks is made from them) once OpenCV has
 * loaded it; 0, and *onnx NULL, when it cannot be read or loaded. */
static int read_network(const char *path, uint8_t **onnx, size_t *size)
{
    *onnx = model_read_file(path, MAX_NET_BYTES, size);
    void *net = *onnx ? cv_dnn_load(*onnx, *size) : NULL;
    if (!net) {
        free(*onnx);
        *onnx = NULL;
        return 0;
    }
    cv_dnn_free(net);
    return 1;
}

c1_error model_load(digit_model *m, c1_gate *gate, const char *data_dir, char *msg, size_t msg_size)
{
    char path[700], names[DIGIT_MAX_MEMBERS][64];
    size_t size;
    snprintf(path, sizeof path, "%s/models/digits.json", data_dir);
    char *text = (char *)model_read_file(path, MAX_CARD_BYTES, &size);
    int n = model_parse_card(text, names, &m->temperature, gate);
    free(text);
    if (!n) {
        if (msg)
            snprintf(msg, msg_size, "%s: missing, unreadable, or its classes, members, temperature or gate bad", path);
        return C1_ERR_MODEL;
    }
    for (m->n = 0; m->n < n; m->n++) {
        snprintf(path, sizeof path, "%s/models/%s", data_dir, names[m->n]);
        if (!read_network(path, &m->onnx[m->n], &m->size[m->n])) {
            if (msg)
                snprintf(msg, msg_size, "%s: cannot load the digit model", path);
            return C1_ERR_MODEL;
        }
    }
    for (m->n_tally = 0; m->n_tally < TALLY_MAX_MEMBERS; m->n_tally++) {
        const int k = m->n_tally;
        if (k == 0)
            snprintf(path, sizeof path, "%s/models/tally.onnx", data_dir);
        else
            snprintf(path, sizeof path, "%s/models/tally-%d.onnx", data_dir, k + 1);
        if (k > 0 && access(path, F_OK) != 0)
            break;   /* the second network is optional: one alone is a whole model */
        if (!read_network(path, &m->tally_onnx[k], &m->tally_size[k])) {
            if (msg)
                snprintf(msg, msg_size, "%s: missing or cannot be loaded", path);
            return C1_ERR_MODEL;
        }
    }
    return C1_OK;
}

void model_release(digit_model *m)
{
    for (int k = 0; k < m->n; k++)
        free(m->onnx[k]);
    for (int k = 0; k < m->n_tally; k++)
        free(m->tally_onnx[k]), m->tally_onnx[k] = NULL;
    m->n = m->n_tally = 0;
}

void *model_nets_create(const digit_model *m)
{
    digit_nets *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->temperature = m->temperature;
    for (d->n = 0; d->n < m->n; d->n++)
        if (!(d->net[d->n] = cv_dnn_load(m->onnx[d->n], m->size[d->n]))) {
            model_nets_free(d);
            return NULL;
        }
    for (d->n_tally = 0; d->n_tally < m->n_tally; d->n_tally++)
        if (!(d->tally[d->n_tally] = cv_dnn_load(m->tally_onnx[d->n_tally], m->tally_size[d->n_tally]))) {
            model_nets_free(d);
            return NULL;
        }
    return d;
}

void model_nets_free(void *nets)
{
    digit_nets *d = nets;
    for (int k = 0; d && k < DIGIT_MAX_MEMBERS; k++)
        if (d->net[k])
            cv_dnn_free(d->net[k]);
    for (int k = 0; d && k < TALLY_MAX_MEMBERS; k++)
        if (d->tally[k])
            cv_dnn_free(d->tally[k]);
    free(d);
}

/* Adds weight * softmax(logits) to p, n classes (at most MAX_CLASSES): the members' calibrated
 * probabilities are averaged. */
#define MAX_CLASSES (C1_N_CLASSES > TALLY_CLASSES ? C1_N_CLASSES : TALLY_CLASSES)
static void add_softmax(const float *logits, int n, double weight, double *p)
{
    double m = logits[0], sum = 0, q[MAX_CLASSES];
    for (int k = 1; k < n; k++)
        m = fmax(m, logits[k]);
    for (int k = 0; k < n; k++)
        sum += q[k] = exp(logits[k] - m);
    for (int k = 0; k < n; k++)
        p[k] += weight * q[k] / sum;
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

/* A pair's first network is sure of most cells (digit boxes: 62-65 % of those read on the eval and
 * validation photos; tally cells: 96 % of the calibration photos' inked ones): the others are asked
 * only about the cells it reads less surely than this, and averaged with it there. */
#define OTHERS_BELOW 0.999

static double top_of(const double *p, int n)
{
    double top = 0;
    for (int k = 0; k < n; k++)
        top = fmax(top, p[k]);
    return top;
}

/* The networks after the first (net[1 .. n_nets - 1]) on the n cells (h x w floats each) whose
 * probabilities in p, the first's, top below OTHERS_BELOW, packed into one batch; each such cell's
 * probabilities made all the networks' average. `logits` holds n cells' worth. 0 when one fails. */
static int others_where_unsure(void *const *net, int n_nets, const float *cells, int n, int h, int w, int n_classes,
                               float *logits, double *p)
{
    const size_t cell = (size_t)h * (size_t)w;
    int *unsure = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1)), n_unsure = 0;
    float *again = malloc(sizeof(float) * cell * (size_t)(n > 0 ? n : 1));
    for (int k = 0; unsure && again && k < n; k++)
        if (top_of(p + n_classes * k, n_classes) < OTHERS_BELOW) {
            memcpy(again + cell * (size_t)n_unsure, cells + cell * (size_t)k, sizeof(float) * cell);
            unsure[n_unsure++] = k;
        }
    int ok = unsure && again;
    for (int j = 0; ok && j < n_unsure; j++)
        for (int c = 0; c < n_classes; c++)
            p[n_classes * unsure[j] + c] /= n_nets;
    for (int m = 1; ok && n_unsure > 0 && m < n_nets; m++) {
        ok = cv_dnn_forward(net[m], again, n_unsure, h, w, logits, n_classes);
        for (int j = 0; ok && j < n_unsure; j++)
            add_softmax(logits + n_classes * j, n_classes, 1.0 / n_nets, p + n_classes * unsure[j]);
    }
    free(unsure), free(again);
    return ok;
}

int model_classify(const digit_nets *nets, const float *cells, int n, double *p)
{
    float *logits = malloc(sizeof(float) * C1_N_CLASSES * (size_t)(n > 0 ? n : 1));
    int ok = logits && nets->n > 0;
    memset(p, 0, sizeof(double) * C1_N_CLASSES * (size_t)n);
    ok = ok && cv_dnn_forward(nets->net[0], cells, n, 28, 28, logits, C1_N_CLASSES);
    for (int k = 0; ok && k < n; k++)
        add_softmax(logits + C1_N_CLASSES * k, C1_N_CLASSES, 1, p + C1_N_CLASSES * k);
    if (ok && nets->n > 1)
        ok = others_where_unsure(nets->net, nets->n, cells, n, 28, 28, C1_N_CLASSES, logits, p);
    for (int k = 0; ok && k < n; k++)
        calibrate_average(p + C1_N_CLASSES * k, nets->temperature);
    free(logits);
    return ok;
}

int model_count_tally(const digit_nets *nets, const float *cells, int n, int h, int w, double *p)
{
    float *logits = malloc(sizeof(float) * TALLY_CLASSES * (size_t)(n > 0 ? n : 1));
    int ok = logits && n > 0 && nets->n_tally > 0 && cv_dnn_forward(nets->tally[0], cells, n, h, w, logits, TALLY_CLASSES);
    if (ok)
        memset(p, 0, sizeof(double) * TALLY_CLASSES * (size_t)n);
    for (int k = 0; ok && k < n; k++)
        add_softmax(logits + TALLY_CLASSES * k, TALLY_CLASSES, 1, p + TALLY_CLASSES * k);
    if (ok && nets->n_tally > 1)
        ok = others_where_unsure(nets->tally, nets->n_tally, cells, n, h, w, TALLY_CLASSES, logits, p);
    free(logits);
    return ok;
}
