# CSV columns by name: nntrain keeps the names of the input columns from the training file's
# header, and nnpredict finds the inputs by those names, wherever a header puts them; without a
# header it takes the columns in training order.
. "$(dirname "$0")/lib.sh"

mkdir keep # expect_error removes *.nnw from $WORK: the weights files live here
IRIS=$TOP/data/iris.csv

check "nntrain iris (header, target by name)" "$NNTRAIN" -q "$TOP/models/iris.yaml" -e 10 \
    -o keep/iris.nnw
# The same rows without the header, the target given by index: the same network, no names.
tail -n +2 "$IRIS" >noheader.csv
check "nntrain iris without a header" "$NNTRAIN" -q "$TOP/models/iris.yaml" -e 10 \
    -s data.train="$WORK/noheader.csv" -s data.target=4 -o keep/noheader.nnw

check "--info lists the input columns" sh -c "'$NNPREDICT' keep/iris.nnw --info |
    grep -qx 'input columns: sepal_length, sepal_width, petal_length, petal_width'"
check "--info: no names without a header" sh -c "'$NNPREDICT' keep/noheader.nnw --info |
    grep -qx 'input columns: by position (the training data had no header)'"
check "the names are in a COLS section" sh -c "LC_ALL=C grep -qa COLS keep/iris.nnw"
check "no COLS section without a header" sh -c "! LC_ALL=C grep -qa COLS keep/noheader.nnw"

# The issue's two rows: the same measurements, the columns in another order.
printf 'sepal_length,sepal_width,petal_length,petal_width\n6.7,3.0,5.2,2.3\n' >one.csv
printf 'petal_width,sepal_length,sepal_width,petal_length\n2.3,6.7,3.0,5.2\n' >one-reordered.csv
"$NNPREDICT" keep/iris.nnw one.csv >one.txt
check "a reordered header gives the same class" sh -c \
    "'$NNPREDICT' keep/iris.nnw one-reordered.csv | cmp - one.txt"

# Every iris row: in training order, reordered, with more columns, without a header.
cut -d, -f1-4 "$IRIS" >ordered.csv
awk -F, -v OFS=, '{ print $4, $1, $2, $3 }' ordered.csv >reordered.csv
awk -F, -v OFS=, 'NR == 1 { print "id", $5, $3, "note", $1, $4, $2; next }
    { print "r" NR, $5, $3, "\"a, b\"", $1, $4, $2 }' "$IRIS" >extra.csv
tail -n +2 ordered.csv >values.csv
"$NNPREDICT" keep/iris.nnw --proba ordered.csv >ordered.txt
awk_check "150 rows of probabilities" ordered.txt 'END { exit NR != 150 }'
check "reordered columns: the same predictions" sh -c \
    "'$NNPREDICT' keep/iris.nnw --proba reordered.csv | cmp - ordered.txt"
check "extra columns (an id, text, the label) are ignored" sh -c \
    "'$NNPREDICT' keep/iris.nnw --proba extra.csv | cmp - ordered.txt"
check "no header: the columns in training order" sh -c \
    "'$NNPREDICT' keep/iris.nnw --proba values.csv | cmp - ordered.txt"
check "the network trained without a header predicts the same" sh -c \
    "'$NNPREDICT' keep/noheader.nnw --proba values.csv | cmp - ordered.txt"
check "a file without names reads a header's columns by position, as before" sh -c \
    "'$NNPREDICT' keep/noheader.nnw --proba ordered.csv | cmp - ordered.txt"

cut -d, -f1-3 "$IRIS" >three.csv
want="nnpredict: three.csv: no column named 'petal_width' (the model was trained on: "
want="${want}sepal_length, sepal_width, petal_length, petal_width)"
expect_error "a missing column is named, with the training columns" 2 "$want" \
    "$NNPREDICT" keep/iris.nnw three.csv
cp .err missing.err
check "the message is the whole line" grep -Fqx "$want" missing.err
sed '1s/petal_width/petal_w/' ordered.csv >renamed.csv
expect_error "a renamed column is missing" 2 "renamed.csv: no column named 'petal_width'" \
    "$NNPREDICT" keep/iris.nnw renamed.csv
sed '1s/^sepal_length,sepal_width/sepal_length,sepal_length/' ordered.csv >twice.csv
expect_error "a needed name given twice" 2 "columns 0 and 1 are both named 'sepal_length'" \
    "$NNPREDICT" keep/iris.nnw twice.csv

# --eval finds the target by data.target and is unchanged by the names.
"$NNPREDICT" keep/noheader.nnw --eval "$IRIS" >eval-noheader.txt
check "--eval on data/iris.csv: as the network without names gives it" sh -c \
    "'$NNPREDICT' keep/iris.nnw --eval '$IRIS' | cmp - eval-noheader.txt"
