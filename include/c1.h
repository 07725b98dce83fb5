/* libc1: reads photographed Indonesian C1 plano forms (Model C.Hasil) and says, per number,
 * what is written, how sure it is, and whether it may be published without a person's look.
 *
 * Ownership is explicit: every object you get from a c1_*_create or c1_read* call is yours and is
 * released by its matching c1_*_free. Strings returned by accessors belong to their object and live
 * as long as it does. Nothing here keeps global state; one engine may serve any number of threads. */
#ifndef C1_H
#define C1_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every function of the API is marked C1_API; the shared library exports nothing else. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define C1_API __attribute__((visibility("default")))
#else
#define C1_API
#endif

/* The version this header describes; c1_version_number() says which library is running. The shared
 * library's soname changes with the major version. */
#define C1_VERSION_MAJOR 0
#define C1_VERSION_MINOR 2
#define C1_VERSION_PATCH 0
#define C1_VERSION_NUMBER (C1_VERSION_MAJOR * 10000 + C1_VERSION_MINOR * 100 + C1_VERSION_PATCH)

C1_API unsigned c1_version_number(void);   /* C1_VERSION_NUMBER of the library linked */
C1_API const char *c1_version(void);        /* "0.2.0" */

/* Every failure has a code and a one-line message. Codes and their values are stable (a new one
 * takes the next value); their names (c1_error_name) are what c1scan writes to JSON. */
typedef enum {
    C1_OK = 0,
    C1_ERR_INVALID_ARGUMENT = 1, /* a NULL where an object was needed, a bad option */
    C1_ERR_NO_MEMORY = 2,
    C1_ERR_IO = 3,               /* the file could not be opened or read */
    C1_ERR_EMPTY_INPUT = 4,      /* zero bytes */
    C1_ERR_NOT_AN_IMAGE = 5,     /* not JPEG, PNG or TIFF */
    C1_ERR_TRUNCATED = 6,        /* an image whose data stops early, or whose header is cut or inconsistent */
    C1_ERR_IMAGE_TOO_LARGE = 7,  /* the header claims more pixels than the engine allows */
    C1_ERR_DECODE = 8,           /* a known format the decoder could not read */
    C1_ERR_PAGE_NOT_FOUND = 9,   /* no four corner marks: not a form, or a corner cut off */
    C1_ERR_WRONG_FORM = 10,      /* a page with corner marks, but its marker or title is another form's */
    C1_ERR_TOO_SMALL = 11,       /* the page covers too few pixels to read handwriting */
    C1_ERR_TOO_BLURRED = 12,     /* nothing on the page can be read for blur */
    C1_ERR_FORM_TEMPLATE = 13,   /* the engine's form description is missing or malformed */
    C1_ERR_MODEL = 14,           /* a model file is missing or cannot be loaded */
    C1_ERR_INTERNAL = 15,
    C1_ERR_COUNT_                /* not a code: one more than the last */
} c1_error;

/* "ok", "not_an_image", ... : the machine-readable name of a code. */
C1_API const char *c1_error_name(c1_error code);
/* A generic English sentence for a code; the message of a failed call says more. */
C1_API const char *c1_error_string(c1_error code);

/* ---- engine: forms and models, loaded once, shared read-only by every thread ---- */

typedef struct c1_engine c1_engine;

/* The publish gate's thresholds. They are measured on a validation set with one digit model, so
 * they come with the model (models/digits.json) and change when it is retrained. */
typedef enum {
    C1_GATE_ACCEPT_WITH_EVIDENCE = 0,      /* posterior a field needs when something besides its digits agrees */
    C1_GATE_ACCEPT_DIGITS_ONLY = 1,        /* ... on its digits alone, on a sharp page in a familiar hand */
    C1_GATE_ACCEPT_DIGITS_ONLY_STRICT = 2, /* ... on its digits alone otherwise */
    C1_GATE_SHARP_PAGE_MM = 3,             /* blur (Gaussian sigma at the printed marks, mm) up to which a page is sharp */
    C1_GATE_FAMILIAR_HAND = 4,             /* share of written boxes read at p >= 0.99 from which a hand is familiar */
    C1_GATE_COUNT = 5                      /* not a value: how many */
} c1_gate_value;

typedef struct {
    const char *data_dir;     /* holds forms/ and models/; NULL: $C1_DATA_DIR, then where the library is installed */
    size_t max_pixels;        /* refuse images whose header claims more; 0: 50 000 000 */
    int tesseract_instances;  /* title readers kept for concurrent reads; 0: 2 */
    double gate[C1_GATE_COUNT]; /* a stricter (or looser) gate than the model's; 0: the model's own */
} c1_engine_options;

