# End to end: a small convolutional network on synthetic 8x8 images of a horizontal bar
# (class 0) or a vertical bar (class 1) in noise, with every image layer in it. --summary
# shows the image shapes, training reaches a high accuracy in a second, and nnpredict, from the
# weights alone (batchnorm's running statistics, dropout as the identity), gives the same
# validation accuracy. Shape errors name the layer and the shapes.
. "$(dirname "$0")/lib.sh"

# bars SEED ROWS: ROWS images as CSV rows of 64 pixels then the class.
bars() {
    awk -v seed="$1" -v rows="$2" 'BEGIN {
        srand(seed)
        for (n = 0; n < rows; n++) {
            c = n % 2; at = int(rand() * 8); line = ""
            for (i = 0; i < 8; i++)
                for (j = 0; j < 8; j++) {
                    v = rand() * 0.4
                    if ((c == 0 && i == at) || (c == 1 && j == at)) v += 0.6
                    line = line sprintf("%.3f,", v)
                }
            print line c
        }
    }'
}
bars 7 320 >train.csv
bars 8 100 >val.csv

cat >cnn.yaml <<'EOF'
input: [1, 8, 8]
layers:
  - conv2d: {filters: 4, kernel: 3, padding: same, init: he}
  - batchnorm
  - relu
  - maxpool2d: 2
  - conv2d: {filters: 8, kernel: 3, init: he}
  - relu
  - avgpool2d: {size: 2, stride: 1}
  - flatten
  - dropout: 0.25
  - dense: {units: 2, init: xavier}
  - softmax
loss: cross_entropy
epochs: 12
learning_rate: 0.1
batch_size: 16
validation: val.csv
data:
  train: train.csv
EOF

check "nntrain --summary on a CNN" "$NNTRAIN" cnn.yaml --summary
cp "$WORK/.out" summary.txt
# layer, type, output shape, parameters: conv 4*1*3*3 + 4; batchnorm gamma, beta and the two
# running statistics; conv 8*4*3*3 + 8; dense 2*8 + 2.
awk_check "--summary: output shapes and parameter counts" summary.txt '
    $1 == "conv2d1" && $3 == "4x8x8" && $4 == 40 { ok++ }
    $1 == "batchnorm1" && $3 == "4x8x8" && $4 == 16 { ok++ }
    $1 == "maxpool2d1" && $3 == "4x4x4" && $4 == 0 { ok++ }
    $1 == "conv2d2" && $3 == "8x2x2" && $4 == 296 { ok++ }
    $1 == "avgpool2d1" && $3 == "8x1x1" { ok++ }
    $1 == "flatten1" && $3 == "8" { ok++ }
    $1 == "dropout1" && $3 == "8" { ok++ }
    $1 == "dense1" && $3 == "2" && $4 == 18 { ok++ }
    /^total parameters: 370$/ { ok++ }
    END { exit ok != 9 }'

check "nntrain trains the CNN" "$NNTRAIN" cnn.yaml -o cnn.nnw
cp "$WORK/.out" train.log
awk_check "12 epochs, validation accuracy >= 0.95" train.log '
    /^epoch / { n++; last = $0 }
    END { split(last, f, " "); split(f[6], a, "="); exit !(n == 12 && a[2] >= 0.95) }'

check "nnpredict --eval on the validation images" "$NNPREDICT" cnn.nnw --eval val.csv
cp "$WORK/.out" eval.txt
# --eval prints loss and acc as the epoch line does: the network of the last epoch in
# prediction mode, so the same numbers (the loss to 6 places would differ if nnpredict used
# batch statistics or dropped values).
last=$(awk '/^epoch / { last = $0 } END { split(last, f, " "); print f[5], f[6] }' train.log)
awk_check "nnpredict's loss and accuracy are nntrain's last val_loss and val_acc ($last)" \
    eval.txt "NR == 1 { exit !(\$1 == \"rows=100\" && \"val_\" \$2 \" val_\" \$3 == \"$last\") }"
check "nnpredict gives one class per image" sh -c \
    "cut -d, -f1-64 val.csv | '$NNPREDICT' cnn.nnw | sort -u | tr '\n' ' ' | grep -qx '0 1 '"
check "the weights file keeps the image settings" sh -c \
    "'$NNPREDICT' cnn.nnw --info | grep -q 'padding: same'"
check "same seed gives a byte-identical weights file" sh -c \
    "'$NNTRAIN' -q cnn.yaml -o again.nnw && cmp cnn.nnw again.nnw"

# Shape errors name the file, the layer and the shapes, before any training.
sed 's/^input: .*/input: 64/' cnn.yaml >flat.yaml
expect_error "conv2d on a 1-D input" 2 \
    'flat.yaml:3:|conv2d1 (layer 1, conv2d)|[channels, height, width], got 64' \
    "$NNTRAIN" flat.yaml -o x.nnw
sed 's/^input: .*/input: [1, 4, 4]/; s/kernel: 3, padding: same/kernel: 5/' cnn.yaml >big.yaml
expect_error "a kernel larger than the input" 2 \
    'big.yaml:3:|conv2d1 (layer 1, conv2d)|kernel 5 is larger than input 4x4 (with padding 0)' \
    "$NNTRAIN" big.yaml -o x.nnw
sed 's/padding: same/padding: full/' cnn.yaml >pad.yaml
expect_error "an unknown padding" 2 \
    'pad.yaml:3:|padding|expected one of: valid, same, or an integer|full' \
    "$NNTRAIN" pad.yaml -o x.nnw
sed 's/dropout: 0.25/dropout: 1/' cnn.yaml >drop.yaml
expect_error "dropout rate 1" 2 'drop.yaml:|dropout1|rate' "$NNTRAIN" drop.yaml -o x.nnw
