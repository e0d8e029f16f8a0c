/* err.c -- formats error messages with their place; see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int vfail(nn_err *err, const char *prefix, const char *fmt, va_list ap)
{
    if (!err)
        return -1;
    size_t used = (size_t)snprintf(err->msg, sizeof err->msg, "%s", prefix);
    if (used < sizeof err->msg)
        vsnprintf(err->msg + used, sizeof err->msg - used, fmt, ap);
    return -1;
}

int nn_fail(nn_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(err, "", fmt, ap);
    va_end(ap);
    return -1;
}

int nn_fail_at(nn_err *err, nn_pos pos, const char *fmt, ...)
{
    char prefix[512];
    const char *file = pos.file ? pos.file : "?";
    if (pos.line > 0 && pos.col > 0)
        snprintf(prefix, sizeof prefix, "%s:%d:%d: ", file, pos.line, pos.col);
    else if (pos.line > 0)
        snprintf(prefix, sizeof prefix, "%s:%d: ", file, pos.line);
    else
        snprintf(prefix, sizeof prefix, "%s: ", file);
    va_list ap;
    va_start(ap, fmt);
    vfail(err, prefix, fmt, ap);
    va_end(ap);
    return -1;
}

int nn_fail_byte(nn_err *err, const char *file, long long offset, const char *fmt, ...)
{
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s: byte %lld: ", file ? file : "?", offset);
    va_list ap;
    va_start(ap, fmt);
    vfail(err, prefix, fmt, ap);
    va_end(ap);
    return -1;
}

int nn_fail_io(nn_err *err, const char *path, const char *action, int errno_value)
{
    if (action && *action)
        return nn_fail(err, "%s: %s: %s", path ? path : "?", action, strerror(errno_value));
    return nn_fail(err, "%s: %s", path ? path : "?", strerror(errno_value));
}
