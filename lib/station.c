/* Station: the pages of one polling station read together, and the rules that tie them (page 3's valid
 * votes are page 2's totals added; its votes cast are page 1's voters). Parses a form's station rules
 * (forms/SET/station.rules) for the engine, and checks them on a station's page results, which it
 * borrows and updates: a page's field that another page writes too is weighed with that writing (the
 * page judged again by validate.c), a broken rule sends its fields to review, one that holds is their
 * evidence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "stages.h"

#define MAX_LINE 512
#define STATION_MISTAKE_P 0.05   /* a station's officer writes page 3 off from pages 1 and 2: the prior the
                                  * generator uses (docs/design.md, "a station's pages") */

struct c1_station {
    const c1_engine *engine;
    char id[C1_ID_LEN * 2];
    const station_rules *rules;           /* the form's, once a page names it */
    const char *form;
    c1_result *pages[C1_MAX_PAGES + 1];   /* by page number */
    char *files[C1_MAX_PAGES + 1];
    int duplicate[C1_MAX_PAGES + 1];      /* more photos of this page: the first is kept */
    char *unread[C1_MAX_STATION_PHOTOS];  /* photos rejected, or of another form */
    int n_unread;
    c1_rule_verdict verdict[C1_MAX_STATION_RULES];
    char why[C1_MAX_STATION_RULES][160];   /* room for two field ids, a number and the verdict's words */
    int checked;
};

/* ---- the rules file: "form SET", then "rule ID sum P:FIELD ... = P:FIELD" lines */

static int parse_term(const c1_engine *e, const char *set, const char *word, station_term *t)
{
    char field[C1_ID_LEN];
    int page;
    if (sscanf(word, "%d:%47s", &page, field) != 2)
        return 0;
    for (int i = 0; i < e->n_forms; i++)
        if (!strcmp(e->forms[i].id, set) && e->forms[i].page == page) {
            t->page = page, t->field = form_field_index(&e->forms[i], field);
            return t->field >= 0;
        }
    return 0;
}

static c1_error rules_error(char *msg, size_t size, const char *name, int line, const char *why)
{
    if (msg && size)
        snprintf(msg, size, "%s:%d: %s", name, line, why);
    return C1_ERR_FORM_TEMPLATE;
}

/* One "rule" line's words after "rule". */
static c1_error parse_station_rule(const c1_engine *e, station_rules *s, char **w, int n, const char *name, int line,
                                   char *msg, size_t size)
{
    if (s->n_rules == C1_MAX_STATION_RULES)
        return rules_error(msg, size, name, line, "too many rules");
    station_rule *r = &s->rules[s->n_rules];
    memset(r, 0, sizeof *r);
    if (n < 5 || strcmp(w[1], "sum") || strcmp(w[n - 2], "=") || strlen(w[0]) >= C1_ID_LEN)
        return rules_error(msg, size, name, line, "a rule is: rule ID sum P:FIELD ... = P:FIELD");
    snprintf(r->id, sizeof r->id, "%s", w[0]);
    for (int k = 2; k < n - 2; k++) {
        if (r->n_terms == C1_MAX_FIELDS || !parse_term(e, s->form, w[k], &r->terms[r->n_terms++]))
            return rules_error(msg, size, name, line, "a term names no page and field of the form");
    }
    if (!parse_term(e, s->form, w[n - 1], &r->target))
        return rules_error(msg, size, name, line, "the total names no page and field of the form");
    snprintf(r->reason, sizeof r->reason, "station_rule_violated:%s", w[0]);
    snprintf(r->evidence, sizeof r->evidence, "station_rule:%s", w[0]);
    snprintf(r->unchecked, sizeof r->unchecked, "station_rule_unchecked:%s", w[0]);
    s->n_rules++;
    return C1_OK;
}

