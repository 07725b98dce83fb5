/* Validate: the publish gate. Combines, per field, the two digit readings, the tally and the field's
 * maximum with the form's rules and the law's hints into the most probable reading of the whole form
 * (a beam search over each field's candidates, with every rule a factor that an officer's real
 * mistake can break), then accepts a field only when independent evidence agrees and its posterior
 * clears the threshold. Reads the readings; writes each field's value, confidence, status, reasons
 * and evidence. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages.h"

#define MAX_CANDIDATES 9       /* up to 8 listed values and UNLISTED */
#define UNLISTED -1
#define BEAM 4096
#define FLOOR 1e-7            /* what a reader gives a value it did not list */
#define RULE_BROKEN 0.01      /* an officer's sum is wrong on about 1 form in 100 */
/* A hint from the law that the numbers do not keep to: officers often don't, but a misread value
 * lands on the hinted one only by chance, about 1 in 300; weighed like a broken rule. */
#define HINT_MISSED 0.01
/* A value the caller knows (the list of stations) that the written digits read too: officers copy
 * the station's number and DPT from the list; a copy that differs is taken as 1 in 100. */
#define KNOWN_MISSED 0.01
#define CELL_DOUBT 0.3
#define TALLY_SURE 0.99       /* a tally below this confidence is in doubt */
#define TALLY_AGREES 0.9      /* both tally methods agree (a cell may be doubtful, the page blurred) */
#define SEGMENTS_TORN 0.5     /* a segment reading this near its best is not a disagreement */
#define WITNESS_SURE 0.99     /* bubbles or row counts this sure of the value are evidence ... */
#define WITNESS_OBJECTS 0.9   /* ... and this sure of another value, an objection */
#define ROWS_VOUCH 0.9        /* row counts this sure of the value vouch for a tally the counter cannot read */
#define ROWS_WITH_BUBBLES 0.2 /* ... or this sure, with the bubbles ... */
#define BUBBLES_WITH_ROWS 0.5 /* ... this sure of the same value */
#define MODEL_ON_DIGITS 0.9    /* a tally's cell model this sure of the digits' value (doubtful_tally_on_digits) */
/* ... and how often such a count is right (196 of 205 grids with the tracers split on every cached
 * set, 2026-12-08), a miss landing on a given neighbouring count about 1 in this. */
#define MODEL_HEARD 0.95
#define MODEL_MISS_LANDS 4.0
#define THREE_WRITINGS_LR 300.0 /* the bubbles and row counts both on the digits' value (see judge_field) */
/* A sum laid on one field's misreading (misread_blamed): the mended value this probable, the
 * officer's wrong sum (which would leave any of the sum's numbers in doubt) is left at most 1 in 100. */
#define BLAME_SURE 0.99
#define BLAME_BY_TWO_SUMS 0.5 /* ... or, two sums mended by one term alone, the beam's choice (misread_blamed) */
#define WITNESS_LANDS 300.0   /* a witness read wrong lands on a given other value about 1 in this */
#define SUMS_NEED_DIGITS 0.5  /* on a page whose sums mostly fail, a sum backs no value its digits give less */
#define HIDDEN_DIGIT 0.05     /* a box read without a digit that gives digits 1-9 this much may hide one */

typedef struct {
    int values[MAX_CANDIDATES];
    double weight[MAX_CANDIDATES];
    int n;
} candidates;

typedef struct {
    int value[C1_MAX_FIELDS];
    double score;              /* log */
} assignment;

static double reading_p(const c1_reading *rd, int v)
{
    for (int k = 0; k < rd->n_alts; k++)
        if (rd->alts[k].value == v)
            return fmax(rd->alts[k].p, FLOOR);
    return FLOOR;
}

/* Share of a set of cells that the segment reader found to be no segment digit, among the cells
 * written in (not empty, not a leading dash or x: every writer fills those alike) of the boxes with a
 * guide. */
static double other_share(const c1_result *r, int first, int last)
{
    double other = 0;
    int written = 0;
    for (int i = first; i <= last; i++)
        for (int d = 0; d < C1_DIGITS && r->form->fields[i].guided; d++) {
            const double *p = r->fields[i].segments.cells[d];
            if (p[CLASS_EMPTY] < 0.5 && p[CLASS_FILLER] < 0.5)
                other += p[CLASS_OTHER], written++;
        }
    return written ? other / written : 1;
}

static double digit_mass(const double p[C1_N_CLASSES])
{
    double sum = 0;
    for (int k = 0; k <= 9; k++)
        sum += p[k];
    return sum;
}

/* Does the segment reader see a digit pattern in every box where the handwriting model sees a
 * digit? A box it takes for a dash, an x or no pattern (a flagged 1 drawn freehand past the dots)
 * holds no segment reading: its value for the field would be a shorter number, not a second opinion. */
static int segments_see_every_digit(const c1_field_result *f)
{
    for (int d = 0; d < C1_DIGITS; d++)
        if (digit_mass(f->ocr.cells[d]) >= 0.5 && digit_mass(f->segments.cells[d]) < 0.5)
            return 0;
    return 1;
}

/* Is the segment reader torn between its best value and the handwriting model's, the two within a
 * factor of SEGMENTS_TORN (a faint segment: 66 or 86, each near a third)? Then it does not contradict
 * the model; it cannot tell, and the field is judged on the rest of its evidence, as an ordinary
 * writer's would be. Its probabilities still weigh in the joint reading. */
static int segments_torn_over(const c1_field_result *f)
{
    return reading_p(&f->segments, f->ocr.value) >= SEGMENTS_TORN * reading_p(&f->segments, f->segments.value);
}

/* How much a segment reading says: nothing in a box without a guide, nor unless the form's writer
 * joined the dots. One person
 * fills the whole form; where most of their digits are no segment pattern, the few that look like
 * one are a handwritten 9 seen as 4, the 2024 failure, not evidence. Nor in a field where it misses
 * a digit the model sees: there it abstains, and the field is judged as an ordinary writer's. */
static double segment_weight(const c1_result *r, int i)
{
    if (!r->form->fields[i].guided || other_share(r, 0, r->n_fields - 1) > 0.5 ||
        !segments_see_every_digit(&r->fields[i]))
        return 0;
    return 1 - other_share(r, i, i);
}

