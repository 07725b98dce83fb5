/* A few objects that are not thread-safe (a Tesseract handle, a set of dnn networks), made on first
 * use and lent to one read at a time: the only mutable part of an engine, behind its lock. */
#ifndef C1_POOL_H
#define C1_POOL_H

#include <pthread.h>

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t returned;
    void **items;
    int *busy;
    int n;
    void *(*make)(const void *ctx);
    void (*destroy)(void *item);
    const void *ctx;
} c1_pool;

int pool_init(c1_pool *p, int n, void *(*make)(const void *), void (*destroy)(void *), const void *ctx);
void pool_release(c1_pool *p);
void *pool_take(const c1_pool *p);     /* waits for a free item; NULL when one cannot be made */
void pool_give(const c1_pool *p, void *item);

#endif
