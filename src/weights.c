/* weights.c -- the .nnw weights file: its format, its reader and its atomic writer; see weights.h.
 *
 * This file owns the byte layout below and nothing else: it moves the config text, named f32
 * tensors, the preprocessing statistics, metadata strings and column names between an
 * nn_weights and a file.
 * It knows no YAML and no model; nnpredict hands CONF to config.c and model.c matches tensors
 * to parameters by name and shape.
 *
 * THE .nnw FORMAT, VERSION 1
 *
 * Byte order and types. Every integer is unsigned and little-endian whatever the host: u16, u32
 * and u64 take 2, 4 and 8 bytes. f32 and f64 are IEEE 754 binary32 and binary64, stored as the
 * little-endian bytes of their bit patterns (NaN payloads, infinities and -0 survive exactly).
 * There is no padding and no alignment anywhere; offsets count from the start of the file.
 *
 *   offset   size  field
 *   0        4     magic: the bytes 'N' 'N' 'W' 0x00
 *   4        4     u32 format version: 1
 *   8        4     u32 section count S
 *   12       ...   S sections, back to back, each:
 *                    4   tag: four printable ASCII bytes (0x20..0x7e), e.g. "TENS"
 *                    8   u64 payload length L
 *                    L   payload
 *   size-4   4     u32 CRC-32 of every byte before it (zlib's crc32(): the ISO-HDLC CRC,
 *                  reflected polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF)
 *
 * The sections must end exactly where the CRC begins. The whole file is at most 4 GiB
 * (2^32 bytes); the smallest possible file (S = 0) is 16 bytes and is refused, since CONF and
 * TENS are required.
 *
 * Sections. nntrain writes the first four always, COLS when its training data named the input
 * columns, and OPT2 when it saves the training state (every file it writes from a training
 * run), in this order:
 *
 *   CONF  The resolved model config as YAML text (UTF-8), without a terminating NUL and
 *         containing no NUL byte. L may be 0. Required.
 *   TENS  u32 tensor count T (at most 2^20), then T tensors back to back, each:
 *           u16  name length N, 1..63
 *           N    name, printable ASCII ("dense1.W"); no two tensors share a name
 *           u32  ndim D, 1..4
 *           D    u32 dims, each 1..2^31-1
 *           P    f32 values, P the product of the dims, in row-major order (last dim fastest)
 *         The tensors fill the payload exactly. Required.
 *   PREP  f64 scale (finite), u32 kind (0 none, 1 minmax, 2 standard: enum nn_norm),
 *         u32 feature count n (at most 2^31-1; 0 when kind is none), f32 shift[n], f32 mul[n].
 *         L is exactly 16 + 8n. Optional: when absent, scale 1, kind none, n 0.
 *   META  u32 entry count M (at most 2^20), then M entries back to back, each:
 *           u32  key length K >= 1, then K bytes of key, printable ASCII; keys are unique
 *           u32  value length V, then V bytes of value, any byte but NUL (UTF-8 by convention)
 *         The entries fill the payload exactly; their order is kept. Optional: when absent,
 *         no entries.
 *   COLS  The header names of the training data's input columns, in the order of the model's
 *         inputs: u32 name count C, 1..2^20, then C names back to back, each:
 *           u32  name length K (0 is allowed: a header field may be empty)
 *           K    name: any byte but NUL (UTF-8 by convention); no two names are the same
 *         The names fill the payload exactly. Optional: absent when the training data had no
 *         header (IDX, npy, or CSV without one); nnpredict then takes CSV columns by position.
 *   OPTM  The training state --resume continues from (struct nn_train_state), as files of
 *         nntrain 0.1.0 hold it; read (a state saved inside an epoch as one at the end of the
 *         epoch before, which that version ran again in full), never written:
 *           u16  optimizer name length K, 1..63, then K bytes of name, printable ASCII
 *           u32  slot count S, 0..8 (state floats per trainable value)
 *           u64  trainable value count N, at most 2^30 (what TENS can hold in 4 GiB)
 *           u64  optimizer steps taken
 *           u32  epochs done (the learning-rate schedule is a function of the epoch, so this
 *                is also its position)
 *           u32  flags: bit 0, a signal stopped training inside an epoch; bit 1, early
 *                stopping ended the run; the other bits are 0
 *           4 u64  the state of the shuffle and dropout generator (xoshiro256**)
 *           u64  training row count R (below 2^32), then R u32: the current permutation of
 *                the rows, every index below R exactly once
 *           u32  monitor of the best epoch (0 val_loss, 1 val_acc, 2 loss)
 *           u32  best epoch (0: none yet), at most the epochs done
 *           u32  epochs since the best epoch without improvement
 *           f64  the monitored value at the best epoch (finite when there is one)
 *           u64  B, 0 or the number of parameter values, then B f32: every parameter at the
 *                best epoch, the TENS tensors' values back to back in TENS order
 *           S*N f32  the optimizer state, slot by slot (PyTorch's buffers: momentum: the
 *                velocity; adam, adamw: the first moment, then the second)
 *         The fields fill the payload exactly. Optional.
 *   OPT2  The training state as nntrain writes it now: every field of OPTM in the same order
 *         (flags may also have bit 2: TENS holds the best epoch's weights, kept by
 *         restore_best; B is then 0, since TENS has them), followed by where the run stands
 *         inside an epoch and the figures the weights file reports:
 *           u64  rows done D of epoch (epochs done + 1), below R; 0 at the end of an epoch.
 *                D > 0 exactly when flags bit 0 is set.
 *           u32  part count K, 0 when D is 0, else 1..2^20 (the processes of the run), then
 *                K parts, each what one process summed over the rows it trained of those D:
 *                  f64 the sum of each batch's mean loss times its rows (finite, >= 0 as
 *                      far as the loss allows), u64 correct predictions, u64 rows
 *           2 epoch records, the last completed epoch's and the best epoch's, each:
 *                  u32 epoch (0: none; the last's is the epochs done, the best's the best
 *                      epoch), u32 figures present (bit 0 acc, bit 1 val_loss, bit 2 val_acc;
 *                      none when the epoch is 0), then f64 loss, acc, val_loss, val_acc
 *                      (0 when absent)
 *           u64  C, then C f32: with flags bit 2, every parameter as training left it, in
 *                TENS order (C is the TENS value count); else C is 0
 *         The fields fill the payload exactly. Optional, and never with OPTM: a file with
 *         neither predicts the same but cannot be resumed. An older nntrain skips OPT2 and
 *         says the file has no training state, rather than resume it the old way.
 *
 * A known tag may appear at most once, and the known tags present must come in the order
 * above. A section with any other tag is skipped wherever it appears, so a later nntrain can
 * add sections that this reader ignores. A change that this reader could misread bumps the
 * version, and a file of a later version is refused.
 *
 * Reading order. The checks run in this order, so the first message is the most useful one:
 *   1. the path is a regular file of at most 4 GiB; it is read whole into one buffer;
 *   2. the magic (a foreign file is "not an nntrain weights file", however short it is);
 *   3. at least 16 bytes (else "truncated");
 *   4. the version: 0 is invalid, above 1 is "made by a newer nntrain"; checked before the CRC
 *      because a later version might not place its checksum the same way;
 *   5. the CRC. On a mismatch the section frames are walked first: if a declared length runs
 *      past the end of the file, the message says the file is truncated and where; otherwise
 *      it is "checksum mismatch: the file is corrupted or truncated";
 *   6. the frames: printable tags, each length within the file, S sections ending at the CRC;
 *   7. each section's contents, every length checked against the bytes left in its payload
 *      before anything it claims is allocated; dimension products are checked for overflow.
 * Every message is "FILE: byte N: what was wrong (what was expected)", N the offset of the
 * offending field.
 *
 * Writing. The writer checks w against every rule above (so it never writes a file it would
 * refuse to read), packs the whole file into one buffer, writes it to "<path>.tmp.XXXXXX" in
 * the same directory (mode 0644), fsyncs and closes it, renames it over path and then fsyncs the
 * directory (best effort). It writes with write(2) directly, so no stdio buffer needs flushing.
 * The bytes depend only on w: there are no timestamps, so the same content gives the same file. */