/* A tally the tracers split on, given the count of a sure cell model (lib/tally.c weigh_model). */
static int model_counts(const c1_tally *t)
{
    return t && t->valid && t->confidence < TALLY_AGREES && t->by_model == t->value && t->model_p >= MODEL_ON_DIGITS;
}

/* A tally whose two methods disagree was right on about a third of the eval's grids, and wrong by
 * far as often as by a stroke: no likelihood can be given it, and it weighs in nothing (it still keeps
 * the field in review unless the row counts speak for it: judge_field). Unless a sure cell model gave
 * its count: that is right 0.95 of the time, its misses a stroke or two off. */
static double tally_p(const c1_tally *t, int v)
{
    if (model_counts(t))
        return v == t->value ? MODEL_HEARD : (1 - MODEL_HEARD) / MODEL_MISS_LANDS;
    if (!t || !t->valid || t->confidence < TALLY_AGREES)
        return 1;
    return v == t->value ? t->confidence : (1 - t->confidence) / 300;
}

/* The bubbles' number; none when they spell none (left empty, several in a column, unclear). */
static double bubbles_p(const c1_bubble_reading *b, int v)
{
    if (!b->read || b->value < 0)
        return 1;
    return v == b->value ? b->confidence : (1 - b->confidence) / WITNESS_LANDS;
}

/* The row counts' total; rows all blank say nothing (faint strokes lost leave them as blank as no
 * votes do). */
static int rows_speak(const c1_row_reading *rw) { return rw->read && rw->sum > 0; }

static double rows_p(const c1_row_reading *rw, int v)
{
    if (!rows_speak(rw))
        return 1;
    return v == rw->sum ? rw->sum_p : (1 - rw->sum_p) / WITNESS_LANDS;
}

static int bubbles_agree(const c1_field_result *f, int v)
{
    return f->bubbles.read && f->bubbles.value == v && f->bubbles.confidence >= WITNESS_SURE;
}

static int rows_agree(const c1_field_result *f, int v)
{
    return rows_speak(&f->rows) && f->rows.sum == v && f->rows.sum_p >= WITNESS_SURE;
}

/* Evidence for value v of a field, leaving the rules aside (log). */
static double field_log_score(const c1_result *r, int i, int v)
{
    const c1_field_result *f = &r->fields[i];
    if (v < 0 || v > r->form->fields[i].max)
        return log(FLOOR) * 3;
    double ws = segment_weight(r, i);
    double seg = ws * reading_p(&f->segments, v) + (1 - ws) * 1e-3;
    return log(reading_p(&f->ocr, v)) + 0.5 * log(seg) + log(tally_p(f->tally, v)) + log(bubbles_p(&f->bubbles, v)) +
           log(rows_p(&f->rows, v));
}

static void add_candidate(candidates *c, int v)
{
    if (v < 0)
        return;
    for (int k = 0; k < c->n; k++)
        if (c->values[k] == v)
            return;
    if (c->n < MAX_CANDIDATES - 1)
        c->values[c->n++] = v;
}

/* `written`: the field as its digits read (possible_reading), for the caller's known value, which
 * weighs in only where it is what the digits say: it may firm up a reading, never replace one. */
static void gather_candidates(const c1_result *r, int i, int written, candidates *c)
{
    const c1_field_result *f = &r->fields[i];
    c->n = 0;
    for (int k = 0; k < f->ocr.n_alts && k < 4; k++)
        add_candidate(c, f->ocr.alts[k].value);
    if (f->tally && f->tally->valid && f->tally->confidence >= TALLY_AGREES)
        add_candidate(c, f->tally->value);
    for (int k = 0; k < f->segments.n_alts && k < 2; k++)
        add_candidate(c, f->segments.alts[k].value);
    if (f->bubbles.read && f->bubbles.value >= 0)
        add_candidate(c, f->bubbles.value);
    if (rows_speak(&f->rows))
        add_candidate(c, f->rows.sum);
    double ocr_left = 1, seg_left = 1;
    for (int k = 0; k < c->n; k++) {
        c->weight[k] = field_log_score(r, i, c->values[k]);
        ocr_left -= reading_p(&f->ocr, c->values[k]);
        seg_left -= reading_p(&f->segments, c->values[k]);
    }
    /* Some value none of the readers listed: it keeps the probability the readers of the count did
     * not give out, so that a field whose readings are all weak cannot look certain just because its
     * candidates are few. The digits' and the tally's leftovers are taken as if they fell on the same
     * value (the worst case), except an uninformative segment reader's, which is spread evenly as it is
     * for listed values. The bubbles and the row counts are the officer's writings of a number read
     * apart: each sure enough to vouch with the other (judge_field), it names a listed number, and
     * under an unlisted value it misread and landed there, as under any listed value other than its
     * own (bubbles_p, rows_p). Less sure, its leftover too is taken whole. */
    double ws = segment_weight(r, i);
    double tally_left = f->tally && f->tally->valid && f->tally->confidence >= TALLY_AGREES ? 1 - f->tally->confidence
                        : model_counts(f->tally)                                           ? 1 - MODEL_HEARD
                                                                                           : 1;
    double bubbles_left = f->bubbles.read && f->bubbles.value >= 0 ? 1 - f->bubbles.confidence : 1;
    double rows_left = rows_speak(&f->rows) ? 1 - f->rows.sum_p : 1;
    if (f->bubbles.read && f->bubbles.value >= 0 && f->bubbles.confidence >= BUBBLES_WITH_ROWS)
        bubbles_left /= WITNESS_LANDS;
    if (rows_speak(&f->rows) && f->rows.sum_p >= ROWS_WITH_BUBBLES)
        rows_left /= WITNESS_LANDS;
    c->values[c->n] = UNLISTED;
    c->weight[c->n++] = log(fmax(ocr_left, 1e-9)) + 0.5 * log(ws * fmax(seg_left, 1e-9) + (1 - ws) * 1e-3) +
                        log(fmax(tally_left, 1e-9)) + log(fmax(bubbles_left, 1e-12)) + log(fmax(rows_left, 1e-12));
    if (r->is_known[i] && r->known[i] == written)
        for (int k = 0; k < c->n; k++)
            c->weight[k] += log(c->values[k] == written ? 1 - KNOWN_MISSED : KNOWN_MISSED);
    /* Another page of the station writes the number too (lib/station.c): a second writing by the
     * officer, read apart, backs the value this page's readings chose, never one they did not list. */
    for (int k = 0; r->from_station[i] && k < c->n; k++)
        if (c->values[k] == r->from_station[i] - 1)
            c->weight[k] += log(STATION_LR);
}

