/* Optional accelerator of qbconnector.qbxml.parse.parse_response: a response message set read
 * straight from its bytes into the responses' fields and records, following the same conversion
 * plans as the pure-Python path.
 *
 * The reader takes the XML that QuickBooks writes (UTF-8, elements, attributes, text with the
 * five predefined entities and character references, CDATA, comments and processing
 * instructions outside the root) and gives up, returning None, on anything else or anything
 * libxml2 would refuse or treat otherwise: another encoding, a DOCTYPE, a comment or processing
 * instruction inside the document, namespaces, names beyond ASCII, a character XML forbids, any
 * malformed markup, limits libxml2 enforces. The caller then parses with lxml, which says what
 * is wrong. So the answers are the same either way; only the time differs.
 *
 * A plan is a dict: child tag -> (sub-plan or None for a leaf, value code, parser, repeats,
 * the spec declares attributes). parse(data, plan_for, record_type, parsers, json_values)
 * returns (root tag, [(message set attributes, [(tag, attributes, fields, records), ...]),
 * ...]); with json_values, values come as exports write them (jsonable of the typed value),
 * text already in that form kept as it is. record_type is a dict subclass with a tag slot: a
 * record is made empty and its tag set (its __init__ is not called).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <datetime.h>
#include <stdint.h>
#include <string.h>

#ifndef QBX_SOURCE_SHA
#define QBX_SOURCE_SHA ""             /* the build hook passes the SHA-256 of this file */
#endif

#define MAX_DEPTH 250                 /* libxml2 refuses deeper documents (256) */
#define MAX_TEXT 10000000             /* libxml2's limit of a text node without huge_tree */
#define MAX_NAME 50000                /* libxml2's limit of a name */

enum { K_ROOT, K_MSGS, K_RS, K_AGG, K_LEAF, K_SKIP };
enum { P_TEXT = 0, P_DECIMAL = 1, P_INT = 2, P_BOOL = 3, P_DATE = 4, P_DATETIME = 5,
       P_CALL = 6 };

/* A short text's first and last eight bytes as words, the head zero past the text when it is
 * shorter (the tail 0 then): with the length they tell texts of up to sixteen bytes apart
 * without a call of memcmp, and they are most of what its hash reads. */
typedef struct {
    uint64_t head, tail;
} Words;

/* An element's entry in its parent's plan, read out of the tuple once (see plan_entry). */
typedef struct {
    int known;             /* the plan names the element (else all below are 0 / NULL) */
    int leaf;              /* a value (the entry's sub-plan is None) */
    int code;              /* how its text is read (P_...) */
    int repeats;           /* always a list */
    int attrs;             /* the spec declares attributes */
    PyObject *plan;        /* borrowed: an aggregate's plan */
    PyObject *parser;      /* borrowed */
} Entry;

typedef struct {
    int kind;
    int depth4;            /* a child of a response: a field or a record */
    Py_ssize_t children;   /* element children seen */
    int has_attrs;         /* the element has attributes */
    int holds_tracked;     /* a value the cycle collector tracks was added to out */
    int collecting;        /* its text (before the first child) is being collected */
    Py_ssize_t text_start; /* where its text starts in the shared buffer */
    PyObject *tag;         /* owned */
    PyObject *out;         /* owned: the dict (or Record) being filled; a leaf's attributes */
    PyObject *plan;        /* owned: a response's plan; borrowed otherwise (NULL: unknown) */
    Entry entry;           /* the element's entry in its parent's plan */
    PyObject *text;        /* owned: its text, once a child has started (NULL: none) */
    PyObject *fields;      /* borrowed (responses): the response's fields */
    PyObject *records;     /* borrowed (responses): the response's records */
} Frame;

/* A value is made once per parse for each text (and way of reading it) seen again: a response
 * repeats most of its values (the same account, item, customer, date or amount on record after
 * record), and they are immutable (str, Decimal, date, datetime, bool, int), so records may
 * share them. Direct-mapped: a new text takes its slot, so a run of distinct values (IDs)
 * costs a hash and a copy each, and memory stays bounded. */
#define MEMO_KEY 46                   /* longer texts are not kept */
#define MEMO_SLOTS_MAX 4096

typedef struct Memo {
    PyObject *value;       /* owned; NULL: empty slot */
    PyObject *parser;      /* borrowed: with code, how the text was read */
    uint32_t hash;
    unsigned char len, code;
    Words words;           /* of key */
    unsigned char key[MEMO_KEY];
} Memo;

typedef struct {
    Frame frames[MAX_DEPTH + 2];
    int depth;
    char *buf;
    Py_ssize_t len, cap;
    Py_ssize_t run;        /* characters of text since the last tag */
    PyObject *plan_for, *record_type, *decimal, *date_iso, *datetime_iso, *parse_datetime;
    PyObject *jsonable;    /* values for JSON: typed values -> text, as exports write them */
    int json_values;       /* give values JSON-ready (canonical text stays text) */
    PyObject *root_tag;    /* owned */
    PyObject *result;      /* owned: list of (attributes, responses) */
    PyObject *responses;   /* borrowed: the current message set's list */
    int fallback;          /* give up: the caller parses with lxml */
    int error;             /* a Python exception is set */
    struct Memo *memo;     /* values made once per parse (see leaf_value) */
    size_t memo_mask;
    /* the reader's own */
    char *tmp;             /* a start tag's attribute names and values, each NUL-ended */
    Py_ssize_t tmp_len, tmp_cap;
    Py_ssize_t *offsets;   /* where each of them starts in tmp */
    const char **atts;     /* the attributes as on_start takes them: name, value, ..., NULL */
    Py_ssize_t atts_cap;
    const unsigned char *open_name[MAX_DEPTH + 2];   /* the open elements' names, to match */
    Py_ssize_t open_len[MAX_DEPTH + 2];              /* their end tags */
    Words open_words[MAX_DEPTH + 2];                 /* (the names' words) */
    const unsigned char *safe;   /* just past the document's last '<': a run of text or a name
                                  * starting before it ends at that '<' at the latest, so
                                  * those scans need not check for the end of the document */
} State;

static uint64_t PREFIX[9];            /* PREFIX[n] keeps the first n bytes of a word */

static inline Words words(const unsigned char *s, Py_ssize_t n, const unsigned char *limit)
{
    /* limit: how far s may be read; a text shorter than eight bytes with eight at hand is
     * read as one word, then masked. */
    Words w = {0, 0};
    if (n >= 8) {
        memcpy(&w.head, s, 8);
        memcpy(&w.tail, s + n - 8, 8);
    } else if (limit - s >= 8) {
        memcpy(&w.head, s, 8);
        w.head &= PREFIX[n];
    } else {
        memcpy(&w.head, s, n);
    }
    return w;
}

