/* test_weights.c -- the .nnw reader and writer: round trips, the exact byte layout, refusal of
 * every truncation, byte flip and crafted hostile file, and the atomic replace on failure.
 *
 * Hostile files are built byte by byte here (not by the writer) with a correct CRC, so they
 * reach the section parser; a refusal must come from a bounds check, never from a failed
 * allocation, so every such message is also checked not to say "out of memory". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "weights.h"
#include "xalloc.h"

/* ------------------------------------------------------------------------------------------
 * Helpers: a scratch directory per test, whole-file I/O, directory listings
 * ------------------------------------------------------------------------------------------ */

typedef struct fixture {
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *f = nn_alloc(1, sizeof *f, NULL);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/test_weights.XXXXXX");
    if (!mkdtemp(f->dir)) {
        nn_free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[512];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove_tree(f->dir);
    nn_free(f);
    return 0;
}

static void join(char *out, size_t size, const fixture *f, const char *name)
{
    snprintf(out, size, "%s/%s", f->dir, name);
}

/* The whole file at path (nn_free it), or NULL. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    unsigned char *buf = nn_alloc(1 << 16, 1, NULL);
    size_t n = buf ? fread(buf, 1, 1 << 16, fp) : 0;
    assert_int_equal(fclose(fp), 0);
    assert_true(n < (1 << 16));
    *len = n;
    return buf;
}

static void spill(const char *path, const void *buf, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* Asserts that dir holds exactly the names listed (NULL-ended), in any order. */
static void assert_dir_holds(const char *dir, const char *const *names)
{
    int want = 0;
    while (names[want])
        want++;
    DIR *d = opendir(dir);
    assert_non_null(d);
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        int known = 0;
        for (int i = 0; i < want; i++)
            known |= strcmp(e->d_name, names[i]) == 0;
        if (!known)
            fail_msg("unexpected file left in %s: %s", dir, e->d_name);
        found++;
    }
    closedir(d);
    assert_int_equal(found, want);
}

static void assert_contains(const char *msg, const char *part)
{
    if (!strstr(msg, part))
        fail_msg("message \"%s\" lacks \"%s\"", msg, part);
}

static int is_empty(const nn_weights *w)
{
    static const nn_weights zero;
    return memcmp(w, &zero, sizeof zero) == 0;
}

/* Reads path expecting a refusal; returns the message in err and checks *w is empty. */
static void assert_refused(const char *path, nn_err *err)
{
    nn_weights w;
    memset(&w, 0xab, sizeof w); /* garbage in: the reader must not look at it */
    err->msg[0] = '\0';
    assert_int_equal(nn_weights_read(path, &w, err), -1);
    assert_true(is_empty(&w));
    assert_true(err->msg[0] != '\0');
    assert_contains(err->msg, path);
}

/* ------------------------------------------------------------------------------------------
 * A sample model's weights
 * ------------------------------------------------------------------------------------------ */

#define NAME63 "layer_with_a_rather_long_name_that_uses_all_63_characters.Wxyz0"

typedef struct sample {
    float w1[6], b1[3], conv[18], one[1];
    float shift[2], mul[2];
    nn_tensor t[4];
    nn_meta_entry m[4];
    nn_weights w;
} sample;

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void sample_init(sample *s)
{
    memset(s, 0, sizeof *s);
    const float w1[6] = {0.5f, -0.0f, INFINITY, -INFINITY, FLT_MAX, 1e-45f};
    memcpy(s->w1, w1, sizeof w1);
    s->w1[1] = -0.0f;
    s->b1[0] = from_bits(0x7fc01234u); /* a NaN with a payload */
    s->b1[1] = -1.25f;
    s->b1[2] = 3.0f;
    for (int i = 0; i < 18; i++)
        s->conv[i] = (float)i * 0.125f - 1.0f;
    s->one[0] = 42.0f;
    s->shift[0] = 4.3f;
    s->shift[1] = 2.0f;
    s->mul[0] = 1.0f / 3.6f;
    s->mul[1] = 1.0f;

    s->t[0] = (nn_tensor){"dense1.W", {2, {2, 3}}, s->w1};
    s->t[1] = (nn_tensor){"dense1.b", {1, {3}}, s->b1};
    s->t[2] = (nn_tensor){"conv1.W", {4, {2, 1, 3, 3}}, s->conv};
    s->t[3] = (nn_tensor){NAME63, {3, {1, 1, 1}}, s->one};
    s->m[0] = (nn_meta_entry){"epochs_done", "1000"};
    s->m[1] = (nn_meta_entry){"seed", "42"};
    s->m[2] = (nn_meta_entry){"loss", "0.00123 (r\xc3\xa9sum\xc3\xa9)"};
    s->m[3] = (nn_meta_entry){"empty value", ""};

    s->w.conf = "input: 2\nlayers:\n  - dense: 3\n  - tanh\nloss: mse\n";
    s->w.tensors = s->t;
    s->w.ntensors = 4;
    s->w.prep = (nn_prep){1.0 / 255.0, NN_NORM_MINMAX, 2, s->shift, s->mul};
    s->w.meta = s->m;
    s->w.nmeta = 4;
}

static size_t count_of(const nn_shape *s)
{
    size_t n = 1;
    for (int i = 0; i < s->ndim; i++)
        n *= (size_t)s->dim[i];
    return n;
}

/* Equal bit for bit (NaN payloads and -0 included). */
static void assert_weights_equal(const nn_weights *a, const nn_weights *b)
{
    assert_string_equal(a->conf, b->conf);
    assert_int_equal(a->ntensors, b->ntensors);
    for (int t = 0; t < a->ntensors; t++) {
        const nn_tensor *x = &a->tensors[t], *y = &b->tensors[t];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->shape.ndim, y->shape.ndim);
        for (int i = 0; i < x->shape.ndim; i++)
            assert_int_equal(x->shape.dim[i], y->shape.dim[i]);
        assert_memory_equal(x->data, y->data, count_of(&x->shape) * sizeof(float));
    }
    assert_memory_equal(&a->prep.scale, &b->prep.scale, sizeof(double));
    assert_int_equal(a->prep.kind, b->prep.kind);
    assert_int_equal(a->prep.n, b->prep.n);
    if (a->prep.n > 0) {
        assert_memory_equal(a->prep.shift, b->prep.shift, (size_t)a->prep.n * sizeof(float));
        assert_memory_equal(a->prep.mul, b->prep.mul, (size_t)a->prep.n * sizeof(float));
    }
    assert_int_equal(a->nmeta, b->nmeta);
    for (int e = 0; e < a->nmeta; e++) {
        assert_string_equal(a->meta[e].key, b->meta[e].key);
        assert_string_equal(a->meta[e].value, b->meta[e].value);
    }
}

/* ------------------------------------------------------------------------------------------
 * Round trips and layout
 * ------------------------------------------------------------------------------------------ */

static void test_roundtrip(void **state)
{
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "full.nnw");
    sample s;
    sample_init(&s);
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(path, &s.w, &err), 0);

    nn_weights r;
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_weights_equal(&s.w, &r);
    assert_int_equal(strlen(r.tensors[3].name), 63);
    assert_true(signbit(r.tensors[0].data[1]));
    assert_true(isnan(r.tensors[1].data[0]));
    assert_string_equal(nn_weights_meta(&r, "seed"), "42");
    assert_string_equal(nn_weights_meta(&r, "empty value"), "");
    assert_null(nn_weights_meta(&r, "missing"));
    assert_null(nn_weights_meta(NULL, "seed"));
    nn_weights_destroy(&r);
    assert_true(is_empty(&r));
    nn_weights_destroy(&r); /* twice is harmless */
    nn_weights_destroy(NULL);

    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_dir_holds(f->dir, (const char *const[]){"full.nnw", NULL});
}

static void test_roundtrip_minimal(void **state)
{
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "min.nnw");
    /* Empty config text, no tensors, no metadata, preprocessing none with n = 0. */
    nn_weights w = {"", NULL, 0, {1.0, NN_NORM_NONE, 0, NULL, NULL}, NULL, 0, NULL, NULL, 0};
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(path, &w, &err), 0);
    nn_weights r;
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_weights_equal(&w, &r);
    assert_null(r.tensors);
    assert_null(r.meta);
    assert_null(r.prep.shift);
    nn_weights_destroy(&r);

    /* minmax with n = 0 and one metadata entry but still an empty meta value. */
    nn_meta_entry m = {"k", ""};
    nn_weights w2 = {"a: 1", NULL, 0, {0.5, NN_NORM_MINMAX, 0, NULL, NULL}, &m, 1, NULL, NULL, 0};
    assert_int_equal(nn_weights_write(path, &w2, &err), 0);
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_weights_equal(&w2, &r);
    nn_weights_destroy(&r);
}

