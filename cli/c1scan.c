/* c1scan: reads folders of C1 photos with libc1 and writes one JSON result per photo, and one per
 * polling station.
 *
 *   c1scan [--out DIR] [--jobs N] [--debug DIR] [--review DIR] [--cells DIR] [--csv FILE] [--known FILE]
 *          [--stations FILE] [--shard I/N] [--force] [--quiet] PATH...
 *
 * PATH is a photo or a folder (searched recursively for .jpg .jpeg .png .tif .tiff). The result for
 * photos/a/b.jpg given as `photos` is DIR/a/b.json. The photos of one folder are one polling station
 * (two to MAX_STATION_PHOTOS; a folder with more holds many stations' photos, and one photo alone is
 * read alone), or
 * --stations FILE says which, as CSV lines "photo,station" (photo named as for --known; one not listed
 * goes by its folder). A station's pages are read together, the rules across them checked
 * (c1_station_check), and DIR/a/STATION.station.json written beside its pages. A photo or station
 * whose JSON already exists is skipped unless --force, so an interrupted batch resumes where it
 * stopped; --shard I/N takes every N-th station (or lone photo) from the I-th (0-based), never
 * splitting a station, so N machines can share one batch. Without --out, JSON goes to standard
 * output, one object a line. --review DIR writes, for every field in review, a PNG crop of
 * its boxes and tally grid (DIR/a/b/FIELD.png) and DIR/a/b/review.txt with the readings and reasons.
 * --known FILE gives values known from outside the photos, as CSV lines "photo,field,value" (photo as
 * named for the output: a/b for photos/a/b.jpg; a first line "photo,field,value" is a header): a
 * field read as its known value has it as evidence, one read otherwise goes to review.
 * --cells DIR writes DIR/a/b.pgm: every box the handwriting model read, as it saw it (28 px wide,
 * 28 px a box, top to bottom), with a header comment "# FIELD BOX" a box, to retrain the model on.
 * Exit status: 0 when every photo was processed (read or
 * rejected), 1 for a usage or engine error, 2 when some result could not be written. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "c1.h"
#include "known.h"
#include "keep_memory.h"

typedef struct {
    char *path;   /* as found */
    char *rel;    /* relative to the PATH argument it came from, without extension */
} photo;

typedef struct {
    photo *items;
    size_t n, cap;
} photo_list;

typedef struct {
    const char *out_dir, *debug_dir, *review_dir, *cells_dir, *csv_path, *known_path, *stations_path;
    int jobs, force, quiet, shard, shards;
} options;

#define MAX_STATION_PHOTOS 6   /* a station's three pages, each photographed at most twice */

/* What one worker reads at once: a station's photos, or one photo alone (station NULL). */
typedef struct {
    char *station;          /* its id */
    char *out_rel;          /* its JSON, relative to --out, without ".station.json" */
    size_t *photos, n;      /* indices into the photo list */
} unit;

typedef struct {
    unit *items;
    size_t n;
} unit_list;

typedef struct {
    const options *opt;
    const c1_engine *engine;
    photo_list *photos;
    unit_list *units;
    size_t next_unit;
    const known_table *known;
    size_t n_photos, done, skipped, read, rejected, accepted_fields, review_fields, write_errors;
    FILE *csv;
    pthread_mutex_t lock;
} batch;

static int has_image_extension(const char *name)
{
    static const char *const exts[] = {".jpg", ".jpeg", ".png", ".tif", ".tiff"};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof exts / sizeof *exts; i++)
        if (!strcasecmp(dot, exts[i]))
            return 1;
    return 0;
}

static void add_photo(photo_list *l, const char *path, const char *rel)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
        if (!l->items) {
            perror("c1scan");
            exit(1);
        }
    }
    char *r = strdup(rel), *dot = strrchr(r, '.'), *slash = strrchr(r, '/');
    if (dot && (!slash || dot > slash))
        *dot = '\0';
    l->items[l->n++] = (photo){strdup(path), r};
}

/* The folders walked so far, by device and inode: a link back to one of them (a folder holding a link
 * to itself) is not walked again. */
typedef struct {
    dev_t *dev;
    ino_t *ino;
    size_t n, cap;
} visited_dirs;

