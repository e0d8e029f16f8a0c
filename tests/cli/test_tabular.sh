# End to end on real tabular data: iris and digits reach the accuracy the README promises, and
# nnpredict predicts, gives probabilities and evaluates with the weights alone.
. "$(dirname "$0")/lib.sh"

check "nntrain models/iris.yaml" "$NNTRAIN" "$TOP/models/iris.yaml" -o iris.nnw
cp "$WORK/.out" iris.log
awk_check "iris: 100 epochs with acc and val_acc" iris.log \
    '/^epoch [0-9]+\/100 loss=[0-9.]+ acc=[0-9.]+ val_loss=[0-9.]+ val_acc=[0-9.]+ time=/ { n++ }
     END { exit n != 100 }'
awk_check "iris: val_acc >= 0.95" iris.log \
    'END { split($6, a, "="); exit !(a[2] >= 0.95) }'

check "nntrain models/digits.yaml" "$NNTRAIN" "$TOP/models/digits.yaml" -o digits.nnw
cp "$WORK/.out" digits.log
awk_check "digits: val_acc >= 0.95" digits.log \
    'END { split($6, a, "="); exit !(a[2] >= 0.95) }'

# The features of iris.csv without the label column, as a user would feed new measurements.
cut -d, -f1-4 "$TOP/data/iris.csv" >features.csv
check "nnpredict: one class per row" "$NNPREDICT" iris.nnw features.csv
cp "$WORK/.out" classes.txt
awk_check "150 classes in 0..2, most of them right" classes.txt \
    '{ n++; if ($1 !~ /^[012]$/) exit 1; if ($1 == int((n - 1) / 50)) right++ }
     END { exit !(n == 150 && right >= 140) }'
check "nnpredict ignores the label column when it is there" sh -c \
    "'$NNPREDICT' iris.nnw '$TOP/data/iris.csv' | cmp - classes.txt"
check "nnpredict --proba" "$NNPREDICT" iris.nnw --proba features.csv
awk_check "--proba: 3 probabilities per row summing to 1" "$WORK/.out" \
    'BEGIN { FS = "," } { n++; s = $1 + $2 + $3; if (NF != 3 || s < 0.999 || s > 1.001) exit 1 } END { exit n != 150 }'
check "nnpredict --eval" "$NNPREDICT" iris.nnw --eval "$TOP/data/iris.csv"
cp "$WORK/.out" eval.txt
awk_check "--eval: rows, loss, accuracy" eval.txt \
    'NR == 1 { split($3, a, "="); exit !($1 == "rows=150" && $2 ~ /^loss=/ && a[2] >= 0.9) }'
awk_check "--eval: a 3x3 confusion matrix summing to 150" eval.txt \
    '/^confusion/ { m = 1; next } m && NF == 4 && $1 ~ /^[0-9]$/ { s += $2 + $3 + $4; r++ }
     END { exit !(r == 3 && s == 150) }'
check "nnpredict --info shows the preprocessing" sh -c \
    "'$NNPREDICT' iris.nnw --info | grep -q 'normalize standard'"

# The README's shell loop over learning rates.
for lr in 0.01 0.1; do
    check "-s learning_rate=$lr reaches training" sh -c \
        "'$NNTRAIN' -q '$TOP/models/iris.yaml' -s learning_rate=$lr -e 2 -o lr$lr.nnw && '$NNPREDICT' lr$lr.nnw --info | grep -q 'learning_rate: $lr'"
done
check "-s layers.0.units=8 changes the first layer" sh -c \
    "'$NNTRAIN' '$TOP/models/iris.yaml' -s layers.0.units=8 --summary | grep -q '^total parameters: 67$'"