static void test_byte_identical(void **state)
{
    fixture *f = *state;
    char a[128], b[128];
    join(a, sizeof a, f, "a.nnw");
    join(b, sizeof b, f, "b.nnw");
    sample s;
    sample_init(&s);
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(a, &s.w, &err), 0);
    assert_int_equal(nn_weights_write(b, &s.w, &err), 0);
    size_t na, nb, nc;
    unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
    assert_non_null(x);
    assert_non_null(y);
    assert_int_equal(na, nb);
    assert_memory_equal(x, y, na);
    /* Rewriting in place gives the same bytes again. */
    assert_int_equal(nn_weights_write(a, &s.w, &err), 0);
    unsigned char *z = slurp(a, &nc);
    assert_non_null(z);
    assert_int_equal(nc, na);
    assert_memory_equal(x, z, na);
    nn_free(x);
    nn_free(y);
    nn_free(z);
    assert_dir_holds(f->dir, (const char *const[]){"a.nnw", "b.nnw", NULL});
}

static void test_layout_little_endian(void **state)
{
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "le.nnw");
    float one = 1.0f;
    nn_tensor t = {"a", {1, {1}}, &one};
    nn_meta_entry m = {"k", "vv"};
    nn_weights w = {"x", &t, 1, {0.5, NN_NORM_NONE, 0, NULL, NULL}, &m, 1, NULL, NULL, 0};
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(path, &w, &err), 0);
    size_t n;
    unsigned char *b = slurp(path, &n);
    assert_non_null(b);
    static const unsigned char head[] = {
        'N', 'N', 'W', 0, 1, 0, 0, 0, 4, 0, 0, 0,       /* magic, version 1, 4 sections */
        'C', 'O', 'N', 'F', 1, 0, 0, 0, 0, 0, 0, 0, 'x', /* 12 */
        'T', 'E', 'N', 'S', 19, 0, 0, 0, 0, 0, 0, 0,     /* 25 */
        1, 0, 0, 0, 1, 0, 'a', 1, 0, 0, 0, 1, 0, 0, 0,   /* 37: count, name, ndim, dim */
        0x00, 0x00, 0x80, 0x3f,                          /* 52: 1.0f */
        'P', 'R', 'E', 'P', 16, 0, 0, 0, 0, 0, 0, 0,     /* 56 */
        0, 0, 0, 0, 0, 0, 0xe0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0, /* 68: 0.5, none, n 0 */
        'M', 'E', 'T', 'A', 15, 0, 0, 0, 0, 0, 0, 0,     /* 84 */
        1, 0, 0, 0, 1, 0, 0, 0, 'k', 2, 0, 0, 0, 'v', 'v', /* 96 */
    };
    assert_int_equal(n, sizeof head + 4);
    assert_memory_equal(b, head, sizeof head);
    uint32_t crc = (uint32_t)crc32(0L, b, (uInt)sizeof head);
    assert_int_equal(b[n - 4], crc & 0xff);
    assert_int_equal(b[n - 3], (crc >> 8) & 0xff);
    assert_int_equal(b[n - 2], (crc >> 16) & 0xff);
    assert_int_equal(b[n - 1], crc >> 24);
    nn_free(b);
}

/* ------------------------------------------------------------------------------------------
 * Damaged files: every truncation, every byte flip
 * ------------------------------------------------------------------------------------------ */

static void test_every_truncation(void **state)
{
    fixture *f = *state;
    char good[128], cut[128];
    join(good, sizeof good, f, "good.nnw");
    join(cut, sizeof cut, f, "cut.nnw");
    sample s;
    sample_init(&s);
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(good, &s.w, &err), 0);
    size_t n;
    unsigned char *b = slurp(good, &n);
    assert_non_null(b);
    for (size_t len = 0; len < n; len++) {
        spill(cut, b, len);
        assert_refused(cut, &err);
        assert_contains(err.msg, len == 0 ? "empty file" : "truncated");
    }
    nn_free(b);
}

static void test_every_flip(void **state)
{
    fixture *f = *state;
    char good[128], bad[128];
    join(good, sizeof good, f, "good.nnw");
    join(bad, sizeof bad, f, "bad.nnw");
    sample s;
    sample_init(&s);
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(good, &s.w, &err), 0);
    size_t n;
    unsigned char *b = slurp(good, &n);
    assert_non_null(b);
    static const unsigned char masks[] = {0x01, 0x80, 0xff};
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof masks; k++) {
            b[i] ^= masks[k];
            spill(bad, b, n);
            b[i] ^= masks[k];
            assert_refused(bad, &err);
            if (i < 4)
                assert_contains(err.msg, "bad magic");
            else if (i < 8)
                assert_true(strstr(err.msg, "version") || strstr(err.msg, "newer"));
            else if (i >= n - 4)
                assert_contains(err.msg, "checksum mismatch");
            else
                assert_true(strstr(err.msg, "checksum") || strstr(err.msg, "truncated"));
        }
    }
    nn_free(b);
}

/* ------------------------------------------------------------------------------------------
 * Crafted files with a correct CRC
 * ------------------------------------------------------------------------------------------ */

typedef struct bytes {
    unsigned char b[1024];
    size_t n;
} bytes;

static void b_u8(bytes *x, unsigned v)
{
    assert_true(x->n < sizeof x->b);
    x->b[x->n++] = (unsigned char)v;
}

static void b_u16(bytes *x, uint32_t v)
{
    b_u8(x, v & 0xff);
    b_u8(x, (v >> 8) & 0xff);
}

static void b_u32(bytes *x, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b_u8(x, (v >> (8 * i)) & 0xff);
}

static void b_u64(bytes *x, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b_u8(x, (unsigned)((v >> (8 * i)) & 0xff));
}

static void b_f32(bytes *x, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    b_u32(x, u);
}

static void b_f64(bytes *x, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    b_u64(x, u);
}

static void b_raw(bytes *x, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b_u8(x, ((const unsigned char *)p)[i]);
}

static void b_str(bytes *x, const char *s)
{
    b_raw(x, s, strlen(s));
}

static void b_header(bytes *x, uint32_t version, uint32_t nsect)
{
    b_raw(x, "NNW", 4);
    b_u32(x, version);
    b_u32(x, nsect);
}

/* Starts a section; returns where its length goes, for b_end. */
static size_t b_begin(bytes *x, const char *tag)
{
    b_raw(x, tag, 4);
    size_t at = x->n;
    b_u64(x, 0);
    return at;
}

static void b_end(bytes *x, size_t at)
{
    uint64_t len = x->n - at - 8;
    for (int i = 0; i < 8; i++)
        x->b[at + (size_t)i] = (unsigned char)((len >> (8 * i)) & 0xff);
}

static void b_crc(bytes *x)
{
    b_u32(x, (uint32_t)crc32(0L, x->b, (uInt)x->n));
}

static void b_conf(bytes *x, const char *text)
{
    size_t at = b_begin(x, "CONF");
    b_str(x, text);
    b_end(x, at);
}

/* TENS holding one tensor "w" of shape [2]. */
static void b_tens(bytes *x)
{
    size_t at = b_begin(x, "TENS");
    b_u32(x, 1);
    b_u16(x, 1);
    b_str(x, "w");
    b_u32(x, 1);
    b_u32(x, 2);
    b_f32(x, 1.0f);
    b_f32(x, 2.0f);
    b_end(x, at);
}

/* A file with CONF, then a TENS holding one tensor whose fields follow `head` up to the
 * dims (written by the case), then `nvals` floats. */
static void tens_case(bytes *x, void (*fields)(bytes *), int nvals)
{
    b_header(x, 1, 2);
    b_conf(x, "a: 1");
    size_t at = b_begin(x, "TENS");
    b_u32(x, 1);
    fields(x);
    for (int i = 0; i < nvals; i++)
        b_f32(x, 0.5f);
    b_end(x, at);
}

static void f_dims_overflow(bytes *x)
{
    b_u16(x, 1);
    b_str(x, "w");
    b_u32(x, 4);
    for (int i = 0; i < 4; i++)
        b_u32(x, 0x7fffffffu);
}

static void f_dims_big(bytes *x)
{
    b_u16(x, 1);
    b_str(x, "w");
    b_u32(x, 2);
    b_u32(x, 65536);
    b_u32(x, 65536);
}

static void f_ndim0(bytes *x)
{
    b_u16(x, 1);
    b_str(x, "w");
    b_u32(x, 0);
}

static void f_ndim9(bytes *x)
{
    b_u16(x, 1);
    b_str(x, "w");
    b_u32(x, 9);
    for (int i = 0; i < 9; i++)
        b_u32(x, 1);
}

static void f_name0(bytes *x)
{
    b_u16(x, 0);
    b_u32(x, 1);
    b_u32(x, 1);
}

static void f_name200(bytes *x)
{
    b_u16(x, 200);
    for (int i = 0; i < 200; i++)
        b_u8(x, 'n');
    b_u32(x, 1);
    b_u32(x, 1);
}

static void f_name_short(bytes *x)
{
    b_u16(x, 63);
    b_str(x, "a_name_of_only_24_bytes_");
}

static void f_name_ctrl(bytes *x)
{
    b_u16(x, 2);
    b_raw(x, "w\n", 2);
    b_u32(x, 1);
    b_u32(x, 1);
}