static int first_visit(visited_dirs *v, const struct stat *st)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->dev[i] == st->st_dev && v->ino[i] == st->st_ino)
            return 0;
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 64;
        v->dev = realloc(v->dev, v->cap * sizeof *v->dev);
        v->ino = realloc(v->ino, v->cap * sizeof *v->ino);
        if (!v->dev || !v->ino) {
            perror("c1scan");
            exit(1);
        }
    }
    v->dev[v->n] = st->st_dev, v->ino[v->n++] = st->st_ino;
    return 1;
}

static void walk(photo_list *l, visited_dirs *seen, const char *dir, const char *rel)
{
    struct stat self;
    if (stat(dir, &self) != 0 || !first_visit(seen, &self))
        return;
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "c1scan: %s: %s\n", dir, strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (name[0] != '.') {
            char *path, *sub;
            if (asprintf(&path, "%s/%s", dir, name) < 0 || asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", name) < 0)
                exit(1);
            struct stat st;
            if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                walk(l, seen, path, sub);
            else if (has_image_extension(name))
                add_photo(l, path, sub);
            free(path);
            free(sub);
        }
        free(names[i]);
    }
    free(names);
}

static int make_dirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

static char *output_path(const char *dir, const char *rel, const char *ext)
{
    char *p;
    if (asprintf(&p, "%s/%s%s", dir, rel, ext) < 0)
        return NULL;
    char *slash = strrchr(p, '/');
    *slash = '\0';
    int ok = make_dirs(p) == 0;
    *slash = '/';
    if (!ok) {
        free(p);
        return NULL;
    }
    return p;
}

static int write_text(const char *path, const char *text)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fh = fopen(tmp, "w");
    if (!fh)
        return 0;
    int ok = fputs(text, fh) >= 0 && fputc('\n', fh) != EOF;
    ok = fclose(fh) == 0 && ok;
    /* Renamed into place only when complete: a resumed batch never trusts a half-written file. */
    return ok && rename(tmp, path) == 0;
}

static void csv_rows(FILE *csv, const photo *p, const c1_result *r)
{
    int n = c1_result_field_count(r);
    if (n == 0)
        fprintf(csv, "\"%s\",,,rejected,0,%s,\n", p->path, c1_error_name(c1_result_error(r)));
    for (int i = 0; i < n; i++) {
        fprintf(csv, "\"%s\",%s,", p->path, c1_field_id(r, i));
        if (c1_field_value(r, i) >= 0)
            fprintf(csv, "%d", c1_field_value(r, i));
        fprintf(csv, ",%s,%.4f,", c1_field_status_of(r, i) == C1_FIELD_ACCEPTED ? "accepted" : "review",
                c1_field_confidence(r, i));
        for (int k = 0; k < c1_field_reason_count(r, i); k++)
            fprintf(csv, "%s%s", k ? ";" : "", c1_field_reason(r, i, k));
        fputc(',', csv);
        for (int k = 0; k < c1_field_evidence_count(r, i); k++)
            fprintf(csv, "%s%s", k ? ";" : "", c1_field_evidence(r, i, k));
        fputc('\n', csv);
    }
}

/* For a person: a crop per field in review, and one line per field saying what was read and why. */
static void write_review(const char *dir, const photo *p, const c1_result *r)
{
    char *list = output_path(dir, p->rel, "/review.txt");
    FILE *fh = list ? fopen(list, "w") : NULL;
    for (int i = 0; fh && i < c1_result_field_count(r); i++) {
        if (c1_field_status_of(r, i) == C1_FIELD_ACCEPTED)
            continue;
        char *png;
        if (asprintf(&png, "%s/%s/%s.png", dir, p->rel, c1_field_id(r, i)) >= 0) {
            c1_result_write_field_png(r, i, png);
            free(png);
        }
        fprintf(fh, "%-20s value %4d  p %.4f ", c1_field_id(r, i), c1_field_value(r, i), c1_field_confidence(r, i));
        for (int k = 0; k < c1_field_reason_count(r, i); k++)
            fprintf(fh, " %s", c1_field_reason(r, i, k));
        fputc('\n', fh);
    }
    if (fh)
        fclose(fh);
    free(list);
}