c1_error station_rules_parse(const c1_engine *e, const char *text, size_t size, const char *name, station_rules *s,
                             char *msg, size_t msg_size)
{
    memset(s, 0, sizeof *s);
    size_t at = 0;
    for (int line = 1; at < size; line++) {
        char buf[MAX_LINE], *w[C1_MAX_FIELDS + 8];
        size_t len = 0;
        while (at < size && text[at] != '\n')
            if (len < sizeof buf - 1)
                buf[len++] = text[at++];
            else
                return rules_error(msg, msg_size, name, line, "line too long");
        at++;
        buf[len] = '\0';
        buf[strcspn(buf, "#\r")] = '\0';
        int n = 0;
        for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
            if (n < (int)(sizeof w / sizeof *w))
                w[n++] = t;
            else
                return rules_error(msg, msg_size, name, line, "too many words");
        if (n == 0)
            continue;
        if (!strcmp(w[0], "form") && n == 2 && !s->form[0] && strlen(w[1]) < sizeof s->form)
            snprintf(s->form, sizeof s->form, "%s", w[1]);
        else if (!strcmp(w[0], "rule") && s->form[0]) {
            c1_error err = parse_station_rule(e, s, w + 1, n - 1, name, line, msg, msg_size);
            if (err)
                return err;
        } else
            return rules_error(msg, msg_size, name, line, "expected 'form SET' first, then 'rule' lines");
    }
    return s->form[0] ? C1_OK : rules_error(msg, msg_size, name, 1, "no 'form' line");
}

/* ---- a station */

c1_error c1_station_create(const c1_engine *engine, const char *id, c1_station **out)
{
    if (!out)
        return C1_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!engine || !id)
        return C1_ERR_INVALID_ARGUMENT;
    c1_station *s = calloc(1, sizeof *s);
    if (!s)
        return C1_ERR_NO_MEMORY;
    s->engine = engine;
    snprintf(s->id, sizeof s->id, "%s", id);
    *out = s;
    return C1_OK;
}

void c1_station_free(c1_station *s)
{
    if (!s)
        return;
    for (int p = 0; p <= C1_MAX_PAGES; p++)
        free(s->files[p]);
    for (int k = 0; k < s->n_unread; k++)
        free(s->unread[k]);
    free(s);
}

static const station_rules *rules_of(const c1_engine *e, const char *form)
{
    for (int k = 0; k < e->n_station_rules; k++)
        if (!strcmp(e->station_rules[k].form, form))
            return &e->station_rules[k];
    return NULL;
}

c1_error c1_station_add(c1_station *s, c1_result *page, const char *file)
{
    if (!s || !page)
        return C1_ERR_INVALID_ARGUMENT;
    const char *form = c1_result_form(page);
    int p = c1_result_page(page);
    if (c1_result_status(page) != C1_PHOTO_READ || p < 1 || p > C1_MAX_PAGES || (s->form && strcmp(form, s->form))) {
        if (s->n_unread < C1_MAX_STATION_PHOTOS)
            s->unread[s->n_unread++] = strdup(file ? file : "");
        return C1_OK;
    }
    if (s->pages[p]) {
        s->duplicate[p]++;
        return C1_OK;
    }
    s->form = form;   /* the engine's string */
    s->rules = rules_of(s->engine, form);
    s->pages[p] = page;
    s->files[p] = strdup(file ? file : "");
    s->checked = 0;
    return C1_OK;
}

/* A rule's k-th term, its total after the last. */
static const station_term *rule_term(const station_rule *rule, int k)
{
    return k < rule->n_terms ? &rule->terms[k] : &rule->target;
}

/* The field id of a term whose page the station holds. */
static const char *term_id(const c1_station *s, const station_term *t)
{
    return s->pages[t->page]->form->fields[t->field].id;
}

static c1_field_result *term_field(const c1_station *s, const station_term *t)
{
    c1_result *r = s->pages[t->page];
    return r && t->field < r->n_fields ? &r->fields[t->field] : NULL;
}

/* The reasons a field may have and still be carried by a rule across pages: nothing but its digits
 * spoke for it. Any other doubt (a correction, a witness that disagrees) stays for a person. */
static int only_wanted_evidence(const c1_field_result *f)
{
    static const char *const carried[] = {"low_confidence", "no_independent_evidence", "blurred_page", "unfamiliar_hand"};
    for (int k = 0; k < f->n_reasons; k++) {
        int ok = 0;
        for (size_t j = 0; j < sizeof carried / sizeof *carried; j++)
            ok |= !strcmp(f->reasons[k], carried[j]);
        if (!ok)
            return 0;
    }
    return 1;
}

/* The value field k of a rule must have for the rule to hold, the others as read (`sum`: the terms'). */
static int value_keeping(c1_field_result *const *f, int n, int sum, int k)
{
    return k == n - 1 ? sum : f[n - 1]->value - (sum - f[k]->value);
}

/* Whether judge_rule's rule that holds may carry this field in review on its own: nothing but its
 * digits spoke for it, and the value is theirs. */
static int carried_by_rule(const c1_field_result *f)
{
    return only_wanted_evidence(f) && f->value == f->ocr.value;
}