static void f_dim0(bytes *x)
{
    b_u16(x, 1);
    b_str(x, "w");
    b_u32(x, 2);
    b_u32(x, 3);
    b_u32(x, 0);
}

static void f_dim_2p31(bytes *x)
{
    b_u16(x, 1);
    b_str(x, "w");
    b_u32(x, 1);
    b_u32(x, 0x80000000u);
}

static void f_one_value(bytes *x)
{
    b_u16(x, 1);
    b_str(x, "w");
    b_u32(x, 1);
    b_u32(x, 1);
}

static void c_section_len_2p63(bytes *x)
{
    b_header(x, 1, 2);
    b_raw(x, "CONF", 4);
    b_u64(x, (uint64_t)1 << 63);
    b_str(x, "a: 1");
    b_tens(x);
}

static void c_dims_overflow(bytes *x)
{
    tens_case(x, f_dims_overflow, 2);
}

static void c_dims_big(bytes *x)
{
    tens_case(x, f_dims_big, 4);
}

static void c_ndim0(bytes *x)
{
    tens_case(x, f_ndim0, 2);
}

static void c_ndim9(bytes *x)
{
    tens_case(x, f_ndim9, 1);
}

static void c_name0(bytes *x)
{
    tens_case(x, f_name0, 2);
}

static void c_name200(bytes *x)
{
    tens_case(x, f_name200, 1);
}

static void c_name_short(bytes *x)
{
    tens_case(x, f_name_short, 0);
}

static void c_name_ctrl(bytes *x)
{
    tens_case(x, f_name_ctrl, 1);
}

static void c_dim0(bytes *x)
{
    tens_case(x, f_dim0, 3);
}

static void c_dim_2p31(bytes *x)
{
    tens_case(x, f_dim_2p31, 4);
}

static void c_data_short(bytes *x)
{
    tens_case(x, f_dims_big, 0); /* 65536x65536 values claimed, none present */
}

static void c_tens_trailing(bytes *x)
{
    tens_case(x, f_one_value, 2); /* one value declared, two present */
}

static void c_tens_count_4g(bytes *x)
{
    b_header(x, 1, 2);
    b_conf(x, "a: 1");
    size_t at = b_begin(x, "TENS");
    b_u32(x, 4000000000u);
    f_one_value(x);
    b_f32(x, 1.0f);
    b_end(x, at);
}

/* Under the cap of 2^20 tensors, but far more than the bytes that follow can hold. */
static void c_tens_count_100k(bytes *x)
{
    b_header(x, 1, 2);
    b_conf(x, "a: 1");
    size_t at = b_begin(x, "TENS");
    b_u32(x, 100000);
    f_one_value(x);
    b_f32(x, 1.0f);
    b_end(x, at);
}

static void c_meta_count_100k(bytes *x)
{
    b_header(x, 1, 3);
    b_conf(x, "a: 1");
    b_tens(x);
    size_t at = b_begin(x, "META");
    b_u32(x, 100000);
    b_u32(x, 1);
    b_str(x, "k");
    b_u32(x, 0);
    b_end(x, at);
}

static void c_tens_dup(bytes *x)
{
    b_header(x, 1, 2);
    b_conf(x, "a: 1");
    size_t at = b_begin(x, "TENS");
    b_u32(x, 2);
    for (int i = 0; i < 2; i++) {
        f_one_value(x);
        b_f32(x, 1.0f);
    }
    b_end(x, at);
}

static void c_meta_count_4g(bytes *x)
{
    b_header(x, 1, 3);
    b_conf(x, "a: 1");
    b_tens(x);
    size_t at = b_begin(x, "META");
    b_u32(x, 4000000000u);
    b_u32(x, 1);
    b_str(x, "k");
    b_u32(x, 0);
    b_end(x, at);
}

static void meta_case(bytes *x, uint32_t klen, const char *key, uint32_t vlen, const char *v)
{
    b_header(x, 1, 3);
    b_conf(x, "a: 1");
    b_tens(x);
    size_t at = b_begin(x, "META");
    b_u32(x, 1);
    b_u32(x, klen);
    b_str(x, key);
    b_u32(x, vlen);
    b_raw(x, v, strlen(v) + (strlen(v) < vlen)); /* the NUL too when vlen asks for it */
    b_end(x, at);
}

static void c_meta_key_huge(bytes *x)
{
    meta_case(x, 0xffffffffu, "key", 0, "");
}

static void c_meta_key0(bytes *x)
{
    meta_case(x, 0, "", 1, "v");
}

static void c_meta_value_huge(bytes *x)
{
    meta_case(x, 1, "k", 0xfffffff0u, "v");
}

static void c_meta_value_nul(bytes *x)
{
    meta_case(x, 1, "k", 3, "ab");
}

static void c_meta_key_ctrl(bytes *x)
{
    meta_case(x, 2, "k\t", 1, "v");
}

static void c_meta_dup(bytes *x)
{
    b_header(x, 1, 3);
    b_conf(x, "a: 1");
    b_tens(x);
    size_t at = b_begin(x, "META");
    b_u32(x, 2);
    for (int i = 0; i < 2; i++) {
        b_u32(x, 4);
        b_str(x, "seed");
        b_u32(x, 1);
        b_str(x, i ? "2" : "1");
    }
    b_end(x, at);
}

static void prep_case(bytes *x, double scale, uint32_t kind, uint32_t n, int present)
{
    b_header(x, 1, 3);
    b_conf(x, "a: 1");
    b_tens(x);
    size_t at = b_begin(x, "PREP");
    b_f64(x, scale);
    b_u32(x, kind);
    b_u32(x, n);
    for (int i = 0; i < 2 * present; i++)
        b_f32(x, 1.0f);
    b_end(x, at);
}

static void c_prep_n_4g(bytes *x)
{
    prep_case(x, 1.0, 1, 4000000000u, 2);
}

static void c_prep_kind7(bytes *x)
{
    prep_case(x, 1.0, 7, 0, 0);
}

static void c_prep_nan(bytes *x)
{
    prep_case(x, NAN, 1, 1, 1);
}

static void c_prep_none_n(bytes *x)
{
    prep_case(x, 1.0, 0, 3, 3);
}

static void c_prep_short(bytes *x)
{
    prep_case(x, 1.0, 2, 3, 2);
}

static void c_prep_long(bytes *x)
{
    prep_case(x, 1.0, 2, 1, 2);
}

static void c_nsect_4g(bytes *x)
{
    b_header(x, 1, 4000000000u);
    b_conf(x, "a: 1");
    b_tens(x);
}

static void c_nsect_short(bytes *x)
{
    b_header(x, 1, 1);
    b_conf(x, "a: 1");
    b_tens(x);
}

static void c_repeated(bytes *x)
{
    b_header(x, 1, 3);
    b_conf(x, "a: 1");
    b_conf(x, "a: 2");
    b_tens(x);
}

static void c_order(bytes *x)
{
    b_header(x, 1, 2);
    b_tens(x);
    b_conf(x, "a: 1");
}

static void c_no_tens(bytes *x)
{
    b_header(x, 1, 1);
    b_conf(x, "a: 1");
}

static void c_no_conf(bytes *x)
{
    b_header(x, 1, 1);
    b_tens(x);
}

static void c_conf_nul(bytes *x)
{
    b_header(x, 1, 2);
    size_t at = b_begin(x, "CONF");
    b_raw(x, "a: 1\0b", 6);
    b_end(x, at);
    b_tens(x);
}

static void c_bad_tag(bytes *x)
{
    b_header(x, 1, 3);
    b_conf(x, "a: 1");
    size_t at = b_begin(x, "X\001YZ");
    b_end(x, at);
    b_tens(x);
}

static void c_version0(bytes *x)
{
    b_header(x, 0, 2);
    b_conf(x, "a: 1");
    b_tens(x);
}

static void c_version2(bytes *x)
{
    b_header(x, 2, 7);
    b_str(x, "whatever a later format holds");
}

typedef struct hostile {
    const char *name;
    void (*build)(bytes *);
    const char *expect;
} hostile;

/* The OPTM fields, to be varied one at a time by the hostile cases. */
typedef struct optm_fields {
    const char *name;
    uint32_t nslots;
    uint64_t nvalues, step;
    uint32_t epochs, flags;
    uint64_t rows;
    uint32_t order[3];
    uint32_t monitor, best_epoch, wait;
    double best;
    uint64_t nbest;
    int floats; /* f32 values written after nbest (best values and slots together) */
    int trailing;
} optm_fields;

static optm_fields optm_good(void)
{
    return (optm_fields){"adam", 2, 2, 7, 3, 0, 3, {2, 0, 1}, 0, 2, 1, 0.25, 2, 6, 0};
}