awk_check "--eval: 150 rows and a 3x3 confusion matrix" eval-noheader.txt \
    'NR == 1 { ok = $1 == "rows=150" } NF == 4 && $1 ~ /^[0-2]$/ { r++ }
     END { exit !(ok && r == 3) }'
awk -F, -v OFS=, '{ print $5, $4, $3, $2, $1 }' "$IRIS" >eval-reordered.csv
check "--eval with the label first and the inputs reordered" sh -c \
    "'$NNPREDICT' keep/iris.nnw --eval eval-reordered.csv | cmp - eval-noheader.txt"
expect_error "--eval still needs the target column" 2 \
    "ordered.csv: target: no column named 'species'" "$NNPREDICT" keep/iris.nnw --eval ordered.csv

# A model trained on some columns (data.inputs) predicts from rows of just those, with or
# without a header; a header's other columns, the target's too, are ignored.
cat >reg.yaml <<EOF
input: 3
layers: [{dense: 8}, tanh, {dense: 1}]
loss: mse
epochs: 5
learning_rate: 0.01
batch_size: 8
data:
  train: $IRIS
  target: petal_width
  inputs: [sepal_length, sepal_width, petal_length]
EOF
check "nntrain with data.inputs" "$NNTRAIN" -q reg.yaml -o keep/reg.nnw
check "--info lists just the chosen inputs" sh -c "'$NNPREDICT' keep/reg.nnw --info |
    grep -qx 'input columns: sepal_length, sepal_width, petal_length'"
printf '5.1,3.5,1.4\n6.7,3.0,5.2\n' >reg-values.csv
check "data.inputs: rows of just the inputs, no header" "$NNPREDICT" keep/reg.nnw reg-values.csv
cp "$WORK/.out" reg.txt
awk_check "data.inputs: one number per row" reg.txt \
    'NF != 1 || $1 !~ /^-?[0-9.e+-]+$/ { exit 1 } END { exit NR != 2 }'
printf 'sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n6.7,3.0,5.2\n' >reg-header.csv
check "data.inputs: the same with a header" sh -c \
    "'$NNPREDICT' keep/reg.nnw reg-header.csv | cmp - reg.txt"
printf 'petal_length,sepal_length,sepal_width\n1.4,5.1,3.5\n5.2,6.7,3.0\n' >reg-reordered.csv
check "data.inputs: the same with a reordered header" sh -c \
    "'$NNPREDICT' keep/reg.nnw reg-reordered.csv | cmp - reg.txt"
check "data.inputs: the training file, its other columns ignored" sh -c \
    "'$NNPREDICT' keep/reg.nnw '$IRIS' | sed -n '1p;146p' | cmp - reg.txt"
check "data.inputs: --eval reads the target petal_width" sh -c \
    "'$NNPREDICT' keep/reg.nnw --eval '$IRIS' | grep -q '^rows=150 loss='"

# Names that do not fit the network, or a damaged COLS section, are refused (exit 2).
/usr/bin/python3 - <<'EOF'
import struct, zlib
def sections(b):
    n, pos, out = struct.unpack('<I', b[8:12])[0], 12, []
    for _ in range(n):
        length = struct.unpack('<Q', b[pos + 4:pos + 12])[0]
        out.append((b[pos:pos + 4], b[pos + 12:pos + 12 + length]))
        pos += 12 + length
    return out
def build(secs):
    b = b'NNW\0' + struct.pack('<II', 1, len(secs))
    for tag, payload in secs:
        b += tag + struct.pack('<Q', len(payload)) + payload
    return b + struct.pack('<I', zlib.crc32(b) & 0xffffffff)
def cols(names):
    return struct.pack('<I', len(names)) + b''.join(struct.pack('<I', len(n)) + n for n in names)
secs = sections(open('keep/iris.nnw', 'rb').read())
assert [t for t, _ in secs] == [b'CONF', b'TENS', b'PREP', b'META', b'COLS', b'OPT2']
def with_cols(payload):
    return build([(t, payload if t == b'COLS' else p) for t, p in secs])
open('keep/three.nnw', 'wb').write(with_cols(cols([b'a', b'b', b'c'])))
open('keep/twice.nnw', 'wb').write(with_cols(cols([b'a', b'b', b'c', b'a'])))
EOF
expect_error "three names for a network of four inputs" 2 \
    "keep/three.nnw: 3 input column names, the model has 4 inputs" "$NNPREDICT" keep/three.nnw
expect_error "a name stored twice" 2 "keep/twice.nnw: byte |this column name appeared before" \
    "$NNPREDICT" keep/twice.nnw ordered.csv