/* A value a field in review truly holds, as surely as a published number, by its own readings rather
 * than an officer's mistake across the pages: its digits give it odds that outweigh the prior of that
 * mistake at the gate's bar, or two of its other witnesses (tally, bubbles, row counts) read it alike.
 * A value the digits merely allow is not enough: an officer's page 3 off by a few is met by some
 * reading's alternative as often as not. */
static int field_holds(const c1_station *s, const c1_field_result *f, int v)
{
    const double bar = s->engine->gate.value[C1_GATE_ACCEPT_WITH_EVIDENCE], p = reading_value_p(&f->ocr, v);
    const double prior_odds = STATION_MISTAKE_P / (1 - STATION_MISTAKE_P), bar_odds = bar / (1 - bar);
    const int by_digits = p >= 1 || p / (1 - p) >= prior_odds * bar_odds;
    const int witnesses = (f->tally && f->tally->valid && !f->tally->empty && f->tally->value == v) +
                          (f->bubbles.read && f->bubbles.value == v) + (f->rows.read && f->rows.sum == v);
    return by_digits || witnesses >= 2;
}

/* A rule that fails where one of its fields in review, the others taken as read, holds by its own
 * readings the value that would make it hold: the failure is that field's misreading, and the field
 * is with a person already. The others, each accepted on evidence of its own, are not put in doubt by
 * a number nobody has read surely; the rule is unknown. */
static int misread_explains(c1_station *s, const station_rule *rule, c1_field_result **f, int n, int sum, int q)
{
    for (int k = 0; k < n; k++) {
        if (f[k]->status != C1_FIELD_REVIEW)
            continue;
        const int needed = value_keeping(f, n, sum, k);
        if (needed < 0 || !field_holds(s, f[k], needed))
            continue;
        const station_term *t = rule_term(rule, k);
        s->verdict[q] = C1_RULE_UNKNOWN;
        snprintf(s->why[q], sizeof s->why[q], "fails as read; page %d's %s, in review, reads %d by its own witnesses, "
                 "which keeps it", t->page, term_id(s, t), needed);
        field_add_reason(f[k], rule->reason);
        return 1;
    }
    return 0;
}

/* A term on a page of the station that was read, but whose value was not: unless it is the only one
 * and its own witnesses hold the value that keeps the rule, the rule cannot be checked and an
 * officer's mistake across the pages cannot be ruled out, so every term waits for a person (a page not
 * read at all leaves the others as they are: the station names it missing). */
static void rule_unchecked(c1_station *s, const station_rule *rule, int q, c1_field_result **f, int n)
{
    int unread = -1, n_unread = 0, sum = 0;
    for (int k = 0; k < n; k++)
        if (f[k]->value < 0)
            unread = k, n_unread++;
        else if (k < n - 1)
            sum += f[k]->value;
    const station_term *t = rule_term(rule, unread);
    const char *id = term_id(s, t);
    const int needed = unread == n - 1 ? sum : f[n - 1]->value - sum;
    s->verdict[q] = C1_RULE_UNKNOWN;
    if (n_unread == 1 && needed >= 0 && field_holds(s, f[unread], needed)) {
        snprintf(s->why[q], sizeof s->why[q], "page %d's %s not read by its digits; its own witnesses read %d, "
                 "which keeps it", t->page, id, needed);
        field_add_reason(f[unread], rule->unchecked);
        return;
    }
    snprintf(s->why[q], sizeof s->why[q], "page %d's %s not read: the rule cannot be checked", t->page, id);
    for (int k = 0; k < n; k++)
        field_add_reason(f[k], rule->unchecked), f[k]->status = C1_FIELD_REVIEW;
}

