/* Optional accelerator of qbconnector.qbxml.parse.parse_response: a response message set read
 * with expat (through pyexpat's C API, so no library of its own is linked) straight into the
 * responses' fields and records, following the same conversion plans as the pure-Python path.
 *
 * It gives up, returning None, on anything out of the ordinary (an XML error, a comment or
 * processing instruction inside the document, namespaces, limits libxml2 would enforce): the
 * caller then parses with lxml, which says what is wrong. So the answers are the same either
 * way; only the time differs.
 *
 * A plan is a dict: child tag -> (sub-plan or None for a leaf, value code, parser, repeats,
 * the spec declares attributes). parse(data, plan_for, record_type, parsers, json_values)
 * returns (root tag, [(message set attributes, [(tag, attributes, fields, records), ...]),
 * ...]); with json_values, values come as exports write them (jsonable of the typed value),
 * text already in that form kept as it is.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <expat.h>
#include "pyexpat.h"

#include <stddef.h>
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

static struct PyExpat_CAPI *capi = NULL;

typedef struct {
    int kind;
    int depth4;            /* a child of a response: a field or a record */
    Py_ssize_t children;   /* element children seen */
    int has_attrs;         /* the element has attributes */
    int collecting;        /* its text (before the first child) is being collected */
    Py_ssize_t text_start; /* where its text starts in the shared buffer */
    PyObject *tag;         /* owned */
    PyObject *out;         /* owned: the dict (or Record) being filled; a leaf's attributes */
    PyObject *plan;        /* owned: a response's plan; borrowed otherwise (NULL: unknown) */
    PyObject *entry;       /* borrowed: the entry of the element in its parent's plan */
    PyObject *text;        /* owned: its text, once a child has started (NULL: none) */
    PyObject *fields;      /* borrowed (responses): the response's fields */
    PyObject *records;     /* borrowed (responses): the response's records */
} Frame;

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
} State;

/* Element names as interned strings, kept across calls: qbXML has a few thousand names, and
 * making each tag's string anew was a good part of the time. Open addressing on the UTF-8
 * name; when the table is full, names are made as they come. */
#define NAMES 8192
static struct { char *name; PyObject *str; } names[NAMES];
static int names_used = 0;

static PyObject *name_string(const XML_Char *name)
{
    size_t n = strlen(name);
    unsigned long h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)name[i]) * 16777619u;
    for (unsigned long probe = 0; probe < NAMES; probe++) {
        size_t slot = (h + probe) & (NAMES - 1);
        if (names[slot].name == NULL) {
            PyObject *str = PyUnicode_FromStringAndSize(name, (Py_ssize_t)n);
            if (str == NULL)
                return NULL;
            PyUnicode_InternInPlace(&str);
            if (names_used < NAMES / 2) {            /* keep the table sparse */
                char *copy = PyMem_RawMalloc(n + 1);
                if (copy != NULL) {
                    memcpy(copy, name, n + 1);
                    names[slot].name = copy;
                    Py_INCREF(str);
                    names[slot].str = str;
                    names_used++;
                }
            }
            return str;
        }
        if (strcmp(names[slot].name, name) == 0) {
            Py_INCREF(names[slot].str);
            return names[slot].str;
        }
    }
    return PyUnicode_FromString(name);
}

static void give_up(State *st) { st->fallback = 1; }

static int stopped(State *st) { return st->fallback || st->error; }

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
    return PyUnicode_DecodeUTF8(st->buf + f->text_start, n, "strict");
}