/* The fields OPTM and OPT2 share. */
static void optm_body(bytes *x, const optm_fields *o)
{
    b_u16(x, (uint16_t)strlen(o->name));
    b_str(x, o->name);
    b_u32(x, o->nslots);
    b_u64(x, o->nvalues);
    b_u64(x, o->step);
    b_u32(x, o->epochs);
    b_u32(x, o->flags);
    for (int i = 0; i < 4; i++)
        b_u64(x, 0x0123456789abcdefULL + (uint64_t)i);
    b_u64(x, o->rows);
    for (uint64_t i = 0; i < o->rows && i < 3; i++)
        b_u32(x, o->order[i]);
    b_u32(x, o->monitor);
    b_u32(x, o->best_epoch);
    b_u32(x, o->wait);
    b_f64(x, o->best);
    b_u64(x, o->nbest);
    for (int i = 0; i < o->floats; i++)
        b_f32(x, (float)i);
    for (int i = 0; i < o->trailing; i++)
        b_u8(x, 0);
}

/* CONF, TENS and an OPTM built from o. */
static void optm_case(bytes *x, const optm_fields *o)
{
    b_header(x, 1, 3);
    b_conf(x, "a: 1");
    b_tens(x);
    size_t at = b_begin(x, "OPTM");
    optm_body(x, o);
    b_end(x, at);
}

/* What OPT2 adds, to be varied one at a time too. */
typedef struct opt2_fields {
    optm_fields base;
    uint64_t rows_done;
    uint32_t nparts;
    double part_loss;
    uint64_t part_rows;
    uint32_t last_epoch, last_has, best_epoch, best_has;
    uint64_t ncurrent;
    int floats; /* f32 values written after ncurrent */
    int trailing;
} opt2_fields;

/* Stopped after 1 of the 3 rows of epoch 4, alone; TENS holds the current weights. */
static opt2_fields opt2_good(void)
{
    opt2_fields o = {optm_good(), 1, 1, 0.5, 1, 3, NN_RECORD_ACC, 2, 0, 0, 0, 0};
    o.base.flags = NN_STATE_PARTIAL;
    return o;
}

static void opt2_case(bytes *x, const opt2_fields *o)
{
    b_header(x, 1, 3);
    b_conf(x, "a: 1");
    b_tens(x);
    size_t at = b_begin(x, "OPT2");
    optm_body(x, &o->base);
    b_u64(x, o->rows_done);
    b_u32(x, o->nparts);
    for (uint32_t i = 0; i < o->nparts && i < 2; i++) {
        b_f64(x, o->part_loss);
        b_u64(x, 1);
        b_u64(x, o->part_rows);
    }
    const uint32_t rec[2][2] = {{o->last_epoch, o->last_has}, {o->best_epoch, o->best_has}};
    for (int r = 0; r < 2; r++) {
        b_u32(x, rec[r][0]);
        b_u32(x, rec[r][1]);
        for (int i = 0; i < 4; i++)
            b_f64(x, 0.125 * i);
    }
    b_u64(x, o->ncurrent);
    for (int i = 0; i < o->floats; i++)
        b_f32(x, (float)i);
    for (int i = 0; i < o->trailing; i++)
        b_u8(x, 0);
    b_end(x, at);
}

static void c_opt2_good(bytes *x)
{
    opt2_fields o = opt2_good();
    opt2_case(x, &o);
}

#define OPT2_CASE(fn, field, value)                                                         \
    static void fn(bytes *x)                                                                \
    {                                                                                       \
        opt2_fields o = opt2_good();                                                        \
        o.field = value;                                                                    \
        opt2_case(x, &o);                                                                   \
    }
OPT2_CASE(c_opt2_rows_done_all, rows_done, 3)
OPT2_CASE(c_opt2_not_partial, base.flags, 0)
OPT2_CASE(c_opt2_flag8, base.flags, 9)
OPT2_CASE(c_opt2_no_parts, nparts, 0)
OPT2_CASE(c_opt2_parts_past, nparts, 1000)
OPT2_CASE(c_opt2_part_nan, part_loss, NAN)
OPT2_CASE(c_opt2_part_rows, part_rows, 2)
OPT2_CASE(c_opt2_last_late, last_epoch, 4)
OPT2_CASE(c_opt2_has8, last_has, 8)
OPT2_CASE(c_opt2_best_late, best_epoch, 3)
OPT2_CASE(c_opt2_current_past, ncurrent, 1000)
OPT2_CASE(c_opt2_trailing, trailing, 2)

/* TENS is said to hold the best epoch's weights, but no current values follow. */
static void c_opt2_tens_best_alone(bytes *x)
{
    opt2_fields o = opt2_good();
    o.base.flags |= NN_STATE_TENS_BEST;
    opt2_case(x, &o);
}

/* Current values, but also best ones: one of the two is in TENS. */
static void c_opt2_both_values(bytes *x)
{
    opt2_fields o = opt2_good();
    o.base.flags |= NN_STATE_TENS_BEST;
    o.ncurrent = 2;
    o.floats = 2;
    opt2_case(x, &o);
}

static void c_optm_good(bytes *x);

/* An OPTM and an OPT2 in one file. */
static void c_opt2_after_optm(bytes *x)
{
    bytes inner = {{0}, 0};
    c_optm_good(&inner);
    memcpy(x->b, inner.b, inner.n);
    x->n = inner.n;
    x->b[8] = 4;
    opt2_fields o = opt2_good();
    size_t at = b_begin(x, "OPT2");
    optm_body(x, &o.base);
    b_end(x, at);
}

static void c_optm_good(bytes *x)
{
    optm_fields o = optm_good();
    optm_case(x, &o);
}

#define OPTM_CASE(fn, field, value)                                                         \
    static void fn(bytes *x)                                                                \
    {                                                                                       \
        optm_fields o = optm_good();                                                        \
        o.field = value;                                                                    \
        optm_case(x, &o);                                                                   \
    }
OPTM_CASE(c_optm_name0, name, "")
OPTM_CASE(c_optm_name_ctrl, name, "ad\tm")
OPTM_CASE(c_optm_slots9, nslots, 9)
OPTM_CASE(c_optm_flags, flags, 4)
OPTM_CASE(c_optm_rows_4g, rows, 0x100000000ULL)
OPTM_CASE(c_optm_rows_past, rows, 1000)
OPTM_CASE(c_optm_monitor, monitor, 3)
OPTM_CASE(c_optm_best_late, best_epoch, 4)
OPTM_CASE(c_optm_best_nan, best, NAN)
OPTM_CASE(c_optm_nbest_past, nbest, 1000)
OPTM_CASE(c_optm_slots_past, nvalues, 3)
OPTM_CASE(c_optm_slots_huge, nvalues, 0x4000000000000000ULL)
OPTM_CASE(c_optm_short, floats, 5)
OPTM_CASE(c_optm_trailing, trailing, 3)
OPTM_CASE(c_optm_epochs_huge, epochs, 0x80000000u)

static void c_optm_repeat(bytes *x)
{
    optm_fields o = optm_good();
    o.order[2] = 2;
    optm_case(x, &o);
}

static void c_optm_range(bytes *x)
{
    optm_fields o = optm_good();
    o.order[0] = 3;
    optm_case(x, &o);
}

/* Found by tests/fuzz/fuzz_weights: with no slots the value count went unchecked, so the
 * reader accepted a state (2^30 + 1 values) that the writer refuses to write back. */
static void c_optm_values_no_slots(bytes *x)
{
    optm_fields o = optm_good();
    o.nslots = 0;
    o.nvalues = ((uint64_t)1 << 30) + 1;
    o.floats = 2;
    optm_case(x, &o);
}

/* OPTM must come last of the known sections. */
static void c_optm_order(bytes *x)
{
    bytes inner = {{0}, 0};
    c_optm_good(&inner);
    memcpy(x->b, inner.b, inner.n);
    x->n = inner.n;
    x->b[8] = 4;
    size_t at = b_begin(x, "META");
    b_u32(x, 0);
    b_end(x, at);
}

