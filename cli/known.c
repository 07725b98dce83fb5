/* c1scan's --known and --stations readers: CSV lines "photo,field,value" and "photo,station" into
 * tables sorted by photo. Parsers of outside bytes (a fuzz target runs them): every line is bounded,
 * every number checked. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "known.h"

#define MAX_LINE 1024
#define MAX_VALUE 100000

static int cmp_known(const void *a, const void *b)
{
    return strcmp(((const known_row *)a)->photo, ((const known_row *)b)->photo);
}

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* One line "photo,field,value" without its newline: 1 parsed, 0 blank, -1 malformed. */
static int parse_line(const char *line, size_t n, void *out)
{
    known_row *row = out;
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
        n--;
    if (n == 0)
        return 0;
    const char *c1 = memchr(line, ',', n);
    const char *c2 = c1 ? memchr(c1 + 1, ',', n - (size_t)(c1 + 1 - line)) : NULL;
    if (!c1 || !c2 || c1 == line || c2 == c1 + 1 || memchr(line, '\0', n))
        return -1;
    char num[16];
    size_t nl = n - (size_t)(c2 + 1 - line);
    if (nl == 0 || nl >= sizeof num)
        return -1;
    memcpy(num, c2 + 1, nl);
    num[nl] = '\0';
    char *end;
    errno = 0;
    long v = strtol(num, &end, 10);
    if (*end || errno || v < 0 || v > MAX_VALUE)
        return -1;
    row->photo = dup_range(line, (size_t)(c1 - line));
    row->field = dup_range(c1 + 1, (size_t)(c2 - c1 - 1));
    row->value = (int)v;
    if (!row->photo || !row->field) {
        free(row->photo), free(row->field);
        return -1;
    }
    return 1;
}

/* What a table's lines are: the header to skip, the size of a row, how a line becomes one (1 parsed,
 * 0 blank, -1 malformed) and how a row's strings are freed. */
typedef struct {
    const char *header, *expect;
    size_t row_size;
    int (*parse)(const char *line, size_t n, void *row);
    void (*free_row)(void *row);
    int (*cmp)(const void *a, const void *b);   /* the rows' order, by photo */
} table_kind;

/* Every line of `text` parsed into an array of rows, sorted; NULL rows and 0 with "N: why" in err when
 * a line is malformed or memory runs out (the rows read so far freed). */
static int parse_rows(const char *text, size_t size, const table_kind *k, void **rows, size_t *n, char *err,
                      size_t err_size)
{
    size_t cap = 0, pos = 0, header = strlen(k->header);
    _Alignas(16) char row[64];   /* one parsed row, before it is appended */
    if (k->row_size > sizeof row)
        return 0;
    *rows = NULL, *n = 0;
    for (int line_no = 1; pos < size; line_no++) {
        const char *nl = memchr(text + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - (text + pos)) : size - pos;
        const char *line = text + pos;
        pos += len + (nl != NULL);
        if (line_no == 1 && len >= header && !strncmp(line, k->header, header))
            continue;
        int got = len >= MAX_LINE ? -1 : k->parse(line, len, row);
        if (got == 0)
            continue;
        char *grown = got > 0 && *n == cap ? realloc(*rows, (cap = cap ? 2 * cap : 256) * k->row_size) : *rows;
        if (got < 0 || !grown) {
            if (got > 0)
                k->free_row(row);
            if (got > 0)
                snprintf(err, err_size, "%d: out of memory", line_no);
            else
                snprintf(err, err_size, "%d: expected %s", line_no, k->expect);
            for (size_t i = 0; i < *n; i++)
                k->free_row((char *)*rows + i * k->row_size);
            free(*rows);
            *rows = NULL, *n = 0;
            return 0;
        }
        *rows = grown;
        memcpy((char *)*rows + (*n)++ * k->row_size, row, k->row_size);
    }
    if (*n)
        qsort(*rows, *n, k->row_size, k->cmp);
    return 1;
}