/* 1 holds, 0 broken, -1 unknown (a field of it has an unlisted value). */
static int rule_holds(const c1_form_rule *rule, const int *value)
{
    if (value[rule->target] == UNLISTED)
        return -1;
    for (int k = 0; k < rule->n_terms; k++)
        if (value[rule->terms[k]] == UNLISTED)
            return -1;
    if (rule->kind == C1_RULE_RESERVE) {   /* the reserve rounded down or up: the law says neither */
        int base = value[rule->terms[0]], reserve_down = base * rule->percent / 100;
        int reserve_up = (base * rule->percent + 99) / 100;
        return value[rule->target] == base + reserve_down || value[rule->target] == base + reserve_up;
    }
    int sum = 0;
    for (int k = 0; k < rule->n_terms; k++)
        sum += value[rule->terms[k]];
    return rule->kind == C1_RULE_SUM ? sum == value[rule->target] : sum <= value[rule->target];
}

static int rule_last_field(const c1_form_rule *rule)
{
    int last = rule->target;
    for (int k = 0; k < rule->n_terms; k++)
        last = rule->terms[k] > last ? rule->terms[k] : last;
    return last;
}

/* A sum all of whose fields are 0 holds for any page whose boxes all read 0 or empty: faint strokes
 * lost on a soft photo read that way, so it is no evidence. */
static int all_zero(const c1_form_rule *rule, const int *value)
{
    int zero = value[rule->target] == 0;
    for (int k = 0; k < rule->n_terms; k++)
        zero &= value[rule->terms[k]] == 0;
    return zero;
}

/* One way to extend the beam: which assignment, which candidate, and the score it comes to. */
typedef struct {
    double score;
    int from, candidate;
} extension;

/* Whether x goes before y: best first, and among equal scores the order they were made in (parent,
 * then candidate), so the order is total and any sort of it gives the same beam. */
static int ext_before(const extension *x, const extension *y)
{
    if (x->score != y->score)
        return x->score > y->score;
    return x->from != y->from ? x->from < y->from : x->candidate < y->candidate;
}

/* Sorts n extensions by ext_before, merging runs through `tmp` (n long): qsort's calls through a
 * pointer for every comparison were a few per cent of a page-1 read. */
static void sort_extensions(extension *e, int n, extension *tmp)
{
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = ext_before(&e[j], &e[i]) ? e[j++] : e[i++];
            while (i < mid)
                tmp[k++] = e[i++];
            while (j < hi)
                tmp[k++] = e[j++];
        }
        memcpy(e, tmp, sizeof *e * (size_t)n);
    }
}

/* Moves the k best extensions to the front, in no order: the beam keeps only those, and sorting all
 * of a field's extensions (up to BEAM x MAX_CANDIDATES) cost more than the rest of the search. */
static void select_best(extension *e, int m, int k)
{
    int lo = 0, hi = m - 1;
    while (lo < hi) {
        extension pivot = e[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (ext_before(&e[i], &pivot))
                i++;
            while (ext_before(&pivot, &e[j]))
                j--;
            if (i <= j) {
                extension t = e[i];
                e[i++] = e[j], e[j--] = t;
            }
        }
        if (k - 1 <= j)
            hi = j;
        else if (k - 1 >= i)
            lo = i;
        else
            break;
    }
}

/* Fields in layout order; a rule is scored once its last field is assigned. Each extension is scored
 * in place on its parent and only the BEAM best are copied out, each as far as the fields assigned. */
static int beam_search(const c1_result *r, const candidates *cand, assignment *beam)
{
    const c1_form *form = r->form;
    extension *ext = malloc(sizeof(extension) * BEAM * MAX_CANDIDATES), *sorted = malloc(sizeof(extension) * BEAM);
    assignment *next = malloc(sizeof(assignment) * BEAM);
    int ends_at[C1_MAX_RULES];
    double broken[C1_MAX_RULES];
    if (!ext || !sorted || !next) {
        free(ext), free(sorted), free(next);
        return 0;
    }
    for (int q = 0; q < form->n_rules; q++) {
        ends_at[q] = rule_last_field(&form->rules[q]);
        broken[q] = log(form->rules[q].hint ? HINT_MISSED : RULE_BROKEN);
    }
    int n = 1;
    assignment *cur = beam, *out = next;
    memset(&cur[0], 0, sizeof cur[0]);
    for (int i = 0; i < r->n_fields; i++) {
        int closing[C1_MAX_RULES], n_closing = 0, m = 0;   /* the rules field i completes */
        for (int q = 0; q < form->n_rules; q++)
            if (ends_at[q] == i)
                closing[n_closing++] = q;
        for (int b = 0; b < n; b++)
            for (int k = 0; k < cand[i].n; k++) {
                cur[b].value[i] = cand[i].values[k];
                double score = cur[b].score + cand[i].weight[k];
                for (int c = 0; c < n_closing; c++) {
                    /* A rule with an unlisted value in it is as unlikely to hold as a broken one:
                     * "some other value" must not become a way around the form's arithmetic. Nor
                     * does a rule that holds only with every value 0 make 0 likelier. */
                    const c1_form_rule *rule = &form->rules[closing[c]];
                    if (rule_holds(rule, cur[b].value) != 1 || all_zero(rule, cur[b].value))
                        score += broken[closing[c]];
                }
                ext[m++] = (extension){score, b, k};
            }
        n = m < BEAM ? m : BEAM;
        if (m > n)
            select_best(ext, m, n);
        sort_extensions(ext, n, sorted);
        for (int j = 0; j < n; j++) {
            memcpy(out[j].value, cur[ext[j].from].value, sizeof(int) * (size_t)i);
            out[j].value[i] = cand[i].values[ext[j].candidate];
            out[j].score = ext[j].score;
        }
        assignment *t = cur;
        cur = out, out = t;
    }
    if (cur != beam)
        for (int j = 0; j < n; j++)
            beam[j] = cur[j];
    free(ext), free(sorted), free(next);
    return n;
}