#include "weights.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include "atomic.h"
#include "early.h"
#include "xalloc.h"

_Static_assert(sizeof(float) == 4 && sizeof(double) == 8,
               "the .nnw format stores f32 and f64 as IEEE 754 bit patterns");

static const unsigned char magic[4] = {'N', 'N', 'W', 0};

enum {
    VERSION = 1,
    HEADER_BYTES = 12,      /* magic, version, section count */
    FRAME_BYTES = 12,       /* tag, payload length */
    CRC_BYTES = 4,
    MIN_FILE = HEADER_BYTES + CRC_BYTES,
    MAX_TENSORS = 1 << 20,
    MAX_META = 1 << 20,
    MAX_COLUMNS = 1 << 20,
    TENSOR_MIN_BYTES = 2 + 1 + 4 + 4 + 4, /* name length, 1-byte name, ndim, a dim, a value */
    META_MIN_BYTES = 4 + 1 + 4,           /* key length, 1-byte key, value length */
    COLUMN_MIN_BYTES = 4,                 /* name length, empty name */
};

static const uint64_t max_file = (uint64_t)1 << 32;

/* The known sections, in the order they must appear. */
enum { SEC_CONF, SEC_TENS, SEC_PREP, SEC_META, SEC_COLS, SEC_OPTM, SEC_OPT2, NSEC };
static const char tags[NSEC][5] = {"CONF", "TENS", "PREP", "META", "COLS", "OPTM", "OPT2"};

/* ------------------------------------------------------------------------------------------
 * Little-endian packing, byte by byte
 * ------------------------------------------------------------------------------------------ */

static void put_u16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)((v >> (8 * i)) & 0xff);
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)((v >> (8 * i)) & 0xff);
}

static uint16_t get_u16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint64_t f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double bits_f64(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* zlib's crc32 takes a uInt length, so feed it in pieces. */
static uint32_t crc_of(const unsigned char *p, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return (uint32_t)crc;
}

/* ------------------------------------------------------------------------------------------
 * Rules shared by the reader and the writer
 * ------------------------------------------------------------------------------------------ */

static int printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return 0;
    return 1;
}

/* The number of values of a shape, or 0 when the product does not fit in a size_t. */
static size_t shape_count(int ndim, const int *dim)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        if (dim[i] < 1 || !nn_mul_ok(n, (size_t)dim[i], &n))
            return 0;
    return n;
}

/* Writes "3x4" into buf. */
static void format_dims(const nn_shape *s, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < s->ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? "x%d" : "%d", s->dim[i]);
}

/* A name with the place it came from (a byte offset, or an index when writing). */
typedef struct named {
    const char *name;
    size_t where;
} named;

static int cmp_named(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return (x->where > y->where) - (x->where < y->where);
}

/* Sorts v and returns the later-placed entry of the first repeated name, or NULL. */
static const named *find_repeat(named *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_named);
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i - 1].name, v[i].name) == 0)
            return &v[i];
    return NULL;
}

/* ------------------------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------------------------ */

/* Reads the regular file at path whole into a new buffer of *size bytes. */
static int slurp(const char *path, unsigned char **out, size_t *size, nn_err *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return nn_fail_io(err, path, "cannot open", errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return nn_fail_io(err, path, "cannot stat", e);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return nn_fail(err, "%s: not a regular file (expected an nntrain weights file)", path);
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max_file || (uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return nn_fail(err, "%s: %lld bytes is larger than a weights file can be (4 GiB)", path,
                       (long long)st.st_size);
    }
    size_t n = (size_t)st.st_size;
    unsigned char *buf = nn_alloc(n, 1, err);
    if (!buf) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            nn_free(buf);
            return nn_fail_io(err, path, "cannot read", e);
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (close(fd) != 0) {
        nn_free(buf);
        return nn_fail_io(err, path, "cannot close", errno);
    }
    if (got != n) {
        nn_free(buf);
        return nn_fail(err, "%s: the file shrank from %zu to %zu bytes while being read", path,
                       n, got);
    }
    *out = buf;
    *size = n;
    return 0;
}

/* Walks the S section frames of buf (tags and lengths only). Returns 0 when they are sound;
 * 1 when a frame runs past the end of the file; 2 for any other fault. The message is
 * written in either case; `truncated` words an overrun as truncation (used when the CRC has
 * already failed, so the file is known to be damaged). */
static int walk_frames(const char *path, const unsigned char *buf, size_t size, int truncated,
                       nn_err *err)
{
    const char *why = truncated ? "the file is truncated: " : "";
    uint32_t nsect = get_u32(buf + 8);
    size_t end = size - CRC_BYTES, pos = HEADER_BYTES;
    for (uint32_t i = 0; i < nsect; i++) {
        if (end - pos < FRAME_BYTES) {
            nn_fail_byte(err, path, (long long)pos,
                         "%sexpected the header of section %u of %u (12 bytes), but only %zu "
                         "bytes remain before the checksum",
                         why, i + 1, nsect, end - pos);
            return 1;
        }
        if (!printable((const char *)buf + pos, 4)) {
            nn_fail_byte(err, path, (long long)pos,
                         "section %u of %u has a tag that is not printable ASCII "
                         "(bytes %02x %02x %02x %02x)",
                         i + 1, nsect, buf[pos], buf[pos + 1], buf[pos + 2], buf[pos + 3]);
            return 2;
        }
        uint64_t len = get_u64(buf + pos + 4);
        if (len > end - pos - FRAME_BYTES) {
            nn_fail_byte(err, path, (long long)pos + 4,
                         "%ssection '%.4s' declares %llu bytes of payload, but only %zu bytes "
                         "remain before the checksum",
                         why, (const char *)buf + pos, (unsigned long long)len,
                         end - pos - FRAME_BYTES);
            return 1;
        }
        pos += FRAME_BYTES + (size_t)len;
    }
    if (pos != end) {
        nn_fail_byte(err, path, (long long)pos,
                     "%zu bytes follow the last of the %u sections (expected the 4-byte "
                     "checksum)",
                     end - pos, nsect);
        return 2;
    }
    return 0;
}

/* A read position inside one section's payload. */
typedef struct cursor {
    const char *path;
    const unsigned char *buf; /* the whole file */
    size_t pos, end;          /* the next byte; the end of the payload */
    const char *tag;
    nn_err *err;
} cursor;

static size_t left(const cursor *c)
{
    return c->end - c->pos;
}

/* 0 when n more bytes are in the payload, else -1 naming what was expected there. */
static int need(cursor *c, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int need(cursor *c, size_t n, const char *fmt, ...)
{
    if (left(c) >= n)
        return 0;
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return nn_fail_byte(c->err, c->path, (long long)c->pos,
                        "expected %s (%zu bytes), but section '%s' has only %zu bytes left", what,
                        n, c->tag, left(c));
}

static const unsigned char *take(cursor *c, size_t n)
{
    const unsigned char *p = c->buf + c->pos;
    c->pos += n;
    return p;
}

/* The payload must be used up exactly. */
static int done(cursor *c, const char *what)
{
    if (left(c) == 0)
        return 0;
    return nn_fail_byte(c->err, c->path, (long long)c->pos,
                        "%zu unexpected bytes after %s at the end of section '%s'", left(c), what,
                        c->tag);
}

static int read_conf(cursor *c, nn_weights *w)
{
    size_t n = left(c);
    const unsigned char *p = take(c, n);
    const unsigned char *nul = memchr(p, 0, n);
    if (nul)
        return nn_fail_byte(c->err, c->path, (long long)(nul - c->buf),
                            "NUL byte in the model config text (expected YAML text)");
    w->conf = nn_strndup((const char *)p, n, c->err);
    return w->conf ? 0 : -1;
}

static int read_tensor(cursor *c, int t, nn_tensor *ts)
{
    if (need(c, 2, "the name length of tensor %d", t + 1))
        return -1;
    size_t at = c->pos;
    uint16_t nlen = get_u16(take(c, 2));
    if (nlen < 1 || nlen >= NN_TENSOR_NAME_MAX)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "tensor %d has a name of %u bytes (expected 1..%d)", t + 1,
                            (unsigned)nlen, NN_TENSOR_NAME_MAX - 1);
    if (need(c, nlen, "the name of tensor %d", t + 1))
        return -1;
    at = c->pos;
    const char *name = (const char *)take(c, nlen);
    if (!printable(name, nlen))
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "the name of tensor %d is not printable ASCII", t + 1);
    memcpy(ts->name, name, nlen);
    ts->name[nlen] = '\0';

    if (need(c, 4, "the ndim of tensor '%s'", ts->name))
        return -1;
    at = c->pos;
    uint32_t ndim = get_u32(take(c, 4));
    if (ndim < 1 || ndim > NN_MAX_DIM)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "tensor '%s' has ndim %u (expected 1..%d)", ts->name, ndim,
                            NN_MAX_DIM);
    if (need(c, 4 * (size_t)ndim, "the %u dims of tensor '%s'", ndim, ts->name))
        return -1;
    at = c->pos;
    ts->shape.ndim = (int)ndim;
    for (uint32_t i = 0; i < ndim; i++) {
        uint32_t d = get_u32(take(c, 4));
        if (d < 1 || d > INT_MAX)
            return nn_fail_byte(c->err, c->path, (long long)(at + 4 * i),
                                "tensor '%s' has dim %u = %u (expected 1..%d)", ts->name, i + 1,
                                d, INT_MAX);
        ts->shape.dim[i] = (int)d;
    }
    size_t count = shape_count(ts->shape.ndim, ts->shape.dim);
    if (count == 0 || count > left(c) / 4) {
        char dims[64];
        format_dims(&ts->shape, dims, sizeof dims);
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "tensor '%s' has shape %s, more values than the %zu bytes left in "
                            "section '%s' can hold",
                            ts->name, dims, left(c), c->tag);
    }
    float *data = nn_alloc(count, sizeof *data, c->err);
    if (!data)
        return -1;
    const unsigned char *p = take(c, 4 * count);
    for (size_t i = 0; i < count; i++)
        data[i] = bits_f32(get_u32(p + 4 * i));
    ts->data = data;
    return 0;
}