static const hostile hostiles[] = {
    {"optm name length 0", c_optm_name0, "optimizer name has 0 bytes"},
    {"optm name with a tab", c_optm_name_ctrl, "optimizer name is not printable"},
    {"optm 9 slots", c_optm_slots9, "optimizer slot count 9"},
    {"optm unknown flag", c_optm_flags, "training state flags 00000004"},
    {"optm rows 2^32", c_optm_rows_4g, "training row count 4294967296 is impossible"},
    {"optm rows past the bytes", c_optm_rows_past, "training row count 1000 is impossible"},
    {"optm row repeated", c_optm_repeat, "row 2 in the permutation of 3 training rows is "
                                         "repeated"},
    {"optm row out of range", c_optm_range, "row 3 in the permutation of 3 training rows is "
                                            "out of range"},
    {"optm monitor 3", c_optm_monitor, "monitor 3 (expected 0 val_loss"},
    {"optm best after the epochs", c_optm_best_late, "best epoch 4, 1 epochs since, but only 3"},
    {"optm best NaN", c_optm_best_nan, "best value is not a finite number"},
    {"optm best values past the bytes", c_optm_nbest_past, "1000 best parameter values"},
    {"optm slots past the bytes", c_optm_slots_past, "2 optimizer slots of 3 values"},
    {"optm slots huge", c_optm_slots_huge, "2 optimizer slots of 4611686018427387904"},
    {"optm slots short", c_optm_short, "2 optimizer slots of 2 values"},
    {"optm trailing bytes", c_optm_trailing, "unexpected bytes after the training state"},
    {"optm epochs 2^31", c_optm_epochs_huge, "epochs done 2147483648"},
    {"optm 2^30+1 values, no slots", c_optm_values_no_slots,
     "0 optimizer slots of 1073741825 values"},
    {"optm before META", c_optm_order, "'META' comes after 'OPTM'"},
    {"opt2 all rows done", c_opt2_rows_done_all, "3 rows done in the epoch, of 3"},
    {"opt2 rows done, not partial", c_opt2_not_partial, "expected 0: the state is at the end"},
    {"opt2 unknown flag", c_opt2_flag8, "training state flags 00000009"},
    {"opt2 no parts", c_opt2_no_parts, "0 parts of the epoch's figures"},
    {"opt2 parts past the bytes", c_opt2_parts_past, "1000 parts of the epoch's figures"},
    {"opt2 part loss NaN", c_opt2_part_nan, "part 1 of the epoch's figures is impossible"},
    {"opt2 part rows past those done", c_opt2_part_rows, "over 2 rows, of 1 done"},
    {"opt2 last epoch after the epochs", c_opt2_last_late, "the last epoch's figures: epoch 4"},
    {"opt2 figures bit 3", c_opt2_has8, "figures 8"},
    {"opt2 best record after the best", c_opt2_best_late, "the best epoch's figures: epoch 3"},
    {"opt2 current values past the bytes", c_opt2_current_past, "1000 current parameter"},
    {"opt2 trailing bytes", c_opt2_trailing, "unexpected bytes after the training state"},
    {"opt2 best in TENS, no current", c_opt2_tens_best_alone, "TENS holds the best epoch's"},
    {"opt2 current and best values", c_opt2_both_values, "2 current and 2 best values"},
    {"opt2 with OPTM", c_opt2_after_optm, "'OPTM' and 'OPT2' both hold a training state"},
    {"section length 2^63", c_section_len_2p63, "declares 9223372036854775808 bytes"},
    {"dims product overflows", c_dims_overflow, "more values than"},
    {"dims product past the payload", c_dims_big, "more values than"},
    {"data missing", c_data_short, "65536x65536"},
    {"ndim 0", c_ndim0, "ndim 0 (expected 1..4)"},
    {"ndim 9", c_ndim9, "ndim 9 (expected 1..4)"},
    {"name length 0", c_name0, "name of 0 bytes"},
    {"name length 200", c_name200, "name of 200 bytes"},
    {"name past the payload", c_name_short, "expected the name of tensor 1 (63 bytes)"},
    {"name with a newline", c_name_ctrl, "not printable"},
    {"dim 0", c_dim0, "dim 2 = 0"},
    {"dim 2^31", c_dim_2p31, "dim 1 = 2147483648"},
    {"bytes after the tensors", c_tens_trailing, "unexpected bytes after the last tensor"},
    {"tensor count 4 billion", c_tens_count_4g, "tensor count 4000000000"},
    {"tensor count past the bytes", c_tens_count_100k, "tensor count 100000 is impossible"},
    {"repeated tensor name", c_tens_dup, "tensor name 'w' appears twice"},
    {"meta count 4 billion", c_meta_count_4g, "metadata entry count 4000000000"},
    {"meta count past the bytes", c_meta_count_100k, "entry count 100000 is impossible"},
    {"meta key length 2^32-1", c_meta_key_huge, "expected the key of metadata entry 1"},
    {"meta key length 0", c_meta_key0, "empty key"},
    {"meta value length huge", c_meta_value_huge, "expected the value of metadata 'k'"},
    {"meta value with NUL", c_meta_value_nul, "NUL byte in the value"},
    {"meta key with a tab", c_meta_key_ctrl, "not printable"},
    {"repeated meta key", c_meta_dup, "metadata key 'seed' appears twice"},
    {"prep n 4 billion", c_prep_n_4g, "feature count 4000000000"},
    {"prep kind 7", c_prep_kind7, "kind 7 is unknown"},
    {"prep scale NaN", c_prep_nan, "not a finite number"},
    {"prep none with features", c_prep_none_n, "kind none with 3 features"},
    {"prep arrays short", c_prep_short, "feature count 3"},
    {"prep arrays long", c_prep_long, "unexpected bytes after the preprocessing"},
    {"section count 4 billion", c_nsect_4g, "section 3 of 4000000000"},
    {"section count too small", c_nsect_short, "follow the last of the 1 sections"},
    {"repeated section", c_repeated, "'CONF' appears a second time"},
    {"sections out of order", c_order, "'CONF' comes after 'TENS'"},
    {"no TENS", c_no_tens, "no 'TENS' section"},
    {"no CONF", c_no_conf, "no 'CONF' section"},
    {"NUL in the config", c_conf_nul, "NUL byte in the model config"},
    {"unprintable tag", c_bad_tag, "not printable ASCII"},
    {"version 0", c_version0, "format version 0 is invalid"},
    {"version 2", c_version2, "made by a newer nntrain (format 2; this reads 1)"},
};

/* Builds each case with a correct CRC and checks the reader refuses it with its words. */
static void assert_all_refused(const fixture *f, const hostile *cases, size_t n)
{
    char path[128];
    join(path, sizeof path, f, "hostile.nnw");
    for (size_t i = 0; i < n; i++) {
        bytes x = {{0}, 0};
        cases[i].build(&x);
        b_crc(&x);
        spill(path, x.b, x.n);
        nn_err err;
        assert_refused(path, &err);
        if (!strstr(err.msg, cases[i].expect) || strstr(err.msg, "out of memory"))
            fail_msg("case '%s': message \"%s\" lacks \"%s\"", cases[i].name, err.msg,
                     cases[i].expect);
    }
}

static void test_hostile(void **state)
{
    assert_all_refused(*state, hostiles, sizeof hostiles / sizeof hostiles[0]);
}

static void test_newer_version_exact(void **state)
{
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "v2.nnw");
    bytes x = {{0}, 0};
    c_version2(&x);
    spill(path, x.b, x.n); /* no valid CRC: the version is judged first */
    nn_err err;
    assert_refused(path, &err);
    char want[256];
    snprintf(want, sizeof want, "%s: byte 4: made by a newer nntrain (format 2; this reads 1)",
             path);
    assert_string_equal(err.msg, want);
}

/* A well-formed crafted file: unknown sections anywhere are skipped, PREP and META optional. */
static void test_unknown_sections_skipped(void **state)
{
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "future.nnw");
    bytes x = {{0}, 0};
    b_header(&x, 1, 5);
    size_t at = b_begin(&x, "XTRA");
    b_str(&x, "\x01\x02\x03 anything at all \xff");
    b_end(&x, at);
    b_conf(&x, "input: 2\n");
    at = b_begin(&x, "ZZZZ");
    b_end(&x, at);
    b_tens(&x);
    at = b_begin(&x, "CONf"); /* tags are case-sensitive: this one is unknown */
    b_end(&x, at);
    b_crc(&x);
    spill(path, x.b, x.n);
    nn_weights r;
    nn_err err = {{0}};
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_string_equal(r.conf, "input: 2\n");
    assert_int_equal(r.ntensors, 1);
    assert_string_equal(r.tensors[0].name, "w");
    assert_int_equal(r.tensors[0].shape.ndim, 1);
    assert_int_equal(r.tensors[0].shape.dim[0], 2);
    assert_true(r.tensors[0].data[0] == 1.0f && r.tensors[0].data[1] == 2.0f);
    assert_true(r.prep.scale == 1.0);
    assert_int_equal(r.prep.kind, NN_NORM_NONE);
    assert_int_equal(r.prep.n, 0);
    assert_int_equal(r.nmeta, 0);
    nn_weights_destroy(&r);
}

static void test_foreign_files(void **state)
{
    fixture *f = *state;
    char path[128];
    nn_err err;
    join(path, sizeof path, f, "iris.csv");
    spill(path, "sepal_length,sepal_width\n5.1,3.5\n", 33);
    assert_refused(path, &err);
    assert_contains(err.msg, "byte 0: not an nntrain weights file (bad magic)");

    spill(path, "N", 1); /* agrees with the magic as far as it goes: truncated */
    assert_refused(path, &err);
    assert_contains(err.msg, "truncated");
    spill(path, "NX", 2);
    assert_refused(path, &err);
    assert_contains(err.msg, "bad magic");

    spill(path, "", 0);
    assert_refused(path, &err);
    assert_contains(err.msg, "empty file");

    join(path, sizeof path, f, "missing.nnw");
    assert_refused(path, &err);
    assert_contains(err.msg, "cannot open: No such file or directory");

    assert_refused(f->dir, &err);
    assert_contains(err.msg, "not a regular file");
}

/* ------------------------------------------------------------------------------------------
 * The writer: refusals and the atomic replace
 * ------------------------------------------------------------------------------------------ */

