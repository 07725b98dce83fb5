/* The engine: what is loaded once and shared read-only by every read (the form, the digit model,
 * the publish thresholds measured with that model) and the pools of thread-bound objects. */
#ifndef C1_ENGINE_H
#define C1_ENGINE_H

#include "form.h"
#include "model.h"
#include "pool.h"

#define C1_MAX_PAGES 8

struct c1_engine {
    char data_dir[512];
    size_t max_pixels;
    c1_form forms[C1_MAX_PAGES];  /* every page of every form the engine reads (forms/forms.txt) */
    int n_forms;
    c1_pix *blanks_small[C1_MAX_PAGES]; /* each page's blank at 1 px/mm, to tell pages by their print */
    c1_gate gate;
    c1_pool tesseract;        /* title readers: most photos never need one */
    c1_pool tag_readers;      /* page-marker decoders */
    c1_pool digit_nets;       /* the digit model, one set of networks per concurrent read */
    digit_model model;
};

#endif