static int read_tens(cursor *c, nn_weights *w)
{
    if (need(c, 4, "the tensor count"))
        return -1;
    size_t at = c->pos;
    uint32_t count = get_u32(take(c, 4));
    if (count > MAX_TENSORS || count > left(c) / TENSOR_MIN_BYTES)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "tensor count %u is impossible here (expected at most %d, and at "
                            "most %zu in the %zu bytes that follow)",
                            count, MAX_TENSORS, left(c) / TENSOR_MIN_BYTES, left(c));
    if (count == 0)
        return done(c, "the tensor count");
    w->tensors = nn_alloc(count, sizeof *w->tensors, c->err);
    if (!w->tensors)
        return -1;
    w->ntensors = (int)count;
    named *names = nn_alloc(count, sizeof *names, c->err);
    if (!names)
        return -1;
    int rc = 0;
    for (uint32_t t = 0; t < count && rc == 0; t++) {
        names[t] = (named){w->tensors[t].name, c->pos};
        rc = read_tensor(c, (int)t, &w->tensors[t]);
    }
    if (rc == 0) {
        const named *rep = find_repeat(names, count);
        if (rep)
            rc = nn_fail_byte(c->err, c->path, (long long)rep->where,
                              "tensor name '%s' appears twice (expected unique names)",
                              rep->name);
    }
    nn_free(names);
    return rc ? -1 : done(c, "the last tensor");
}

static int read_prep(cursor *c, nn_weights *w)
{
    if (need(c, 16, "the preprocessing scale, kind and feature count"))
        return -1;
    size_t at = c->pos;
    double scale = bits_f64(get_u64(take(c, 8)));
    if (!isfinite(scale))
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "preprocessing scale is not a finite number");
    at = c->pos;
    uint32_t kind = get_u32(take(c, 4));
    if (kind > NN_NORM_STANDARD)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "preprocessing kind %u is unknown (expected 0 none, 1 minmax, "
                            "2 standard)",
                            kind);
    at = c->pos;
    uint32_t n = get_u32(take(c, 4));
    if (kind == NN_NORM_NONE && n != 0)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "preprocessing kind none with %u features (expected 0)", n);
    if (n > INT_MAX || n > left(c) / 8)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "preprocessing feature count %u needs %llu bytes, but section '%s' "
                            "has %zu bytes left",
                            n, 8ull * n, c->tag, left(c));
    w->prep.scale = scale;
    w->prep.kind = (nn_norm)kind;
    if (n > 0) {
        w->prep.shift = nn_alloc(n, sizeof(float), c->err);
        w->prep.mul = nn_alloc(n, sizeof(float), c->err);
        if (!w->prep.shift || !w->prep.mul)
            return -1;
        const unsigned char *p = take(c, 8 * (size_t)n);
        for (uint32_t i = 0; i < n; i++) {
            w->prep.shift[i] = bits_f32(get_u32(p + 4 * i));
            w->prep.mul[i] = bits_f32(get_u32(p + 4 * ((size_t)n + i)));
        }
    }
    w->prep.n = (int)n;
    return done(c, "the preprocessing statistics");
}

static int read_meta_entry(cursor *c, int e, nn_meta_entry *m)
{
    if (need(c, 4, "the key length of metadata entry %d", e + 1))
        return -1;
    size_t at = c->pos;
    uint32_t klen = get_u32(take(c, 4));
    if (klen < 1)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "metadata entry %d has an empty key (expected 1 byte or more)",
                            e + 1);
    if (need(c, klen, "the key of metadata entry %d", e + 1))
        return -1;
    at = c->pos;
    const char *key = (const char *)take(c, klen);
    if (!printable(key, klen))
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "the key of metadata entry %d is not printable ASCII", e + 1);
    m->key = nn_strndup(key, klen, c->err);
    if (!m->key)
        return -1;
    if (need(c, 4, "the value length of metadata '%s'", m->key))
        return -1;
    uint32_t vlen = get_u32(take(c, 4));
    if (need(c, vlen, "the value of metadata '%s'", m->key))
        return -1;
    at = c->pos;
    const char *value = (const char *)take(c, vlen);
    const char *nul = memchr(value, 0, vlen);
    if (nul)
        return nn_fail_byte(c->err, c->path, (long long)(at + (size_t)(nul - value)),
                            "NUL byte in the value of metadata '%s' (expected text)", m->key);
    m->value = nn_strndup(value, vlen, c->err);
    return m->value ? 0 : -1;
}

static int read_meta(cursor *c, nn_weights *w)
{
    if (need(c, 4, "the metadata entry count"))
        return -1;
    size_t at = c->pos;
    uint32_t count = get_u32(take(c, 4));
    if (count > MAX_META || count > left(c) / META_MIN_BYTES)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "metadata entry count %u is impossible here (expected at most %d, "
                            "and at most %zu in the %zu bytes that follow)",
                            count, MAX_META, left(c) / META_MIN_BYTES, left(c));
    if (count == 0)
        return done(c, "the metadata entry count");
    w->meta = nn_alloc(count, sizeof *w->meta, c->err);
    if (!w->meta)
        return -1;
    w->nmeta = (int)count;
    named *keys = nn_alloc(count, sizeof *keys, c->err);
    if (!keys)
        return -1;
    int rc = 0;
    for (uint32_t e = 0; e < count && rc == 0; e++) {
        size_t where = c->pos;
        rc = read_meta_entry(c, (int)e, &w->meta[e]);
        keys[e] = (named){w->meta[e].key, where};
    }
    if (rc == 0) {
        const named *rep = find_repeat(keys, count);
        if (rep)
            rc = nn_fail_byte(c->err, c->path, (long long)rep->where,
                              "metadata key '%s' appears twice (expected unique keys)",
                              rep->name);
    }
    nn_free(keys);
    return rc ? -1 : done(c, "the last metadata entry");
}