static inline uint64_t mix(uint64_t x, uint64_t w)
{
    x = (x ^ w) * 0xFF51AFD7ED558CCDULL;
    return x ^ (x >> 29);
}

static inline uint32_t hash_text(const unsigned char *s, Py_ssize_t n, Words w, uint64_t seed)
{
    /* A quick hash of a short text (w its words): head, the middle eight bytes at a time
     * (the last of them overlapping the tail), tail; the high half of the last product. */
    uint64_t x = seed ^ (uint64_t)n ^ w.head;
    for (Py_ssize_t i = 8; i < n - 8; i += 8) {
        uint64_t m;
        memcpy(&m, s + i, 8);
        x = mix(x, m);
    }
    x = (x ^ (w.tail * 0x9E3779B97F4A7C15ULL)) * 0xFF51AFD7ED558CCDULL;
    return (uint32_t)(x >> 32);
}

static inline int same_text(const unsigned char *a, Words wa, const unsigned char *b, Words wb,
                            Py_ssize_t n)
{
    /* Two texts of n bytes (wa, wb their words) are the same. */
    return wa.head == wb.head && wa.tail == wb.tail
        && (n <= 16 || memcmp(a + 8, b + 8, n - 16) == 0);
}

/* Element names as interned strings, kept across calls: qbXML has a few thousand names, and
 * making each tag's string anew was a good part of the time. Open addressing on the UTF-8
 * name; when the table is full, names are made as they come. */
#define NAMES 8192
static struct {
    uint32_t len;
    Words words;
    unsigned char *name;
    PyObject *str;
} names[NAMES];
static int names_used = 0;

/* Entries found in plans, by plan and name (its slot in names): the plan's dict lookup and the
 * reading of its tuple are done once for each. Direct-mapped; the plan and entry are held (a
 * plan cannot be freed and another made at its address meanwhile); plans are made once by
 * parse.py and never changed. */
#define FOUND 2048
static struct {
    PyObject *plan, *entry;
    int index;
    Entry found;
} found_cache[FOUND];

static PyObject *name_string(const unsigned char *name, Py_ssize_t n, Words w, int *index)
{
    /* The element name's interned string (new reference), and in *index its slot in names
     * (-1: the table is full). w: the name's words. */
    uint32_t h = hash_text(name, n, w, 0x9E3779B97F4A7C15ULL);
    *index = -1;
    for (unsigned long probe = 0; probe < NAMES; probe++) {
        size_t slot = (h + probe) & (NAMES - 1);
        if (names[slot].name == NULL) {
            PyObject *str = PyUnicode_FromStringAndSize((const char *)name, n);
            if (str == NULL)
                return NULL;
            PyUnicode_InternInPlace(&str);
            if (names_used < NAMES / 2) {            /* keep the table sparse */
                unsigned char *copy = PyMem_RawMalloc(n);
                if (copy != NULL) {
                    memcpy(copy, name, n);
                    names[slot].words = w;
                    names[slot].len = (uint32_t)n;
                    names[slot].name = copy;
                    Py_INCREF(str);
                    names[slot].str = str;
                    names_used++;
                    *index = (int)slot;
                }
            }
            return str;
        }
        if (names[slot].len == n && same_text(names[slot].name, names[slot].words, name, w, n)) {
            *index = (int)slot;
            Py_INCREF(names[slot].str);
            return names[slot].str;
        }
    }
    return PyUnicode_FromStringAndSize((const char *)name, n);
}

static int plan_entry(PyObject *plan, PyObject *tag, int index, Entry *found)
{
    /* The entry of tag in plan (NULL: none) as an Entry; 0, or -1 with an exception set. */
    memset(found, 0, sizeof(Entry));
    if (plan == NULL)
        return 0;
    size_t slot = (((uintptr_t)plan >> 4) ^ ((size_t)index * 0x9E3779B1u)) & (FOUND - 1);
    if (index >= 0 && found_cache[slot].plan == plan && found_cache[slot].index == index) {
        *found = found_cache[slot].found;
        return 0;
    }
    PyObject *entry = PyDict_GetItemWithError(plan, tag);
    if (entry == NULL && PyErr_Occurred())
        return -1;
    if (entry != NULL) {
        found->known = 1;
        found->leaf = PyTuple_GET_ITEM(entry, 0) == Py_None;
        found->plan = found->leaf ? NULL : PyTuple_GET_ITEM(entry, 0);
        found->code = (int)PyLong_AsLong(PyTuple_GET_ITEM(entry, 1));
        found->parser = PyTuple_GET_ITEM(entry, 2);
        found->repeats = PyObject_IsTrue(PyTuple_GET_ITEM(entry, 3));
        found->attrs = PyObject_IsTrue(PyTuple_GET_ITEM(entry, 4));
        if (PyErr_Occurred())
            return -1;
    }
    if (index >= 0) {
        PyObject *old_plan = found_cache[slot].plan, *old_entry = found_cache[slot].entry;
        Py_INCREF(plan);
        Py_XINCREF(entry);
        found_cache[slot].plan = plan;
        found_cache[slot].entry = entry;
        found_cache[slot].index = index;
        found_cache[slot].found = *found;
        Py_XDECREF(old_plan);           /* last: the slot is whole again if this frees */
        Py_XDECREF(old_entry);
    }
    return 0;
}

static void give_up(State *st) { st->fallback = 1; }

static int stopped(State *st) { return st->fallback || st->error; }

static PyObject *decode(const char *s, Py_ssize_t n)
{
    /* UTF-8 text (already checked) as a str. ASCII, the usual case, is copied as it is: a
     * good part of the general decoder's time is its bookkeeping around a short text. */
    uint64_t high = 0;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        high |= w;
    }
    for (; i < n; i++)
        high |= (unsigned char)s[i];
    if (n < 2 || (high & 0x8080808080808080ULL))   /* one character: Python's own str */
        return PyUnicode_DecodeUTF8(s, n, "strict");
    PyObject *str = PyUnicode_New(n, 127);
    if (str != NULL)
        memcpy(PyUnicode_DATA(str), s, n);
    return str;
}

