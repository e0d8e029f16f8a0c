# Optimizers, schedules and early stopping end to end: on iris and digits every optimizer
# reaches at least plain SGD's validation accuracy (with a learning rate that suits it); the
# schedule sets each epoch's learning rate; early stopping stops, keeps the best epoch's
# weights and says so; the thread count defaults to every core.
. "$(dirname "$0")/lib.sh"

M=$TOP/models

# val_acc MODEL OPTIMIZER LR WEIGHT_DECAY: the final validation accuracy (one thread, so the
# figures do not depend on the machine's core count).
val_acc() {
    "$NNTRAIN" "$M/$1.yaml" -j 1 -s "optimizer=$2" -l "$3" -s "weight_decay=$4" -o "$1-$2.nnw" \
        2>/dev/null | tail -n 1 | sed -n 's/.* val_acc=\([0-9.]*\) .*/\1/p'
}

# at_least_sgd MODEL "OPT LR WD" ...: each optimizer's accuracy is at least sgd's.
at_least_sgd() {
    model=$1
    shift
    sgd=$(val_acc "$model" sgd 0.05 0)
    for spec in "$@"; do
        set -- $spec
        got=$(val_acc "$model" "$1" "$2" "$3")
        if [ -n "$got" ] && awk -v a="$got" -v b="$sgd" 'BEGIN { exit !(a >= b) }'; then
            pass "$model: $1 (lr $2) val_acc $got >= sgd's $sgd"
        else
            fail "$model: $1 (lr $2) val_acc '$got' >= sgd's $sgd"
        fi
    done
}

at_least_sgd iris "momentum 0.01 0" "nesterov 0.01 0" "adam 0.005 0" "adamw 0.005 0.01"
at_least_sgd digits "momentum 0.03 0" "nesterov 0.03 0" "adam 0.002 0" "adamw 0.002 0.01"

# The map form with settings, as the weights file's config keeps it.
check "optimizer as a map" "$NNTRAIN" -q "$M/iris.yaml" -e 2 -o map.nnw \
    -s "optimizer={type: adam, beta1: 0.8, beta2: 0.99, eps: 1e-7}" -s clip_norm=0.5
check "the weights file keeps the optimizer's settings" sh -c "'$NNPREDICT' map.nnw --info |
    grep -q '^optimizer: {type: adam, beta1: 0.8, beta2: 0.99, eps: 1e-07}$'"
check "the weights file keeps clip_norm" sh -c \
    "'$NNPREDICT' map.nnw --info | grep -q '^clip_norm: 0.5$'"
check "the weights file keeps the optimizer's defaults" sh -c "'$NNTRAIN' -q '$M/iris.yaml' -e 1 \
    -s optimizer=momentum -o mom.nnw && '$NNPREDICT' mom.nnw --info |
    grep -q '^optimizer: {type: momentum, momentum: 0.9}$'"
expect_error "an unknown optimizer lists them" 2 "unknown optimizer 'rmsprop'|sgd, momentum, \
nesterov, adam, adamw" "$NNTRAIN" "$M/iris.yaml" -s optimizer=rmsprop
expect_error "a setting of another optimizer" 2 "unknown key 'momentum' for adam" \
    "$NNTRAIN" "$M/iris.yaml" -s optimizer=adam -s optimizer.momentum=0.9

# ---- schedules: the lr of every epoch in the JSON lines -------------------------------------
"$NNTRAIN" "$M/iris.yaml" -e 6 -l 0.1 -o s.nnw --log-format json \
    -s "lr_schedule={type: cosine, warmup_epochs: 2, min_lr: 0.01}" >cos.jsonl 2>/dev/null
jq -r 'select(.epoch) | .lr' cos.jsonl >lr.txt
awk_check "cosine with 2 warmup epochs: lr per epoch" lr.txt \
    'BEGIN { pi = atan2(0, -1); w[1] = 0.1 / 3; w[2] = 0.2 / 3
             for (k = 0; k < 4; k++) w[k + 3] = 0.01 + 0.09 * (1 + cos(pi * k / 4)) / 2 }
     { d = $1 - w[NR]; if (d < 0) d = -d; if (d > 1e-8) exit 1 }
     END { exit NR != 6 }'
"$NNTRAIN" "$M/iris.yaml" -e 5 -l 0.1 -o s.nnw --log-format json \
    -s lr_schedule=step -s lr_schedule.step_size=2 -s lr_schedule.gamma=0.5 >step.jsonl 2>/dev/null