static int read_column(cursor *c, int k, char **name)
{
    if (need(c, 4, "the length of column name %d", k + 1))
        return -1;
    uint32_t len = get_u32(take(c, 4));
    if (need(c, len, "column name %d", k + 1))
        return -1;
    size_t at = c->pos;
    const char *text = (const char *)take(c, len);
    const char *nul = memchr(text, 0, len);
    if (nul)
        return nn_fail_byte(c->err, c->path, (long long)(at + (size_t)(nul - text)),
                            "NUL byte in column name %d (expected text)", k + 1);
    *name = nn_strndup(text, len, c->err);
    return *name ? 0 : -1;
}

static int read_cols(cursor *c, nn_weights *w)
{
    if (need(c, 4, "the column count"))
        return -1;
    size_t at = c->pos;
    uint32_t count = get_u32(take(c, 4));
    if (count < 1 || count > MAX_COLUMNS || count > left(c) / COLUMN_MIN_BYTES)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "column count %u is impossible here (expected 1..%d, and at most "
                            "%zu in the %zu bytes that follow)",
                            count, MAX_COLUMNS, left(c) / COLUMN_MIN_BYTES, left(c));
    w->columns = nn_alloc(count, sizeof *w->columns, c->err);
    if (!w->columns)
        return -1;
    w->ncolumns = (int)count;
    named *names = nn_alloc(count, sizeof *names, c->err);
    if (!names)
        return -1;
    int rc = 0;
    for (uint32_t k = 0; k < count && rc == 0; k++) {
        size_t where = c->pos;
        rc = read_column(c, (int)k, &w->columns[k]);
        names[k] = (named){w->columns[k], where};
    }
    if (rc == 0) {
        const named *rep = find_repeat(names, count);
        if (rep)
            rc = nn_fail_byte(c->err, c->path, (long long)rep->where,
                              "this column name appeared before (expected unique names)");
    }
    nn_free(names);
    return rc ? -1 : done(c, "the last column name");
}

static void state_free(nn_train_state *s)
{
    if (!s)
        return;
    nn_free(s->slots);
    nn_free(s->order);
    nn_free(s->best_values);
    nn_free(s->parts);
    nn_free(s->current);
    nn_free(s);
}

/* Reads n f32 values that `need` has already found room for. */
static void take_f32s(cursor *c, float *out, size_t n)
{
    const unsigned char *p = take(c, 4 * n);
    for (size_t i = 0; i < n; i++)
        out[i] = bits_f32(get_u32(p + 4 * i));
}

/* A u64 count n and n f32 values (what: for messages); none when n is 0. */
static int read_f32_array(cursor *c, const char *what, size_t *n, float **out)
{
    if (need(c, 8, "the count of %s", what))
        return -1;
    size_t at = c->pos;
    uint64_t count = get_u64(take(c, 8));
    if (count > left(c) / 4)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "%llu %s do not fit in the %zu bytes left",
                            (unsigned long long)count, what, left(c));
    *n = (size_t)count;
    if (count == 0)
        return 0;
    *out = nn_alloc(*n, sizeof(float), c->err);
    if (!*out)
        return -1;
    take_f32s(c, *out, *n);
    return 0;
}

/* The row permutation: R u32, each below R, each once. */
static int read_order(cursor *c, nn_train_state *s)
{
    if (need(c, 8, "the training row count"))
        return -1;
    size_t at = c->pos;
    uint64_t rows = get_u64(take(c, 8));
    if (rows > UINT32_MAX || rows > left(c) / 4)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "training row count %llu is impossible here (expected below 2^32, "
                            "and at most %zu in the %zu bytes that follow)",
                            (unsigned long long)rows, left(c) / 4, left(c));
    s->nrows = (size_t)rows;
    s->order = nn_alloc(s->nrows, sizeof *s->order, c->err);
    unsigned char *seen = nn_alloc(s->nrows, 1, c->err);
    int rc = s->order && seen ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < s->nrows; i++) {
        at = c->pos;
        uint32_t r = get_u32(take(c, 4));
        if (r >= rows || seen[r])
            rc = nn_fail_byte(c->err, c->path, (long long)at,
                              "row %u in the permutation of %zu training rows is %s "
                              "(expected every row below %zu once)",
                              r, s->nrows, r >= rows ? "out of range" : "repeated", s->nrows);
        else
            seen[r] = 1;
        s->order[i] = r;
    }
    nn_free(seen);
    return rc;
}

/* The optimizer's name, the counts, the step, the epochs, the flags and the generator. */
static int read_state_head(cursor *c, nn_train_state *s, int opt2, uint64_t *nvalues,
                           size_t *nvalues_at)
{
    if (need(c, 2, "the optimizer name length"))
        return -1;
    size_t at = c->pos;
    uint16_t nlen = get_u16(take(c, 2));
    if (nlen < 1 || nlen >= NN_TENSOR_NAME_MAX)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "the optimizer name has %u bytes (expected 1..%d)", (unsigned)nlen,
                            NN_TENSOR_NAME_MAX - 1);
    if (need(c, nlen, "the optimizer name"))
        return -1;
    at = c->pos;
    const char *name = (const char *)take(c, nlen);
    if (!printable(name, nlen))
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "the optimizer name is not printable ASCII");
    memcpy(s->optim, name, nlen);
    s->optim[nlen] = '\0';

    if (need(c, 4 + 8 + 8 + 4 + 4 + 32, "the slot count, value count, step, epochs, flags and "
                                        "generator state"))
        return -1;
    at = c->pos;
    uint32_t nslots = get_u32(take(c, 4));
    if (nslots > NN_STATE_MAX_SLOTS)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "optimizer slot count %u (expected 0..%d)", nslots,
                            NN_STATE_MAX_SLOTS);
    s->nslots = (int)nslots;
    *nvalues_at = c->pos;
    *nvalues = get_u64(take(c, 8));
    s->step = get_u64(take(c, 8));
    at = c->pos;
    uint32_t epochs = get_u32(take(c, 4));
    if (epochs > INT_MAX)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "epochs done %u (expected at most %d)", epochs, INT_MAX);
    s->epochs_done = (int)epochs;
    at = c->pos;
    uint32_t flags = get_u32(take(c, 4));
    uint32_t known = NN_STATE_PARTIAL | NN_STATE_STOPPED | (opt2 ? NN_STATE_TENS_BEST : 0);
    if (flags & ~known)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "training state flags %08x (expected only bits 0 and 1%s)", flags,
                            opt2 ? " and 2" : "");
    s->flags = flags;
    for (int i = 0; i < 4; i++)
        s->rng[i] = get_u64(take(c, 8));
    return 0;
}