static void test_write_refuses_bad_input(void **state)
{
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "never.nnw");
    nn_err err;
    for (int c = 0; c < 16; c++) {
        sample s;
        sample_init(&s);
        const char *expect = "";
        switch (c) {
        case 0: s.w.conf = NULL; expect = "no model config"; break;
        case 1: s.t[1].name[0] = '\0'; expect = "tensor 2: its name"; break;
        case 2: memset(s.t[1].name, 'x', NN_TENSOR_NAME_MAX); expect = "tensor 2: its name"; break;
        case 3: s.t[0].name[2] = '\n'; expect = "tensor 1: its name"; break;
        case 4: s.t[0].shape.ndim = 0; expect = "ndim 0"; break;
        case 5: s.t[0].shape.ndim = 5; expect = "ndim 5"; break;
        case 6: s.t[0].shape.dim[1] = 0; expect = "every dim"; break;
        case 7: s.t[2].data = NULL; expect = "no data"; break;
        case 8: strcpy(s.t[3].name, "dense1.b"); expect = "'dense1.b' is used twice"; break;
        case 9: s.w.prep.kind = NN_NORM_NONE; expect = "preprocessing with 2 features"; break;
        case 10: s.w.prep.scale = INFINITY; expect = "scale is not finite"; break;
        case 11: s.m[2].key = NULL; expect = "entry 3: no key"; break;
        case 12: s.m[1].key = ""; expect = "entry 2: its key"; break;
        case 13: s.m[3].key = "seed"; expect = "metadata key 'seed' is used twice"; break;
        case 14: s.w.ntensors = -1; expect = "cannot write -1 tensors"; break;
        case 15: s.w.prep.mul = NULL; expect = "preprocessing with 2 features"; break;
        }
        err.msg[0] = '\0';
        assert_int_equal(nn_weights_write(path, &s.w, &err), -1);
        assert_contains(err.msg, path);
        assert_contains(err.msg, expect);
    }
    assert_dir_holds(f->dir, (const char *const[]){NULL});
}

static void test_write_missing_directory(void **state)
{
    fixture *f = *state;
    char path[160];
    join(path, sizeof path, f, "nope/x.nnw");
    sample s;
    sample_init(&s);
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(path, &s.w, &err), -1);
    assert_contains(err.msg, path);
    assert_contains(err.msg, "No such file or directory");
    assert_dir_holds(f->dir, (const char *const[]){NULL});
}

static void test_write_over_directory(void **state)
{
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "sub");
    assert_int_equal(mkdir(path, 0755), 0);
    sample s;
    sample_init(&s);
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(path, &s.w, &err), -1);
    assert_contains(err.msg, path);
    assert_contains(err.msg, "cannot rename");
    assert_contains(err.msg, strerror(EISDIR));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_dir_holds(path, (const char *const[]){NULL});
    assert_dir_holds(f->dir, (const char *const[]){"sub", NULL});
}

/* A write that fails half-way (the file size limit, which binds root too) leaves the old file
 * byte for byte and no temporary file. The write runs in a child so the limit stays there. */
static void test_failed_write_keeps_old_file(void **state)
{
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "model.nnw");
    float v = 1.0f;
    nn_tensor t = {"w", {1, {1}}, &v};
    nn_weights small = {"a: 1", &t, 1, {1.0, NN_NORM_NONE, 0, NULL, NULL}, NULL, 0, NULL, NULL, 0};
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(path, &small, &err), 0);
    size_t n0;
    unsigned char *before = slurp(path, &n0);
    assert_non_null(before);

    /* A refusal before any I/O leaves it too. */
    sample s;
    sample_init(&s);
    s.t[0].shape.ndim = 0;
    assert_int_equal(nn_weights_write(path, &s.w, &err), -1);

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sample big;
        sample_init(&big);
        struct rlimit rl;
        signal(SIGXFSZ, SIG_IGN);
        if (getrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(10);
        rl.rlim_cur = (rlim_t)n0 + 16;
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(11);
        nn_err e;
        if (nn_weights_write(path, &big.w, &e) != -1)
            _exit(12);
        if (!strstr(e.msg, "cannot write") || !strstr(e.msg, strerror(EFBIG)))
            _exit(13);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    size_t n1;
    unsigned char *after = slurp(path, &n1);
    assert_non_null(after);
    assert_int_equal(n1, n0);
    assert_memory_equal(before, after, n0);
    nn_free(before);
    nn_free(after);
    assert_dir_holds(f->dir, (const char *const[]){"model.nnw", NULL});

    nn_weights r;
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_weights_equal(&small, &r);
    nn_weights_destroy(&r);
}

/* A relative path (no directory part) works and leaves only the file. */
static void test_relative_path(void **state)
{
    fixture *f = *state;
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    sample s;
    sample_init(&s);
    nn_err err = {{0}};
    int rc = nn_weights_write("rel.nnw", &s.w, &err);
    nn_weights r;
    int rc2 = nn_weights_read("rel.nnw", &r, &err);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(rc2, 0);
    assert_weights_equal(&s.w, &r);
    nn_weights_destroy(&r);
    assert_dir_holds(f->dir, (const char *const[]){"rel.nnw", NULL});
}

/* ------------------------------------------------------------------------------------------
 * The training state (OPTM)
 * ------------------------------------------------------------------------------------------ */

typedef struct state_sample {
    float slots[6], best[4], current[4];
    size_t order[5];
    nn_train_part parts[2];
    nn_train_state st;
} state_sample;

static void state_init(state_sample *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < 6; i++)
        t->slots[i] = (float)i * -0.5f;
    t->slots[1] = -0.0f;
    t->slots[5] = from_bits(0x7fc00042u);
    for (int i = 0; i < 4; i++)
        t->best[i] = 1.0f / (float)(i + 1);
    const size_t order[5] = {3, 0, 4, 1, 2};
    memcpy(t->order, order, sizeof order);
    snprintf(t->st.optim, sizeof t->st.optim, "adam");
    t->st.nslots = 2;
    t->st.nvalues = 3;
    t->st.slots = t->slots;
    t->st.step = 0x123456789ULL;
    t->st.epochs_done = 7;
    t->st.flags = NN_STATE_PARTIAL;
    t->st.rng[0] = 1;
    t->st.rng[1] = UINT64_MAX;
    t->st.rng[2] = 0x8000000000000000ULL;
    t->st.rng[3] = 42;
    t->st.nrows = 5;
    t->st.order = t->order;
    t->st.monitor = 1;
    t->st.best_epoch = 4;
    t->st.wait = 3;
    t->st.best = 0.96875;
    t->st.nbest = 4;
    t->st.best_values = t->best;
    /* stopped inside epoch 8, after 2 of its 5 rows, in a job of two processes */
    t->st.rows_done = 2;
    t->parts[0] = (nn_train_part){0.75, 1, 1};
    t->parts[1] = (nn_train_part){-0.0, 0, 1};
    t->st.nparts = 2;
    t->st.parts = t->parts;
    t->st.last = (nn_epoch_record){7, NN_RECORD_ACC | NN_RECORD_VAL | NN_RECORD_VAL_ACC, 0.5,
                                   0.75, 0.625, 0.96875};
    t->st.best_record = (nn_epoch_record){4, NN_RECORD_VAL, 0.25, 0, 1e-30, 0};
}

/* The same state as restore_best writes it: TENS holds the best epoch's weights, so the best
 * values are not repeated and the current ones are kept instead. */
static void state_init_tens_best(state_sample *t)
{
    state_init(t);
    for (int i = 0; i < 4; i++)
        t->current[i] = (float)i - 1.5f;
    t->st.flags |= NN_STATE_TENS_BEST;
    t->st.nbest = 0;
    t->st.best_values = NULL;
    t->st.ncurrent = 4;
    t->st.current = t->current;
}

static void assert_record_equal(const nn_epoch_record *a, const nn_epoch_record *b)
{
    assert_int_equal(a->epoch, b->epoch);
    assert_int_equal(a->has, b->has);
    assert_memory_equal(&a->loss, &b->loss, sizeof a->loss);
    assert_memory_equal(&a->acc, &b->acc, sizeof a->acc);
    assert_memory_equal(&a->val_loss, &b->val_loss, sizeof a->val_loss);
    assert_memory_equal(&a->val_acc, &b->val_acc, sizeof a->val_acc);
}