static void judge_rule(c1_station *s, int q)
{
    const station_rule *rule = &s->rules->rules[q];
    c1_field_result *f[C1_MAX_FIELDS + 1] = {0};
    int n = rule->n_terms + 1, sum = 0, all_zero = 1, accepted = 0;
    int unread = 0;
    for (int k = 0; k < n; k++) {
        const station_term *t = rule_term(rule, k);
        f[k] = term_field(s, t);
        if (!f[k]) {
            s->verdict[q] = C1_RULE_UNKNOWN;
            snprintf(s->why[q], sizeof s->why[q], "page %d missing", t->page);
            return;
        }
        unread |= f[k]->value < 0;
        all_zero &= f[k]->value == 0;
        accepted += f[k]->status == C1_FIELD_ACCEPTED;
        if (k < rule->n_terms)
            sum += f[k]->value;
    }
    if (unread) {
        rule_unchecked(s, rule, q, f, n);
        return;
    }
    if (sum != f[n - 1]->value && misread_explains(s, rule, f, n, sum, q))
        return;
    if (sum != f[n - 1]->value) {
        s->verdict[q] = C1_RULE_BROKEN;
        snprintf(s->why[q], sizeof s->why[q], "the terms add up to %d, the total reads %d", sum, f[n - 1]->value);
        for (int k = 0; k < n; k++)
            field_add_reason(f[k], rule->reason), f[k]->status = C1_FIELD_REVIEW;
        return;
    }
    s->verdict[q] = C1_RULE_HOLDS;
    /* 0 = 0 + 0 holds for any pages whose boxes all read empty: no evidence. */
    if (all_zero) {
        snprintf(s->why[q], sizeof s->why[q], "holds with every value 0: no evidence");
        return;
    }
    const double with_evidence = s->engine->gate.value[C1_GATE_ACCEPT_WITH_EVIDENCE];
    for (int k = 0; k < n; k++) {
        field_add_evidence(f[k], rule->evidence);
        /* The rest of the rule accepted on their own evidence: this field's value is what they add up
         * to, which its digits say too. Another page's writing of the number, read apart, lands on a
         * misread value only where the officer erred as well: it weighs as a witness. */
        int others_accepted = accepted - (f[k]->status == C1_FIELD_ACCEPTED) == n - 1;
        const station_term *t = rule_term(rule, k);
        if (f[k]->status != C1_FIELD_REVIEW || !others_accepted || !carried_by_rule(f[k]) ||
            s->pages[t->page]->from_station[t->field])   /* weighed in its page's judgement already */
            continue;
        const double c = f[k]->confidence, odds = c / (1 - c) * STATION_LR;
        const double posterior = c >= 1 ? 1 : odds / (1 + odds);
        if (posterior >= with_evidence)
            f[k]->confidence = posterior, f[k]->n_reasons = 0, f[k]->status = C1_FIELD_ACCEPTED;
    }
}

/* A rule all but one of whose fields are accepted on their own evidence: the one left in review is
 * given the rule's value as another writing of the number, and its page judged again with it
 * (validate.c weighs it as STATION_LR beside the field's readings, never in place of them). Where the
 * rule holds as read, that is for a doubt the rule alone cannot carry (a sum of its page failing as
 * its digits read it, a reader that disagrees): the page's failed sum may then be laid on its
 * misreading. Where it fails by that field alone, only a value its digits allow that keeps every sum
 * of its own page, failing as read, is lent: an officer's page off from the others adds its own sums
 * right, so they would fail with the value. Returns whether a page of the station was given a value. */
static int lend_rule_value(c1_station *s, const station_rule *rule)
{
    c1_field_result *f[C1_MAX_FIELDS + 1];
    int n = rule->n_terms + 1, sum = 0, accepted = 0, all_zero = 1;
    for (int k = 0; k < n; k++) {
        if (!(f[k] = term_field(s, rule_term(rule, k))) || f[k]->value < 0)
            return 0;
        sum += k < n - 1 ? f[k]->value : 0;
        accepted += f[k]->status == C1_FIELD_ACCEPTED;
        all_zero &= f[k]->value == 0;
    }
    if (all_zero || accepted != n - 1)
        return 0;
    for (int k = 0; k < n; k++) {
        if (f[k]->status != C1_FIELD_REVIEW)
            continue;
        const station_term *t = rule_term(rule, k);
        c1_result *page = s->pages[t->page];
        if (sum == f[n - 1]->value && !carried_by_rule(f[k])) {
            page->from_station[t->field] = f[k]->value + 1;
            return 1;
        }
        const int needed = value_keeping(f, n, sum, k);
        if (sum != f[n - 1]->value && needed >= 0 && reading_allows(&f[k]->ocr, needed) &&
            page_sums_kept_by(page, t->field, needed)) {
            page->from_station[t->field] = needed + 1;
            return 1;
        }
    }
    return 0;
}

static void lend_values(c1_station *s)
{
    int lent = 0;
    for (int q = 0; s->rules && q < s->rules->n_rules; q++)
        lent |= lend_rule_value(s, &s->rules->rules[q]);
    for (int p = 1; lent && p <= C1_MAX_PAGES; p++) {
        c1_result *r = s->pages[p];
        int given = 0;
        for (int i = 0; r && i < r->n_fields; i++)
            given |= r->from_station[i] != 0;
        if (!given)
            continue;
        for (int i = 0; i < r->n_fields; i++)
            r->fields[i].n_reasons = 0, r->fields[i].n_evidence = 0;
        validate_fields(s->engine, r);
    }
}