/* The monitored best epoch and, when kept here, its parameter values. */
static int read_best(cursor *c, nn_train_state *s)
{
    if (need(c, 4 + 4 + 4 + 8 + 8, "the best epoch's state"))
        return -1;
    size_t at = c->pos;
    uint32_t monitor = get_u32(take(c, 4));
    if (monitor >= NN_MONITOR_COUNT)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "monitor %u (expected 0 val_loss, 1 val_acc, 2 loss)", monitor);
    s->monitor = (int)monitor;
    at = c->pos;
    uint32_t best_epoch = get_u32(take(c, 4));
    uint32_t wait = get_u32(take(c, 4));
    if (best_epoch > (uint32_t)s->epochs_done || wait > (uint32_t)s->epochs_done)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "early stopping: best epoch %u, %u epochs since, but only %d epochs "
                            "done",
                            best_epoch, wait, s->epochs_done);
    s->best_epoch = (int)best_epoch;
    s->wait = (int)wait;
    at = c->pos;
    s->best = bits_f64(get_u64(take(c, 8)));
    if (best_epoch > 0 && !isfinite(s->best))
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "early stopping: the best value is not a finite number");
    return read_f32_array(c, "best parameter values", &s->nbest, &s->best_values);
}

/* The optimizer's slots: S * N f32, N given in the head. */
static int read_slots(cursor *c, nn_train_state *s, uint64_t nvalues, size_t nvalues_at)
{
    /* Even with no slots, N counts the TENS values, which a 4 GiB file cannot hold more than
     * 2^30 of (the writer refuses more). */
    size_t nslots = (size_t)s->nslots;
    if (nvalues > max_file / 4 || (nslots > 0 && nvalues > left(c) / 4 / nslots))
        return nn_fail_byte(c->err, c->path, (long long)nvalues_at,
                            "%zu optimizer slots of %llu values do not fit in the %zu bytes "
                            "left",
                            nslots, (unsigned long long)nvalues, left(c));
    s->nvalues = (size_t)nvalues;
    if (nslots > 0 && nvalues > 0) {
        s->slots = nn_alloc(s->nvalues, nslots * sizeof(float), c->err);
        if (!s->slots)
            return -1;
        take_f32s(c, s->slots, s->nvalues * nslots);
    }
    return 0;
}

/* OPT2's rows done inside the epoch in progress, and each process's sums over them. */
static int read_parts(cursor *c, nn_train_state *s)
{
    if (need(c, 8 + 4, "the rows done in the epoch and the part count"))
        return -1;
    size_t at = c->pos;
    uint64_t done_rows = get_u64(take(c, 8));
    int partial = (s->flags & NN_STATE_PARTIAL) != 0;
    if (done_rows >= (uint64_t)s->nrows + (s->nrows == 0) || (done_rows > 0) != partial)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "%llu rows done in the epoch, of %zu (expected %s)",
                            (unsigned long long)done_rows, s->nrows,
                            partial ? "1 or more, below the row count"
                                    : "0: the state is at the end of an epoch");
    s->rows_done = (size_t)done_rows;
    at = c->pos;
    uint32_t nparts = get_u32(take(c, 4));
    if ((nparts == 0) != (done_rows == 0) || nparts > NN_STATE_MAX_PARTS ||
        nparts > left(c) / 24)
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "%u parts of the epoch's figures (expected %s, each 24 bytes, "
                            "with %zu bytes left)",
                            nparts, done_rows ? "1 or more" : "0", left(c));
    if (nparts == 0)
        return 0;
    s->parts = nn_alloc(nparts, sizeof *s->parts, c->err);
    if (!s->parts)
        return -1;
    s->nparts = (int)nparts;
    for (uint32_t i = 0; i < nparts; i++) {
        at = c->pos;
        nn_train_part *p = &s->parts[i];
        p->loss_sum = bits_f64(get_u64(take(c, 8)));
        p->correct = get_u64(take(c, 8));
        p->rows = get_u64(take(c, 8));
        if (isnan(p->loss_sum) || p->rows > done_rows)
            return nn_fail_byte(c->err, c->path, (long long)at,
                                "part %u of the epoch's figures is impossible (loss sum %g "
                                "over %llu rows, of %llu done)",
                                i + 1, p->loss_sum, (unsigned long long)p->rows,
                                (unsigned long long)done_rows);
    }
    return 0;
}

/* One epoch record: epoch, figures present, four f64. */
static int read_record(cursor *c, const char *which, int max_epoch, nn_epoch_record *r)
{
    if (need(c, 4 + 4 + 32, "the %s epoch's figures", which))
        return -1;
    size_t at = c->pos;
    uint32_t epoch = get_u32(take(c, 4));
    uint32_t has = get_u32(take(c, 4));
    if (epoch > (uint32_t)max_epoch || has > 7 || (epoch == 0 && has != 0))
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "the %s epoch's figures: epoch %u, figures %u (expected an epoch "
                            "up to %d and figures 0..7, none for epoch 0)",
                            which, epoch, has, max_epoch);
    r->epoch = (int)epoch;
    r->has = has;
    double *v[4] = {&r->loss, &r->acc, &r->val_loss, &r->val_acc};
    for (int i = 0; i < 4; i++)
        *v[i] = bits_f64(get_u64(take(c, 8)));
    return 0;
}

/* The part OPT2 adds to OPTM's fields. */
static int read_state_ext(cursor *c, nn_train_state *s)
{
    if (read_parts(c, s) || read_record(c, "last", s->epochs_done, &s->last) ||
        read_record(c, "best", s->best_epoch, &s->best_record))
        return -1;
    size_t at = c->pos;
    if (read_f32_array(c, "current parameter values", &s->ncurrent, &s->current))
        return -1;
    int tens_best = (s->flags & NN_STATE_TENS_BEST) != 0;
    if (tens_best != (s->ncurrent > 0) || (tens_best && (s->best_epoch == 0 || s->nbest > 0)))
        return nn_fail_byte(c->err, c->path, (long long)at,
                            "the training state says TENS holds the %s epoch's weights, with "
                            "%zu current and %zu best values kept besides (expected the current "
                            "ones exactly when TENS holds a best epoch's, and then no best ones)",
                            tens_best ? "best" : "last", s->ncurrent, s->nbest);
    return 0;
}

/* OPTM, or OPT2 (opt2): see the format at the top of this file. */
static int read_state(cursor *c, nn_weights *w, int opt2)
{
    nn_train_state *s = w->state = nn_alloc(1, sizeof *w->state, c->err);
    uint64_t nvalues = 0;
    size_t nvalues_at = 0;
    if (!s || read_state_head(c, s, opt2, &nvalues, &nvalues_at) || read_order(c, s) ||
        read_best(c, s) || read_slots(c, s, nvalues, nvalues_at) ||
        (opt2 && read_state_ext(c, s)))
        return -1;
    return done(c, "the training state");
}

/* nntrain 0.1.0 saved no position inside an epoch and ran an epoch a signal had cut short
 * again from its start: such a state reads as one at the end of the epoch before. */
static int read_optm(cursor *c, nn_weights *w)
{
    if (read_state(c, w, 0) < 0)
        return -1;
    w->state->flags &= ~(unsigned)NN_STATE_PARTIAL;
    return 0;
}

static int read_opt2(cursor *c, nn_weights *w)
{
    if (w->state)
        return nn_fail_byte(c->err, c->path, (long long)c->pos - FRAME_BYTES,
                            "sections 'OPTM' and 'OPT2' both hold a training state (expected "
                            "one)");
    return read_state(c, w, 1);
}

typedef int (*section_reader)(cursor *c, nn_weights *w);
static const section_reader readers[NSEC] = {read_conf, read_tens, read_prep, read_meta,
                                             read_cols, read_optm, read_opt2};