static PyObject *text_of(State *st, Frame *f)
{
    /* The frame's text as lxml's .text has it: None when there is none. */
    if (f->text != NULL) {
        Py_INCREF(f->text);
        return f->text;
    }
    Py_ssize_t n = st->len - f->text_start;
    if (!f->collecting || n <= 0)
        Py_RETURN_NONE;
    return decode(st->buf + f->text_start, n);
}

static int close_text(State *st, Frame *f)
{
    /* A child starts: the text before it is the element's text; later text is not. */
    if (!f->collecting)
        return 0;
    if (st->len > f->text_start) {
        f->text = decode(st->buf + f->text_start, st->len - f->text_start);
        if (f->text == NULL)
            return -1;
    }
    st->len = f->text_start;
    f->collecting = 0;
    return 0;
}

static PyObject *typed(State *st, PyObject *text, int code, PyObject *parser)
{
    /* A leaf's value: "" without text, else the parsed value, or the text if it does not
     * parse (ValueError, ArithmeticError), as the pure-Python path does. */
    PyObject *value = NULL;
    if (text == Py_None)
        return PyUnicode_FromStringAndSize("", 0);
    if (code == P_TEXT || PyUnicode_GET_LENGTH(text) == 0) {
        Py_INCREF(text);
        return text;
    }
    switch (code) {
    case P_DECIMAL:
        value = PyObject_CallOneArg(st->decimal, text);
        break;
    case P_INT:
        value = PyLong_FromUnicodeObject(text, 10);
        break;
    case P_BOOL: {
        const char *s = PyUnicode_AsUTF8(text);
        if (s == NULL)
            return NULL;
        if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
            Py_RETURN_TRUE;
        if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
            Py_RETURN_FALSE;
        Py_INCREF(text);
        return text;
    }
    case P_DATE:
        value = PyObject_CallOneArg(st->date_iso, text);
        break;
    case P_DATETIME:
        if (PyUnicode_FindChar(text, 'T', 0, PyUnicode_GET_LENGTH(text), 1) < 0) {
            value = PyObject_CallOneArg(st->date_iso, text);
        } else {
            value = PyObject_CallOneArg(st->datetime_iso, text);
            if (value == NULL && PyErr_ExceptionMatches(PyExc_ValueError)) {
                PyErr_Clear();     /* unpadded parts: the Python parser normalises them */
                value = PyObject_CallOneArg(st->parse_datetime, text);
            }
        }
        break;
    default:
        value = PyObject_CallOneArg(parser, text);
    }
    if (value == NULL && (PyErr_ExceptionMatches(PyExc_ValueError)
                          || PyErr_ExceptionMatches(PyExc_ArithmeticError))) {
        PyErr_Clear();
        Py_INCREF(text);
        return text;
    }
    return value;
}

static int digits(const char *s, Py_ssize_t from, Py_ssize_t to)
{
    for (Py_ssize_t i = from; i < to; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int canonical_decimal(const char *s, Py_ssize_t n)
{
    /* Text that format(Decimal(text), "f") gives back unchanged: -?(0|[1-9][0-9]*)(.[0-9]+)? */
    Py_ssize_t i = s[0] == '-' ? 1 : 0;
    if (i >= n)
        return 0;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return 0;
    }
    if (i == n)
        return 1;
    if (s[i] != '.' || i + 1 == n)
        return 0;
    return digits(s, i + 1, n);
}

static int canonical_date(const char *s, Py_ssize_t n)
{
    /* YYYY-MM-DD: a valid one is its own isoformat(), an invalid one stays text anyway. */
    return n == 10 && digits(s, 0, 4) && s[4] == '-' && digits(s, 5, 7) && s[7] == '-'
        && digits(s, 8, 10);
}

static int canonical_datetime(const char *s, Py_ssize_t n)
{
    /* YYYY-MM-DDTHH:MM:SS+HH:MM (not -00:00, which isoformat() writes +00:00). */
    return n == 25 && canonical_date(s, 10) && s[10] == 'T' && digits(s, 11, 13)
        && s[13] == ':' && digits(s, 14, 16) && s[16] == ':' && digits(s, 17, 19)
        && (s[19] == '+' || s[19] == '-') && digits(s, 20, 22) && s[22] == ':'
        && digits(s, 23, 25) && !(s[19] == '-' && memcmp(s + 20, "00:00", 5) == 0);
}

static PyObject *json_value(State *st, PyObject *text, int code, PyObject *parser)
{
    /* The value as an export writes it (what jsonable(typed value) gives): text that is
     * already in that form is kept without making the typed value at all. */
    if (text != Py_None && (code == P_DECIMAL || code == P_DATE || code == P_DATETIME)) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(text, &n);
        if (s == NULL)
            return NULL;
        if (n > 0 && ((code == P_DECIMAL && canonical_decimal(s, n))
                      || (code != P_DECIMAL && canonical_date(s, n))
                      || (code == P_DATETIME && canonical_datetime(s, n)))) {
            Py_INCREF(text);
            return text;
        }
    }
    PyObject *value = typed(st, text, code, parser);
    if (value == NULL || PyUnicode_CheckExact(value) || PyBool_Check(value)
        || PyLong_CheckExact(value))
        return value;
    PyObject *ready = PyObject_CallOneArg(st->jsonable, value);
    Py_DECREF(value);
    return ready;
}

static int add_child(Frame *parent, PyObject *tag, PyObject *value, int repeats)
{
    /* Add a child's value to parent->out: a list when the child repeats (or comes twice). */
    PyObject *out = parent->out, *current;
    if (repeats || PyObject_GC_IsTracked(value))
        parent->holds_tracked = 1;
    if (!repeats) {                   /* one lookup: most children come once */
        Py_ssize_t before = PyDict_GET_SIZE(out);
        current = PyDict_SetDefault(out, tag, value);
        if (current == NULL)
            return -1;
        if (PyDict_GET_SIZE(out) > before)
            return 0;
    } else if ((current = PyDict_GetItemWithError(out, tag)) == NULL) {
        if (PyErr_Occurred())
            return -1;
        PyObject *list = PyList_New(1);
        if (list == NULL)
            return -1;
        Py_INCREF(value);
        PyList_SET_ITEM(list, 0, value);
        int rc = PyDict_SetItem(out, tag, list);
        Py_DECREF(list);
        return rc;
    }
    parent->holds_tracked = 1;
    if (PyList_Check(current))
        return PyList_Append(current, value);
    PyObject *pair = PyList_New(2);
    if (pair == NULL)
        return -1;
    Py_INCREF(current);
    Py_INCREF(value);
    PyList_SET_ITEM(pair, 0, current);
    PyList_SET_ITEM(pair, 1, value);
    int rc = PyDict_SetItem(out, tag, pair);
    Py_DECREF(pair);
    return rc;
}

