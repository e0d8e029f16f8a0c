# Binary data end to end: tiny IDX and npy files written here with printf (no Python needed),
# plain and gzipped, a model trained on them and nnpredict reading them with --labels; then
# the ways such files go wrong, each an exit 2 naming the file and what was expected.
. "$(dirname "$0")/lib.sh"

# byte N...: the bytes with these decimal values.
byte() {
    for v in "$@"; do
        printf "\\$(printf '%03o' "$v")"
    done
}

# Images of 2x2 pixels in two classes: class 0 lights the top row, class 1 the bottom row,
# each pixel varying a little with the sample number. N samples, labels alternating 0 1 0 1.
N=40
pixels() {
    i=0
    while [ "$i" -lt "$1" ]; do
        hi=$((200 + i % 50)) lo=$((i % 40))
        if [ $((i % 2)) -eq 0 ]; then byte $hi $hi $lo $lo; else byte $lo $lo $hi $hi; fi
        i=$((i + 1))
    done
}
labels() { # $1 samples, $2 bytes per label (little-endian)
    i=0
    while [ "$i" -lt "$1" ]; do
        byte $((i % 2))
        k=1
        while [ "$k" -lt "$2" ]; do byte 0; k=$((k + 1)); done
        i=$((i + 1))
    done
}
# npy_header DICT: the version 1 preamble and the dict padded to 64 bytes with a newline.
npy_header() {
    len=$((${#1} + 1))
    pad=$(( (64 - (10 + len) % 64) % 64 ))
    hlen=$((len + pad))
    printf '\223NUMPY\001\000'
    byte $((hlen % 256)) $((hlen / 256))
    printf '%s' "$1"
    while [ "$pad" -gt 0 ]; do printf ' '; pad=$((pad - 1)); done
    printf '\n'
}

{ byte 0 0 8 3 0 0 0 $N 0 0 0 2 0 0 0 2; pixels $N; } >images.idx
{ byte 0 0 8 1 0 0 0 $N; labels $N 1; } >labels.idx
gzip -c images.idx >images.idx.gz
gzip -c labels.idx >labels.idx.gz
u1="'descr': '|u1', 'fortran_order'"
i8="'descr': '<i8', 'fortran_order'"
{ npy_header "{$u1: False, 'shape': ($N, 2, 2), }"; pixels $N; } >images.npy
{ npy_header "{$i8: False, 'shape': ($N,), }"; labels $N 8; } >labels.npy
check "the IDX files have the expected sizes" test "$(wc -c <images.idx)" -eq $((16 + 4 * N)) \
    -a "$(wc -c <labels.idx)" -eq $((8 + N))
check "the npy files have the expected sizes" test "$(wc -c <images.npy)" -eq $((128 + 4 * N)) \
    -a "$(wc -c <labels.npy)" -eq $((128 + 8 * N))

cat >model.yaml <<'YAML'
input: [1, 2, 2]
layers:
  - dense: {units: 8, init: he}
  - relu
  - dense: 2
  - softmax
loss: cross_entropy
epochs: 40
learning_rate: 0.5
batch_size: 8
seed: 3
data:
  train: images.idx.gz
  train_labels: labels.idx.gz
  test: images.npy
  test_labels: labels.npy
  scale: 0.00392156862745098
YAML

# expect_error removes *.nnw from $WORK: the weights used below live in keep/.
mkdir keep
check "nntrain on gzipped IDX, tested on npy" "$NNTRAIN" model.yaml -o keep/m.nnw
cp "$WORK/.out" train.log
awk_check "test accuracy 1 on the 40 npy samples" train.log \
    '/^test / { found = 1; split($3, a, "="); split($4, r, "="); ok = a[2] == 1 && r[2] == 40 }
     END { exit !(found && ok) }'

check "nnpredict --eval --labels on IDX" "$NNPREDICT" keep/m.nnw images.idx --eval \
    --labels labels.idx
awk_check "--eval on IDX: 40 rows, accuracy 1" "$WORK/.out" \
    'NR == 1 { ok = $1 == "rows=40" && $3 == "acc=1.0000" } END { exit !ok }'
check "nnpredict --eval --labels on gzipped IDX and npy labels" "$NNPREDICT" keep/m.nnw \
    images.idx.gz --eval --labels labels.npy
check "nnpredict on npy without labels: one class per sample" "$NNPREDICT" keep/m.nnw images.npy
awk_check "40 classes alternating 0 1" "$WORK/.out" \
    '{ n++; if ($1 != (n - 1) % 2) exit 1 } END { exit n != 40 }'
check "--proba on IDX: two probabilities per sample" "$NNPREDICT" keep/m.nnw --proba images.idx.gz
awk_check "--proba: 40 rows of 2 values" "$WORK/.out" \
    'BEGIN { FS = "," } NF != 2 { bad = 1 } END { exit bad || NR != 40 }'

# The loader goes by content: an IDX file called .csv is still IDX.
cp images.idx disguised.csv
check "format by content, not by name" "$NNPREDICT" keep/m.nnw disguised.csv --eval \
    --labels labels.npy

# Validation from a file of its own with its labels, and as a fraction of IDX training data.
check "validation: PATH with data.validation_labels" sh -c \
    "'$NNTRAIN' model.yaml -e 2 -o v.nnw -s validation=images.npy \
        -s data.validation_labels=labels.npy | grep -q 'val_acc='"
check "validation fraction of uint8 IDX data" sh -c \
    "'$NNTRAIN' model.yaml -e 2 -o f.nnw -s validation=0.25 | grep -q 'val_acc='"
check "minmax normalisation of uint8 data" sh -c \
    "'$NNTRAIN' -q model.yaml -o mm.nnw -s data.normalize=minmax &&
     '$NNPREDICT' mm.nnw images.npy --eval --labels labels.npy | grep -q 'acc=1.0000'"

# One-hot labels: an [N, 2] IDX array instead of N class indices.
{
    byte 0 0 8 2 0 0 0 $N 0 0 0 2
    i=0
    while [ "$i" -lt $N ]; do byte $(((i + 1) % 2)) $((i % 2)); i=$((i + 1)); done
} >onehot.idx
check "one-hot labels train and evaluate" sh -c \
    "'$NNTRAIN' -q model.yaml -o oh.nnw -s data.train_labels=onehot.idx &&
     '$NNPREDICT' oh.nnw images.idx --eval --labels onehot.idx | grep -q 'acc=1.0000'"

# Regression with two outputs: --eval gives MAE and RMSE over both outputs of every sample and
# R² averaged over the two (the second target is constant, so it adds 0 unless hit exactly).
{
    byte 0 0 8 2 0 0 0 $N 0 0 0 2
    i=0
    while [ "$i" -lt $N ]; do byte $(((i % 2) * 3 + i % 5)) 7; i=$((i + 1)); done
} >targets2.idx
i=0
while [ "$i" -lt $N ]; do echo "$(((i % 2) * 3 + i % 5)),7"; i=$((i + 1)); done >targets2.csv
check "a two-output regression trains on IDX targets" "$NNTRAIN" -q model.yaml -o keep/r2.nnw \
    -s loss=mse -s layers.3=linear -s data.train_labels=targets2.idx \
    -s data.test_labels=targets2.idx -e 20 -s learning_rate=0.05
check "its predictions" "$NNPREDICT" keep/r2.nnw images.idx
cp "$WORK/.out" pred2.csv
check "--eval on two outputs" "$NNPREDICT" keep/r2.nnw images.idx --eval --labels targets2.idx
same_figures "--eval on two outputs: MAE, RMSE over every value, R² averaged over the columns" \
    "$(head -n 1 "$WORK/.out")" "$(regression_figures pred2.csv targets2.csv)"

# ---- what goes wrong ----
{ byte 0 0 8 1 0 0 0 39; labels 39 1; } >labels39.idx
expect_error "label count differs from the sample count" 2 \
    "labels39.idx: byte 4: 39 labels, but|images.idx holds 40 samples" \
    "$NNTRAIN" model.yaml -s data.train=images.idx -s data.train_labels=labels39.idx
expect_error "sample shape against the model input" 2 \
    "images.idx.gz: byte 4: each sample has shape [2, 2] (4 values)|model's input [9] takes 9" \
    "$NNTRAIN" model.yaml -s input=9
{ npy_header "{$u1: True, 'shape': ($N, 2, 2), }"; pixels $N; } >fortran.npy
expect_error "fortran order is refused" 2 "fortran.npy: byte 44: fortran_order is True|C-order" \
    "$NNPREDICT" keep/m.nnw fortran.npy
head -c 100 images.idx >cut.idx
expect_error "a truncated IDX file" 2 "cut.idx: byte 16: the header announces 160 bytes|truncated" \
    "$NNPREDICT" keep/m.nnw cut.idx
head -c 100 images.idx | gzip -c >cut.idx.gz
expect_error "a truncated gzipped IDX file" 2 \
    "cut.idx.gz: byte 100: the file ends inside the data" \
    "$NNPREDICT" keep/m.nnw cut.idx.gz
{ byte 0 0 8 3 255 255 255 255 255 255 255 255 0 0 0 2; pixels 2; } >huge.idx
expect_error "dimensions beyond 2^31 elements" 2 \
    "huge.idx: byte 4: shape [4294967295, 4294967295, 2]" \
    "$NNPREDICT" keep/m.nnw huge.idx
{ byte 0 0 8 3 0 0 0 0 0 0 0 2 0 0 0 2; } >empty.idx
expect_error "a zero dimension" 2 "empty.idx: byte 4: dimension 1 is 0" \
    "$NNPREDICT" keep/m.nnw empty.idx
{ npy_header "{'descr': '<c8', 'fortran_order': False, 'shape': ($N,), }"; } >complex.npy
expect_error "an unsupported dtype" 2 "complex.npy: byte 20: dtype '<c8' is not supported" \
    "$NNPREDICT" keep/m.nnw complex.npy
grep -v train_labels model.yaml >nolabels.yaml
expect_error "IDX training data without labels" 2 \
    "images.idx.gz: no labels for these IDX inputs|data.train_labels" "$NNTRAIN" nolabels.yaml
printf 'a,b,c,d,y\n1,2,3,4,0\n' >table.csv
expect_error "a labels file with CSV data" 2 "table.csv: a CSV file carries its own target column" \
    "$NNTRAIN" model.yaml -s data.train=table.csv
expect_error "labels given as CSV" 2 "table.csv: not an IDX or npy file" \
    "$NNPREDICT" keep/m.nnw images.idx --eval --labels table.csv
expect_error "--eval on IDX needs --labels" 2 "no labels for these IDX inputs|--labels" \
    "$NNPREDICT" keep/m.nnw images.idx --eval
expect_error "--labels without --eval" 2 "--labels goes with --eval" \
    "$NNPREDICT" keep/m.nnw images.idx --labels labels.idx
expect_error "--labels with two inputs" 2 "--labels goes with exactly one INPUT" \
    "$NNPREDICT" keep/m.nnw images.idx images.npy --eval --labels labels.idx
expect_error "validation_labels without a validation file" 2 \
    "data: validation_labels needs validation: PATH" \
    "$NNTRAIN" model.yaml -s data.validation_labels=labels.idx