/* Parses the sections of a file whose header, CRC and frames are sound. */
static int read_sections(const char *path, const unsigned char *buf, nn_weights *w, nn_err *err)
{
    uint32_t nsect = get_u32(buf + 8);
    size_t pos = HEADER_BYTES;
    int seen[NSEC] = {0}, last = -1;
    w->prep.scale = 1.0;
    w->prep.kind = NN_NORM_NONE;
    for (uint32_t i = 0; i < nsect; i++) {
        const char *tag = (const char *)buf + pos;
        size_t len = (size_t)get_u64(buf + pos + 4);
        int k = 0;
        while (k < NSEC && memcmp(tag, tags[k], 4) != 0)
            k++;
        if (k < NSEC) {
            if (seen[k])
                return nn_fail_byte(err, path, (long long)pos,
                                    "section '%s' appears a second time (expected it once)",
                                    tags[k]);
            if (k < last)
                return nn_fail_byte(err, path, (long long)pos,
                                    "section '%s' comes after '%s' (expected the order CONF, "
                                    "TENS, PREP, META, COLS, OPTM, OPT2)",
                                    tags[k], tags[last]);
            seen[k] = 1;
            last = k;
            cursor c = {path, buf, pos + FRAME_BYTES, pos + FRAME_BYTES + len, tags[k], err};
            if (readers[k](&c, w))
                return -1;
        }
        pos += FRAME_BYTES + len;
    }
    for (int k = SEC_CONF; k <= SEC_TENS; k++)
        if (!seen[k])
            return nn_fail_byte(err, path, 8,
                                "no '%s' section among the %u sections (it is required)",
                                tags[k], nsect);
    return 0;
}

/* Checks the header, the CRC and the frames, then parses. */
static int parse(const char *path, const unsigned char *buf, size_t size, nn_weights *w,
                 nn_err *err)
{
    if (size == 0)
        return nn_fail(err, "%s: empty file (expected an nntrain weights file)", path);
    if (memcmp(buf, magic, size < 4 ? size : 4) != 0)
        return nn_fail_byte(err, path, 0, "not an nntrain weights file (bad magic)");
    if (size < MIN_FILE)
        return nn_fail_byte(err, path, (long long)size,
                            "the file is truncated: %zu bytes, shorter than the %d-byte header "
                            "and checksum",
                            size, MIN_FILE);
    uint32_t version = get_u32(buf + 4);
    if (version == 0)
        return nn_fail_byte(err, path, 4, "format version 0 is invalid (expected %d)", VERSION);
    if (version > VERSION)
        return nn_fail_byte(err, path, 4,
                            "made by a newer nntrain (format %u; this reads %d)", version,
                            VERSION);
    uint32_t stored = get_u32(buf + size - CRC_BYTES);
    uint32_t computed = crc_of(buf, size - CRC_BYTES);
    if (stored != computed) {
        nn_err scratch;
        if (walk_frames(path, buf, size, 1, &scratch) == 1) {
            *err = scratch;
            return -1;
        }
        return nn_fail_byte(err, path, (long long)(size - CRC_BYTES),
                            "checksum mismatch: the file is corrupted or truncated (stored "
                            "%08x, computed %08x)",
                            stored, computed);
    }
    if (walk_frames(path, buf, size, 0, err) != 0)
        return -1;
    return read_sections(path, buf, w, err);
}

int nn_weights_read(const char *path, nn_weights *w, nn_err *err)
{
    memset(w, 0, sizeof *w);
    unsigned char *buf = NULL;
    size_t size = 0;
    if (slurp(path, &buf, &size, err))
        return -1;
    nn_weights got;
    memset(&got, 0, sizeof got);
    int rc = parse(path, buf, size, &got, err);
    nn_free(buf);
    if (rc) {
        nn_weights_destroy(&got);
        return -1;
    }
    *w = got;
    return 0;
}

void nn_weights_destroy(nn_weights *w)
{
    if (!w)
        return;
    nn_free(w->conf);
    for (int i = 0; w->tensors && i < w->ntensors; i++)
        nn_free(w->tensors[i].data);
    nn_free(w->tensors);
    nn_free(w->prep.shift);
    nn_free(w->prep.mul);
    for (int i = 0; w->meta && i < w->nmeta; i++) {
        nn_free(w->meta[i].key);
        nn_free(w->meta[i].value);
    }
    nn_free(w->meta);
    for (int i = 0; w->columns && i < w->ncolumns; i++)
        nn_free(w->columns[i]);
    nn_free(w->columns);
    state_free(w->state);
    memset(w, 0, sizeof *w);
}

const char *nn_weights_meta(const nn_weights *w, const char *key)
{
    if (!w || !key)
        return NULL;
    for (int i = 0; w->meta && i < w->nmeta; i++)
        if (w->meta[i].key && strcmp(w->meta[i].key, key) == 0)
            return w->meta[i].value;
    return NULL;
}

/* ------------------------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------------------------ */

/* Section payload lengths and the file size, computed while checking w. */
typedef struct plan {
    uint64_t len[NSEC];
    int nsec;          /* sections written: the first four, COLS with names, OPT2 with a state */
    uint64_t size;
} plan;

/* Adds b to *a unless the sum would pass the file limit. */
static int add_ok(uint64_t *a, uint64_t b)
{
    if (b > max_file || *a > max_file - b)
        return 0;
    *a += b;
    return 1;
}

static int check_tensors(const char *path, const nn_weights *w, uint64_t *len, nn_err *err)
{
    if (w->ntensors < 0 || w->ntensors > MAX_TENSORS || (w->ntensors > 0 && !w->tensors))
        return nn_fail(err, "%s: cannot write %d tensors (expected 0..%d, with an array)", path,
                       w->ntensors, MAX_TENSORS);
    *len = 4;
    for (int t = 0; t < w->ntensors; t++) {
        const nn_tensor *ts = &w->tensors[t];
        size_t nlen = strnlen(ts->name, NN_TENSOR_NAME_MAX);
        if (nlen < 1 || nlen >= NN_TENSOR_NAME_MAX || !printable(ts->name, nlen))
            return nn_fail(err,
                           "%s: cannot write tensor %d: its name must be 1..%d printable ASCII "
                           "characters",
                           path, t + 1, NN_TENSOR_NAME_MAX - 1);
        if (ts->shape.ndim < 1 || ts->shape.ndim > NN_MAX_DIM)
            return nn_fail(err, "%s: cannot write tensor '%s': ndim %d (expected 1..%d)", path,
                           ts->name, ts->shape.ndim, NN_MAX_DIM);
        size_t count = shape_count(ts->shape.ndim, ts->shape.dim);
        if (count == 0)
            return nn_fail(err,
                           "%s: cannot write tensor '%s': every dim must be 1 or more and their "
                           "product must fit in memory",
                           path, ts->name);
        if (!ts->data)
            return nn_fail(err, "%s: cannot write tensor '%s': it has no data", path, ts->name);
        if (count > max_file / 4 ||
            !add_ok(len, 2 + nlen + 4 + 4 * (uint64_t)ts->shape.ndim + 4 * (uint64_t)count))
            return nn_fail(err, "%s: cannot write tensor '%s': the file would pass 4 GiB", path,
                           ts->name);
    }
    if (w->ntensors < 2)
        return 0;
    named *names = nn_alloc((size_t)w->ntensors, sizeof *names, err);
    if (!names)
        return -1;
    for (int t = 0; t < w->ntensors; t++)
        names[t] = (named){w->tensors[t].name, (size_t)t};
    const named *rep = find_repeat(names, (size_t)w->ntensors);
    int rc = rep ? nn_fail(err, "%s: cannot write: tensor name '%s' is used twice", path,
                           rep->name)
                 : 0;
    nn_free(names);
    return rc;
}

static int check_prep(const char *path, const nn_prep *p, uint64_t *len, nn_err *err)
{
    if (!isfinite(p->scale))
        return nn_fail(err, "%s: cannot write: the preprocessing scale is not finite", path);
    if ((unsigned)p->kind > NN_NORM_STANDARD)
        return nn_fail(err, "%s: cannot write: unknown preprocessing kind %d", path,
                       (int)p->kind);
    if (p->n < 0 || (p->kind == NN_NORM_NONE && p->n != 0) ||
        (p->n > 0 && (!p->shift || !p->mul)))
        return nn_fail(err,
                       "%s: cannot write: preprocessing with %d features (expected 0 for kind "
                       "none, else the shift and mul arrays)",
                       path, p->n);
    *len = 16;
    if (!add_ok(len, 8 * (uint64_t)p->n))
        return nn_fail(err, "%s: cannot write: the file would pass 4 GiB", path);
    return 0;
}