static int rule_involves(const c1_form_rule *rule, int i)
{
    int involved = rule->target == i;
    for (int k = 0; k < rule->n_terms; k++)
        involved |= rule->terms[k] == i;
    return involved;
}

/* Per rule of the form, the field it is laid on (-1: none): a misreading that mends it
 * (misread_blamed), or a disputed term where it holds as written (disputed_term). */
typedef struct {
    int misread[C1_MAX_RULES];
    int disputed[C1_MAX_RULES];
} rule_blame;

/* Rule q is laid on another field than i: for i it is unknown. The total of a sum with a disputed
 * term, made from that term, stays with the rule. */
static int laid_elsewhere(const c1_form *form, const rule_blame *blamed, int q, int i)
{
    const int misread = blamed->misread[q], disputed = blamed->disputed[q];
    return (misread >= 0 && misread != i) || (disputed >= 0 && disputed != i && form->rules[q].target != i);
}

/* Whether value v, right-aligned in the boxes, writes a digit in box d. */
static int writes_box(int v, int d)
{
    return d == C1_DIGITS - 1 || v >= (d == 0 ? 100 : 10);
}

/* The probability a box holds a digit that adds to the value: 1-9 (a leading 0 adds nothing). */
static double nonzero_mass(const double p[C1_N_CLASSES])
{
    return digit_mass(p) - p[0];
}

/* A sum holds as well with the same digit added in box d of a term and of the total, where neither
 * chosen value has one. One writer's faint 1 lost in both (185 + 5 = 190 read 85 + 5 = 90 on a
 * blurred page 3, each leading box read empty) is one misreading, not two, so the sum cannot tell
 * the two readings apart: where either box may hide a digit, the sum is no witness to field i. */
static int sum_blind_to_lost_digit(const c1_result *r, const c1_form_rule *rule, const int *chosen, int i)
{
    const int z = rule->target;
    if (rule->kind != C1_RULE_SUM || chosen[z] < 0)
        return 0;
    for (int k = 0; k < rule->n_terms; k++) {
        const int t = rule->terms[k];
        if ((t != i && z != i) || chosen[t] < 0)
            continue;
        for (int d = 0; d < C1_DIGITS - 1; d++)
            if (!writes_box(chosen[t], d) && !writes_box(chosen[z], d) &&
                fmax(nonzero_mass(r->fields[t].ocr.cells[d]), nonzero_mass(r->fields[z].ocr.cells[d])) >= HIDDEN_DIGIT)
                return 1;
    }
    return 0;
}

/* Does some sum rule pin this field (the others in it being read)? Whether it holds is judged apart:
 * a sum that fails is a reason of its own. */
static int pinned_by_rule(const c1_result *r, int i, const int *chosen, const rule_blame *blamed)
{
    const c1_form *form = r->form;
    for (int q = 0; q < form->n_rules; q++)
        if (form->rules[q].kind == C1_RULE_SUM && rule_involves(&form->rules[q], i) && !all_zero(&form->rules[q], chosen) &&
            !laid_elsewhere(form, blamed, q, i) && !sum_blind_to_lost_digit(r, &form->rules[q], chosen, i))
            return 1;
    return 0;
}

/* A rule that fails as the digits read but holds with the chosen values: is the failure a misreading
 * rather than an officer's wrong sum? Only if every field the choice changed is backed by a second
 * look at the same paper, a sure tally or the segment reader, and not by the arithmetic alone. An
 * officer's wrong sum changes a rule's total, which has no tally, and both digit readers see the
 * same wrong digits; so the rule alone can never rewrite it, and its neighbours stay in review. */
static int misread_explains(const c1_result *r, const c1_form_rule *rule, const int *chosen, const int *written)
{
    for (int k = -1; k < rule->n_terms; k++) {
        int j = k < 0 ? rule->target : rule->terms[k];
        if (chosen[j] == written[j])
            continue;
        const c1_field_result *f = &r->fields[j];
        int tally_backs = f->tally && f->tally->valid && f->tally->confidence >= TALLY_SURE &&
                          f->tally->value == chosen[j];
        int segments_back = segment_weight(r, j) > 0.5 && f->segments.value == chosen[j];
        if (!tally_backs && !segments_back)
            return 0;
    }
    return 1;
}

/* Tally methods one stroke apart (a stroke lost where two cross, two drawn touching) whose count is
 * the digits' value: measured on 2 900 generated forms (eval, validation, training photos and both
 * stress sets, one with an officer's tally off in every form), such a count was never wrong, so it
 * backs the digits. Further apart, it once hid an officer's tally one short (lib/tally.c takes the
 * convention's count then), and stays in doubt. The count given must be one of theirs: an unsure cell
 * model's count, given where the tracers split, is not backed by them. */
static int tally_one_off_but_agrees(const c1_field_result *f)
{
    const c1_tally *t = f->tally;
    return t->valid && abs(t->by_strokes - t->by_groups) == 1 && t->value == f->ocr.value &&
           (t->by_strokes == t->value || t->by_groups == t->value);
}

/* A tally the tracers split on whose count, given by a sure cell model, is the digits' own best
 * reading: the grid's picture and the boxes, read by different means, land on one number. It is
 * in doubt because the tracers are, not because it says another number, so it is no objection. An
 * officer's tally off from the number would need the model to miscount by exactly that much:
 * measured on eval, validation and both mistake sets (2026-12-08), of 70 such grids with the model
 * at p >= 0.9 none was wrong; below, one of 150 was the officer's 98 read as the written 100. */
static int doubtful_tally_on_digits(const c1_field_result *f, int v)
{
    return model_counts(f->tally) && f->tally->value == v && f->ocr.value == v;
}

/* The digits' best reading is another number, but the officer's three other writings of it, read by
 * three other means, all give the value: the tally, the bubbles and the row counts. Either the tally's
 * two counters agree (the bubbles and the row counts may be as unsure as a blurred page leaves them),
 * or, the counters split, the bubbles and the row counts are each sure. The digits must allow it. An
 * officer's tally off would leave the bubbles, copied from the digits, on another number. Measured on
 * every set (docs/measurements.md, 2026-12-08): never a wrong value. */