static PyObject *attributes(const char **atts, int prefixed)
{
    PyObject *out = PyDict_New();
    if (out == NULL)
        return NULL;
    for (int i = 0; atts[i] != NULL; i += 2) {
        PyObject *key = prefixed ? PyUnicode_FromFormat("@%s", atts[i])
                                 : PyUnicode_FromString(atts[i]);
        PyObject *value = PyUnicode_FromString(atts[i + 1]);
        if (key == NULL || value == NULL || PyDict_SetItem(out, key, value) < 0) {
            Py_XDECREF(key);
            Py_XDECREF(value);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(key);
        Py_DECREF(value);
    }
    return out;
}

static int unusual(const char **atts)
{
    /* What the fast path leaves to lxml: namespace declarations and attribute values past its
     * limits (the reader has already left prefixed, non-ASCII and overlong names to it). */
    for (int i = 0; atts[i] != NULL; i += 2) {
        if (strncmp(atts[i], "xmlns", 5) == 0 || strchr(atts[i], ':') != NULL
            || strlen(atts[i + 1]) > MAX_TEXT)
            return 1;
    }
    return 0;
}

static void release(Frame *f)
{
    Py_CLEAR(f->tag);
    Py_CLEAR(f->out);
    Py_CLEAR(f->text);
    if (f->kind == K_RS)
        Py_CLEAR(f->plan);
    f->plan = NULL;
}

static PyObject *new_record(State *st, PyObject *tag)
{
    /* An empty record_type (a dict subclass) with its tag, without a call of its __init__. */
    static PyObject *tag_name = NULL, *no_args = NULL;
    if (tag_name == NULL && (tag_name = PyUnicode_InternFromString("tag")) == NULL)
        return NULL;
    if (no_args == NULL && (no_args = PyTuple_New(0)) == NULL)
        return NULL;
    PyObject *record = PyDict_Type.tp_new((PyTypeObject *)st->record_type, no_args, NULL);
    if (record != NULL && PyObject_SetAttr(record, tag_name, tag) < 0)
        Py_CLEAR(record);
    return record;
}

static void on_start(State *st, const unsigned char *name, Py_ssize_t name_len,
                     Words name_words, const char **atts)
{
    /* name: name_len bytes of the document (name_words its words); attributes NUL-ended
     * UTF-8 (the reader's scratch buffer): name, value, ..., NULL. */
    if (stopped(st))
        return;
    st->run = 0;
    if (st->depth >= MAX_DEPTH || (atts[0] != NULL && unusual(atts))) {
        give_up(st);
        return;
    }
    Frame *parent = st->depth > 0 ? &st->frames[st->depth] : NULL;
    Frame *f = &st->frames[st->depth + 1];
    f->kind = 0;
    f->depth4 = 0;
    f->children = 0;
    f->has_attrs = 0;
    f->holds_tracked = 0;
    f->collecting = 0;
    f->text_start = 0;
    f->tag = f->out = f->plan = f->text = f->fields = f->records = NULL;
    if (parent != NULL) {
        parent->children++;
        if (close_text(st, parent) < 0)
            goto error;
        if (parent->kind == K_LEAF || parent->kind == K_SKIP) {
            f->kind = K_SKIP;             /* inside a value: ignored, as by the Python path */
            st->depth++;
            return;
        }
    }
    int index;
    f->tag = name_string(name, name_len, name_words, &index);
    if (f->tag == NULL)
        goto error;
    f->has_attrs = atts[0] != NULL;
    f->text_start = st->len;
    if (parent == NULL) {                                   /* the root */
        if (!(name_len == 5 && memcmp(name, "QBXML", 5) == 0)
            && !(name_len == 8 && memcmp(name, "QBPOSXML", 8) == 0)) {
            Py_CLEAR(f->tag);
            give_up(st);
            return;
        }
        f->kind = K_ROOT;
        Py_INCREF(f->tag);
        st->root_tag = f->tag;
    } else if (parent->kind == K_ROOT) {                    /* a message set */
        if (name_len < 6 || memcmp(name + name_len - 6, "MsgsRs", 6) != 0) {
            Py_CLEAR(f->tag);
            give_up(st);
            return;
        }
        f->kind = K_MSGS;
        PyObject *attrs = attributes(atts, 0);
        PyObject *list = PyList_New(0);
        PyObject *item = (attrs && list) ? PyTuple_Pack(2, attrs, list) : NULL;
        Py_XDECREF(attrs);
        Py_XDECREF(list);
        if (item == NULL || PyList_Append(st->result, item) < 0) {
            Py_XDECREF(item);
            goto error;
        }
        Py_DECREF(item);
        st->responses = list;
    } else if (parent->kind == K_MSGS) {                    /* a response */
        f->kind = K_RS;
        f->plan = PyObject_CallFunctionObjArgs(st->plan_for, st->root_tag, f->tag, NULL);
        if (f->plan == NULL)
            goto error;
        if (!PyDict_Check(f->plan)) {
            PyErr_SetString(PyExc_TypeError, "plan_for must return a dict");
            goto error;
        }
        PyObject *attrs = attributes(atts, 0);
        PyObject *fields = PyDict_New();
        PyObject *records = PyList_New(0);
        PyObject *item = (attrs && fields && records)
            ? PyTuple_Pack(4, f->tag, attrs, fields, records) : NULL;
        Py_XDECREF(attrs);
        Py_XDECREF(fields);
        Py_XDECREF(records);
        if (item == NULL || PyList_Append(st->responses, item) < 0) {
            Py_XDECREF(item);
            goto error;
        }
        Py_DECREF(item);
        f->fields = fields;
        f->records = records;
    } else if (parent->kind == K_RS || parent->kind == K_AGG) {   /* in a response */
        f->depth4 = parent->kind == K_RS;
        if (plan_entry(parent->plan, f->tag, index, &f->entry) < 0)
            goto error;
        int spec_attrs = f->entry.attrs;
        if (f->entry.leaf) {
            f->kind = K_LEAF;
            f->collecting = 1;
            if (!f->depth4 && spec_attrs && f->has_attrs) {
                f->out = attributes(atts, 1);
                if (f->out == NULL)
                    goto error;
            }
        } else {
            f->kind = K_AGG;
            f->plan = f->entry.plan;
            f->collecting = !f->entry.known;          /* an unknown element may be a leaf */
            f->out = f->depth4 ? new_record(st, f->tag) : PyDict_New();
            if (f->out == NULL)
                goto error;
            if ((!f->entry.known || spec_attrs) && f->has_attrs) {
                PyObject *attrs = attributes(atts, 1);
                if (attrs == NULL || PyDict_Update(f->out, attrs) < 0) {
                    Py_XDECREF(attrs);
                    goto error;
                }
                Py_DECREF(attrs);
            }
        }
    } else {
        give_up(st);
        return;
    }
    st->depth++;
    return;
error:
    release(f);
    st->error = 1;
}

static PyObject *read_value(State *st, Frame *f, int code, PyObject *parser)
{
    PyObject *text = text_of(st, f);
    if (text == NULL)
        return NULL;
    PyObject *value = st->json_values ? json_value(st, text, code, parser)
                                      : typed(st, text, code, parser);
    Py_DECREF(text);
    return value;
}

static int immutable(State *st, PyObject *value)
{
    /* Only values no one can change are shared: what the parsers make today (a parser that
     * made anything else would have its values made anew for each record). */
    PyTypeObject *type = Py_TYPE(value);
    return type == &PyUnicode_Type || type == &PyLong_Type || type == &PyBool_Type
        || type == (PyTypeObject *)st->decimal || PyDate_CheckExact(value)
        || PyDateTime_CheckExact(value) || PyDelta_CheckExact(value);
}

static PyObject *leaf_value(State *st, Frame *f)
{
    /* A leaf's value, from the memo when the same text was read the same way before. */
    int code = f->entry.code;
    PyObject *parser = f->entry.parser;
    Py_ssize_t n = st->len - f->text_start;
    if (st->memo == NULL || f->text != NULL || !f->collecting || n <= 0 || n > MEMO_KEY)
        return read_value(st, f, code, parser);
    const unsigned char *s = (const unsigned char *)st->buf + f->text_start;
    Words w = words(s, n, (const unsigned char *)st->buf + st->cap);
    uint32_t h = hash_text(s, n, w, 0x9E3779B97F4A7C15ULL * ((uint64_t)code + 1)
                                    ^ (uint64_t)(uintptr_t)parser);
    Memo *slot = &st->memo[(h ^ (h >> 15)) & st->memo_mask];
    if (slot->value != NULL && slot->hash == h && slot->len == n && slot->code == code
        && slot->parser == parser && same_text(slot->key, slot->words, s, w, n)) {
        Py_INCREF(slot->value);
        return slot->value;
    }
    PyObject *value = read_value(st, f, code, parser);
    if (value == NULL || !immutable(st, value))
        return value;
    Py_XSETREF(slot->value, Py_NewRef(value));
    slot->parser = parser;
    slot->hash = h;
    slot->len = (unsigned char)n;
    slot->code = (unsigned char)code;
    slot->words = w;
    memcpy(slot->key, s, n);
    return value;
}

static int finish(State *st, Frame *f, Frame *parent)
{
    PyObject *value = NULL;
    int rc = -1;
    if (f->kind == K_LEAF) {
        value = leaf_value(st, f);
        if (value == NULL)
            return -1;
        if (f->depth4) {
            rc = PyDict_SetItem(parent->fields, f->tag, value);
        } else {
            if (f->out != NULL) {                   /* {"@attr": ..., "#text": value} */
                if (PyDict_SetItemString(f->out, "#text", value) < 0)
                    goto done;
                Py_DECREF(value);
                value = f->out;
                f->out = NULL;
            }
            rc = add_child(parent, f->tag, value, f->entry.repeats);
        }
    } else if (!f->entry.known && f->children == 0 && (f->depth4 || !f->has_attrs)) {
        PyObject *text = text_of(st, f);                 /* an unknown leaf: its text */
        if (text == NULL)
            return -1;
        value = text == Py_None ? PyUnicode_FromStringAndSize("", 0) : text;
        if (text == Py_None)
            Py_DECREF(text);
        if (value == NULL)
            return -1;
        rc = f->depth4 ? PyDict_SetItem(parent->fields, f->tag, value)
                       : add_child(parent, f->tag, value, 0);
    } else {
        /* Holding only values the collector does not track (text, numbers, dates, and dicts
         * of them), the dict need not be tracked either, as Python does for its own dicts:
         * collections then skip the records. Storing a tracked value tracks it again. */
        if (!f->holds_tracked)
            PyObject_GC_UnTrack(f->out);
        if (f->depth4) {
            rc = PyList_Append(parent->records, f->out);
        } else {
            rc = add_child(parent, f->tag, f->out, f->entry.repeats);
        }
    }
done:
    Py_XDECREF(value);
    return rc;
}

static void on_end(State *st)
{
    if (stopped(st))
        return;
    st->run = 0;
    Frame *f = &st->frames[st->depth];
    Frame *parent = st->depth > 1 ? &st->frames[st->depth - 1] : NULL;
    if ((f->kind == K_LEAF || f->kind == K_AGG) && finish(st, f, parent) < 0)
        st->error = 1;
    if (f->collecting)
        st->len = f->text_start;
    release(f);
    st->depth--;
}

static inline int append(State *st, char **buf, Py_ssize_t *len, Py_ssize_t *cap,
                         const char *s, Py_ssize_t n)
{
    /* Add n bytes to a growing buffer (the text collected, a start tag's strings). */
    if (*len + n > *cap) {
        Py_ssize_t grown_cap = *cap * 2 > *len + n ? *cap * 2 : *len + n + 4096;
        char *grown = PyMem_Realloc(*buf, grown_cap);
        if (grown == NULL) {
            PyErr_NoMemory();
            st->error = 1;
            return -1;
        }
        *buf = grown;
        *cap = grown_cap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    return 0;
}

static void on_text(State *st, const char *s, Py_ssize_t len)
{
    if (stopped(st))
        return;
    st->run += len;
    if (st->run > MAX_TEXT) {
        give_up(st);
        return;
    }
    if (st->depth > 0 && st->frames[st->depth].collecting)
        append(st, &st->buf, &st->len, &st->cap, s, len);
}

/* -- the reader: bytes -> on_start / on_text / on_end ------------------------------------ */

static unsigned char NAME[256];       /* 3: may start a name, 2: may continue one (ASCII only) */
static unsigned char SPECIAL[256];    /* ends a run of text: < & CR ] */

static int acceptable_chars(const unsigned char *s, Py_ssize_t n)
{
    /* Every character is one XML 1.0 allows, in well-formed UTF-8 (no control characters but
     * tab, LF and CR; no surrogates, U+FFFE or U+FFFF; nothing overlong or past U+10FFFF). */
    Py_ssize_t i = 0;
    while (i < n) {
        while (i + 8 <= n) {           /* eight ASCII characters at or above space at a time */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & 0x8080808080808080ULL)
                || ((w - 0x2020202020202020ULL) & ~w & 0x8080808080808080ULL))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = s[i];
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                return 0;
            i++;
            continue;
        }
        uint32_t cp;
        int len;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (int k = 1; k < len; k++) {
            unsigned char d = s[i + k];
            if ((d & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
            || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
            return 0;
        i += len;
    }
    return 1;
}

static const unsigned char *skip_space(const unsigned char *p, const unsigned char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    return p;
}

static const unsigned char *name_end(const unsigned char *p, const unsigned char *end,
                                     const unsigned char *safe)
{
    /* Past an ASCII name starting at p, or NULL: no name there, or one the reader leaves to
     * lxml (a prefix, a character beyond ASCII, longer than libxml2 takes). safe: see
     * State.safe (p itself when not known). */
    const unsigned char *start = p;
    if (p >= end || NAME[*p] != 3)
        return NULL;
    p++;
    if (p < safe) {
        while (NAME[*p])
            p++;
    } else {
        while (p < end && NAME[*p])
            p++;
    }
    if (p < end && (*p == ':' || *p >= 0x80))
        return NULL;
    if (p - start > MAX_NAME)
        return NULL;
    return p;
}

static int reference(const unsigned char **at, const unsigned char *end, char out[4])
{
    /* The character *at ('&...;') stands for, as UTF-8 in out; its length, or 0 (give up:
     * an entity XML does not predefine, a malformed reference, a character XML forbids). */
    const unsigned char *p = *at + 1;
    if (p < end && *p == '#') {
        uint32_t cp = 0;
        int hex = 0, digits = 0;
        p++;
        if (p < end && *p == 'x') {
            hex = 1;
            p++;
        }
        for (; p < end && *p != ';'; p++, digits++) {
            unsigned d;
            if (*p >= '0' && *p <= '9')
                d = *p - '0';
            else if (hex && (*p | 32) >= 'a' && (*p | 32) <= 'f')
                d = (*p | 32) - 'a' + 10;
            else
                return 0;
            cp = cp * (hex ? 16 : 10) + d;
            if (cp > 0x10FFFF)
                return 0;
        }
        if (p >= end || digits == 0)
            return 0;
        if (!(cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF)
              || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF)))
            return 0;
        *at = p + 1;
        if (cp < 0x80) {
            out[0] = (char)cp;
            return 1;
        }
        if (cp < 0x800) {
            out[0] = (char)(0xC0 | (cp >> 6));
            out[1] = (char)(0x80 | (cp & 0x3F));
            return 2;
        }
        if (cp < 0x10000) {
            out[0] = (char)(0xE0 | (cp >> 12));
            out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[2] = (char)(0x80 | (cp & 0x3F));
            return 3;
        }
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    static const struct { const char *name; Py_ssize_t len; char c; } predefined[] = {
        {"lt;", 3, '<'}, {"gt;", 3, '>'}, {"amp;", 4, '&'}, {"apos;", 5, '\''},
        {"quot;", 5, '"'}};
    for (size_t i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++) {
        if (end - p >= predefined[i].len && memcmp(p, predefined[i].name, predefined[i].len) == 0) {
            out[0] = predefined[i].c;
            *at = p + predefined[i].len;
            return 1;
        }
    }
    return 0;
}

static int put(State *st, const char *s, Py_ssize_t n)
{
    return append(st, &st->tmp, &st->tmp_len, &st->tmp_cap, s, n);
}

static int mark(State *st, Py_ssize_t index)
{
    /* Note that the index-th string of the tag starts here. */
    if (index + 2 > st->atts_cap) {
        Py_ssize_t cap = st->atts_cap * 2 > index + 2 ? st->atts_cap * 2 : index + 16;
        Py_ssize_t *offsets = PyMem_Realloc(st->offsets, cap * sizeof(Py_ssize_t));
        if (offsets != NULL)
            st->offsets = offsets;
        const char **atts = offsets == NULL ? NULL
            : PyMem_Realloc(st->atts, cap * sizeof(char *));
        if (atts == NULL) {
            PyErr_NoMemory();
            st->error = 1;
            return -1;
        }
        st->atts = atts;
        st->atts_cap = cap;
    }
    st->offsets[index] = st->tmp_len;
    return 0;
}

static const unsigned char *start_tag(State *st, const unsigned char *p,
                                      const unsigned char *end)
{
    /* p is at '<' of a start tag: read it, open the element (on_start, and on_end too for
     * an empty-element tag); past it, or NULL (gave up or failed). */
    const unsigned char *name = p + 1, *q = name_end(name, end, st->safe);
    if (q == NULL)
        return NULL;
    Py_ssize_t name_len = q - name;
    static const char *no_atts[1] = {NULL};
    const char **atts = no_atts;
    int empty;
    if (q < end && *q == '>') {            /* the usual tag: no attributes */
        p = q + 1;
        empty = 0;
        goto open;
    }
    st->tmp_len = 0;
    Py_ssize_t strings = 0;
    p = q;
    for (;;) {
        q = skip_space(p, end);
        if (q >= end)
            return NULL;
        if (*q == '>') {
            p = q + 1;
            empty = 0;
            break;
        }
        if (*q == '/') {
            if (q + 1 >= end || q[1] != '>')
                return NULL;
            p = q + 2;
            empty = 1;
            break;
        }
        if (q == p)                        /* an attribute must follow white space */
            return NULL;
        const unsigned char *att = q;
        q = name_end(att, end, st->safe);
        if (q == NULL)
            return NULL;
        for (Py_ssize_t i = 0; i < strings; i += 2) {      /* a repeated attribute */
            const char *seen = st->tmp + st->offsets[i];
            if ((Py_ssize_t)strlen(seen) == q - att && memcmp(seen, att, q - att) == 0)
                return NULL;
        }
        if (mark(st, strings++) < 0 || put(st, (const char *)att, q - att) < 0
            || put(st, "", 1) < 0)
            return NULL;
        q = skip_space(q, end);
        if (q >= end || *q != '=')
            return NULL;
        q = skip_space(q + 1, end);
        if (q >= end || (*q != '"' && *q != '\''))
            return NULL;
        unsigned char quote = *q++;
        if (mark(st, strings++) < 0)
            return NULL;
        for (;;) {                          /* the value, normalized as XML says */
            const unsigned char *run = q;
            while (q < end && *q != quote && *q != '<' && *q != '&' && *q != '\t'
                   && *q != '\n' && *q != '\r')
                q++;
            if (q > run && put(st, (const char *)run, q - run) < 0)
                return NULL;
            if (q >= end || *q == '<')
                return NULL;
            if (*q == quote) {
                q++;
                break;
            }
            if (*q == '&') {
                char out[4];
                int n = reference(&q, end, out);
                if (n == 0 || put(st, out, n) < 0)
                    return NULL;
                continue;
            }
            if (*q == '\r' && q + 1 < end && q[1] == '\n')
                q++;                        /* CR LF is one line end */
            q++;
            if (put(st, " ", 1) < 0)
                return NULL;
        }
        if (put(st, "", 1) < 0)
            return NULL;
        p = q;
    }
    if (strings > 0) {
        for (Py_ssize_t i = 0; i < strings; i++)
            st->atts[i] = st->tmp + st->offsets[i];
        st->atts[strings] = NULL;
        atts = st->atts;
    }
open:
    if (st->depth >= MAX_DEPTH) {
        give_up(st);
        return NULL;
    }
    Words w = words(name, name_len, end);
    st->open_name[st->depth] = name;
    st->open_len[st->depth] = name_len;
    st->open_words[st->depth] = w;
    on_start(st, name, name_len, w, atts);
    if (empty && !stopped(st))
        on_end(st);
    return stopped(st) ? NULL : p;
}

static const unsigned char *end_tag(State *st, const unsigned char *p, const unsigned char *end)
{
    /* p is at '</': the end tag of the open element, closing it (on_end). */
    const unsigned char *name = p + 2;
    if (st->depth < 1)
        return NULL;
    /* The open element's name, then white space or '>' (neither continues a name). */
    Py_ssize_t open = st->depth - 1, n = st->open_len[open];
    if (end - name <= n
        || !same_text(name, words(name, n, end), st->open_name[open], st->open_words[open], n))
        return NULL;
    const unsigned char *q = skip_space(name + n, end);
    if (q >= end || *q != '>')
        return NULL;
    on_end(st);
    return stopped(st) ? NULL : q + 1;
}

static const unsigned char *comment_end(const unsigned char *p, const unsigned char *end)
{
    /* p is at '<!--': past the comment, or NULL ('--' inside, or no end). */
    for (p += 4; end - p >= 2; p++) {
        if (p[0] == '-' && p[1] == '-')
            return end - p >= 3 && p[2] == '>' ? p + 3 : NULL;
    }
    return NULL;
}

static const unsigned char *pi_end(const unsigned char *p, const unsigned char *end)
{
    /* p is at '<?' of a processing instruction outside the root: past it, or NULL (its
     * target is xml in any case, which only the declaration at the start may be). */
    const unsigned char *target = p + 2, *q = name_end(target, end, target);
    if (q == NULL)
        return NULL;
    if (q - target == 3 && (target[0] | 32) == 'x' && (target[1] | 32) == 'm'
        && (target[2] | 32) == 'l')
        return NULL;
    if (q < end && *q == '?')
        return end - q >= 2 && q[1] == '>' ? q + 2 : NULL;
    if (q >= end || skip_space(q, end) == q)
        return NULL;
    for (; end - q >= 2; q++) {
        if (q[0] == '?' && q[1] == '>')
            return q + 2;
    }
    return NULL;
}

static const unsigned char *pseudo(const unsigned char *p, const unsigned char *end,
                                   const char *name, const unsigned char **value,
                                   Py_ssize_t *len)
{
    /* In the XML declaration, at white space: ' name = "value"'; past it (value and len set),
     * or p itself when the next name is another. */
    const unsigned char *q = skip_space(p, end);
    size_t n = strlen(name);
    if (q == p || (size_t)(end - q) < n || memcmp(q, name, n) != 0)
        return p;
    q = skip_space(q + n, end);
    if (q >= end || *q != '=')
        return p;
    q = skip_space(q + 1, end);
    if (q >= end || (*q != '"' && *q != '\''))
        return p;
    unsigned char quote = *q++;
    *value = q;
    while (q < end && *q != quote)
        q++;
    if (q >= end)
        return p;
    *len = q - *value;
    return q + 1;
}

static const unsigned char *declaration_end(const unsigned char *p, const unsigned char *end)
{
    /* p is at '<?xml ' at the very start: past the declaration, or NULL unless it says
     * version 1.0, then perhaps encoding UTF-8 (in any case), then perhaps standalone. */
    const unsigned char *value = NULL, *q;
    Py_ssize_t len = 0;
    q = pseudo(p + 5, end, "version", &value, &len);
    if (q == p + 5 || len != 3 || memcmp(value, "1.0", 3) != 0)
        return NULL;
    p = pseudo(q, end, "encoding", &value, &len);
    if (p != q) {
        if (len != 5 || (value[0] | 32) != 'u' || (value[1] | 32) != 't'
            || (value[2] | 32) != 'f' || value[3] != '-' || value[4] != '8')
            return NULL;
    }
    q = pseudo(p, end, "standalone", &value, &len);
    if (q != p && !(len == 3 && memcmp(value, "yes", 3) == 0)
        && !(len == 2 && memcmp(value, "no", 2) == 0))
        return NULL;
    q = skip_space(q, end);
    return end - q >= 2 && q[0] == '?' && q[1] == '>' ? q + 2 : NULL;
}

static const unsigned char *outside(const unsigned char *p, const unsigned char *end)
{
    /* Before or after the root: white space, comments and processing instructions; where
     * something else starts (or the end), or NULL. */
    for (;;) {
        p = skip_space(p, end);
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0)
            p = comment_end(p, end);
        else if (end - p >= 2 && p[0] == '<' && p[1] == '?')
            p = pi_end(p, end);
        else
            return p;
        if (p == NULL)
            return NULL;
    }
}

static int text(State *st, const char *s, Py_ssize_t n)
{
    on_text(st, s, n);
    return stopped(st) ? -1 : 0;
}

static const unsigned char *cdata(State *st, const unsigned char *p, const unsigned char *end)
{
    /* p is at '<![CDATA[': its text, line ends made LF; past it, or NULL. */
    p += 9;
    for (;;) {
        const unsigned char *run = p;
        while (p < end && *p != '\r' && !(*p == ']' && end - p >= 3 && p[1] == ']'
                                          && p[2] == '>'))
            p++;
        if (p >= end)
            return NULL;
        if (p > run && text(st, (const char *)run, p - run) < 0)
            return NULL;
        if (*p == ']')
            return p + 3;
        if (text(st, "\n", 1) < 0)
            return NULL;
        p += (end - p >= 2 && p[1] == '\n') ? 2 : 1;
    }
}

static void read_document(State *st, const unsigned char *p, Py_ssize_t n)
{
    /* Read the whole document, calling the handlers; give up on anything out of the ordinary
     * (st->fallback) and stop on a Python error (st->error). */
    const unsigned char *end = p + n;
    if (!acceptable_chars(p, n)) {
        give_up(st);
        return;
    }
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        p += 3;                                     /* the UTF-8 byte order mark */
    if (end - p >= 6 && memcmp(p, "<?xml", 5) == 0 && skip_space(p + 5, end) != p + 5) {
        p = declaration_end(p, end);
        if (p == NULL)
            goto unusual;
    }
    for (st->safe = end; st->safe > p && st->safe[-1] != '<'; st->safe--)
        ;
    p = outside(p, end);
    if (p == NULL || p >= end || *p != '<')
        goto unusual;
    p = start_tag(st, p, end);
    if (p == NULL)
        goto unusual;
    while (st->depth > 0) {
        if (p >= end)
            goto unusual;
        if (*p == '<') {
            if (end - p >= 2 && p[1] == '/') {
                p = end_tag(st, p, end);
            } else if (end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
                p = cdata(st, p, end);
            } else if (end - p >= 2 && (p[1] == '!' || p[1] == '?')) {
                goto unusual;              /* a comment, PI or declaration inside: lxml's */
            } else {
                p = start_tag(st, p, end);
            }
            if (p == NULL)
                goto unusual;
            continue;
        }
        const unsigned char *run = p;                   /* text up to the next markup */
        if (p < st->safe) {
            while (!SPECIAL[*p])
                p++;
        } else {
            while (p < end && !SPECIAL[*p])
                p++;
        }
        if (p > run && text(st, (const char *)run, p - run) < 0)
            goto unusual;
        if (p >= end || *p == '<')
            continue;
        if (*p == '&') {
            char out[4];
            int len = reference(&p, end, out);
            if (len == 0 || text(st, out, len) < 0)
                goto unusual;
        } else if (*p == '\r') {
            if (text(st, "\n", 1) < 0)
                goto unusual;
            p += (end - p >= 2 && p[1] == '\n') ? 2 : 1;
        } else {                                     /* ']': not the end of a CDATA section */
            if (end - p >= 3 && p[1] == ']' && p[2] == '>')
                goto unusual;
            if (text(st, "]", 1) < 0)
                goto unusual;
            p++;
        }
    }
    p = outside(p, end);
    if (p != NULL && p == end)
        return;
unusual:
    if (!st->error)
        give_up(st);
}

static PyObject *parse(PyObject *self, PyObject *args)
{
    Py_buffer data;
    State *st;
    PyObject *parsers, *out = NULL;
    (void)self;
    st = PyMem_Calloc(1, sizeof(State));
    if (st == NULL)
        return PyErr_NoMemory();
    if (!PyArg_ParseTuple(args, "y*OOOp", &data, &st->plan_for, &st->record_type, &parsers,
                          &st->json_values)) {
        PyMem_Free(st);
        return NULL;
    }
    if (!PyType_Check(st->record_type)
        || !PyType_IsSubtype((PyTypeObject *)st->record_type, &PyDict_Type)) {
        PyErr_SetString(PyExc_TypeError, "record_type must be a subclass of dict");
        goto end;
    }
    if (!PyTuple_Check(parsers) || PyTuple_GET_SIZE(parsers) != 5) {
        PyErr_SetString(PyExc_TypeError,
                        "parsers: (Decimal, date.fromisoformat, datetime.fromisoformat, "
                        "parse_datetime, jsonable)");
        goto end;
    }
    st->decimal = PyTuple_GET_ITEM(parsers, 0);
    st->date_iso = PyTuple_GET_ITEM(parsers, 1);
    st->datetime_iso = PyTuple_GET_ITEM(parsers, 2);
    st->parse_datetime = PyTuple_GET_ITEM(parsers, 3);
    st->jsonable = PyTuple_GET_ITEM(parsers, 4);
    st->result = PyList_New(0);
    if (st->result == NULL)
        goto end;
    size_t slots = 16;
    while (slots < MEMO_SLOTS_MAX && (Py_ssize_t)slots * 256 < data.len)
        slots *= 2;
    st->memo = PyMem_Calloc(slots, sizeof(Memo));
    if (st->memo == NULL) {
        PyErr_NoMemory();
        goto end;
    }
    st->memo_mask = slots - 1;
    read_document(st, (const unsigned char *)data.buf, data.len);
    while (st->depth > 0)
        release(&st->frames[st->depth--]);
    if (st->error) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "qbXML fast parse failed");
        goto end;
    }
    if (st->fallback || st->root_tag == NULL) {
        out = Py_None;
        Py_INCREF(out);
        goto end;
    }
    out = PyTuple_Pack(2, st->root_tag, st->result);