static int check_meta(const char *path, const nn_weights *w, uint64_t *len, nn_err *err)
{
    if (w->nmeta < 0 || w->nmeta > MAX_META || (w->nmeta > 0 && !w->meta))
        return nn_fail(err, "%s: cannot write %d metadata entries (expected 0..%d, with an "
                       "array)",
                       path, w->nmeta, MAX_META);
    *len = 4;
    for (int e = 0; e < w->nmeta; e++) {
        const nn_meta_entry *m = &w->meta[e];
        if (!m->key || !m->value)
            return nn_fail(err, "%s: cannot write metadata entry %d: no key or no value", path,
                           e + 1);
        size_t klen = strlen(m->key), vlen = strlen(m->value);
        if (klen < 1 || !printable(m->key, klen))
            return nn_fail(err,
                           "%s: cannot write metadata entry %d: its key must be 1 or more "
                           "printable ASCII characters",
                           path, e + 1);
        if (!add_ok(len, 8) || !add_ok(len, klen) || !add_ok(len, vlen))
            return nn_fail(err, "%s: cannot write: the file would pass 4 GiB", path);
    }
    if (w->nmeta < 2)
        return 0;
    named *keys = nn_alloc((size_t)w->nmeta, sizeof *keys, err);
    if (!keys)
        return -1;
    for (int e = 0; e < w->nmeta; e++)
        keys[e] = (named){w->meta[e].key, (size_t)e};
    const named *rep = find_repeat(keys, (size_t)w->nmeta);
    int rc = rep ? nn_fail(err, "%s: cannot write: metadata key '%s' is used twice", path,
                           rep->name)
                 : 0;
    nn_free(keys);
    return rc;
}

/* The rules of an epoch record: an epoch within max, figures only for a real epoch. */
static int record_ok(const nn_epoch_record *r, int max_epoch)
{
    return r->epoch >= 0 && r->epoch <= max_epoch && r->has <= 7 && (r->epoch > 0 || !r->has);
}

/* 1 when the scalar fields of s are within the reader's ranges. */
static int state_fields_ok(const nn_train_state *s)
{
    int partial = (s->flags & NN_STATE_PARTIAL) != 0;
    int tens_best = (s->flags & NN_STATE_TENS_BEST) != 0;
    return s->nslots >= 0 && s->nslots <= NN_STATE_MAX_SLOTS && s->epochs_done >= 0 &&
           !(s->flags & ~(unsigned)(NN_STATE_PARTIAL | NN_STATE_STOPPED | NN_STATE_TENS_BEST)) &&
           s->monitor >= 0 && s->monitor < NN_MONITOR_COUNT && s->best_epoch >= 0 &&
           s->best_epoch <= s->epochs_done && s->wait >= 0 && s->wait <= s->epochs_done &&
           (s->best_epoch == 0 || isfinite(s->best)) && (s->rows_done > 0) == partial &&
           (s->rows_done == 0 || s->rows_done < s->nrows) && (s->nparts > 0) == partial &&
           s->nparts <= NN_STATE_MAX_PARTS && record_ok(&s->last, s->epochs_done) &&
           record_ok(&s->best_record, s->best_epoch) && tens_best == (s->ncurrent > 0) &&
           (!tens_best || (s->best_epoch > 0 && s->nbest == 0));
}

static int check_state(const char *path, const nn_train_state *s, uint64_t *len, nn_err *err)
{
    size_t nlen = strnlen(s->optim, NN_TENSOR_NAME_MAX);
    if (nlen < 1 || nlen >= NN_TENSOR_NAME_MAX || !printable(s->optim, nlen))
        return nn_fail(err, "%s: cannot write the training state: the optimizer name must be "
                       "1..%d printable ASCII characters", path, NN_TENSOR_NAME_MAX - 1);
    if (!state_fields_ok(s))
        return nn_fail(err, "%s: cannot write the training state: a field is out of range",
                       path);
    if ((uint64_t)s->nrows > UINT32_MAX || (s->nrows > 0 && !s->order) ||
        (s->nbest > 0 && !s->best_values) || (s->nparts > 0 && !s->parts) ||
        (s->ncurrent > 0 && !s->current) || (s->nslots > 0 && s->nvalues > 0 && !s->slots))
        return nn_fail(err, "%s: cannot write the training state: an array is missing or "
                       "too long", path);
    for (size_t i = 0; i < s->nrows; i++)
        if (s->order[i] >= s->nrows)
            return nn_fail(err, "%s: cannot write the training state: row %zu of the "
                           "permutation is out of range", path, i);
    for (int i = 0; i < s->nparts; i++)
        if (isnan(s->parts[i].loss_sum) || s->parts[i].rows > s->rows_done)
            return nn_fail(err, "%s: cannot write the training state: part %d of the epoch's "
                           "figures is out of range", path, i + 1);
    /* OPTM's fixed fields, then OPT2's: rows done, part count, two records, C. */
    *len = 2 + nlen + 4 + 8 + 8 + 4 + 4 + 32 + 8 + 4 + 4 + 4 + 8 + 8;
    *len += 8 + 4 + 2 * (4 + 4 + 32) + 8 + 24 * (uint64_t)s->nparts;
    if ((uint64_t)s->nrows > max_file / 4 || !add_ok(len, 4 * (uint64_t)s->nrows) ||
        (uint64_t)s->nbest > max_file / 4 || !add_ok(len, 4 * (uint64_t)s->nbest) ||
        (uint64_t)s->ncurrent > max_file / 4 || !add_ok(len, 4 * (uint64_t)s->ncurrent) ||
        (uint64_t)s->nvalues > max_file / 4 / (uint64_t)(s->nslots ? s->nslots : 1) ||
        !add_ok(len, 4 * (uint64_t)s->nvalues * (uint64_t)s->nslots))
        return nn_fail(err, "%s: cannot write: the file would pass 4 GiB", path);
    return 0;
}

static int check_columns(const char *path, const nn_weights *w, uint64_t *len, nn_err *err)
{
    if (w->ncolumns < 0 || w->ncolumns > MAX_COLUMNS || (w->ncolumns > 0 && !w->columns))
        return nn_fail(err, "%s: cannot write %d column names (expected 0..%d, with an array)",
                       path, w->ncolumns, MAX_COLUMNS);
    *len = 4;
    for (int k = 0; k < w->ncolumns; k++) {
        if (!w->columns[k])
            return nn_fail(err, "%s: cannot write column name %d: it is missing", path, k + 1);
        if (!add_ok(len, 4) || !add_ok(len, strlen(w->columns[k])))
            return nn_fail(err, "%s: cannot write: the file would pass 4 GiB", path);
    }
    if (w->ncolumns < 2)
        return 0;
    named *names = nn_alloc((size_t)w->ncolumns, sizeof *names, err);
    if (!names)
        return -1;
    for (int k = 0; k < w->ncolumns; k++)
        names[k] = (named){w->columns[k], (size_t)k};
    const named *rep = find_repeat(names, (size_t)w->ncolumns);
    int rc = rep ? nn_fail(err, "%s: cannot write: column name %zu repeats an earlier one", path,
                           rep->where + 1)
                 : 0;
    nn_free(names);
    return rc;
}

/* 1 when section k goes into the file: the first four always, the optional ones when w has
 * something for them. */
static int written(const nn_weights *w, int k)
{
    if (k == SEC_COLS)
        return w->ncolumns > 0;
    if (k == SEC_OPTM) /* read, never written */
        return 0;
    if (k == SEC_OPT2)
        return w->state != NULL;
    return 1;
}

