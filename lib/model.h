/* The handwriting model: one network or several trained apart, whose calibrated probabilities are
 * averaged (models/digits.json "members"), and the classes a box can hold in its output order. */
#ifndef C1_MODEL_H
#define C1_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "c1.h"

enum { CLASS_EMPTY = 10, CLASS_FILLER, CLASS_STRUCK, CLASS_OTHER, C1_N_CLASSES };

#define DIGIT_MAX_MEMBERS 4
#define TALLY_MAX_MEMBERS 2

/* The ONNX files' bytes, shared by every set of networks made from them. */
typedef struct {
    uint8_t *onnx[DIGIT_MAX_MEMBERS];
    size_t size[DIGIT_MAX_MEMBERS];
    int n;
    double temperature;       /* of the members' average, fitted apart ("ensemble_temperature") */
    /* The tally cell model (models/tally.onnx, and models/tally-2.onnx where a second network was
     * trained apart), each calibrated in its logits. */
    uint8_t *tally_onnx[TALLY_MAX_MEMBERS];
    size_t tally_size[TALLY_MAX_MEMBERS];
    int n_tally;
} digit_model;

/* The tally cell model's classes: 0 .. 9 strokes, and 10 or more. */
#define TALLY_CLASSES 11

/* The publish gate's thresholds (c1_gate_value): measured on the validation set for one digit
 * model, so they travel with it in its card ("gate"). */
typedef struct c1_gate {
    double value[C1_GATE_COUNT];
} c1_gate;

/* One set of networks, lent to one read at a time (a pool item). */
typedef struct {
    void *net[DIGIT_MAX_MEMBERS];
    int n;
    double temperature;
    void *tally[TALLY_MAX_MEMBERS];
    int n_tally;
} digit_nets;

const char *model_class_name(int k);       /* "0".."9", "empty", "filler", "struck", "other" */
/* Reads the card at DIR/models/digits.json and the networks it names. */
c1_error model_load(digit_model *m, c1_gate *gate, const char *data_dir, char *msg, size_t msg_size);
/* A card's text: fills the member file names, the average's temperature and the gate, and returns how
 * many members, 0 when the card is bad. */
int model_parse_card(const char *text, char names[DIGIT_MAX_MEMBERS][64], double *temperature, c1_gate *gate);
void model_release(digit_model *m);
void *model_nets_create(const digit_model *m);
void model_nets_free(void *nets);
/* Class probabilities of n 28x28 cells (the members averaged and calibrated) into p[n][C1_N_CLASSES];
 * 0 when a network fails. */
int model_classify(const digit_nets *nets, const float *cells, int n, double *p);
/* Stroke-count probabilities of n tally cells (h x w floats each) into p[n][TALLY_CLASSES]: the first
 * network's, averaged with the second's (where there is one) on cells the first is unsure of; 0 when a
 * network fails. */
int model_count_tally(const digit_nets *nets, const float *cells, int n, int h, int w, double *p);
/* A whole file, NUL-terminated so that it can be parsed as text, at most max_size bytes; NULL if it
 * cannot be read. */
uint8_t *model_read_file(const char *path, size_t max_size, size_t *size);

#endif