static void assert_state_equal(const nn_train_state *a, const nn_train_state *b)
{
    assert_string_equal(a->optim, b->optim);
    assert_int_equal(a->nslots, b->nslots);
    assert_int_equal(a->nvalues, b->nvalues);
    assert_memory_equal(a->slots, b->slots, a->nvalues * (size_t)a->nslots * sizeof(float));
    assert_true(a->step == b->step);
    assert_int_equal(a->epochs_done, b->epochs_done);
    assert_int_equal(a->flags, b->flags);
    assert_memory_equal(a->rng, b->rng, sizeof a->rng);
    assert_int_equal(a->nrows, b->nrows);
    assert_memory_equal(a->order, b->order, a->nrows * sizeof(size_t));
    assert_int_equal(a->monitor, b->monitor);
    assert_int_equal(a->best_epoch, b->best_epoch);
    assert_int_equal(a->wait, b->wait);
    assert_true(a->best == b->best);
    assert_int_equal(a->nbest, b->nbest);
    if (a->nbest)
        assert_memory_equal(a->best_values, b->best_values, a->nbest * sizeof(float));
    assert_int_equal(a->rows_done, b->rows_done);
    assert_int_equal(a->nparts, b->nparts);
    for (int i = 0; i < a->nparts; i++) {
        assert_memory_equal(&a->parts[i].loss_sum, &b->parts[i].loss_sum, sizeof(double));
        assert_true(a->parts[i].correct == b->parts[i].correct);
        assert_true(a->parts[i].rows == b->parts[i].rows);
    }
    assert_record_equal(&a->last, &b->last);
    assert_record_equal(&a->best_record, &b->best_record);
    assert_int_equal(a->ncurrent, b->ncurrent);
    if (a->ncurrent)
        assert_memory_equal(a->current, b->current, a->ncurrent * sizeof(float));
}

static void test_state_roundtrip(void **state)
{
    fixture *f = *state;
    char path[128], again[128];
    join(path, sizeof path, f, "state.nnw");
    join(again, sizeof again, f, "again.nnw");
    sample s;
    sample_init(&s);
    state_sample t;
    state_init(&t);
    s.w.state = &t.st;
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(path, &s.w, &err), 0);
    nn_weights r;
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_weights_equal(&s.w, &r);
    assert_non_null(r.state);
    assert_state_equal(&t.st, r.state);
    /* written again from what was read: the same bytes */
    assert_int_equal(nn_weights_write(again, &r, &err), 0);
    nn_weights_destroy(&r);
    size_t na, nb;
    unsigned char *a = slurp(path, &na), *b = slurp(again, &nb);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    assert_int_equal(a[8], 5); /* five sections */
    nn_free(a);
    nn_free(b);

    /* restore_best's layout: the current values instead of the best ones */
    state_init_tens_best(&t);
    assert_int_equal(nn_weights_write(path, &s.w, &err), 0);
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_state_equal(&t.st, r.state);
    assert_null(r.state->best_values);
    nn_weights_destroy(&r);

    /* without a state: four sections, and no state read back */
    s.w.state = NULL;
    assert_int_equal(nn_weights_write(path, &s.w, &err), 0);
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_null(r.state);
    nn_weights_destroy(&r);

    /* the smallest state: sgd, no slots, no rows, no early stopping */
    nn_train_state small = {.optim = "sgd", .nvalues = 9, .epochs_done = 1};
    s.w.state = &small;
    assert_int_equal(nn_weights_write(path, &s.w, &err), 0);
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_state_equal(&small, r.state);
    assert_null(r.state->slots);
    nn_weights_destroy(&r);
}

/* Writes w, then checks that every truncation and every byte flip of the file is refused. */
static void assert_damage_refused(const fixture *f, const nn_weights *w)
{
    char good[128], bad[128];
    join(good, sizeof good, f, "good.nnw");
    join(bad, sizeof bad, f, "bad.nnw");
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(good, w, &err), 0);
    size_t n;
    unsigned char *b = slurp(good, &n);
    assert_non_null(b);
    for (size_t len = 0; len < n; len++) {
        spill(bad, b, len);
        assert_refused(bad, &err);
    }
    for (size_t i = 0; i < n; i++) {
        b[i] ^= 0x10;
        spill(bad, b, n);
        b[i] ^= 0x10;
        assert_refused(bad, &err);
    }
    nn_free(b);
}

/* Every truncation and every byte flip of a file with a state is refused. */
static void test_state_damage(void **state)
{
    sample s;
    sample_init(&s);
    state_sample t;
    state_init(&t);
    s.w.state = &t.st;
    assert_damage_refused(*state, &s.w);
}

static void test_state_hostile_good_base(void **state)
{
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "base.nnw");
    bytes x = {{0}, 0};
    c_optm_good(&x);
    b_crc(&x);
    spill(path, x.b, x.n);
    nn_weights r;
    nn_err err = {{0}};
    assert_int_equal(nn_weights_read(path, &r, &err), 0); /* the cases vary a sound file */
    assert_int_equal(r.state->nrows, 3);
    assert_int_equal(r.state->order[0], 2);
    assert_true(r.state->slots[3] == 5.0f);
    assert_true(r.state->best_values[1] == 1.0f);
    assert_true(r.state->rng[3] == 0x0123456789abcdf2ULL);
    nn_weights_destroy(&r);
    /* an OPTM saved inside an epoch reads as saved at the end of the one before, as the
     * version that wrote it resumed it */
    x.n = 0;
    optm_fields o = optm_good();
    o.flags = NN_STATE_PARTIAL;
    optm_case(&x, &o);
    b_crc(&x);
    spill(path, x.b, x.n);
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_int_equal(r.state->flags, 0);
    assert_int_equal(r.state->rows_done, 0);
    nn_weights_destroy(&r);
    x.n = 0;
    c_opt2_good(&x);
    b_crc(&x);
    spill(path, x.b, x.n);
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_int_equal(r.state->rows_done, 1);
    assert_int_equal(r.state->nparts, 1);
    assert_true(r.state->parts[0].loss_sum == 0.5);
    assert_int_equal(r.state->last.epoch, 3);
    assert_true(r.state->last.val_acc == 0.375);
    nn_weights_destroy(&r);
}

static void test_state_write_refused(void **state)
{
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "never.nnw");
    nn_err err;
    for (int c = 0; c < 13; c++) {
        sample s;
        sample_init(&s);
        state_sample t;
        state_init(&t);
        s.w.state = &t.st;
        const char *expect = "";
        switch (c) {
        case 0: t.st.optim[0] = '\0'; expect = "optimizer name"; break;
        case 1: t.st.nslots = 9; expect = "out of range"; break;
        case 2: t.order[2] = 5; expect = "row 2 of the permutation"; break;
        case 3: t.st.best_epoch = 8; expect = "out of range"; break;
        case 4: t.st.best = NAN; expect = "out of range"; break;
        case 5: t.st.slots = NULL; expect = "an array is missing"; break;
        case 6: t.st.flags = 8; expect = "out of range"; break;
        case 7: t.st.rows_done = 5; expect = "out of range"; break;
        case 8: t.st.flags = 0; expect = "out of range"; break; /* rows done, not partial */
        case 9: t.parts[1].rows = 3; expect = "part 2 of the epoch's figures"; break;
        case 10: t.st.last.epoch = 8; expect = "out of range"; break;
        case 11: t.st.flags |= NN_STATE_TENS_BEST; expect = "out of range"; break;
        case 12: t.st.parts = NULL; expect = "an array is missing"; break;
        }
        err.msg[0] = '\0';
        assert_int_equal(nn_weights_write(path, &s.w, &err), -1);
        assert_contains(err.msg, path);
        assert_contains(err.msg, expect);
    }
    assert_dir_holds(f->dir, (const char *const[]){NULL});
}

/* ------------------------------------------------------------------------------------------
 * The input column names (COLS)
 * ------------------------------------------------------------------------------------------ */

static void assert_columns_equal(const nn_weights *a, const nn_weights *b)
{
    assert_int_equal(a->ncolumns, b->ncolumns);
    for (int k = 0; k < a->ncolumns; k++)
        assert_string_equal(a->columns[k], b->columns[k]);
    if (a->ncolumns == 0)
        assert_null(b->columns);
}

/* The tags of the sections of the file at path, run together ("CONFTENS..."). */
static void section_tags(const char *path, char *tags, size_t size)
{
    size_t n;
    unsigned char *b = slurp(path, &n);
    assert_non_null(b);
    uint32_t count = (uint32_t)b[8] | (uint32_t)b[9] << 8;
    size_t pos = 12, k = 0;
    for (uint32_t i = 0; i < count; i++) {
        assert_true(k + 5 <= size && pos + 12 <= n);
        memcpy(tags + k, b + pos, 4);
        k += 4;
        uint64_t len = 0;
        for (int j = 7; j >= 0; j--)
            len = len << 8 | b[pos + 4 + (size_t)j];
        pos += 12 + (size_t)len;
    }
    tags[k] = '\0';
    assert_int_equal(pos, n - 4);
    nn_free(b);
}