/* Checks w against every rule the reader enforces and computes the layout. */
static int check(const char *path, const nn_weights *w, plan *p, nn_err *err)
{
    if (!w->conf)
        return nn_fail(err, "%s: cannot write: no model config text", path);
    p->len[SEC_CONF] = strlen(w->conf);
    if (check_tensors(path, w, &p->len[SEC_TENS], err) ||
        check_prep(path, &w->prep, &p->len[SEC_PREP], err) ||
        check_meta(path, w, &p->len[SEC_META], err) ||
        check_columns(path, w, &p->len[SEC_COLS], err) ||
        (w->state && check_state(path, w->state, &p->len[SEC_OPT2], err)))
        return -1;
    p->nsec = 0;
    p->size = HEADER_BYTES + CRC_BYTES;
    for (int k = 0; k < NSEC; k++) {
        if (!written(w, k))
            continue;
        p->nsec++;
        if (!add_ok(&p->size, FRAME_BYTES) || !add_ok(&p->size, p->len[k]))
            return nn_fail(err, "%s: cannot write: the file would pass 4 GiB", path);
    }
    if (p->size > SIZE_MAX)
        return nn_fail(err, "%s: cannot write: %llu bytes do not fit in memory", path,
                       (unsigned long long)p->size);
    return 0;
}

/* An output buffer known to be large enough. */
typedef struct packer {
    unsigned char *p;
    size_t pos;
} packer;

static void pk_u16(packer *b, uint16_t v)
{
    put_u16(b->p + b->pos, v);
    b->pos += 2;
}

static void pk_u32(packer *b, uint32_t v)
{
    put_u32(b->p + b->pos, v);
    b->pos += 4;
}

static void pk_u64(packer *b, uint64_t v)
{
    put_u64(b->p + b->pos, v);
    b->pos += 8;
}

static void pk_bytes(packer *b, const void *s, size_t n)
{
    if (n > 0)
        memcpy(b->p + b->pos, s, n);
    b->pos += n;
}

static void pk_frame(packer *b, int k, uint64_t len)
{
    pk_bytes(b, tags[k], 4);
    pk_u64(b, len);
}

static void pk_f32s(packer *b, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pk_u32(b, f32_bits(v[i]));
}

static void pk_f64(packer *b, double v)
{
    pk_u64(b, f64_bits(v));
}

static void pack_record(packer *b, const nn_epoch_record *r)
{
    pk_u32(b, (uint32_t)r->epoch);
    pk_u32(b, r->has);
    pk_f64(b, r->loss);
    pk_f64(b, r->acc);
    pk_f64(b, r->val_loss);
    pk_f64(b, r->val_acc);
}

static void pack_columns(packer *b, const nn_weights *w, uint64_t len)
{
    pk_frame(b, SEC_COLS, len);
    pk_u32(b, (uint32_t)w->ncolumns);
    for (int k = 0; k < w->ncolumns; k++) {
        size_t n = strlen(w->columns[k]);
        pk_u32(b, (uint32_t)n);
        pk_bytes(b, w->columns[k], n);
    }
}

static void pack_state(packer *b, const nn_train_state *s, uint64_t len)
{
    size_t nlen = strlen(s->optim);
    pk_frame(b, SEC_OPT2, len);
    pk_u16(b, (uint16_t)nlen);
    pk_bytes(b, s->optim, nlen);
    pk_u32(b, (uint32_t)s->nslots);
    pk_u64(b, (uint64_t)s->nvalues);
    pk_u64(b, s->step);
    pk_u32(b, (uint32_t)s->epochs_done);
    pk_u32(b, (uint32_t)s->flags);
    for (int i = 0; i < 4; i++)
        pk_u64(b, s->rng[i]);
    pk_u64(b, (uint64_t)s->nrows);
    for (size_t i = 0; i < s->nrows; i++)
        pk_u32(b, (uint32_t)s->order[i]);
    pk_u32(b, (uint32_t)s->monitor);
    pk_u32(b, (uint32_t)s->best_epoch);
    pk_u32(b, (uint32_t)s->wait);
    pk_f64(b, s->best_epoch > 0 ? s->best : 0.0);
    pk_u64(b, (uint64_t)s->nbest);
    pk_f32s(b, s->best_values, s->nbest);
    pk_f32s(b, s->slots, s->nvalues * (size_t)s->nslots);
    pk_u64(b, (uint64_t)s->rows_done);
    pk_u32(b, (uint32_t)s->nparts);
    for (int i = 0; i < s->nparts; i++) {
        pk_f64(b, s->parts[i].loss_sum);
        pk_u64(b, s->parts[i].correct);
        pk_u64(b, s->parts[i].rows);
    }
    pack_record(b, &s->last);
    pack_record(b, &s->best_record);
    pk_u64(b, (uint64_t)s->ncurrent);
    pk_f32s(b, s->current, s->ncurrent);
}

/* Fills buf (p->size bytes) with the file. */
static void pack(const nn_weights *w, const plan *p, unsigned char *buf)
{
    packer b = {buf, 0};
    pk_bytes(&b, magic, 4);
    pk_u32(&b, VERSION);
    pk_u32(&b, (uint32_t)p->nsec);

    pk_frame(&b, SEC_CONF, p->len[SEC_CONF]);
    pk_bytes(&b, w->conf, (size_t)p->len[SEC_CONF]);

    pk_frame(&b, SEC_TENS, p->len[SEC_TENS]);
    pk_u32(&b, (uint32_t)w->ntensors);
    for (int t = 0; t < w->ntensors; t++) {
        const nn_tensor *ts = &w->tensors[t];
        size_t nlen = strlen(ts->name);
        pk_u16(&b, (uint16_t)nlen);
        pk_bytes(&b, ts->name, nlen);
        pk_u32(&b, (uint32_t)ts->shape.ndim);
        for (int i = 0; i < ts->shape.ndim; i++)
            pk_u32(&b, (uint32_t)ts->shape.dim[i]);
        size_t count = shape_count(ts->shape.ndim, ts->shape.dim);
        for (size_t i = 0; i < count; i++)
            pk_u32(&b, f32_bits(ts->data[i]));
    }

    pk_frame(&b, SEC_PREP, p->len[SEC_PREP]);
    pk_u64(&b, f64_bits(w->prep.scale));
    pk_u32(&b, (uint32_t)w->prep.kind);
    pk_u32(&b, (uint32_t)w->prep.n);
    for (int i = 0; i < w->prep.n; i++)
        pk_u32(&b, f32_bits(w->prep.shift[i]));
    for (int i = 0; i < w->prep.n; i++)
        pk_u32(&b, f32_bits(w->prep.mul[i]));

    pk_frame(&b, SEC_META, p->len[SEC_META]);
    pk_u32(&b, (uint32_t)w->nmeta);
    for (int e = 0; e < w->nmeta; e++) {
        size_t klen = strlen(w->meta[e].key), vlen = strlen(w->meta[e].value);
        pk_u32(&b, (uint32_t)klen);
        pk_bytes(&b, w->meta[e].key, klen);
        pk_u32(&b, (uint32_t)vlen);
        pk_bytes(&b, w->meta[e].value, vlen);
    }

    if (written(w, SEC_COLS))
        pack_columns(&b, w, p->len[SEC_COLS]);
    if (w->state)
        pack_state(&b, w->state, p->len[SEC_OPT2]);

    pk_u32(&b, crc_of(buf, b.pos));
}

int nn_weights_write(const char *path, const nn_weights *w, nn_err *err)
{
    plan p = {{0}, {0}, 0};
    if (check(path, w, &p, err))
        return -1;
    unsigned char *buf = nn_alloc((size_t)p.size, 1, err);
    if (!buf)
        return -1;
    pack(w, &p, buf);
    int rc = nn_atomic_write(path, buf, (size_t)p.size, err);
    nn_free(buf);
    return rc;
}