static void free_known_row(void *row)
{
    known_row *r = row;
    free(r->photo), free(r->field);
}

int known_parse(const char *text, size_t size, known_table *t, char *err, size_t err_size)
{
    static const table_kind kind = {"photo,field,value", "photo,field,value (a value from 0 to 100000)", sizeof(known_row),
                                    parse_line, free_known_row, cmp_known};
    void *rows;
    memset(t, 0, sizeof *t);
    if (!parse_rows(text, size, &kind, &rows, &t->n, err, err_size))
        return 0;
    t->rows = rows;
    return 1;
}

void known_free(known_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->rows[i].photo), free(t->rows[i].field);
    free(t->rows);
    t->rows = NULL, t->n = 0;
}

c1_known_value *known_for(const known_table *t, const char *photo_name, int *n)
{
    *n = 0;
    if (!t || !t->n)
        return NULL;
    known_row key = {(char *)photo_name, NULL, 0};
    const known_row *hit = bsearch(&key, t->rows, t->n, sizeof *t->rows, cmp_known);
    if (!hit)
        return NULL;
    while (hit > t->rows && !strcmp(hit[-1].photo, photo_name))
        hit--;
    const known_row *end = hit;
    while (end < t->rows + t->n && !strcmp(end->photo, photo_name))
        end++;
    c1_known_value *v = malloc(sizeof *v * (size_t)(end - hit));
    for (int k = 0; v && hit + k < end; k++)
        v[k] = (c1_known_value){hit[k].field, hit[k].value};
    *n = v ? (int)(end - hit) : 0;
    return v;
}

/* ---- --stations */

static int cmp_station(const void *a, const void *b)
{
    return strcmp(((const station_row *)a)->photo, ((const station_row *)b)->photo);
}

/* One line "photo,station": 1 parsed, 0 blank, -1 malformed. */
static int parse_station_line(const char *line, size_t n, void *out)
{
    station_row *row = out;
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
        n--;
    if (n == 0)
        return 0;
    const char *comma = memchr(line, ',', n);
    if (!comma || comma == line || comma == line + n - 1 || memchr(line, '\0', n) ||
        memchr(comma + 1, ',', n - (size_t)(comma + 1 - line)) || memchr(comma + 1, '/', n - (size_t)(comma + 1 - line)))
        return -1;
    row->photo = dup_range(line, (size_t)(comma - line));
    row->station = dup_range(comma + 1, n - (size_t)(comma + 1 - line));
    if (!row->photo || !row->station) {
        free(row->photo), free(row->station);
        return -1;
    }
    return 1;
}

static void free_station_row(void *row)
{
    station_row *r = row;
    free(r->photo), free(r->station);
}

int stations_parse(const char *text, size_t size, station_table *t, char *err, size_t err_size)
{
    static const table_kind kind = {"photo,station", "photo,station (a station name without ',' or '/')",
                                    sizeof(station_row), parse_station_line, free_station_row, cmp_station};
    void *rows;
    memset(t, 0, sizeof *t);
    if (!parse_rows(text, size, &kind, &rows, &t->n, err, err_size))
        return 0;
    t->rows = rows;
    for (size_t i = 1; i < t->n; i++)
        if (!strcmp(t->rows[i].photo, t->rows[i - 1].photo)) {
            snprintf(err, err_size, "photo '%.100s' is named twice", t->rows[i].photo);
            stations_free(t);
            return 0;
        }
    return 1;
}

void stations_free(station_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->rows[i].photo), free(t->rows[i].station);
    free(t->rows);
    t->rows = NULL, t->n = 0;
}

const char *station_of(const station_table *t, const char *photo_name)
{
    if (!t || !t->n)
        return NULL;
    station_row key = {(char *)photo_name, NULL};
    const station_row *hit = bsearch(&key, t->rows, t->n, sizeof *t->rows, cmp_station);
    return hit ? hit->station : NULL;
}