/* Fills options with the defaults. */
C1_API void c1_engine_options_init(c1_engine_options *options);

/* Loads and validates the form templates and the digit model. On failure returns the code, sets
 * *engine to NULL and, when message is not NULL, writes a one-line reason (naming file and line for
 * a bad template). */
C1_API c1_error c1_engine_create(const c1_engine_options *options, c1_engine **engine,
                                 char *message, size_t message_size);
C1_API void c1_engine_free(c1_engine *engine);

/* The threshold the engine's gate uses; -1 for an unknown one. */
C1_API double c1_engine_gate(const c1_engine *engine, c1_gate_value which);

/* ---- reading a photo ---- */

typedef struct c1_result c1_result;

/* Reads one photo (JPEG, PNG or TIFF) from a file. Always returns a result when engine and out are
 * valid (even for a rejected photo, so that the reason can be reported); *result is NULL only for
 * C1_ERR_INVALID_ARGUMENT or C1_ERR_NO_MEMORY. The return value is the result's error code.
 * Thread-safe: any number of threads may read with one engine. */
C1_API c1_error c1_read(const c1_engine *engine, const char *path, c1_result **result);
/* The same: c1_read from a file, and from bytes in memory (the caller keeps them). */
C1_API c1_error c1_read_file(const c1_engine *engine, const char *path, c1_result **result);
C1_API c1_error c1_read_memory(const c1_engine *engine, const void *data, size_t size, c1_result **result);
C1_API void c1_result_free(c1_result *result);

/* What the caller knows about the station from outside the photo, such as the commission's list of
 * stations: its number (`tps`) and the voters on its list (`dpt`). */
typedef struct {
    const char *field;   /* a field id of the form */
    int value;           /* 0 or more */
} c1_known_value;

/* c1_read_file / c1_read_memory given known values. A field whose reading and written digits are the
 * known value has it as evidence ("known"); one whose digits say another value goes to review with
 * `known_mismatch` (a photo of another station's form, or a list that is wrong: a person decides).
 * A known value is never put in place of what is written. An unknown field id or a negative value
 * is C1_ERR_INVALID_ARGUMENT, with no result. The caller keeps ownership of `known`. */
C1_API c1_error c1_read_file_known(const c1_engine *engine, const char *path, const c1_known_value *known,
                            int n_known, c1_result **result);
C1_API c1_error c1_read_memory_known(const c1_engine *engine, const void *data, size_t size,
                              const c1_known_value *known, int n_known, c1_result **result);

typedef enum { C1_PHOTO_READ = 0, C1_PHOTO_REJECTED = 1 } c1_photo_status;
typedef enum { C1_FIELD_REVIEW = 0, C1_FIELD_ACCEPTED = 1 } c1_field_status;

C1_API c1_photo_status c1_result_status(const c1_result *result);
C1_API c1_error c1_result_error(const c1_result *result);
C1_API const char *c1_result_message(const c1_result *result);   /* "" when the photo was read */
C1_API const char *c1_result_form(const c1_result *result);      /* "c-hasil-ppwp-2024", or "" when unknown */
C1_API int c1_result_page(const c1_result *result);              /* the form's page, 1..; 0 when unknown */

/* The printed page's corners (top-left, top-right, bottom-right, bottom-left) in the photo's pixels.
 * Returns 0 and leaves xy untouched when the page was not found. xy holds 8 numbers. */
C1_API int c1_result_page_corners(const c1_result *result, double xy[8]);

/* The page's blur as estimated at its printed marks (Gaussian sigma, mm), which sets the threshold
 * for fields on their digits alone (C1_GATE_SHARP_PAGE_MM); -1 when it was not measured (no page). */
C1_API double c1_result_blur_mm(const c1_result *result);

/* Milliseconds spent in a stage: "load", "register", "identify", "quality", "locate", "digits", "tally",
 * "bubbles", "rows", "validate"; -1 if the stage did not run (or the name is unknown). */
C1_API double c1_result_stage_ms(const c1_result *result, const char *stage);

/* Fields in the order of the form's layout. Index from 0 to c1_result_field_count() - 1. */
C1_API int c1_result_field_count(const c1_result *result);
C1_API int c1_result_field_index(const c1_result *result, const char *field_id);   /* -1 if absent */
C1_API const char *c1_field_id(const c1_result *result, int index);
/* The value, or -1 when no value could be given. */
C1_API int c1_field_value(const c1_result *result, int index);
C1_API c1_field_status c1_field_status_of(const c1_result *result, int index);
C1_API double c1_field_confidence(const c1_result *result, int index);
/* Why a field is in review: "low_confidence", "not_read", ... Index from 0 to count - 1. */
C1_API int c1_field_reason_count(const c1_result *result, int index);
C1_API const char *c1_field_reason(const c1_result *result, int index, int reason);
/* What agrees with the value besides its own digits: "tally", "bubbles", "row_counts", "rule:<id>" (a
 * sum that holds with it), "hint:<id>" (a relation from the election law that the numbers keep to),
 * "known", "station_rule:<id>" (after c1_station_check). A field accepted with
 * none of these cleared the stricter digits-only threshold. Index from 0 to count - 1. */