static int close_text(State *st, Frame *f)
{
    /* A child starts: the text before it is the element's text; later text is not. */
    if (!f->collecting)
        return 0;
    if (st->len > f->text_start) {
        f->text = PyUnicode_DecodeUTF8(st->buf + f->text_start, st->len - f->text_start,
                                       "strict");
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

static int add_child(PyObject *out, PyObject *tag, PyObject *value, int repeats)
{
    PyObject *current = PyDict_GetItemWithError(out, tag);
    if (current == NULL) {
        if (PyErr_Occurred())
            return -1;
        if (!repeats)
            return PyDict_SetItem(out, tag, value);
        PyObject *list = PyList_New(1);
        if (list == NULL)
            return -1;
        Py_INCREF(value);
        PyList_SET_ITEM(list, 0, value);
        int rc = PyDict_SetItem(out, tag, list);
        Py_DECREF(list);
        return rc;
    }
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

static PyObject *attributes(const XML_Char **atts, int prefixed)
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

static int unusual(const XML_Char *name, const XML_Char **atts)
{
    /* What the fast path leaves to lxml: namespaces and names or values past its limits. */
    if (strchr(name, ':') != NULL || strlen(name) > MAX_NAME)
        return 1;
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

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **atts)
{
    State *st = (State *)data;
    if (stopped(st))
        return;
    st->run = 0;
    if (st->depth >= MAX_DEPTH || unusual(name, atts)) {
        give_up(st);
        return;
    }
    Frame *parent = st->depth > 0 ? &st->frames[st->depth] : NULL;
    Frame *f = &st->frames[st->depth + 1];
    memset(f, 0, sizeof(Frame));
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
    f->tag = name_string(name);
    if (f->tag == NULL)
        goto error;
    f->has_attrs = atts[0] != NULL;
    f->text_start = st->len;
    if (parent == NULL) {                                   /* the root */
        if (strcmp(name, "QBXML") != 0 && strcmp(name, "QBPOSXML") != 0) {
            Py_CLEAR(f->tag);
            give_up(st);
            return;
        }
        f->kind = K_ROOT;
        Py_INCREF(f->tag);
        st->root_tag = f->tag;
    } else if (parent->kind == K_ROOT) {                    /* a message set */
        size_t n = strlen(name);
        if (n < 6 || strcmp(name + n - 6, "MsgsRs") != 0) {
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
        PyObject *entry = NULL;
        if (parent->plan != NULL) {
            entry = PyDict_GetItemWithError(parent->plan, f->tag);
            if (entry == NULL && PyErr_Occurred())
                goto error;
        }
        f->entry = entry;
        int spec_attrs = entry != NULL && PyObject_IsTrue(PyTuple_GET_ITEM(entry, 4));
        if (entry != NULL && PyTuple_GET_ITEM(entry, 0) == Py_None) {
            f->kind = K_LEAF;
            f->collecting = 1;
            if (!f->depth4 && spec_attrs && f->has_attrs) {
                f->out = attributes(atts, 1);
                if (f->out == NULL)
                    goto error;
            }
        } else {
            f->kind = K_AGG;
            f->plan = entry != NULL ? PyTuple_GET_ITEM(entry, 0) : NULL;
            f->collecting = entry == NULL;            /* an unknown element may be a leaf */
            f->out = f->depth4 ? PyObject_CallOneArg(st->record_type, f->tag) : PyDict_New();
            if (f->out == NULL)
                goto error;
            if ((entry == NULL || spec_attrs) && f->has_attrs) {
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

static int finish(State *st, Frame *f, Frame *parent)
{
    PyObject *value = NULL;
    int rc = -1;
    if (f->kind == K_LEAF) {
        PyObject *text = text_of(st, f);
        if (text == NULL)
            return -1;
        int code = (int)PyLong_AsLong(PyTuple_GET_ITEM(f->entry, 1));
        value = st->json_values ? json_value(st, text, code, PyTuple_GET_ITEM(f->entry, 2))
                                : typed(st, text, code, PyTuple_GET_ITEM(f->entry, 2));
        Py_DECREF(text);
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
            rc = add_child(parent->out, f->tag,
                           value, PyObject_IsTrue(PyTuple_GET_ITEM(f->entry, 3)));
        }
    } else if (f->entry == NULL && f->children == 0 && (f->depth4 || !f->has_attrs)) {
        PyObject *text = text_of(st, f);                 /* an unknown leaf: its text */
        if (text == NULL)
            return -1;
        value = text == Py_None ? PyUnicode_FromStringAndSize("", 0) : text;
        if (text == Py_None)
            Py_DECREF(text);
        if (value == NULL)
            return -1;
        rc = f->depth4 ? PyDict_SetItem(parent->fields, f->tag, value)
                       : add_child(parent->out, f->tag, value, 0);
    } else if (f->depth4) {
        rc = PyList_Append(parent->records, f->out);
    } else {
        int repeats = f->entry != NULL && PyObject_IsTrue(PyTuple_GET_ITEM(f->entry, 3));
        rc = add_child(parent->out, f->tag, f->out, repeats);
    }
done:
    Py_XDECREF(value);
    return rc;
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
    State *st = (State *)data;
    (void)name;
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

static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
    State *st = (State *)data;
    if (stopped(st))
        return;
    st->run += len;
    if (st->run > MAX_TEXT) {
        give_up(st);
        return;
    }
    if (st->depth == 0 || !st->frames[st->depth].collecting)
        return;
    if (st->len + len > st->cap) {
        Py_ssize_t cap = st->cap * 2 > st->len + len ? st->cap * 2 : st->len + len + 4096;
        char *grown = PyMem_Realloc(st->buf, cap);
        if (grown == NULL) {
            PyErr_NoMemory();
            st->error = 1;
            return;
        }
        st->buf = grown;
        st->cap = cap;
    }
    memcpy(st->buf + st->len, s, len);
    st->len += len;
}

static void XMLCALL on_pi(void *data, const XML_Char *target, const XML_Char *pi)
{
    State *st = (State *)data;
    (void)target;
    (void)pi;
    if (st->depth > 0)
        give_up(st);             /* lxml drops it, maybe joining texts: leave it to lxml */
}

static void XMLCALL on_comment(void *data, const XML_Char *text)
{
    State *st = (State *)data;
    (void)text;
    if (st->depth > 0)
        give_up(st);
}

static void XMLCALL on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal;
    give_up((State *)data);
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
    if (data.len > INT_MAX) {
        out = Py_None;
        Py_INCREF(out);
        goto end;
    }
    st->result = PyList_New(0);
    if (st->result == NULL)
        goto end;
    XML_Parser parser = capi->ParserCreate_MM(NULL, NULL, NULL);
    if (parser == NULL) {
        PyErr_NoMemory();
        goto end;
    }
    capi->SetUserData(parser, st);
    capi->SetElementHandler(parser, on_start, on_end);
    capi->SetCharacterDataHandler(parser, on_text);
    capi->SetProcessingInstructionHandler(parser, on_pi);
    capi->SetCommentHandler(parser, on_comment);
    capi->SetStartDoctypeDeclHandler(parser, on_doctype);
    int ok = capi->Parse(parser, data.buf, (int)data.len, 1) == XML_STATUS_OK;
    capi->ParserFree(parser);
    while (st->depth > 0)
        release(&st->frames[st->depth--]);
    if (st->error) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "qbXML fast parse failed");
        goto end;
    }
    if (!ok || st->fallback || st->root_tag == NULL) {
        out = Py_None;
        Py_INCREF(out);
        goto end;
    }
    out = PyTuple_Pack(2, st->root_tag, st->result);
end:
    Py_XDECREF(st->root_tag);
    Py_XDECREF(st->result);
    PyMem_Free(st->buf);
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
    capi = (struct PyExpat_CAPI *)PyCapsule_Import(PyExpat_CAPSULE_NAME, 0);
    if (capi == NULL)
        return NULL;
    if (strcmp(capi->magic, PyExpat_CAPI_MAGIC) != 0
        || (size_t)capi->size < offsetof(struct PyExpat_CAPI, SetStartDoctypeDeclHandler)
                                    + sizeof(void *)) {
        PyErr_SetString(PyExc_ImportError, "pyexpat's C API is not the one expected");
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddStringConstant(m, "SOURCE_SHA", QBX_SOURCE_SHA) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
