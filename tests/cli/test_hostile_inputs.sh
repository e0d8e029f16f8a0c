# Hostile inputs: the second half of the bad-inputs table (the first is test_bad_inputs.sh).
# Each row runs one program on one bad input and gives the exact exit code and the words its
# one-line message must contain; expect_error (lib.sh) also checks that no weights file, nor a
# temporary one, was left in the working directory. Then two checks on resources: a "billion
# laughs" model file is refused at once, and loading a data set under a low `ulimit -v` fails
# with a message, not a crash.
. "$(dirname "$0")/lib.sh"

D=$TOP/data
M=$TOP/models
# xor NAME LINES...: the XOR model (2 epochs, data/xor.csv) with extra top-level lines.
xor() {
    name=$1
    shift
    { printf 'input: 2\nlayers:\n  - dense: 3\n  - tanh\n  - dense: 1\n  - tanh\nloss: mse\n'
      printf 'epochs: 2\n'
      for l in "$@"; do printf '%s\n' "$l"; done
      case "$*" in *data:*) ;; *) printf 'data:\n  train: %s/xor.csv\n' "$D" ;; esac
    } >"$name.yaml"
}
# csv NAME: a model NAME.yaml training on NAME.csv (written from stdin) in this directory.
csv() {
    cat >"$1.csv"
    xor "$1" "data:" "  train: $1.csv"
}

# ---- the model file ------------------------------------------------------------------------
: >empty.yaml
expect_error "an empty model file" 2 "empty.yaml: the model file is empty|expected a map" \
    "$NNTRAIN" empty.yaml
mkdir dir.yaml
expect_error "a model file that is a directory" 2 "dir.yaml: cannot read|directory" \
    "$NNTRAIN" dir.yaml
printf 'input: 2\nlayers: [dense: 1]\nloss: !!str mse\n' >tag.yaml
expect_error "a YAML tag" 2 "tag.yaml:3:7: YAML tags are not supported" "$NNTRAIN" tag.yaml
printf 'input: 2\nlayers: [dense: 1]\nloss: mse\n---\ninput: 3\n' >twodocs.yaml
expect_error "a second YAML document" 2 "twodocs.yaml:4:1: a second YAML document|expected one" \
    "$NNTRAIN" twodocs.yaml
printf 'input: 2\nlayers: [dense: 1]\nloss: mse\nloss: mae\n' >dupkey.yaml
expect_error "a duplicate key names both lines" 2 \
    "dupkey.yaml:4:1: duplicate key 'loss' (first given at line 3)" "$NNTRAIN" dupkey.yaml
{ printf 'input: 2\nlayers: [dense: 1]\nloss: mse\nx: '
  i=0; while [ $i -lt 100 ]; do printf '['; i=$((i + 1)); done; printf '\n'; } >deep.yaml
expect_error "nesting 100 levels deep" 2 "deep.yaml:4:|nested deeper than 64 levels" \
    "$NNTRAIN" deep.yaml
printf 'input: 2\nlayers: [dense: 1]\nloss: mse\n\001\n' >ctrl.yaml
expect_error "a control character" 2 "ctrl.yaml:4:1: invalid YAML|control characters" \
    "$NNTRAIN" ctrl.yaml
printf 'input: 2\nlayers: [dense: 1]\nloss: \377\376\n' >utf8.yaml
expect_error "bytes that are not UTF-8" 2 "utf8.yaml:3:7: invalid YAML" "$NNTRAIN" utf8.yaml
head -c 17000000 /dev/zero | tr '\0' ' ' >huge.yaml
expect_error "a model file over 16 MiB" 2 "huge.yaml: the model file is larger than 16 MiB" \
    "$NNTRAIN" huge.yaml
xor hugeint "seed: 99999999999999999999"
expect_error "an integer beyond int" 2 "hugeint.yaml:9:7: seed|99999999999999999999" \
    "$NNTRAIN" hugeint.yaml
xor neglr "learning_rate: -0.1"
expect_error "a negative learning rate" 2 "neglr.yaml:9:16: learning_rate: expected a number > 0" \
    "$NNTRAIN" neglr.yaml
printf 'input: [1, 2, 3, 4, 5]\nlayers: [dense: 1]\nloss: mse\n' >in5.yaml
expect_error "an input of 5 dimensions" 2 "in5.yaml:1:8: input: expected 1 to 4 sizes, got 5" \
    "$NNTRAIN" in5.yaml
printf 'input: [65536, 65536]\nlayers: [dense: 1]\nloss: mse\n' >inbig.yaml
expect_error "a sample of 2^32 values" 2 "inbig.yaml:1:8: input: a sample of more than|too large" \
    "$NNTRAIN" inbig.yaml
