/* Pool: lends thread-bound objects (Tesseract handles, sets of networks) to one read at a time,
 * making each on first use. The pool's lock guards its own slots and nothing else. */
#include <stdlib.h>
#include <string.h>

#include "pool.h"

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
