/* c1scan's tables from outside the photos: --known, values as CSV lines "photo,field,value"; and
 * --stations, which photos belong to one polling station, as CSV lines "photo,station". */
#ifndef C1SCAN_KNOWN_H
#define C1SCAN_KNOWN_H

#include <stddef.h>

#include "c1.h"

typedef struct {
    char *photo, *field;
    int value;
} known_row;

/* Rows sorted by photo, so that each photo finds its own by binary search. */
typedef struct {
    known_row *rows;
    size_t n;
} known_table;

/* Parses a whole CSV text (a first line "photo,field,value" is a header; blank lines are skipped).
 * Returns 1, or 0 with "N: why" in err (N the line). The table owns copies of the strings. */
int known_parse(const char *text, size_t size, known_table *t, char *err, size_t err_size);
void known_free(known_table *t);
/* The known values of one photo (pointing into the table), *n of them; free() the array. */
c1_known_value *known_for(const known_table *t, const char *photo_name, int *n);

/* Photos and their station, sorted by photo. */
typedef struct {
    char *photo, *station;
} station_row;

typedef struct {
    station_row *rows;
    size_t n;
} station_table;

/* Parses a whole CSV text (a first line "photo,station" is a header; blank lines are skipped). Returns
 * 1, or 0 with "N: why" in err. A photo named twice is an error. */
int stations_parse(const char *text, size_t size, station_table *t, char *err, size_t err_size);
void stations_free(station_table *t);
/* The station of a photo (as named for the output), or NULL. */
const char *station_of(const station_table *t, const char *photo_name);

#endif