printf 'input: 2\nlayers: [dense: 0]\nloss: mse\n' >units0.yaml
expect_error "a dense layer of 0 units" 2 "units0.yaml:2:|units|expected an integer in [1," \
    "$NNTRAIN" units0.yaml
printf 'input: 2\nlayers: [{dense: {units: 2, name: a}}, {tanh: {name: a}}]\nloss: mse\n' \
    >names.yaml
expect_error "two layers of one name" 2 "names.yaml:2:|layer name 'a' is already used by layer 1" \
    "$NNTRAIN" names.yaml
xor val15 "validation: 1.5"
expect_error "a validation fraction of 1.5" 2 "val15.yaml:9:13: validation: expected a fraction" \
    "$NNTRAIN" val15.yaml
printf -- '- input: 2\n' >seq.yaml
expect_error "a model file that is a sequence" 2 "seq.yaml:1:1: model file: expected a map" \
    "$NNTRAIN" seq.yaml
printf '[' >stdin.yaml
expect_error "a syntax error on standard input" 2 "<stdin>:|invalid YAML" \
    sh -c 'exec "$0" - <stdin.yaml' "$NNTRAIN"

# ---- CSV data --------------------------------------------------------------------------------
printf 'a,b,y\n0,0,0\n0\0001,1\n' | csv nul
expect_error "a NUL byte in a CSV file" 2 "nul.csv:3:2: NUL byte|not a binary file" \
    "$NNTRAIN" nul.yaml
printf 'a,b,y\n0,"0,0\n' | csv quote
expect_error "an unterminated quote" 2 "quote.csv:2:3: unterminated quoted field" \
    "$NNTRAIN" quote.yaml
printf 'a,b,y\n0,0,0\n0,0,"1" x\n' | csv after
expect_error "text after a quoted field" 2 "after.csv:3:9: unexpected text after a quoted field" \
    "$NNTRAIN" after.yaml
printf 'a,b,y\n0,1e39,0\n' | csv range
expect_error "a number beyond float" 2 "range.csv:2:3: number out of range|'1e39'" \
    "$NNTRAIN" range.yaml
printf 'a,b,y\n0,nan,0\n' | csv nan
expect_error "nan in a CSV file" 2 "nan.csv:2:3: expected a number, got 'nan'" "$NNTRAIN" nan.yaml
printf 'a,b,y\n0,0,0x1p3\n' | csv hex
expect_error "a hex float" 2 "hex.csv:2:5: expected a number, got '0x1p3'" "$NNTRAIN" hex.yaml
printf 'a,b,y\n' | csv header
expect_error "a header and no rows" 2 "header.csv: no data rows" "$NNTRAIN" header.yaml
printf '' | csv nothing
expect_error "an empty data file" 2 "nothing.csv: no data rows" "$NNTRAIN" nothing.yaml
printf '0,0,0\n0,1,1\n1,0,1\n1,1,0\n' | gzip >whole.csv.gz
head -c 20 whole.csv.gz >cut.csv.gz
xor cut "data:" "  train: cut.csv.gz"
expect_error "a truncated gzip file" 2 "cut.csv.gz: |compressed data ends early|truncated" \
    "$NNTRAIN" cut.yaml
mkdir datadir
xor datadir "data:" "  train: datadir"
expect_error "a data path that is a directory" 2 "datadir: is a directory" "$NNTRAIN" datadir.yaml
expect_error "a data path to /dev/null" 2 "/dev/null: no data rows" \
    "$NNTRAIN" "$M/xor.yaml" -s data.train=/dev/null
printf 'a,b,y\n0,0,0\n' | csv notarget
echo '  target: label' >>notarget.yaml
expect_error "a target column that is not there" 2 "notarget.csv: target: no column named 'label'" \
    "$NNTRAIN" notarget.yaml

# ---- IDX and npy data (read by nnpredict; the header is checked before anything is allocated)
"$NNTRAIN" -q "$M/xor.yaml" -e 2 -o good.nnw.keep 2>/dev/null
python3 - <<'EOF'
import struct
def idx(code, dims, payload):
    return bytes([0, 0, code, len(dims)]) + b''.join(struct.pack('>I', d) for d in dims) + payload
