# End to end: the XOR network of models/xor.yaml, trained and used for prediction.
. "$(dirname "$0")/lib.sh"

check "nntrain models/xor.yaml runs" "$NNTRAIN" "$TOP/models/xor.yaml" -o xor.nnw
cp "$WORK/.out" train.log
awk_check "1000 epoch lines, numbered 1..1000" train.log \
    '/^epoch / { n++; if ($2 != n "/1000") exit 1 } END { exit n != 1000 }'
check "epoch line format" grep -Eq '^epoch 1/1000 loss=[0-9]+\.[0-9]{6} time=[0-9]+\.[0-9]{2}s$' train.log
awk_check "final loss below 0.01" train.log \
    'END { split($3, a, "="); exit !(a[2] < 0.01) }'

printf '0,0\n0,1\n1,0\n1,1\n' >in.csv
check "nnpredict on the trained weights" "$NNPREDICT" xor.nnw in.csv
cp "$WORK/.out" pred.txt
awk_check "predictions within 0.1 of 0 1 1 0" pred.txt \
    'BEGIN { split("0 1 1 0", want, " ") }
     { n++; d = $1 - want[n]; if (d < -0.1 || d > 0.1) exit 1 } END { exit n != 4 }'
check "nnpredict reads standard input" sh -c "'$NNPREDICT' xor.nnw < in.csv | cmp - pred.txt"

check "same seed gives a byte-identical weights file" sh -c \
    "'$NNTRAIN' -q '$TOP/models/xor.yaml' -o again.nnw && cmp xor.nnw again.nnw"
check "another seed gives other weights" sh -c \
    "'$NNTRAIN' -q '$TOP/models/xor.yaml' --seed 7 -o other.nnw && ! cmp -s xor.nnw other.nnw"

check "default output is the model's name in the working directory" sh -c \
    "mkdir -p sub && cd sub && '$NNTRAIN' -q -e 3 '$TOP/models/xor.yaml' && test -s xor.nnw"
check "-e overrides epochs" sh -c "'$NNTRAIN' '$TOP/models/xor.yaml' -e 5 -o e5.nnw | tail -n 1 | grep -q '^epoch 5/5 '"
check "-q prints nothing" sh -c "test -z \"\$('$NNTRAIN' -q '$TOP/models/xor.yaml' -e 2 -o q.nnw 2>&1)\""
check "model file from standard input" sh -c \
    "sed 's|\\.\\./data|$TOP/data|' '$TOP/models/xor.yaml' | '$NNTRAIN' - -e 2 -o stdin.nnw >/dev/null 2>&1 && test -s stdin.nnw"

check "--info describes the model" "$NNPREDICT" xor.nnw --info
for word in dense1 tanh2 "total parameters: 13" "epochs_done: 1000" "loss function: mse"; do
    if grep -q "$word" "$WORK/.out"; then pass "--info shows '$word'"; else fail "--info shows '$word'" "$(cat "$WORK/.out")"; fi
done
check "--summary prints the layer table" "$NNTRAIN" "$TOP/models/xor.yaml" --summary
awk_check "--summary lists 4 layers and 13 parameters" "$WORK/.out" \
    '/^(dense|tanh)[0-9]/ { n++ } /^total parameters: 13$/ { t = 1 } END { exit !(n == 4 && t) }'
check "--log-format json gives one object per epoch" sh -c \
    "'$NNTRAIN' '$TOP/models/xor.yaml' -e 3 --log-format json -o j.nnw > j.log && test \$(grep -c '^{\"epoch\":[0-9]*,\"epochs\":3,\"loss\":' j.log) -eq 3"
check "--dry-run checks and writes nothing" sh -c \
    "'$NNTRAIN' '$TOP/models/xor.yaml' --dry-run -o dry.nnw | grep -q '^ok: 4 training rows' && test ! -e dry.nnw"
check "--help exits 0" "$NNTRAIN" --help
check "--version" sh -c "'$NNTRAIN' --version | grep -q '^nntrain [0-9]'"

# --eval on a regression network: the loss, then MAE, RMSE and R² over every row.
check "--eval on regression" "$NNPREDICT" xor.nnw --eval "$TOP/data/xor.csv"
cp "$WORK/.out" eval.txt
figures=$(head -n 1 eval.txt)
check "--eval on regression: rows, loss, mae, rmse, r2 on one line" sh -c \
    "grep -Eq '^rows=4 loss=[0-9.]+ mae=[0-9.]+ rmse=[0-9.]+ r2=-?[0-9.]+$' eval.txt &&
     [ \$(wc -l <eval.txt) -eq 1 ]"
tail -n +2 "$TOP/data/xor.csv" | cut -d, -f3 >targets.csv
same_figures "--eval on regression: the figures of the predictions" "$figures" \
    "$(regression_figures pred.txt targets.csv)"
awk_check "--eval on regression: rmse squared is the mse loss" eval.txt \
    '{ split($2, l, "="); split($4, r, "="); d = r[2] * r[2] - l[2]; exit !(d < 1e-5 && d > -1e-5) }'
check "--eval on one row: r2 is not defined" sh -c \
    "printf '0,1,1\n' | '$NNPREDICT' xor.nnw --eval | grep -q ' r2=nan$'"