check "step: 0.1, 0.1, 0.05, 0.05, 0.025" sh -c \
    "[ \"\$(jq -r 'select(.epoch) | .lr' step.jsonl | tr '\n' ' ')\" = '0.1 0.1 0.05 0.05 0.025 ' ]"
"$NNTRAIN" "$M/iris.yaml" -e 3 -l 0.1 -o s.nnw --log-format json -s lr_schedule=exponential \
    >exp.jsonl 2>/dev/null
check "exponential (gamma 0.9): 0.1, 0.09, 0.081" sh -c \
    "[ \"\$(jq -r 'select(.epoch) | .lr' exp.jsonl | tr '\n' ' ')\" = '0.1 0.09 0.081 ' ]"
expect_error "an unknown schedule lists them" 2 \
    "unknown lr_schedule 'linear'|constant, step, exponential, cosine" \
    "$NNTRAIN" "$M/iris.yaml" -s lr_schedule=linear

# ---- early stopping -------------------------------------------------------------------------
"$NNTRAIN" "$M/iris.yaml" -s optimizer=adam -l 0.01 -e 300 -o es.nnw --log-format json \
    -s "early_stopping={patience: 3, monitor: val_loss}" >es.jsonl 2>es.err
rc=$?
lines=$(grep -c '^{"epoch"' es.jsonl)
if [ $rc -eq 0 ] && [ "$lines" -gt 3 ] && [ "$lines" -lt 300 ]; then
    pass "early stopping ends the run early ($lines of 300 epochs)"
else
    fail "early stopping ends the run early" "exit $rc, $lines epoch lines"
fi
"$NNPREDICT" es.nnw --info >es.info
best=$(sed -n 's/^best_epoch: //p' es.info)
stopped=$(sed -n 's/^stopped_epoch: //p' es.info)
if [ -n "$best" ] && [ "$stopped" = "$lines" ] && [ "$best" -eq $((stopped - 3)) ]; then
    pass "the metadata names the best epoch ($best) and where it stopped ($stopped)"
else
    fail "the metadata names the best epoch and where it stopped" "best=$best stopped=$stopped"
fi
msg="early stopping at epoch $stopped: val_loss did not improve for 3 epochs"
check "stderr says early stopping kept the best epoch's weights" grep -q \
    "$msg; keeping the weights of epoch $best" es.err
# The restored weights are those of the best epoch: the best val_loss in the metadata is that
# epoch's line, and the lowest of all lines.
want=$(jq -r "select(.epoch == $best) | .val_loss" es.jsonl)
low=$(jq -s 'map(select(.epoch)) | min_by(.val_loss) | .epoch' es.jsonl)
if grep -q "^best_val_loss: $want\$" es.info && [ "$low" = "$best" ]; then
    pass "best_val_loss is the val_loss of epoch $best, the lowest"
else
    fail "best_val_loss is the val_loss of the best epoch" "want $want, low $low" \
        "$(grep best es.info)"
fi
expect_error "early stopping on val_loss needs validation data" 2 \
    "early_stopping: monitor val_loss needs validation data" \
    "$NNTRAIN" "$M/xor.yaml" -s early_stopping=3
check "early stopping on the training loss needs none" "$NNTRAIN" -q "$M/xor.yaml" -o x.nnw \
    -s "early_stopping={monitor: loss, patience: 2}" -e 50

# ---- threads --------------------------------------------------------------------------------
check "--help: threads default to all cores" sh -c \
    "'$NNTRAIN' --help | grep -q 'default: all cores'"
check "-j 1 is recorded" sh -c "'$NNTRAIN' -q '$M/xor.yaml' -e 2 -j 1 -o j1.nnw &&
    '$NNPREDICT' j1.nnw --info | grep -q '^threads: 1$'"
cores=$(getconf _NPROCESSORS_ONLN)
check "the default is every core ($cores)" sh -c "'$NNTRAIN' -q '$M/xor.yaml' -e 2 -o jd.nnw &&
    '$NNPREDICT' jd.nnw --info | grep -q '^threads: $cores$'"
expect_error "-j 0 is refused" 2 "--threads: expected an integer in [1, 1024], got '0'" \
    "$NNTRAIN" "$M/xor.yaml" -j 0