/* The model's view of each box it read, for retraining: one PGM, the boxes stacked. */
static int write_cells(const char *dir, const photo *p, const c1_result *r)
{
    int n_fields = c1_result_field_count(r), n = 0;
    float(*cells)[784] = malloc(sizeof *cells * (size_t)(n_fields > 0 ? n_fields : 1) * 3);
    int(*which)[2] = malloc(sizeof *which * (size_t)(n_fields > 0 ? n_fields : 1) * 3);
    char *path = output_path(dir, p->rel, ".pgm");
    FILE *fh = cells && which && path ? fopen(path, "wb") : NULL;
    for (int i = 0; fh && i < n_fields; i++)
        for (int box = 0; box < 3; box++)
            if (c1_field_box_cell(r, i, box, cells[n]))
                which[n][0] = i, which[n++][1] = box;
    if (fh) {
        fprintf(fh, "P5\n# c1scan cells of %s\n", p->path);
        for (int k = 0; k < n; k++)
            fprintf(fh, "# %s %d\n", c1_field_id(r, which[k][0]), which[k][1]);
        fprintf(fh, "28 %d\n255\n", 28 * n);
        for (int k = 0; k < n; k++)
            for (int j = 0; j < 784; j++) {
                float v = cells[k][j] < 0 ? 0 : cells[k][j] > 1 ? 1 : cells[k][j];
                fputc((int)(v * 255 + 0.5f), fh);
            }
    }
    int ok = fh && !ferror(fh);
    if (fh && fclose(fh))
        ok = 0;
    free(cells), free(which), free(path);
    return ok;
}

/* A JSON text to DIR/REL EXT under --out, else to standard output on one line; freed. */
static int emit_json(batch *b, char *json, const char *rel, const char *ext, const char *what)
{
    int ok = json != NULL;
    if (json && b->opt->out_dir) {
        char *path = output_path(b->opt->out_dir, rel, ext);
        ok = path && write_text(path, json);
        free(path);
    } else if (json) {
        pthread_mutex_lock(&b->lock);
        for (char *c = json; *c; c++)
            if (*c == '\n' || *c == '\t')
                *c = ' ';
        puts(json);
        pthread_mutex_unlock(&b->lock);
    }
    if (!ok)
        fprintf(stderr, "c1scan: cannot write %s\n", what);
    c1_string_free(json);
    return ok;
}

static int write_outputs(batch *b, const photo *p, const c1_result *r)
{
    const options *o = b->opt;
    char what[4200];
    snprintf(what, sizeof what, "the result for %s", p->path);
    int ok = emit_json(b, c1_result_to_json(r, p->path), p->rel, ".json", what);
    if (o->review_dir && c1_result_status(r) == C1_PHOTO_READ)
        write_review(o->review_dir, p, r);
    if (o->cells_dir && c1_result_status(r) == C1_PHOTO_READ && !write_cells(o->cells_dir, p, r)) {
        fprintf(stderr, "c1scan: cannot write the cells of %s\n", p->path);
        ok = 0;
    }
    if (o->debug_dir && c1_result_status(r) == C1_PHOTO_READ) {
        char *path = output_path(o->debug_dir, p->rel, ".png");
        if (!path || c1_result_write_debug_png(r, path) != C1_OK)
            fprintf(stderr, "c1scan: cannot write the debug image for %s\n", p->path);
        free(path);
    }
    return ok;
}

static int file_done(const char *dir, const char *rel, const char *ext)
{
    char *path;
    if (asprintf(&path, "%s/%s%s", dir, rel, ext) < 0)
        return 0;
    struct stat st;
    int done = stat(path, &st) == 0 && st.st_size > 0;
    free(path);
    return done;
}

/* A unit is done when every photo's JSON is there, and its station's. */
static int already_done(const options *o, const photo_list *l, const unit *u)
{
    if (!o->out_dir || o->force)
        return 0;
    int done = !u->station || file_done(o->out_dir, u->out_rel, ".station.json");
    for (size_t k = 0; done && k < u->n; k++)
        done = file_done(o->out_dir, l->items[u->photos[k]].rel, ".json");
    return done;
}

