/* The engine: what is loaded once and shared read-only by every read (the form, the digit model,
 * the publish thresholds measured with that model) and the pools of thread-bound objects. */
#ifndef C1_ENGINE_H
#define C1_ENGINE_H

#include "form.h"
#include "model.h"
#include "pool.h"

#define C1_MAX_PAGES 8
#define C1_MAX_STATION_RULES 8
#define C1_MAX_STATION_SETS 4
#define C1_MAX_STATION_PHOTOS 16

/* A rule across the pages of one station (forms/SET/station.rules): page and field of each term. */
typedef struct {
    int page, field;
} station_term;

typedef struct {
    char id[C1_ID_LEN];
    station_term terms[C1_MAX_FIELDS];
    int n_terms;
    station_term target;        /* the terms add up to it */
    char reason[C1_ID_LEN + 32]; /* "station_rule_violated:<id>" */
    char evidence[C1_ID_LEN + 16]; /* "station_rule:<id>" */
    char unchecked[C1_ID_LEN + 32]; /* "station_rule_unchecked:<id>" */
} station_rule;

typedef struct {
    char form[C1_ID_LEN];
    station_rule rules[C1_MAX_STATION_RULES];
    int n_rules;
} station_rules;

typedef struct marker_family marker_family;   /* the page marker's family and decoding table (identify.c) */

struct c1_engine {
    char data_dir[512];
    size_t max_pixels;
    c1_form forms[C1_MAX_PAGES];  /* every page of every form the engine reads (forms/forms.txt) */
    int n_forms;
    c1_pix *blanks_small[C1_MAX_PAGES]; /* each page's blank at 1 px/mm, to tell pages by their print */
    station_rules station_rules[C1_MAX_STATION_SETS]; /* each form's rules across its pages */
    int n_station_rules;
    c1_gate gate;
    c1_pool tesseract;        /* title readers: most photos never need one */
    marker_family *markers;   /* shared by the page-marker decoders, read-only */
    c1_pool tag_readers;      /* page-marker decoders */
    c1_pool digit_nets;       /* the digit model, one set of networks per concurrent read */
    digit_model model;
};

#endif