static void test_cols_roundtrip(void **state)
{
    fixture *f = *state;
    char path[128], again[128], tags[64];
    join(path, sizeof path, f, "cols.nnw");
    join(again, sizeof again, f, "again.nnw");
    sample s;
    sample_init(&s);
    state_sample t;
    state_init(&t);
    /* an empty header field, UTF-8, a quoted comma and a tab are all names a CSV header gives */
    char *names[] = {"sepal_length", "", "na\xc3\xafve, \"quoted\"", "x\ty"};
    s.w.columns = names;
    s.w.ncolumns = 4;
    s.w.state = &t.st;
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(path, &s.w, &err), 0);
    nn_weights r;
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_weights_equal(&s.w, &r);
    assert_columns_equal(&s.w, &r);
    assert_state_equal(&t.st, r.state);
    section_tags(path, tags, sizeof tags);
    assert_string_equal(tags, "CONFTENSPREPMETACOLSOPT2");
    /* written again from what was read: the same bytes */
    assert_int_equal(nn_weights_write(again, &r, &err), 0);
    nn_weights_destroy(&r);
    assert_true(is_empty(&r));
    size_t na, nb;
    unsigned char *a = slurp(path, &na), *b = slurp(again, &nb);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    nn_free(a);
    nn_free(b);

    /* without names, no COLS section, and none read back */
    s.w.columns = NULL;
    s.w.ncolumns = 0;
    assert_int_equal(nn_weights_write(path, &s.w, &err), 0);
    section_tags(path, tags, sizeof tags);
    assert_string_equal(tags, "CONFTENSPREPMETAOPT2");
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_null(r.columns);
    assert_int_equal(r.ncolumns, 0);
    nn_weights_destroy(&r);

    /* names without a training state: COLS is the last section */
    s.w.columns = names;
    s.w.ncolumns = 1;
    s.w.state = NULL;
    assert_int_equal(nn_weights_write(path, &s.w, &err), 0);
    section_tags(path, tags, sizeof tags);
    assert_string_equal(tags, "CONFTENSPREPMETACOLS");
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_columns_equal(&s.w, &r);
    assert_null(r.state);
    nn_weights_destroy(&r);
}

static void test_cols_layout(void **state)
{
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "le.nnw");
    float one = 1.0f;
    nn_tensor t = {"a", {1, {1}}, &one};
    char *names[] = {"b", "cd"};
    nn_weights w = {"x", &t, 1, {0.5, NN_NORM_NONE, 0, NULL, NULL}, NULL, 0, NULL, names, 2};
    nn_err err = {{0}};
    assert_int_equal(nn_weights_write(path, &w, &err), 0);
    size_t n;
    unsigned char *b = slurp(path, &n);
    assert_non_null(b);
    static const unsigned char cols[] = {
        'C', 'O', 'L', 'S', 15, 0, 0, 0, 0, 0, 0, 0, /* 15 bytes of payload */
        2, 0, 0, 0,                                 /* two names */
        1, 0, 0, 0, 'b',                            /* "b" */
        2, 0, 0, 0, 'c', 'd',                       /* "cd" */
    };
    assert_int_equal(b[8], 5); /* CONF, TENS, PREP, META, COLS */
    assert_true(n > sizeof cols + 4);
    assert_memory_equal(b + n - 4 - sizeof cols, cols, sizeof cols);
    nn_free(b);
}

/* Every truncation and every byte flip of a file with names is refused. */
static void test_cols_damage(void **state)
{
    float one = 1.0f;
    nn_tensor t = {"a", {1, {1}}, &one};
    char *names[] = {"sepal_length", "petal_width"};
    nn_weights w = {"x", &t, 1, {1.0, NN_NORM_NONE, 0, NULL, NULL}, NULL, 0, NULL, names, 2};
    assert_damage_refused(*state, &w);
}

/* CONF and TENS, then the start of a COLS section; returns where its length goes, for b_end. */
static size_t cols_begin(bytes *x)
{
    b_header(x, 1, 3);
    b_conf(x, "a: 1");
    b_tens(x);
    return b_begin(x, "COLS");
}

/* A COLS of `count` and the names given (NULL-ended, or NULL), each after its length. */
static void cols_case(bytes *x, uint32_t count, const char *const *names)
{
    size_t at = cols_begin(x);
    b_u32(x, count);
    for (int k = 0; names && names[k]; k++) {
        b_u32(x, (uint32_t)strlen(names[k]));
        b_str(x, names[k]);
    }
    b_end(x, at);
}

static void k_count0(bytes *x)
{
    cols_case(x, 0, NULL);
}

static void k_count_4g(bytes *x)
{
    cols_case(x, 4000000000u, (const char *const[]){"a", NULL});
}

/* Under the cap of 2^20 names, but more than the bytes that follow can hold. */
static void k_count_past(bytes *x)
{
    cols_case(x, 100, (const char *const[]){"a", "b", NULL});
}

static void k_length_past(bytes *x)
{
    size_t at = cols_begin(x);
    b_u32(x, 1);
    b_u32(x, 0xffffffffu);
    b_str(x, "abcd");
    b_end(x, at);
}

/* The second name's length has only two of its four bytes in the payload. */
static void k_length_short(bytes *x)
{
    size_t at = cols_begin(x);
    b_u32(x, 2);
    b_u32(x, 6);
    b_str(x, "abcdef");
    b_u16(x, 1);
    b_end(x, at);
}

static void k_nul(bytes *x)
{
    size_t at = cols_begin(x);
    b_u32(x, 2);
    b_u32(x, 1);
    b_str(x, "a");
    b_u32(x, 3);
    b_raw(x, "b\0c", 3);
    b_end(x, at);
}

static void k_dup(bytes *x)
{
    cols_case(x, 3, (const char *const[]){"a", "b", "a", NULL});
}

static void k_trailing(bytes *x)
{
    cols_case(x, 1, (const char *const[]){"a", "b", NULL});
}

/* COLS after OPTM, and COLS twice. */
static void k_after_optm(bytes *x)
{
    c_optm_good(x);
    x->b[8] = 4;
    size_t at = b_begin(x, "COLS");
    b_u32(x, 1);
    b_u32(x, 1);
    b_str(x, "a");
    b_end(x, at);
}

static void k_twice(bytes *x)
{
    cols_case(x, 1, (const char *const[]){"a", NULL});
    x->b[8] = 4;
    size_t at = b_begin(x, "COLS");
    b_u32(x, 1);
    b_u32(x, 1);
    b_str(x, "b");
    b_end(x, at);
}

static const hostile cols_hostiles[] = {
    {"cols count 0", k_count0, "column count 0 is impossible"},
    {"cols count 4 billion", k_count_4g, "column count 4000000000 is impossible"},
    {"cols count past the bytes", k_count_past, "column count 100 is impossible"},
    {"cols name past the payload", k_length_past, "expected column name 1 (4294967295 bytes)"},
    {"cols length cut short", k_length_short, "expected the length of column name 2"},
    {"cols NUL in a name", k_nul, "NUL byte in column name 2"},
    {"cols repeated name", k_dup, "this column name appeared before"},
    {"cols trailing bytes", k_trailing, "unexpected bytes after the last column name"},
    {"cols after OPTM", k_after_optm, "'COLS' comes after 'OPTM'"},
    {"cols twice", k_twice, "'COLS' appears a second time"},
};

static void test_cols_hostile(void **state)
{
    assert_all_refused(*state, cols_hostiles, sizeof cols_hostiles / sizeof cols_hostiles[0]);

    /* the base case is sound: an empty name is one a header can give */
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "base.nnw");
    bytes x = {{0}, 0};
    cols_case(&x, 3, (const char *const[]){"a", "", "b", NULL});
    b_crc(&x);
    spill(path, x.b, x.n);
    nn_weights r;
    nn_err err = {{0}};
    assert_int_equal(nn_weights_read(path, &r, &err), 0);
    assert_int_equal(r.ncolumns, 3);
    assert_string_equal(r.columns[0], "a");
    assert_string_equal(r.columns[1], "");
    assert_string_equal(r.columns[2], "b");
    nn_weights_destroy(&r);
}

static void test_cols_write_refused(void **state)
{
    fixture *f = *state;
    char path[128];
    join(path, sizeof path, f, "never.nnw");
    char *dup[] = {"a", "b", "a"}, *missing[] = {"a", NULL};
    const struct {
        char **names;
        int n;
        const char *expect;
    } cases[] = {
        {dup, 3, "column name 3 repeats an earlier one"},
        {missing, 2, "column name 2: it is missing"},
        {dup, -1, "cannot write -1 column names"},
        {NULL, 2, "cannot write 2 column names"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sample s;
        sample_init(&s);
        s.w.columns = cases[i].names;
        s.w.ncolumns = cases[i].n;
        nn_err err = {{0}};
        assert_int_equal(nn_weights_write(path, &s.w, &err), -1);
        assert_contains(err.msg, path);
        assert_contains(err.msg, cases[i].expect);
    }
    assert_dir_holds(f->dir, (const char *const[]){NULL});
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_roundtrip),
        T(test_roundtrip_minimal),
        T(test_byte_identical),
        T(test_layout_little_endian),
        T(test_every_truncation),
        T(test_every_flip),
        T(test_hostile),
        T(test_newer_version_exact),
        T(test_unknown_sections_skipped),
        T(test_foreign_files),
        T(test_write_refuses_bad_input),
        T(test_write_missing_directory),
        T(test_write_over_directory),
        T(test_failed_write_keeps_old_file),
        T(test_relative_path),
        T(test_state_roundtrip),
        T(test_state_damage),
        T(test_state_hostile_good_base),
        T(test_state_write_refused),
        T(test_cols_roundtrip),
        T(test_cols_layout),
        T(test_cols_damage),
        T(test_cols_hostile),
        T(test_cols_write_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