static void account(batch *b, const photo *p, const c1_result *r, int wrote)
{
    pthread_mutex_lock(&b->lock);
    b->done++;
    b->write_errors += !wrote;
    int accepted = 0, n = c1_result_field_count(r);
    for (int i = 0; i < n; i++)
        accepted += c1_field_status_of(r, i) == C1_FIELD_ACCEPTED;
    if (c1_result_status(r) == C1_PHOTO_READ)
        b->read++;
    else
        b->rejected++;
    b->accepted_fields += (size_t)accepted;
    b->review_fields += (size_t)(n - accepted);
    if (b->csv)
        csv_rows(b->csv, p, r);
    if (!b->opt->quiet) {
        if (c1_result_status(r) == C1_PHOTO_READ)
            fprintf(stderr, "[%zu/%zu] %s: read, %d accepted, %d review\n", b->done, b->n_photos, p->path,
                    accepted, n - accepted);
        else
            fprintf(stderr, "[%zu/%zu] %s: rejected, %s: %s\n", b->done, b->n_photos, p->path,
                    c1_error_name(c1_result_error(r)), c1_result_message(r));
    }
    pthread_mutex_unlock(&b->lock);
}

/* A whole table file (--known, --stations) as text, at most 64 MB; NULL and a message when it cannot be. */
static char *read_table(const char *path, size_t *size)
{
    FILE *fh = fopen(path, "rb");
    if (!fh) {
        fprintf(stderr, "c1scan: cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, got;
    char *text = malloc(cap);
    *size = 0;
    while (text && (got = fread(text + *size, 1, cap - *size, fh)) > 0)
        if ((*size += got) == cap)
            text = cap < (64u << 20) ? realloc(text, cap *= 2) : (free(text), NULL);
    fclose(fh);
    if (!text)
        fprintf(stderr, "c1scan: %s is too large\n", path);
    return text;
}

/* The --known file (into `known`) or the --stations file (into `stations`), parsed. */
static int load_table(const char *path, known_table *known, station_table *stations)
{
    size_t size;
    char *text = read_table(path, &size), err[160];
    int ok = text && (known ? known_parse(text, size, known, err, sizeof err) : stations_parse(text, size, stations, err, sizeof err));
    if (text && !ok)
        fprintf(stderr, "c1scan: %s:%s\n", path, err);
    free(text);
    return ok;
}

static c1_result *read_photo(batch *b, const photo *p)
{
    c1_result *r = NULL;
    int n_known;
    c1_known_value *known = known_for(b->known, p->rel, &n_known);
    c1_error err = c1_read_file_known(b->engine, p->path, known, n_known, &r);
    free(known);
    if (!r) {
        fprintf(stderr, "c1scan: %s reading %s\n",
                err == C1_ERR_INVALID_ARGUMENT ? "a known value names no field of the form" : "out of memory", p->path);
        pthread_mutex_lock(&b->lock);
        b->done++, b->write_errors++;
        pthread_mutex_unlock(&b->lock);
    }
    return r;
}

/* The station's verdicts, after which its pages' results are final. */
static int check_station(batch *b, const unit *u, c1_result **results)
{
    c1_station *s = NULL;
    if (c1_station_create(b->engine, u->station, &s) != C1_OK)
        return 0;
    for (size_t k = 0; k < u->n; k++)
        if (results[k])
            c1_station_add(s, results[k], b->photos->items[u->photos[k]].path);
    c1_station_check(s);
    char what[300];
    snprintf(what, sizeof what, "the station %s", u->station);
    int ok = emit_json(b, c1_station_to_json(s), u->out_rel, ".station.json", what);
    c1_station_free(s);
    return ok;
}

static void read_unit(batch *b, const unit *u)
{
    c1_result *results[MAX_STATION_PHOTOS] = {0};
    for (size_t k = 0; k < u->n; k++)
        results[k] = read_photo(b, &b->photos->items[u->photos[k]]);
    int station_ok = !u->station || check_station(b, u, results);
    for (size_t k = 0; k < u->n; k++) {
        if (!results[k])
            continue;
        const photo *p = &b->photos->items[u->photos[k]];
        account(b, p, results[k], write_outputs(b, p, results[k]) && station_ok);
        c1_result_free(results[k]);
    }
}

static void *worker(void *arg)
{
    batch *b = arg;
    for (;;) {
        pthread_mutex_lock(&b->lock);
        size_t i = b->next_unit++;
        pthread_mutex_unlock(&b->lock);
        if (i >= b->units->n)
            return NULL;
        const unit *u = &b->units->items[i];
        if (already_done(b->opt, b->photos, u)) {
            pthread_mutex_lock(&b->lock);
            b->done += u->n, b->skipped += u->n;
            pthread_mutex_unlock(&b->lock);
            continue;
        }
        read_unit(b, u);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: c1scan [--out DIR] [--jobs N] [--debug DIR] [--review DIR] [--cells DIR] [--csv FILE] "
                    "[--known FILE] [--stations FILE] [--shard I/N] [--force] [--quiet] PATH...\n");
    exit(1);
}

static int parse_args(int argc, char **argv, options *o, photo_list *photos)
{
    visited_dirs seen = {0};
    *o = (options){NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1, 0, 0, 0, 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--out") && more)
            o->out_dir = argv[++i];
        else if (!strcmp(a, "--debug") && more)
            o->debug_dir = argv[++i];
        else if (!strcmp(a, "--review") && more)
            o->review_dir = argv[++i];
        else if (!strcmp(a, "--cells") && more)
            o->cells_dir = argv[++i];
        else if (!strcmp(a, "--known") && more)
            o->known_path = argv[++i];
        else if (!strcmp(a, "--stations") && more)
            o->stations_path = argv[++i];
        else if (!strcmp(a, "--csv") && more)
            o->csv_path = argv[++i];
        else if (!strcmp(a, "--jobs") && more)
            o->jobs = atoi(argv[++i]);
        else if (!strcmp(a, "--shard") && more) {
            if (sscanf(argv[++i], "%d/%d", &o->shard, &o->shards) != 2 || o->shards < 1 || o->shard < 0 ||
                o->shard >= o->shards)
                usage();
        } else if (!strcmp(a, "--force"))
            o->force = 1;
        else if (!strcmp(a, "--quiet"))
            o->quiet = 1;
        else if (a[0] == '-' && a[1])
            usage();
        else {
            struct stat st;
            if (stat(a, &st) == 0 && S_ISDIR(st.st_mode))
                walk(photos, &seen, a, "");
            else {
                const char *base = strrchr(a, '/');
                add_photo(photos, a, base ? base + 1 : a);
            }
        }
    }
    free(seen.dev), free(seen.ino);
    if (o->jobs < 1 || o->jobs > 256 || photos->n == 0)
        usage();
    return 0;
}

/* ---- stations: which photos are read together */

typedef struct {
    char *key;       /* "F:folder" or "S:station" */
    size_t photo;
} keyed_photo;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed_photo *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->photo > y->photo) - (x->photo < y->photo);
}