static int other_writings_settle_digits(const c1_field_result *f, int v)
{
    const c1_tally *t = f->tally;
    if (f->ocr.value == v || !t || !t->valid || t->value != v || !f->bubbles.read || f->bubbles.value != v ||
        !rows_speak(&f->rows) || f->rows.sum != v || !reading_allows(&f->ocr, v))
        return 0;
    return t->confidence >= TALLY_AGREES || (bubbles_agree(f, v) && f->rows.sum_p >= ROWS_VOUCH);
}

/* A box both readers take for empty was judged once, by one rule on one ink map (lib/digits.c
 * set_blank), not seen twice: its doubt (a thin 1 on a box line, a digit drawn beside its box) must
 * count once. The most a field on its digits alone can be, given its empty boxes. */
static double empty_boxes_allow(const c1_field_result *f)
{
    double p = 1;
    for (int d = 0; d < C1_DIGITS; d++)
        if (f->ocr.cells[d][CLASS_EMPTY] > 0.5 && f->segments.cells[d][CLASS_EMPTY] > 0.5)
            p *= f->ocr.cells[d][CLASS_EMPTY];
    return p;
}

/* The share of the form's written boxes (the model sees a digit) that the model reads at p >= 0.99.
 * One person fills the whole form: where it is low, their hand is unlike those the posteriors were
 * measured on. Generated forms: 5th percentile 0.79-0.83, median 0.94; digits drawn in four handwriting
 * fonts: 0.35-0.72, and there cells at p >= 0.999 were wrong 5 times in 658 (docs/design.md "Publish gate"). */
static double sure_share(const c1_result *r)
{
    int written = 0, sure = 0;
    for (int i = 0; i < r->n_fields; i++)
        for (int d = 0; d < C1_DIGITS; d++) {
            const double *p = r->fields[i].ocr.cells[d];
            if (digit_mass(p) < 0.5)
                continue;
            double top = 0;
            for (int k = 0; k < C1_N_CLASSES; k++)
                top = fmax(top, p[k]);
            written++, sure += top >= 0.99;
        }
    return written ? (double)sure / written : 0;
}

/* On a blurred page a short stroke or a small gap is lost (a 9 whose upper right stroke stops short
 * reads as a 5), and a hand unlike MNIST is read surely and wrongly more often: there the model's
 * posteriors came out about ten times surer than they were right (measured: docs/design.md "Publish
 * gate"), and what rests on them needs ten times the margin. */
static int posteriors_overconfident(const c1_result *r, int familiar_hand)
{
    return r->blur_mm > r->gate->value[C1_GATE_SHARP_PAGE_MM] || !familiar_hand;
}

/* The posterior a field that nothing but its digits speaks for needs. */
static double digits_only_threshold(const c1_result *r, int familiar_hand)
{
    const double *g = r->gate->value;
    return posteriors_overconfident(r, familiar_hand) ? g[C1_GATE_ACCEPT_DIGITS_ONLY_STRICT] : g[C1_GATE_ACCEPT_DIGITS_ONLY];
}

/* A rule holds with the chosen values, as the digits read them or mended by a second look. */
static int rule_holds_read(const c1_result *r, const c1_form_rule *rule, const int *chosen, const int *written)
{
    return rule_holds(rule, chosen) == 1 &&
           (rule_holds(rule, written) == 1 || (!rule->hint && misread_explains(r, rule, chosen, written)));
}

/* The one field of a rule (a term or its total) whose chosen value is not its digits' reading, or -1
 * where none or several are. */
static int only_field_changed(const c1_form_rule *rule, const int *chosen, const int *written)
{
    int changed = -1;
    for (int k = -1; k < rule->n_terms; k++) {
        int j = k < 0 ? rule->target : rule->terms[k];
        if (chosen[j] == written[j])
            continue;
        if (changed >= 0)
            return -1;
        changed = j;
    }
    return changed;
}

/* The one field whose chosen value mends a sum that fails as read (-1: none, or several). */
static int mended_by_field_alone(const c1_result *r, const c1_form_rule *rule, const int *chosen, const int *written)
{
    if (rule->kind != C1_RULE_SUM || rule->hint || rule_holds(rule, written) != 0 || rule_holds(rule, chosen) != 1 ||
        rule_holds_read(r, rule, chosen, written))
        return -1;
    return only_field_changed(rule, chosen, written);
}

/* The sums of the page that term i's mended value alone mends; none where i is a sum's total (an
 * officer may have slipped it). */
static int sums_mended_by_term(const c1_result *r, int i, const int *chosen, const int *written)
{
    int n = 0;
    for (int q = 0; q < r->form->n_rules; q++) {
        const c1_form_rule *rule = &r->form->rules[q];
        if (rule->kind == C1_RULE_SUM && !rule->hint && rule->target == i)
            return 0;
        n += mended_by_field_alone(r, rule, chosen, written) == i;
    }
    return n;
}

/* A sum that fails as read, which the form's most probable reading mends by one field alone, the
 * others as read: that field's misreading is likelier than the officer's wrong sum (the beam weighed
 * both), and the field goes to a person with the rule named. The others are not put in doubt by a
 * number nobody has read surely, nor backed by it: for them the rule is unknown, and each is judged
 * on the rest of its evidence. As a station's rule across pages (lib/station.c). Returns the field,
 * or -1. */
static int misread_blamed(const c1_result *r, const c1_form_rule *rule, const int *chosen, const int *written,
                          const double *posterior, int familiar_hand)
{
    const int changed = mended_by_field_alone(r, rule, chosen, written);
    if (changed < 0)
        return -1;
    /* Two sums, each failing as read and each mended by this one term's value, a total in neither:
     * an officer's wrong total breaks the sums it is in and cannot leave both mended by a term, so
     * the misreading is the failure however sure the model was of its digits, and the posterior's
     * bar (which bounds the officer's share) has nothing to bound. A total slipped that is a term of
     * another sum breaks both too, mended by itself alone: that one may be the officer's. */
    if (posterior[changed] >= BLAME_BY_TWO_SUMS && sums_mended_by_term(r, changed, chosen, written) >= 2)
        return changed;
    const double bar = posteriors_overconfident(r, familiar_hand) ? 1 - (1 - BLAME_SURE) / 10 : BLAME_SURE;
    return posterior[changed] >= bar && reading_allows(&r->fields[changed].ocr, chosen[changed]) ? changed : -1;
}

