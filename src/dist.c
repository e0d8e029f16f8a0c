/* dist.c -- the parts of dist.h that every backend shares: how rows are split among ranks, the
 * fingerprint hash, and the agreement by which the ranks of a job end or go on together. */
#include "dist.h"

void nn_dist_shard(size_t n, int rank, int size, size_t *lo, size_t *count)
{
    size_t p = (size_t)size, r = (size_t)rank;
    size_t q = n / p, extra = n % p;
    *lo = r * q + (r < extra ? r : extra);
    *count = q + (r < extra ? 1 : 0);
}

uint64_t nn_dist_hash(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    if (h == 0)
        h = 0xcbf29ce484222325ULL; /* the FNV-1a offset basis */
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

nn_dist_verdict nn_dist_agree(nn_dist *d, int code, uint64_t fingerprint, int differ_code)
{
    /* One reduction by maximum: the code, the lowest failing rank (as size - rank, so that the
     * maximum picks it), and each 32-bit half of the fingerprint with its negation, so that
     * maximum and minimum come out of the same call. Every value is exact in a double. */
    int size = nn_dist_size(d), rank = nn_dist_rank(d);
    double hi = (double)(fingerprint >> 32), lo = (double)(fingerprint & 0xffffffffULL);
    double v[6] = {code, code != 0 ? size - rank : 0, hi, -hi, lo, -lo};
    nn_dist_max(d, v, 6);
    nn_dist_verdict r = {(int)v[0], v[1] > 0 ? size - (int)v[1] : -1, 0};
    if (r.code == 0 && (v[2] != -v[3] || v[4] != -v[5])) {
        r.differ = 1;
        r.code = differ_code;
    }
    return r;
}