static char *folder_of(const char *path)
{
    char *d = strdup(path), *slash = d ? strrchr(d, '/') : NULL;
    if (slash)
        *slash = '\0';
    else if (d)
        strcpy(d, ".");
    return d;
}

/* Where a station's JSON goes: beside its first photo's, named after the station. */
static char *station_out_rel(const photo *first, const char *station)
{
    const char *slash = strrchr(first->rel, '/');
    char *rel;
    if (asprintf(&rel, "%.*s%s%s", slash ? (int)(slash - first->rel) : 0, first->rel, slash ? "/" : "", station) < 0)
        return NULL;
    return rel;
}

static void add_unit(unit_list *u, const photo_list *l, const keyed_photo *k, size_t n, int station)
{
    u->items = realloc(u->items, (u->n + 1) * sizeof *u->items);
    if (!u->items) {
        perror("c1scan");
        exit(1);
    }
    unit *x = &u->items[u->n++];
    memset(x, 0, sizeof *x);
    x->photos = malloc(n * sizeof *x->photos);
    for (size_t i = 0; x->photos && i < n; i++)
        x->photos[x->n++] = k[i].photo;
    if (station) {
        const char *name = k[0].key + 2, *base = k[0].key[0] == 'F' ? strrchr(name, '/') : NULL;
        x->station = strdup(base ? base + 1 : name);
        x->out_rel = station_out_rel(&l->items[k[0].photo], x->station);
    }
}

/* Photos grouped into stations by --stations or by folder; a group too large to be one station is
 * read photo by photo. Units keep the photos' order. */