/* A sum of the page that cannot be checked because one of its fields reads as none of its readings
 * (a correction, a box no reader can name), all of whose other fields another page of the station
 * writes too, and agrees (from_station): their values are the other pages' as well, so the sum can
 * fail only by that one field, which goes to a person; to the others the sum is unknown. Returns the
 * field, or -1. */
static int unread_term_blamed(const c1_result *r, const c1_form_rule *rule, const int *chosen)
{
    if (rule->kind != C1_RULE_SUM || rule->hint)
        return -1;
    int unread = -1;
    for (int k = -1; k < rule->n_terms; k++) {
        const int j = k < 0 ? rule->target : rule->terms[k];
        if (chosen[j] == UNLISTED) {
            if (unread >= 0)
                return -1;
            unread = j;
        } else if (r->from_station[j] != chosen[j] + 1) {
            return -1;
        }
    }
    return unread;
}

/* A sum that holds as the digits read it, where the form's most probable reading gives one term
 * another value than its digits, or none of its readings (its tally and row counts say another
 * number: an officer's tally off, or a number written wrong). That term goes to a person; the other
 * terms, read apart, are not in doubt for it, nor backed by it (the rule is unknown to them); the
 * total, made from the disputed term, stays in doubt with it. Returns the term, or -1. */
static int disputed_term(const c1_form_rule *rule, const int *chosen, const int *written)
{
    if (rule->kind != C1_RULE_SUM || rule->hint || rule_holds(rule, written) != 1)
        return -1;
    const int disputed = only_field_changed(rule, chosen, written);
    return disputed != rule->target ? disputed : -1;
}

/* A sum of the page (no hint, no bound) that holds for field i, and not because its terms read 0:
 * the other boxes of the page confirm the value as read. */
static int page_sum_backs(const c1_result *r, int i, const int *chosen, const int *written)
{
    for (int q = 0; q < r->form->n_rules; q++) {
        const c1_form_rule *rule = &r->form->rules[q];
        if (rule_involves(rule, i) && !rule->hint && rule->kind != C1_RULE_LE && !all_zero(rule, chosen) &&
            rule_holds_read(r, rule, chosen, written))
            return 1;
    }
    return 0;
}

/* The digits read field i as another number, and every sum of its page that then fails holds with
 * its chosen value, i alone changed, which another page of the station writes too (lib/station.c
 * lent it): the page's other boxes and the other page's, read apart, both land on the value. For it
 * to be the officer's, the officer would have had to write it off on this page alone, breaking its
 * sum and the rule across the pages at once, and the digits to favour the written value anyway: the
 * posterior weighs that (a sum broken on the paper is priced as an officer's slip). */
static int mended_and_written_elsewhere(const c1_result *r, int i, const int *chosen, const int *written)
{
    if (chosen[i] == UNLISTED || r->from_station[i] != chosen[i] + 1 || !reading_allows(&r->fields[i].ocr, chosen[i]))
        return 0;
    int mended = 0;
    for (int q = 0; q < r->form->n_rules; q++) {
        const c1_form_rule *rule = &r->form->rules[q];
        if (!rule_involves(rule, i) || rule->hint || rule_holds(rule, written) == 1)
            continue;
        if (rule_holds(rule, chosen) != 1 || only_field_changed(rule, chosen, written) != i)
            return 0;
        mended += rule->kind == C1_RULE_SUM;
    }
    return mended > 0;
}

