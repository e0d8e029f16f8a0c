# The weights kept and the run's summary: restore_best keeps the best epoch's weights (with or
# without early stopping), the file's metadata describes the weights it holds, and a JSON log
# ends with one summary object whatever the way the run ended; -q keeps a JSON log asked for.
. "$(dirname "$0")/lib.sh"

M=$TOP/models

# same_predictions WHAT A.nnw B.nnw: the two weights files give the same probabilities, to the
# last printed digit, on iris.csv.
same_predictions() {
    "$NNPREDICT" "$2" --proba "$TOP/data/iris.csv" >pa.txt 2>&1
    "$NNPREDICT" "$3" --proba "$TOP/data/iris.csv" >pb.txt 2>&1
    if cmp pa.txt pb.txt >/dev/null && [ "$(wc -l <pa.txt)" -eq 150 ]; then
        pass "$1"
    else
        fail "$1" "$(cmp pa.txt pb.txt 2>&1)" "$(head -n 2 pa.txt)"
    fi
}

# ---- the summary of a finished run ----------------------------------------------------------
"$NNTRAIN" "$M/iris.yaml" -e 6 --log-format json -o fin.nnw >fin.jsonl 2>fin.err
check "a JSON log ends with the summary: finished, exit 0, the weights file" sh -c \
    "tail -n 1 fin.jsonl | jq -e '.status == \"finished\" and .exit_code == 0 and
     .weights == \"fin.nnw\" and .epochs_done == 6 and .weights_epoch == 6' >/dev/null"
check "the summary's figures are the kept epoch's line" sh -c \
    "[ \"\$(sed -n 6p fin.jsonl | jq -c '[.loss, .acc, .val_loss, .val_acc]')\" = \
       \"\$(tail -n 1 fin.jsonl | jq -c '[.loss, .acc, .val_loss, .val_acc]')\" ]"
check "the summary has one line, after the six epoch lines" sh -c \
    "[ \$(wc -l <fin.jsonl) -eq 7 ] && [ \$(grep -c '\"status\"' fin.jsonl) -eq 1 ]"