static void group_units(const photo_list *l, const station_table *st, unit_list *u)
{
    keyed_photo *k = malloc((l->n ? l->n : 1) * sizeof *k);
    if (!k) {
        perror("c1scan");
        exit(1);
    }
    for (size_t i = 0; i < l->n; i++) {
        const char *station = station_of(st, l->items[i].rel);
        char *folder = station ? NULL : folder_of(l->items[i].path);
        if (asprintf(&k[i].key, "%s:%s", station ? "S" : "F", station ? station : folder) < 0)
            exit(1);
        k[i].photo = i;
        free(folder);
    }
    qsort(k, l->n, sizeof *k, cmp_keyed);
    for (size_t i = 0, j; i < l->n; i = j) {
        for (j = i + 1; j < l->n && !strcmp(k[j].key, k[i].key); j++)
            ;
        /* a lone photo in its folder is read alone; a listed station is one however few its photos */
        if (j - i <= MAX_STATION_PHOTOS && (j - i > 1 || k[i].key[0] == 'S'))
            add_unit(u, l, k + i, j - i, 1);
        else
            for (size_t m = i; m < j; m++)
                add_unit(u, l, k + m, 1, 0);
    }
    for (size_t i = 0; i < l->n; i++)
        free(k[i].key);
    free(k);
}

/* Every N-th unit from the I-th: a station's pages stay on one machine. */
static void take_shard(unit_list *u, int shard, int shards)
{
    size_t k = 0;
    for (size_t i = 0; i < u->n; i++) {
        if ((int)(i % (size_t)shards) == shard)
            u->items[k++] = u->items[i];
        else
            free(u->items[i].photos), free(u->items[i].station), free(u->items[i].out_rel);
    }
    u->n = k;
}

int main(int argc, char **argv)
{
    keep_freed_memory();
    options o;
    photo_list photos = {0};
    parse_args(argc, argv, &o, &photos);
    known_table known = {0};
    station_table stations = {0};
    if ((o.known_path && !load_table(o.known_path, &known, NULL)) || (o.stations_path && !load_table(o.stations_path, NULL, &stations)))
        return 1;
    unit_list units = {0};
    group_units(&photos, &stations, &units);
    take_shard(&units, o.shard, o.shards);
    size_t n_photos = 0;
    for (size_t i = 0; i < units.n; i++)
        n_photos += units.items[i].n;
    c1_engine *engine;
    char msg[512];
    c1_engine_options eo;
    c1_engine_options_init(&eo);
    eo.tesseract_instances = o.jobs < 4 ? o.jobs : 4;
    if (c1_engine_create(&eo, &engine, msg, sizeof msg) != C1_OK) {
        fprintf(stderr, "c1scan: %s\n", msg);
        return 1;
    }
    batch b = {.opt = &o, .engine = engine, .photos = &photos, .units = &units, .known = &known, .n_photos = n_photos};
    pthread_mutex_init(&b.lock, NULL);
    if (o.csv_path) {
        b.csv = fopen(o.csv_path, "w");
        if (!b.csv) {
            fprintf(stderr, "c1scan: cannot write %s: %s\n", o.csv_path, strerror(errno));
            return 1;
        }
        fprintf(b.csv, "file,field,value,status,confidence,reasons,evidence\n");
    }
    pthread_t threads[256];
    for (int t = 0; t < o.jobs; t++)
        pthread_create(&threads[t], NULL, worker, &b);
    for (int t = 0; t < o.jobs; t++)
        pthread_join(threads[t], NULL);
    if (b.csv)
        fclose(b.csv);
    fprintf(stderr, "c1scan: %zu photos: %zu read, %zu rejected, %zu skipped (done before); fields: %zu accepted, "
                    "%zu review\n", n_photos, b.read, b.rejected, b.skipped, b.accepted_fields, b.review_fields);
    for (size_t i = 0; i < photos.n; i++)
        free(photos.items[i].path), free(photos.items[i].rel);
    free(photos.items);
    for (size_t i = 0; i < units.n; i++)
        free(units.items[i].photos), free(units.items[i].station), free(units.items[i].out_rel);
    free(units.items);
    known_free(&known);
    stations_free(&stations);
    c1_engine_free(engine);
    return b.write_errors ? 2 : 0;
}
