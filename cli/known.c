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
static int parse_line(const char *line, size_t n, known_row *row)
{
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

int known_parse(const char *text, size_t size, known_table *t, char *err, size_t err_size)
{
    memset(t, 0, sizeof *t);
    size_t cap = 0, pos = 0;
    for (int line_no = 1; pos < size; line_no++) {
        const char *nl = memchr(text + pos, '\n', size - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : size - pos;
        const char *line = text + pos;
        pos += n + (nl != NULL);
        if (line_no == 1 && n >= 17 && !strncmp(line, "photo,field,value", 17))
            continue;
        known_row row;
        int got = n >= MAX_LINE ? -1 : parse_line(line, n, &row);
        if (got == 0)
            continue;
        if (got < 0) {
            snprintf(err, err_size, "%d: expected photo,field,value (a value from 0 to %d)", line_no, MAX_VALUE);
            known_free(t);
            return 0;
        }
        if (t->n == cap) {
            cap = cap ? 2 * cap : 256;
            known_row *grown = realloc(t->rows, cap * sizeof *grown);
            if (!grown) {
                free(row.photo), free(row.field);
                snprintf(err, err_size, "%d: out of memory", line_no);
                known_free(t);
                return 0;
            }
            t->rows = grown;
        }
        t->rows[t->n++] = row;
    }
    if (t->n)
        qsort(t->rows, t->n, sizeof *t->rows, cmp_known);
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
static int parse_station_line(const char *line, size_t n, station_row *row)
{
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

int stations_parse(const char *text, size_t size, station_table *t, char *err, size_t err_size)
{
    memset(t, 0, sizeof *t);
    size_t cap = 0, pos = 0;
    for (int line_no = 1; pos < size; line_no++) {
        const char *nl = memchr(text + pos, '\n', size - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : size - pos;
        const char *line = text + pos;
        pos += n + (nl != NULL);
        if (line_no == 1 && n >= 13 && !strncmp(line, "photo,station", 13))
            continue;
        station_row row;
        int got = n >= MAX_LINE ? -1 : parse_station_line(line, n, &row);
        if (got == 0)
            continue;
        station_row *grown = got > 0 && t->n == cap ? realloc(t->rows, (cap = cap ? 2 * cap : 256) * sizeof *grown) : t->rows;
        if (got < 0 || !grown) {
            if (got > 0)
                free(row.photo), free(row.station);
            snprintf(err, err_size, "%d: expected photo,station (a station name without ',' or '/')", line_no);
            stations_free(t);
            return 0;
        }
        t->rows = grown;
        t->rows[t->n++] = row;
    }
    if (t->n)
        qsort(t->rows, t->n, sizeof *t->rows, cmp_station);
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