"$NNTRAIN" "$M/iris.yaml" -e 3 -q --log-format json -o q.nnw >q.jsonl 2>q.err
check "-q keeps a JSON log asked for, and silences stderr" sh -c \
    "[ \$(grep -c '^{\"epoch\"' q.jsonl) -eq 3 ] && [ ! -s q.err ] &&
     [ \"\$(tail -n 1 q.jsonl | jq -r .status)\" = finished ]"
"$NNTRAIN" "$M/iris.yaml" -e 3 -q -o qt.nnw >qt.txt 2>&1
check "-q with text prints nothing" test ! -s qt.txt

# test figures are in the summary of a run with a test set
printf 'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,0\n6.7,3.0,5.2,2.3,2\n' \
    >test.csv
"$NNTRAIN" "$M/iris.yaml" -e 4 --log-format json -s "data.test=$WORK/test.csv" -o t.nnw \
    >t.jsonl 2>/dev/null
check "the summary carries the test figures" sh -c \
    "tail -n 1 t.jsonl | jq -e '.test_rows == 2 and (.test_loss | type) == \"number\" and
     (.test_acc | type) == \"number\"' >/dev/null"

# ---- how other runs end -----------------------------------------------------------------------
"$NNTRAIN" "$M/iris.yaml" -l 1e30 --log-format json -o nan.nnw >nan.jsonl 2>/dev/null
check "a diverged run: status diverged, exit 1, no weights file, the message" sh -c \
    "tail -n 1 nan.jsonl | jq -e '.status == \"diverged\" and .exit_code == 1 and
     .weights == null and (.error | test(\"loss became NaN at epoch 1\"))' >/dev/null"
GROW="--set=lr_schedule={type: exponential, gamma: 100}"
"$NNTRAIN" "$M/iris.yaml" -j 1 "$GROW" --checkpoint-every 1 -e 20 --log-format json \
    -o nan2.nnw >nan2.jsonl 2>/dev/null
check "a diverged run after checkpoints names the last one and its epoch" sh -c \
    "tail -n 1 nan2.jsonl | jq -e '.status == \"diverged\" and .weights == \"nan2.nnw\" and
     .weights_epoch == 2 and .epochs_done == 2' >/dev/null"
"$NNTRAIN" "$M/iris.yaml" -s epochs=0 --log-format json >bad.jsonl 2>/dev/null
check "a model file error: status failed, exit 2, the message" sh -c \
    "jq -e '.status == \"failed\" and .exit_code == 2 and .weights == null and
     (.error | test(\"epochs\"))' bad.jsonl >/dev/null"
"$NNTRAIN" "$M/iris.yaml" --dry-run --log-format json >dry.jsonl 2>/dev/null
check "--dry-run trains nothing and prints no summary" sh -c "! grep -q status dry.jsonl"

# ---- restore_best ------------------------------------------------------------------------------
# The learning rate is high enough for the validation loss to go up and down, so the best
# epoch is not the last. A run of exactly the best epoch's count, with the same seed, reaches
# the same weights: the kept file must predict as that one does.
HIGH="-l 0.3 -s optimizer=momentum"
"$NNTRAIN" "$M/iris.yaml" $HIGH -e 40 -s restore_best=true --log-format json -o rb.nnw \
    >rb.jsonl 2>/dev/null
best=$(tail -n 1 rb.jsonl | jq -r .weights_epoch)
low=$(jq -s 'map(select(.epoch)) | min_by(.val_loss) | .epoch' rb.jsonl)
if [ -n "$best" ] && [ "$best" = "$low" ] && [ "$best" -lt 40 ]; then
    pass "restore_best: the summary names the epoch of the lowest val_loss ($best of 40)"
else
    fail "restore_best: the summary names the epoch of the lowest val_loss" \
        "weights_epoch $best, lowest $low"
fi
"$NNTRAIN" -q "$M/iris.yaml" $HIGH -e "${best:-1}" -o upto.nnw
same_predictions "restore_best: the file holds the weights of epoch $best" rb.nnw upto.nnw
"$NNPREDICT" rb.nnw --info >rb.info
check "the metadata says so: weights_epoch, epochs_done, best_epoch" sh -c \
    "grep -qx 'weights_epoch: $best' rb.info && grep -qx 'epochs_done: 40' rb.info &&
     grep -qx 'best_epoch: $best' rb.info && grep -qx 'restore_best: val_loss' rb.info"
check "the metadata's val_loss is that epoch's" grep -qx \
    "val_loss: $(jq -r "select(.epoch == $best) | .val_loss" rb.jsonl)" rb.info

# early stopping whose patience never runs out: the best epoch's weights are kept (before, the
# file named best_epoch but held the last epoch's weights)
"$NNTRAIN" "$M/iris.yaml" $HIGH -e 40 -s "early_stopping={patience: 100}" --log-format json \
    -o es.nnw >es.jsonl 2>/dev/null
same_predictions "early stopping without a stop keeps the best epoch's weights" es.nnw rb.nnw
"$NNTRAIN" "$M/iris.yaml" $HIGH -e 40 -s "early_stopping={patience: 100}" \
    -s restore_best=false -o last.nnw -q
"$NNTRAIN" "$M/iris.yaml" $HIGH -e 40 -o plain.nnw -q
same_predictions "restore_best: false keeps the last epoch's" last.nnw plain.nnw
check "and says so: weights_epoch 40" sh -c \
    "'$NNPREDICT' last.nnw --info | grep -qx 'weights_epoch: 40'"

# resuming a restore_best run continues from the last epoch's weights, not the best's
"$NNTRAIN" -q "$M/iris.yaml" $HIGH -e 20 -s restore_best=true -o half.nnw
"$NNTRAIN" -q "$M/iris.yaml" $HIGH -e 40 -s restore_best=true -o half.nnw --resume half.nnw
if cmp half.nnw rb.nnw >/dev/null 2>&1; then
    pass "restore_best: 20 epochs + resume to 40 give the bytes of 40 straight"
else
    fail "restore_best: 20 epochs + resume to 40 give the bytes of 40 straight" \
        "$(cmp half.nnw rb.nnw 2>&1)"
fi

"$NNTRAIN" "$M/iris.yaml" $HIGH -e 30 -s restore_best=val_acc --log-format json -o acc.nnw \
    >acc.jsonl 2>/dev/null
check "restore_best: val_acc watches the validation accuracy" sh -c \
    "[ \"\$(tail -n 1 acc.jsonl | jq -r .val_acc)\" = \
       \"\$(jq -s 'map(select(.epoch)) | max_by(.val_acc) | .val_acc' acc.jsonl)\" ]"
expect_error "restore_best: a word that is not a monitor" 2 \
    "restore_best: expected true, false or the monitor to watch|got 'best'" \
    "$NNTRAIN" "$M/iris.yaml" -s restore_best=best
expect_error "restore_best: another monitor than early stopping's" 2 \
    "restore_best watches loss, early_stopping val_loss" \
    "$NNTRAIN" "$M/iris.yaml" -s restore_best=loss -s early_stopping=3
expect_error "restore_best: val_loss without validation data" 2 \
    "restore_best: monitor val_loss needs validation data" \
    "$NNTRAIN" "$M/xor.yaml" -s restore_best=val_loss
check "restore_best: true without validation data watches the training loss" sh -c \
    "'$NNTRAIN' -q '$M/xor.yaml' -e 50 -s restore_best=true -o x.nnw &&
     '$NNPREDICT' x.nnw --info | grep -qx 'restore_best: loss'"

# what stderr says when early stopping ends the run, with and without restore_best
"$NNTRAIN" "$M/iris.yaml" -s "early_stopping={patience: 1, min_delta: 1}" -o es1.nnw \
    >/dev/null 2>es1.err
check "early stopping: one epoch, in the singular, and the epoch whose weights are kept" grep -q \
    "early stopping at epoch 2: val_loss did not improve for 1 epoch; keeping the weights of epoch 1" \
    es1.err
"$NNTRAIN" "$M/iris.yaml" -s "early_stopping={patience: 2, min_delta: 1}" -s restore_best=false \
    -o es2.nnw >/dev/null 2>es2.err
check "early stopping with restore_best: false says the last weights are kept" grep -q \
    "did not improve for 2 epochs since epoch 1 (val_loss=.*); keeping the last weights" es2.err