def npy(header, payload=b''):
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode() + payload
open('nan.idx', 'wb').write(idx(0x0D, [1, 2], struct.pack('>2f', 1.0, float('nan'))))
open('dims9.idx', 'wb').write(bytes([0, 0, 8, 9]) + b'\0\0\0\1' * 9 + b'\0')
open('huge.idx', 'wb').write(idx(0x08, [65536, 65536, 2], b'\0' * 16))
h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }\n"
open('hlen.npy', 'wb').write(npy(h)[:8] + struct.pack('<H', 60000) + h.encode())
open('shape.npy', 'wb').write(npy("{'descr': '<f4', 'fortran_order': False, "
                                  "'shape': (99999999999, 2), }\n"))
open('extra.npy', 'wb').write(npy(h, struct.pack('<3f', 1, 2, 3)))
EOF
expect_error "a NaN in IDX float data" 2 "nan.idx: byte 16: value nan at element 1|not a finite" \
    "$NNPREDICT" good.nnw.keep nan.idx
expect_error "an IDX file of 9 dimensions" 2 "dims9.idx: byte 3: 9 dimensions (expected 1 to 8)" \
    "$NNPREDICT" good.nnw.keep dims9.idx
expect_error "an IDX shape past 2^31 elements" 2 "huge.idx: byte 4: shape [65536, 65536, 2]" \
    "$NNPREDICT" good.nnw.keep huge.idx
expect_error "an npy header longer than the file" 2 "hlen.npy: byte 8: header length 60000" \
    "$NNPREDICT" good.nnw.keep hlen.npy
expect_error "an npy dimension past 2^31" 2 "shape.npy: byte 61: bad header: dimension larger" \
    "$NNPREDICT" good.nnw.keep shape.npy
expect_error "bytes after npy data" 2 "extra.npy: byte 78: 4 bytes after the data" \
    "$NNPREDICT" good.nnw.keep extra.npy

# ---- weights files (each rebuilt with a valid checksum, so the check behind it speaks) -------
"$NNTRAIN" -q "$M/iris.yaml" -e 1 -o iris.nnw.keep 2>/dev/null
python3 - <<'EOF'
import struct, zlib
def crc(b):
    return b + struct.pack('<I', zlib.crc32(b) & 0xffffffff)
def sections(b):
    n, pos, out = struct.unpack('<I', b[8:12])[0], 12, {}
    for _ in range(n):
        length = struct.unpack('<Q', b[pos + 4:pos + 12])[0]
        out[b[pos:pos + 4]] = b[pos + 12:pos + 12 + length]
        pos += 12 + length
    return out
def build(secs, version=1):
    b = b'NNW\0' + struct.pack('<II', version, len(secs))
    for tag, payload in secs:
        b += tag + struct.pack('<Q', len(payload)) + payload
    return crc(b)
xor = sections(open('good.nnw.keep', 'rb').read())
iris = sections(open('iris.nnw.keep', 'rb').read())
conf, tens = xor[b'CONF'], xor[b'TENS']
open('newer.nnw.keep', 'wb').write(build([(b'CONF', conf), (b'TENS', tens)], version=2))
open('nosec.nnw.keep', 'wb').write(build([]))
open('count.nnw.keep', 'wb').write(build([(b'CONF', conf), (b'TENS', b'\xff\xff\xff\xff')]))
big = struct.pack('<IH', 1, 8) + b'dense1.W' + struct.pack('<III', 2, 65536, 65536)
open('dims.nnw.keep', 'wb').write(build([(b'CONF', conf), (b'TENS', big)]))
open('length.nnw.keep', 'wb').write(crc(b'NNW\0' + struct.pack('<II', 1, 1) + b'CONF' +
                                        struct.pack('<Q', 2**63)))
open('conf.nnw.keep', 'wb').write(build([(b'CONF', b'input: [\n'), (b'TENS', tens)]))
open('mixed.nnw.keep', 'wb').write(build([(b'CONF', iris[b'CONF']), (b'TENS', tens)]))
EOF
: >empty.nnw.keep
expect_error "an empty weights file" 2 "empty.nnw.keep: empty file" "$NNPREDICT" empty.nnw.keep
mkdir dir.nnw.keep
expect_error "a weights path that is a directory" 2 "dir.nnw.keep: not a regular file" \
    "$NNPREDICT" dir.nnw.keep
expect_error "a weights file of a later format" 2 "newer.nnw.keep: byte 4: made by a newer" \
    "$NNPREDICT" newer.nnw.keep
expect_error "a weights file without sections" 2 "nosec.nnw.keep: byte 8: no 'CONF' section" \
    "$NNPREDICT" nosec.nnw.keep
expect_error "a tensor count of 2^32-1" 2 "count.nnw.keep: byte |tensor count 4294967295" \
    "$NNPREDICT" count.nnw.keep
expect_error "a tensor of 2^32 values in a small file" 2 \
    "dims.nnw.keep: byte |shape 65536x65536, more values than" "$NNPREDICT" dims.nnw.keep