static void judge_field(c1_result *r, int i, const int *chosen, const int *written, const rule_blame *blamed,
                        double posterior, int familiar_hand)
{
    const c1_form *form = r->form;
    c1_field_result *f = &r->fields[i];
    int v = chosen[i];
    f->status = C1_FIELD_REVIEW;
    if (v == UNLISTED) {
        /* The evidence says none of the readings: show the written digits' best, in review. */
        f->value = f->ocr.value;
        f->confidence = 0;
        field_add_reason(f, "low_confidence");
        v = f->ocr.value;
    } else {
        f->value = v;
        f->confidence = posterior;
    }
    const int other_writings_settle = other_writings_settle_digits(f, v);
    const int mended_elsewhere = mended_and_written_elsewhere(r, i, chosen, written);
    if (f->ocr.value != v && !other_writings_settle && !mended_elsewhere)
        field_add_reason(f, "ocr_disagrees");
    /* Where the segment reader finds no digit pattern at all, the writer did not join these dots: it
     * abstains, and the field is judged as an ordinary writer's would be. */
    const int readers_split = segment_weight(r, i) > 0.5 && f->segments.value >= 0 &&
                              f->segments.value != f->ocr.value && !segments_torn_over(f);
    /* The bubbles and the row counts are the officer's own second and third writing of the number:
     * agreeing, each is evidence; sure of another number, each sends the field to a person. The row
     * counts are the officer's count of the tally rows, so where they agree a tally the counter is
     * unsure of is no objection. */
    const int rows_back = rows_agree(f, v);
    if (bubbles_agree(f, v))
        field_add_evidence(f, "bubbles");
    else if (f->bubbles.read && f->bubbles.value >= 0 && f->bubbles.value != v && f->bubbles.confidence >= WITNESS_OBJECTS)
        field_add_reason(f, "bubbles_disagree");
    if (rows_back)
        field_add_evidence(f, "row_counts");
    else if (rows_speak(&f->rows) && f->rows.sum != v && f->rows.sum_p >= WITNESS_OBJECTS)
        field_add_reason(f, "row_counts_disagree");
    /* Row sums read at 0.9-0.99 were wrong 1 time in 84 (eval and validation); one read wrong that
     * lands on the digits' own value is rarer still. */
    const int rows_vouch = rows_speak(&f->rows) && f->rows.sum == v && f->rows.sum_p >= ROWS_VOUCH;
    /* On a blurred page each row count and bubble column is held at 0.8 (neither evidence nor
     * objection on its own), so five rows sum at 0.33 and three columns at 0.51. Both landing on the
     * digits' value is two more writings of the number by other ink read by other means: measured on
     * eval and validation, where the row counts and the bubbles met on one value it was never a wrong
     * one. Together they vouch as sure row counts do. */
    const int rows_on_value = !rows_vouch && rows_speak(&f->rows) && f->rows.sum == v && f->rows.sum_p >= ROWS_WITH_BUBBLES;
    const int rows_and_bubbles_vouch = rows_on_value && f->bubbles.read && f->bubbles.value == v &&
                                       f->bubbles.confidence >= BUBBLES_WITH_ROWS;
    /* Likewise a sum of the page that holds (page 3's invalid votes have no bubbles), unless the
     * bubbles, however unsure, spell another number: the value is confirmed by the other boxes, and
     * the row counts land on it. Measured as for the bubbles: 115 times on eval and validation, never
     * a wrong value. */
    const int bubbles_elsewhere = f->bubbles.read && f->bubbles.value >= 0 && f->bubbles.value != v;
    const int rows_and_sum_vouch = rows_on_value && !rows_and_bubbles_vouch && !bubbles_elsewhere &&
                                   page_sum_backs(r, i, chosen, written);
    const int tally_sure = f->tally && f->tally->valid && f->tally->confidence >= TALLY_AGREES;
    /* Two readers of the same ink that disagree are settled by the officer's other writings of the
     * number: the bubbles and the row counts or the tally on the model's value (docs/design.md). */
    const int other_ink_settles = f->ocr.value == v && bubbles_agree(f, v) &&
                                  (rows_back || rows_and_bubbles_vouch || (tally_sure && f->tally->value == v));
    if (readers_split && !other_ink_settles)
        field_add_reason(f, "readers_disagree");
    if (rows_and_bubbles_vouch && f->tally && !f->tally->empty && !tally_sure)
        field_add_evidence(f, "row_counts_and_bubbles");
    if (rows_and_sum_vouch && f->tally && !f->tally->empty && !tally_sure)
        field_add_evidence(f, "row_counts_and_sum");
    if (f->tally && !f->tally->empty && (tally_sure || !(rows_vouch || rows_and_bubbles_vouch || rows_and_sum_vouch))) {
        /* A tally whose two methods agree is evidence even with a cell in doubt or on a blurred page
         * (lib/tally.c caps its confidence at 0.9 then): it agreeing with the digits is two readings
         * of different ink landing on one value. Measured on eval and validation: no such tally
         * that agreed with the digits was wrong. Nor, the methods one stroke apart, one whose count is
         * the digits' (tally_one_off_but_agrees). Mending a sum takes a sure one (misread_explains). */
        if (!f->tally->valid || (f->tally->confidence < TALLY_AGREES && !tally_one_off_but_agrees(f) &&
                                 !doubtful_tally_on_digits(f, v)))
            field_add_reason(f, "tally_doubtful");
        if (!f->tally->valid || (f->tally->value != f->ocr.value && !other_writings_settle))
            field_add_reason(f, "ocr_tally_mismatch");
        if (f->tally->valid && f->tally->value == chosen[i])
            field_add_evidence(f, "tally");
    }
    /* A grid found empty is no evidence, for 0 or any number (a faint tally is lost on a soft photo),
     * but under a number above 0 it is the officer's tally and number at odds, or a tally lost: a
     * person looks. Measured: an officer who wrote 1 or 2 invalid votes over an empty grid was
     * published otherwise (the page's sum holds); no other field above 0 over an empty grid had been
     * accepted on any set (docs/measurements.md, 2026-12-07). */
    if (f->tally && f->tally->empty && v > 0)
        field_add_reason(f, "ocr_tally_mismatch");
    /* A rule that holds with the chosen values, as the digits read them or mended by a second look,
     * is evidence (the JSON names it: what agrees with the value besides its digits); a sum or bound
     * that does not is a reason. A hint of the law that does not hold is neither. */
    int backed_by_hint = 0;
    for (int q = 0; q < form->n_rules; q++) {
        const c1_form_rule *rule = &form->rules[q];   /* its names are owned by the engine's form */
        if (!rule_involves(rule, i) || laid_elsewhere(form, blamed, q, i))
            continue;
        int holds = rule_holds_read(r, rule, chosen, written);
        if (!holds && !rule->hint && !mended_elsewhere)
            field_add_reason(f, rule->reason);
        else if (holds && rule->kind != C1_RULE_LE && !all_zero(rule, chosen) && !sum_blind_to_lost_digit(r, rule, chosen, i))
            field_add_evidence(f, rule->evidence), backed_by_hint |= rule->hint;
    }
    /* The station's list, known before the photo, is evidence of other ink than the form's: but only
     * for what is written, never in its place. */
    int known_agrees = r->is_known[i] && r->known[i] == v && written[i] == v;
    if (known_agrees)
        field_add_evidence(f, "known");
    else if (r->is_known[i])
        field_add_reason(f, "known_mismatch");
    for (int d = 0; d < C1_DIGITS; d++) {
        /* A correction is the officer's second thought: a person confirms it, however clearly the
         * digit written beside the struck one reads. */
        if (f->correction_of || f->ocr.cells[d][CLASS_STRUCK] > CELL_DOUBT)
            field_add_reason(f, "correction");
        /* A mark the model cannot name in one box leaves the value to the other boxes and to whatever
         * agrees with it: a tally or a sum that holds can carry it (its doubt is in the posterior,
         * as probability no value was given); on its digits alone it cannot. */
        if (f->ocr.cells[d][CLASS_OTHER] > CELL_DOUBT && f->n_evidence == 0)
            field_add_reason(f, "unreadable_cell");
    }
    if (f->ocr.left_aligned > 0.01)
        field_add_reason(f, "ambiguous_alignment");
    if (f->ocr.value > form->fields[i].max)
        field_add_reason(f, "exceeds_max");
    int evidence = (f->tally && f->tally->valid) || pinned_by_rule(r, i, chosen, blamed) || backed_by_hint || known_agrees ||
                   bubbles_agree(f, v) || rows_back || (r->from_station[i] && r->from_station[i] == v + 1);
    if (!evidence && chosen[i] != UNLISTED)
        posterior = f->confidence = fmin(posterior, empty_boxes_allow(f));
    /* The digits' own best reading, the bubbles and the row counts all on one value: three writings of
     * the number in different ink, read by three means. On a blurred page the other two are held at
     * 0.8 each and weigh little in the posterior; together they are a likelihood ratio of at least
     * THREE_WRITINGS_LR for the digits' value (docs/design.md, "three writings of one number"). */
    if (rows_and_bubbles_vouch && f->ocr.value == v && chosen[i] != UNLISTED && posterior < 1) {
        double odds = posterior / (1 - posterior) * THREE_WRITINGS_LR;
        posterior = f->confidence = odds / (1 + odds);
    }
    const double needed = evidence ? r->gate->value[C1_GATE_ACCEPT_WITH_EVIDENCE] : digits_only_threshold(r, familiar_hand);
    if (posterior < needed) {
        field_add_reason(f, "low_confidence");
        if (!evidence)
            field_add_reason(f, "no_independent_evidence");
        if (!evidence && r->blur_mm > r->gate->value[C1_GATE_SHARP_PAGE_MM])
            field_add_reason(f, "blurred_page");
        if (!evidence && !familiar_hand)
            field_add_reason(f, "unfamiliar_hand");
    }
    if (f->n_reasons == 0)
        f->status = C1_FIELD_ACCEPTED;
}