c1_error c1_station_check(c1_station *s)
{
    if (!s)
        return C1_ERR_INVALID_ARGUMENT;
    if (s->checked)
        return C1_OK;
    s->checked = 1;
    int twice = 0;
    for (int p = 1; p <= C1_MAX_PAGES; p++)
        twice = twice ? twice : s->duplicate[p] ? p : 0;
    if (!twice)
        lend_values(s);
    for (int q = 0; s->rules && q < s->rules->n_rules; q++) {
        if (twice) {   /* two photos of one page: two stations' photos, or a page taken again */
            s->verdict[q] = C1_RULE_UNKNOWN;
            snprintf(s->why[q], sizeof s->why[q], "page %d photographed more than once: not checked", twice);
        } else {
            judge_rule(s, q);
        }
    }
    return C1_OK;
}

int c1_station_page_count(const c1_station *s)
{
    for (int i = 0; s && s->form && i < s->engine->n_forms; i++)
        if (!strcmp(s->engine->forms[i].id, s->form))
            return s->engine->forms[i].pages;
    return 0;
}

int c1_station_has_page(const c1_station *s, int page)
{
    return s && page >= 1 && page <= C1_MAX_PAGES && s->pages[page] != NULL;
}

int c1_station_rule_count(const c1_station *s) { return s && s->rules ? s->rules->n_rules : 0; }

const char *c1_station_rule_id(const c1_station *s, int k)
{
    return k >= 0 && k < c1_station_rule_count(s) ? s->rules->rules[k].id : "";
}

c1_rule_verdict c1_station_rule_verdict(const c1_station *s, int k)
{
    return k >= 0 && k < c1_station_rule_count(s) && s->checked ? s->verdict[k] : C1_RULE_UNKNOWN;
}

static cJSON *rule_json(const c1_station *s, int q)
{
    static const char *const verdicts[] = {"holds", "broken", "unknown"};
    const station_rule *rule = &s->rules->rules[q];
    cJSON *o = cJSON_CreateObject();
    char text[600] = "";
    size_t at = 0;
    for (int k = 0; k <= rule->n_terms; k++) {
        const station_term *t = rule_term(rule, k);
        const c1_field_result *f = term_field(s, t);
        const c1_form *form = s->pages[t->page] ? s->pages[t->page]->form : NULL;
        at += (size_t)snprintf(text + at, sizeof text - at, "%s%d:%s", k == 0 ? "" : k == rule->n_terms ? " = " : " + ",
                               t->page, form ? form->fields[t->field].id : "?");
        if (f && f->value >= 0)
            at += (size_t)snprintf(text + at, sizeof text - at, " (%d)", f->value);
        if (at >= sizeof text)
            break;
    }
    cJSON_AddStringToObject(o, "rule", rule->id);
    cJSON_AddStringToObject(o, "verdict", verdicts[c1_station_rule_verdict(s, q)]);
    cJSON_AddStringToObject(o, "reads", text);
    if (s->why[q][0])
        cJSON_AddStringToObject(o, "why", s->why[q]);
    return o;
}

char *c1_station_to_json(const c1_station *s)
{
    if (!s)
        return NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "station", s->id);
    cJSON_AddStringToObject(root, "form", s->form ? s->form : "");
    cJSON *pages = cJSON_AddArrayToObject(root, "pages"), *missing = cJSON_AddArrayToObject(root, "missing_pages");
    for (int p = 1; p <= C1_MAX_PAGES; p++)
        if (s->pages[p]) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "page", p);
            cJSON_AddStringToObject(o, "file", s->files[p]);
            if (s->duplicate[p])
                cJSON_AddNumberToObject(o, "more_photos", s->duplicate[p]);
            cJSON_AddItemToArray(pages, o);
        }
    for (int p = 1; p <= c1_station_page_count(s); p++)
        if (!s->pages[p])
            cJSON_AddItemToArray(missing, cJSON_CreateNumber(p));
    cJSON *unread = cJSON_AddArrayToObject(root, "unread_photos");
    for (int k = 0; k < s->n_unread; k++)
        cJSON_AddItemToArray(unread, cJSON_CreateString(s->unread[k]));
    cJSON *rules = cJSON_AddArrayToObject(root, "rules");
    for (int q = 0; q < c1_station_rule_count(s); q++)
        cJSON_AddItemToArray(rules, rule_json(s, q));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}