expect_error "a section length of 2^63" 2 "length.nnw.keep: byte 16: section 'CONF' declares" \
    "$NNPREDICT" length.nnw.keep
expect_error "a broken embedded config" 2 "conf.nnw.keep (embedded config):2:1: invalid YAML" \
    "$NNPREDICT" conf.nnw.keep
expect_error "tensors that do not fit the config" 2 \
    "mixed.nnw.keep: tensor 'dense1.W' has shape 3x2, expected 16x4" "$NNPREDICT" mixed.nnw.keep

# ---- the command line ------------------------------------------------------------------------
expect_error "--epochs 0" 2 "--epochs: epochs: expected an integer >= 1, got '0'" \
    "$NNTRAIN" "$M/xor.yaml" -e 0
expect_error "--epochs past int" 2 "--epochs: epochs|99999999999999999999" \
    "$NNTRAIN" "$M/xor.yaml" -e 99999999999999999999
expect_error "--batch-size 0" 2 "--batch-size: batch_size: expected an integer in [1," \
    "$NNTRAIN" "$M/xor.yaml" -b 0
expect_error "--learning-rate nan" 2 "--learning-rate: learning_rate|got 'nan'" \
    "$NNTRAIN" "$M/xor.yaml" -l nan
expect_error "--seed -1" 2 "--seed: seed: expected an integer >= 0, got '-1'" \
    "$NNTRAIN" "$M/xor.yaml" --seed -1
expect_error "-s with broken YAML" 2 "-s layers.0={dense:: invalid YAML" \
    "$NNTRAIN" "$M/xor.yaml" -s 'layers.0={dense:'
expect_error "-s with an alias" 2 "-s epochs=*a: YAML aliases and anchors are not supported" \
    "$NNTRAIN" "$M/xor.yaml" -s 'epochs=*a'
expect_error "-s with a terminal escape is shown escaped" 2 "-s epochs=\\x1b[2J: invalid YAML" \
    "$NNTRAIN" "$M/xor.yaml" -s "$(printf 'epochs=\033[2J')"
expect_error "-s with a value over two lines stays one line" 2 "-s epochs=[1,\\x0a2]: epochs" \
    "$NNTRAIN" "$M/xor.yaml" -s "$(printf 'epochs=[1,\n2]')"
expect_error "-s with 33 steps" 2 "has more than 32 steps" \
    "$NNTRAIN" "$M/xor.yaml" -s a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g=1
expect_error "-s to an unknown layer type" 2 "-s layers.0=bogus: unknown layer type 'bogus'" \
    "$NNTRAIN" "$M/xor.yaml" -s layers.0=bogus
expect_error "-o without a value" 2 "missing value for -o" "$NNTRAIN" "$M/xor.yaml" -o
expect_error "two model files" 2 "unexpected argument" "$NNTRAIN" "$M/xor.yaml" "$M/iris.yaml"
expect_error "nnpredict --batch-size 0" 2 "--batch-size: expected an integer in [1, 65536]" \
    "$NNPREDICT" good.nnw.keep -b 0
expect_error "nnpredict --proba with --eval" 2 "--proba and --eval do not go together" \
    "$NNPREDICT" good.nnw.keep --proba --eval
expect_error "nnpredict on a missing input" 2 "missing.csv: cannot open: No such file" \
    "$NNPREDICT" good.nnw.keep missing.csv

# ---- output paths: refused before training, nothing written ----------------------------------
sed "s|\.\./data/xor.csv|$D/xor.csv|" "$M/xor.yaml" >m.yaml
expect_error "-o equal to the model file" 2 "m.yaml: the weights file would overwrite the input" \
    "$NNTRAIN" m.yaml -o m.yaml
expect_error "-o equal to the model file by another name" 2 "./m.yaml: the weights file would" \
    "$NNTRAIN" m.yaml -o ./m.yaml
cp "$D/xor.csv" train.csv
cp "$D/xor.csv" test.csv
xor inputs "data:" "  train: train.csv" "  test: test.csv"
ln -s train.csv link.csv
expect_error "-o a symlink to the training data" 2 "link.csv: the weights file would overwrite" \
    "$NNTRAIN" inputs.yaml -o link.csv
expect_error "-o equal to the test data" 2 "test.csv: the weights file would overwrite|test.csv" \
    "$NNTRAIN" inputs.yaml -o test.csv
cp "$D/xor.csv" val.csv
expect_error "-o equal to the validation file" 2 "val.csv: the weights file would overwrite" \
    "$NNTRAIN" inputs.yaml -s validation=val.csv -o val.csv