/* The page's rules (sums and bounds; a hint is neither) named broken in some field's reasons, less
 * those named held in some field's evidence (a sum that holds; a bound that holds is no evidence). */
static int sums_broken_over_held(const c1_result *r)
{
    int balance = 0;
    for (int q = 0; q < r->form->n_rules; q++) {
        const c1_form_rule *rule = &r->form->rules[q];
        int broken = 0, held = 0;
        for (int i = 0; i < r->n_fields; i++) {
            broken |= list_has(r->fields[i].reasons, r->fields[i].n_reasons, rule->reason);
            held |= list_has(r->fields[i].evidence, r->fields[i].n_evidence, rule->evidence);
        }
        balance += broken - (held && !rule->hint);
    }
    return balance;
}

static int only_sums_speak(const c1_field_result *f)
{
    for (int k = 0; k < f->n_evidence; k++)
        if (strncmp(f->evidence[k], "rule:", 5))
            return 0;
    return f->n_evidence > 0;
}

/* A sum that holds is evidence because a misreading seldom lands on a value that keeps it. On a page
 * where more sums fail than hold, the writer's digits are misread often and alike (one writer's 6 read
 * as a filler in a term and in its total, 62 + 2 + 4 = 68 read 2 + 2 + 4 = 8, and published), so a sum
 * kept by such readings is no witness: a field nothing but sums speaks for, whose digits give its
 * value under even odds, goes to a person (docs/measurements.md, 2026-12-07). */
static void doubt_sums_of_a_failing_page(c1_result *r)
{
    if (sums_broken_over_held(r) <= 0)
        return;
    for (int i = 0; i < r->n_fields; i++) {
        c1_field_result *f = &r->fields[i];
        if (f->status == C1_FIELD_ACCEPTED && only_sums_speak(f) && reading_p(&f->ocr, f->value) < SUMS_NEED_DIGITS)
            field_add_reason(f, "sums_fail_on_page"), f->status = C1_FIELD_REVIEW;
    }
}

int page_sums_kept_by(const c1_result *r, int i, int v)
{
    int value[C1_MAX_FIELDS], broken = 0;
    for (int j = 0; j < r->n_fields; j++)
        value[j] = r->fields[j].value >= 0 ? r->fields[j].value : UNLISTED;
    for (int q = 0; q < r->form->n_rules; q++) {
        const c1_form_rule *rule = &r->form->rules[q];
        if (rule->kind != C1_RULE_SUM || rule->hint || !rule_involves(rule, i))
            continue;
        value[i] = r->fields[i].value >= 0 ? r->fields[i].value : UNLISTED;
        broken |= rule_holds(rule, value) == 0;
        value[i] = v;
        if (rule_holds(rule, value) != 1)
            return 0;
    }
    return broken;
}

/* What the digits say was written: their most probable value that the field can hold. A 727 where a
 * station has at most 300 voters is a misreading (a 1 seen as 7), not an officer's sum gone wrong, so
 * it must not make the rules it is in look broken on paper; the field itself stays in review
 * (exceeds_max). */
static int possible_reading(const c1_reading *rd, int max)
{
    for (int k = 0; k < rd->n_alts; k++)
        if (rd->alts[k].value >= 0 && rd->alts[k].value <= max)
            return rd->alts[k].value;
    return UNLISTED;
}

c1_error validate_fields(const c1_engine *e, c1_result *r)
{
    (void)e;
    candidates cand[C1_MAX_FIELDS];
    int written[C1_MAX_FIELDS];
    for (int i = 0; i < r->n_fields; i++) {
        written[i] = possible_reading(&r->fields[i].ocr, r->form->fields[i].max);
        gather_candidates(r, i, written[i], &cand[i]);
    }
    assignment *beam = malloc(sizeof(assignment) * BEAM);
    double *mass_of = malloc(sizeof(double) * BEAM);   /* each assignment's probability, to the best's */
    int n = beam && mass_of ? beam_search(r, cand, beam) : 0;
    if (n == 0) {
        for (int i = 0; i < r->n_fields; i++)
            field_add_reason(&r->fields[i], "not_read");
        free(beam), free(mass_of);
        return C1_OK;
    }
    /* Posterior of each field's chosen value: its share of the beam's probability mass. */
    double top = beam[0].score, total = 0;
    for (int b = 0; b < n; b++)
        total += mass_of[b] = exp(beam[b].score - top);
    int familiar_hand = sure_share(r) >= r->gate->value[C1_GATE_FAMILIAR_HAND];
    double posterior[C1_MAX_FIELDS];
    for (int i = 0; i < r->n_fields; i++) {
        double mass = 0;
        for (int b = 0; b < n; b++)
            if (beam[b].value[i] == beam[0].value[i])
                mass += mass_of[b];
        posterior[i] = mass / total;
    }
    rule_blame blamed;
    for (int q = 0; q < r->form->n_rules; q++) {
        blamed.misread[q] = misread_blamed(r, &r->form->rules[q], beam[0].value, written, posterior, familiar_hand);
        if (blamed.misread[q] < 0)
            blamed.misread[q] = unread_term_blamed(r, &r->form->rules[q], beam[0].value);
        blamed.disputed[q] = disputed_term(&r->form->rules[q], beam[0].value, written);
    }
    for (int i = 0; i < r->n_fields; i++)
        judge_field(r, i, beam[0].value, written, &blamed, posterior[i], familiar_hand);
    doubt_sums_of_a_failing_page(r);
    free(beam), free(mass_of);
    return C1_OK;
}