C1_API int c1_field_evidence_count(const c1_result *result, int index);
C1_API const char *c1_field_evidence(const c1_result *result, int index, int evidence);
/* The located digit box `box` (0 hundreds, 1 tens, 2 units) of a field, as 4 photo-pixel corners. */
C1_API int c1_field_box_corners(const c1_result *result, int index, int box, double xy[8]);
/* The box as the handwriting model saw it: 28x28 floats, row by row, 0 paper to 1 ink, the ink
 * framed as in MNIST. With the values a person confirmed in review, these are cells to retrain the
 * model on (`c1scan --cells`). Returns 1, or 0 when the model did not read this box (left blank,
 * off the page, or the photo was rejected). */
C1_API int c1_field_box_cell(const c1_result *result, int index, int box, float cell[784]);

/* The whole result as one JSON object (the c1scan output format, see README). The caller frees
 * the string with c1_string_free. `file` is written as the "file" key; NULL leaves it out. */
C1_API char *c1_result_to_json(const c1_result *result, const char *file);
C1_API void c1_string_free(char *string);

/* Draws the rectified page with every located box on it into a PNG file; for a person's look.
 * Returns C1_ERR_INVALID_ARGUMENT when the photo was rejected before rectification. */
C1_API c1_error c1_result_write_debug_png(const c1_result *result, const char *path);

/* Writes a PNG crop of one field for a person's review: its three digit boxes and, for a vote
 * count, its tally grid, cut from the rectified page with the located boxes drawn (green accepted,
 * red review). */
C1_API c1_error c1_result_write_field_png(const c1_result *result, int index, const char *path);

/* ---- a polling station: its pages read together ---- */

/* The pages of one station are photographed one a photo; read apart, each keeps its own rules. A
 * station takes them together and checks the rules across them (page 3's valid votes are page 2's
 * totals added; its votes cast are page 1's voters and ballots used). */
typedef struct c1_station c1_station;
typedef enum { C1_RULE_HOLDS = 0, C1_RULE_BROKEN = 1, C1_RULE_UNKNOWN = 2 } c1_rule_verdict;

/* `id` names the station in its JSON. */
C1_API c1_error c1_station_create(const c1_engine *engine, const char *id, c1_station **station);
C1_API void c1_station_free(c1_station *station);
/* Adds one photo's result, in any order. The station borrows it (it must outlive the station) and
 * c1_station_check updates it. A rejected photo, or one of another form than the first page added, is
 * listed as unread; a second photo of a page already added is counted, not used. `file` is copied and
 * may be NULL. */
C1_API c1_error c1_station_add(c1_station *station, c1_result *page, const char *file);
/* Checks every rule across the pages. Where all of a rule's fields but one are accepted, that one is
 * weighed with the value the rule gives it and its page judged again (the page's values, confidences,
 * reasons and evidence may change). A rule that breaks puts each field it names in review with the
 * reason "station_rule_violated:<id>"; one that holds is added to their evidence as
 * "station_rule:<id>", and accepts a field whose only doubt was that nothing but its digits spoke for
 * it when the rule's other fields are accepted. A value not read on a page that was holds the rule's
 * fields in review ("station_rule_unchecked:<id>"). A rule with a page missing is C1_RULE_UNKNOWN and
 * changes nothing; so is one that holds only because every value in it is 0. Calling it again does
 * nothing. */
C1_API c1_error c1_station_check(c1_station *station);
C1_API int c1_station_page_count(const c1_station *station);       /* its form's pages; 0 if no page was read */
C1_API int c1_station_has_page(const c1_station *station, int page); /* 1: a photo of that page was read */
C1_API int c1_station_rule_count(const c1_station *station);
C1_API const char *c1_station_rule_id(const c1_station *station, int rule);
C1_API c1_rule_verdict c1_station_rule_verdict(const c1_station *station, int rule);
/* The station as JSON: its pages and their files, missing pages, unread photos, each rule's verdict.
 * Free with c1_string_free. */
C1_API char *c1_station_to_json(const c1_station *station);

#ifdef __cplusplus
}
#endif

#endif