: >afile
expect_error "-o under a regular file" 2 "afile/x.nnw: cannot write there: afile is not a dir" \
    "$NNTRAIN" "$M/xor.yaml" -o afile/x.nnw
ln -s loop loop
expect_error "-o under a symlink loop" 2 "loop/x.nnw: cannot write there|symbolic links" \
    "$NNTRAIN" "$M/xor.yaml" -o loop/x.nnw
# Tests run as root, where permission bits do not stop a write; /proc takes no new files for
# anyone, and a name longer than NAME_MAX cannot be created anywhere.
expect_error "-o in /proc" 2 "/proc/x.nnw: cannot write there|expected a writable directory" \
    "$NNTRAIN" "$M/xor.yaml" -o /proc/x.nnw
long=$(printf '%0300d' 0)
expect_error "-o a name of 300 bytes" 2 "cannot write there: File name too long" \
    "$NNTRAIN" "$M/xor.yaml" -o "$long.nnw"
if [ "$(id -u)" != 0 ]; then
    mkdir ro && chmod 555 ro
    expect_error "-o in a read-only directory" 2 "ro/x.nnw: cannot write there" \
        "$NNTRAIN" "$M/xor.yaml" -o ro/x.nnw
fi
sed "s|\.\./data/xor.csv|$D/xor.csv|" "$M/xor.yaml" >m.yaml.orig
check "the refused outputs left the model file as it was" cmp m.yaml m.yaml.orig
check "... and the data files" sh -c 'for f in train.csv test.csv val.csv; do
    cmp "$f" "$0" || exit 1; done' "$D/xor.csv"
expect_error "predictions to a full device" 1 "writing to standard output: No space left" \
    sh -c 'exec "$0" "$@" >/dev/full' "$NNPREDICT" good.nnw.keep "$D/xor.csv"

# ---- resources -------------------------------------------------------------------------------
# Billion laughs: nine levels of nine aliases would expand to 9^9 strings; the first alias is
# refused, so memory and time stay flat.
{ printf 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
  p=a
  for l in b c d e f g h i; do
      printf '%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' $l $l $p $p $p $p $p $p $p $p $p
      p=$l
  done
  printf 'input: 2\nlayers: *i\nloss: mse\n'; } >laughs.yaml
expect_error "a billion laughs file is refused" 2 "laughs.yaml:1:4: YAML aliases and anchors" \
    timeout 20 "$NNTRAIN" laughs.yaml

# Out of memory. ASan reserves terabytes of address space, so a sanitizer build cannot start
# under any useful `ulimit -v`: the check is skipped there. OpenBLAS's thread server maps a
# buffer per thread at startup and retries forever when it cannot, so the runs use one BLAS
# thread, and the limit is calibrated: the smallest one (in 16 MiB steps) under which nntrain
# checks a one-row data set, plus 24 MiB. The large data set (200000 rows of 100 values, about
# 80 MB of floats) cannot fit in that, so reading it must fail with exit 1 and a message.
# (An ASan build's complaint that it cannot start goes to stderr, not to the report files that
# tests/run counts as failures.)
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
printf 'a,b\n1,0\n' >tiny.csv
printf 'input: 1\nlayers: [dense: 1]\nloss: mse\ndata: {train: tiny.csv}\n' >tiny.yaml
starts_under() { # KIB: nntrain checks tiny.yaml under ulimit -v KIB
    (ulimit -v "$1" && ASAN_OPTIONS=log_path=stderr timeout 20 "$NNTRAIN" -q -j 1 tiny.yaml \
        --dry-run) >/dev/null 2>&1
}
limit=""
if starts_under 1048576 2>/dev/null; then
    kb=32768
    while ! starts_under "$kb"; do
        kb=$((kb + 16384))
    done
    limit=$((kb + 24576))
fi
if [ -z "$limit" ]; then
    pass "out of memory: skipped (nntrain does not start under 1 GiB of address space: ASan?)"
else
    row=$(i=0; while [ $i -lt 99 ]; do printf '7,'; i=$((i + 1)); done; printf '1')
    yes "$row" | head -n 200000 >big.csv
    printf 'input: 99\nlayers: [dense: 1]\nloss: mse\ndata: {train: big.csv}\n' >big.yaml
    (ulimit -v "$limit" && expect_error "a data set larger than the memory limit ($limit KiB)" 1 \
        "big.csv:|out of memory allocating|rows)" timeout 60 "$NNTRAIN" -j 1 big.yaml --dry-run)
    check "the same data set loads without the limit" "$NNTRAIN" -q -j 1 big.yaml --dry-run
    rm -f big.csv
fi