end:
    Py_XDECREF(st->root_tag);
    Py_XDECREF(st->result);
    PyMem_Free(st->buf);
    if (st->memo != NULL) {
        for (size_t i = 0; i <= st->memo_mask; i++)
            Py_XDECREF(st->memo[i].value);
        PyMem_Free(st->memo);
    }
    PyMem_Free(st->tmp);
    PyMem_Free(st->offsets);
    PyMem_Free(st->atts);
    PyMem_Free(st);
    PyBuffer_Release(&data);
    return out;
}

static PyMethodDef methods[] = {
    {"parse", parse, METH_VARARGS,
     "parse(data, plan_for, record_type, parsers, json_values) -> (root, message sets) "
     "or None"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastparse",
                                    "Optional accelerator of parse_response.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fastparse(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL)
        return NULL;
    for (int n = 0; n <= 8; n++) {
        unsigned char kept[8] = {0};
        memset(kept, 0xFF, n);
        memcpy(&PREFIX[n], kept, 8);
    }
    for (int c = 0; c < 256; c++) {
        int start = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        NAME[c] = start ? 3 : ((c >= '0' && c <= '9') || c == '.' || c == '-') ? 2 : 0;
        SPECIAL[c] = c == '<' || c == '&' || c == '\r' || c == ']';
    }
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddStringConstant(m, "SOURCE_SHA", QBX_SOURCE_SHA) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
