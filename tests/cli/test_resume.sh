# Checkpoints and --resume: 10 epochs straight and 5 + a resume to 10 write byte-identical
# weights files; a resume that does not fit is refused; kill -9 at any moment leaves a loadable
# weights file (or none before the first checkpoint); a NaN loss leaves the last checkpoint as
# it was.
. "$(dirname "$0")/lib.sh"

M=$TOP/models

# same_bytes WHAT A B: the two files are identical.
same_bytes() {
    if cmp "$2" "$3" >/dev/null 2>&1; then pass "$1"; else fail "$1" "$(cmp "$2" "$3" 2>&1)"; fi
}

# ---- 10 straight == 5 + resume 5 ------------------------------------------------------------
# iris with adam, a step schedule, weight decay, clipping and early stopping that never fires;
# digits with nesterov and cosine with warmup (whose curve depends on epochs, so the first
# half is run with epochs 10 and stopped by its checkpoint instead); the xor seed network.
set -- --set="optimizer={type: adam, beta1: 0.85}" \
    --set="lr_schedule={type: step, step_size: 3, gamma: 0.5}" --set=weight_decay=0.001 \
    --set=clip_norm=1 --set="early_stopping={patience: 50, monitor: val_acc}"
check "iris: 10 epochs straight" "$NNTRAIN" -q "$M/iris.yaml" -j 1 "$@" -e 10 -o straight.nnw \
    --history straight.csv
check "iris: 5 epochs" "$NNTRAIN" -q "$M/iris.yaml" -j 1 "$@" -e 5 -o half.nnw --history half.csv
check "iris: resume to 10" "$NNTRAIN" "$M/iris.yaml" -j 1 "$@" -e 10 -o half.nnw \
    --resume half.nnw --history half.csv
cp "$WORK/.out" resumed.log
same_bytes "iris: 10 straight and 5 + resume 5 give the same bytes" straight.nnw half.nnw
awk_check "the resumed run prints epochs 6 to 10" resumed.log \
    'NR == 1 && $2 != "6/10" { exit 1 } END { exit !(NR == 5 && $2 == "10/10") }'
cut -d, -f1-6 straight.csv >a.csv
cut -d, -f1-6 half.csv >b.csv
same_bytes "the history after a resume holds all 10 epochs, as a straight run's" a.csv b.csv

DIG="--set=lr_schedule={type: exponential, gamma: 0.8, warmup_epochs: 2}"
check "digits: 6 epochs straight" "$NNTRAIN" -q "$M/digits.yaml" -j 1 -s optimizer=nesterov \
    -l 0.01 "$DIG" -e 6 -o d6.nnw
check "digits: 3 epochs" "$NNTRAIN" -q "$M/digits.yaml" -j 1 -s optimizer=nesterov -l 0.01 \
    "$DIG" -e 3 -o d3.nnw
check "digits: resume to 6" "$NNTRAIN" -q "$M/digits.yaml" -j 1 -s optimizer=nesterov -l 0.01 \
    "$DIG" -e 6 -o d3.nnw --resume d3.nnw
same_bytes "digits: 6 straight and 3 + resume 3 give the same bytes" d6.nnw d3.nnw
# cosine anneals over `epochs`, so raising epochs on resume stretches the rest of the curve
check "cosine: resume with more epochs" sh -c "'$NNTRAIN' -q '$M/iris.yaml' -s lr_schedule=cosine \
    -e 3 -o c.nnw && '$NNTRAIN' -q '$M/iris.yaml' -s lr_schedule=cosine -e 6 -o c.nnw \
    --resume c.nnw && '$NNPREDICT' c.nnw --info | grep -q '^epochs_done: 6$'"

check "xor: 1000 epochs straight" "$NNTRAIN" -q "$M/xor.yaml" -j 1 -o x1.nnw
check "xor: 400 epochs" "$NNTRAIN" -q "$M/xor.yaml" -j 1 -e 400 -o x2.nnw
check "xor: resume to 1000" "$NNTRAIN" -q "$M/xor.yaml" -j 1 -o x2.nnw --resume x2.nnw
same_bytes "xor: 1000 straight and 400 + resume 600 give the same bytes" x1.nnw x2.nnw

check "digits: momentum, 4 epochs straight" "$NNTRAIN" -q "$M/digits.yaml" -s optimizer=momentum \
    -l 0.01 -e 4 -o m4.nnw
check "digits: momentum, 1 epoch" "$NNTRAIN" -q "$M/digits.yaml" -s optimizer=momentum -l 0.01 \
    -e 1 -o m1.nnw
check "digits: momentum, resume to 4" "$NNTRAIN" -q "$M/digits.yaml" -s optimizer=momentum \
    -l 0.01 -e 4 -o m1.nnw --resume m1.nnw
same_bytes "digits (all threads): 4 straight and 1 + resume 3 give the same bytes" m4.nnw m1.nnw

# ---- resumes that do not fit ----------------------------------------------------------------
# (expect_error removes the .nnw files of $WORK, so the checkpoints read live in ck/)
mkdir ck
cp half.nnw ck/keep.nnw
cp half.nnw ck/orig.nnw
expect_error "resume: the checkpoint has done every epoch" 2 \
    "keep.nnw: the checkpoint has done 10 epochs and epochs is 10|-e 20" \
    "$NNTRAIN" "$M/iris.yaml" "$@" -e 10 --resume ck/keep.nnw -o out.nnw
expect_error "resume: another layer size" 2 \
    "layer 1 (dense): units is 16 in the checkpoint, 8 in the model file|may change on resume" \
    "$NNTRAIN" "$M/iris.yaml" "$@" -e 20 -s layers.0.units=8 --resume ck/keep.nnw -o out.nnw
expect_error "resume: another optimizer" 2 \
    "trained with optimizer adam, the model file says sgd" \
    "$NNTRAIN" "$M/iris.yaml" -e 20 --resume ck/keep.nnw -o out.nnw
expect_error "resume: another model" 2 \
    "keep.nnw: the checkpoint's input is 4, the model file's 64" \
    "$NNTRAIN" "$M/digits.yaml" -s optimizer=adam -e 20 --resume ck/keep.nnw -o out.nnw
expect_error "resume: a missing file" 2 "nope.nnw|No such file" \
    "$NNTRAIN" "$M/iris.yaml" --resume nope.nnw -o out.nnw
printf 'not weights' >junk.bin
expect_error "resume: not a weights file" 2 "junk.bin: byte 0: not an nntrain weights file" \
    "$NNTRAIN" "$M/iris.yaml" --resume junk.bin -o out.nnw
expect_error "--checkpoint-every 0" 2 "--checkpoint-every: expected an integer in [1," \
    "$NNTRAIN" "$M/iris.yaml" --checkpoint-every 0
expect_error "--checkpoint-every x" 2 "--checkpoint-every: expected an integer" \
    "$NNTRAIN" "$M/iris.yaml" --checkpoint-every x
check "a failed resume leaves the checkpoint as it was" cmp ck/keep.nnw ck/orig.nnw

# ---- early stopping: resume refused, state kept ---------------------------------------------
check "early stopping ends a run" "$NNTRAIN" -q "$M/iris.yaml" -s optimizer=adam -l 0.01 \
    -s "early_stopping={patience: 2, min_delta: 1}" -e 50 -o ck/es.nnw
expect_error "resume after early stopping is refused" 2 \
    "es.nnw: early stopping ended this run at epoch 3 (best epoch 1)|nothing to resume" \
    "$NNTRAIN" "$M/iris.yaml" -s optimizer=adam -e 60 --resume ck/es.nnw -o out.nnw

# ---- kill -9 during checkpointing -----------------------------------------------------------
# A checkpoint every epoch, several a second: each kill lands at another point of the write
# cycle. Whatever the moment, the file at the output path is absent (no checkpoint yet) or a
# complete weights file.
rm -f k.nnw k.nnw.tmp.*
bad=0
loaded=0
i=1
while [ $i -le 20 ]; do
    "$NNTRAIN" "$M/digits.yaml" -e 1000000 -b 64 --checkpoint-every 1 -o k.nnw -q &
    pid=$!
    sleep "$(awk -v i=$i 'BEGIN { printf "%.3f", 0.05 + (i % 7) * 0.045 + i * 0.011 }')"
    kill -9 $pid
    wait $pid 2>/dev/null
    if [ -e k.nnw ]; then
        if "$NNPREDICT" k.nnw --info >info.txt 2>&1; then
            loaded=$((loaded + 1))
        else
            bad=$((bad + 1))
            echo "    kill $i: $(head -n 1 info.txt)"
        fi
    fi
    i=$((i + 1))
done
torn=$(ls k.nnw.tmp.* 2>/dev/null | wc -l)
if [ $bad -eq 0 ] && [ $loaded -ge 5 ]; then
    pass "kill -9 x20 during checkpoints: the weights file always loads ($loaded present, \
$torn writes cut short)"
else
    fail "kill -9 x20 during checkpoints: the weights file always loads" \
        "$bad unloadable, $loaded loaded"
fi
check "the last killed run's checkpoint resumes" "$NNTRAIN" -q "$M/digits.yaml" -b 64 \
    -e "$(($(sed -n 's/^epochs_done: //p' info.txt) + 2))" -o k.nnw --resume k.nnw
rm -f k.nnw.tmp.*

# ---- a NaN loss keeps the last checkpoint ---------------------------------------------------
# The learning rate grows 100-fold every epoch: the loss becomes NaN in epoch 3, after the
# checkpoint of epoch 2.
GROW="--set=lr_schedule={type: exponential, gamma: 100}"
"$NNTRAIN" "$M/iris.yaml" -j 1 "$GROW" --checkpoint-every 1 -e 20 -o nan.nnw >nan.log 2>nan.err
rc=$?
if [ $rc -eq 1 ] && grep -q 'loss became NaN at epoch 3 batch' nan.err; then
    pass "NaN: exit 1 with the epoch and batch"
else
    fail "NaN: exit 1 with the epoch and batch" "exit $rc" "$(cat nan.err)"
fi
check "NaN: the checkpoint of epoch 2 is there" sh -c \
    "'$NNPREDICT' nan.nnw --info | grep -q '^epochs_done: 2$'"
check "NaN: a run of 2 epochs" "$NNTRAIN" -q "$M/iris.yaml" -j 1 "$GROW" -e 2 -o two.nnw
"$NNPREDICT" nan.nnw --proba "$TOP/data/iris.csv" >p1.txt
"$NNPREDICT" two.nnw --proba "$TOP/data/iris.csv" >p2.txt
[ "$(wc -l <p1.txt)" -eq 150 ] || fail "NaN: the checkpoint predicts" "$(wc -l <p1.txt) rows"
same_bytes "NaN: the checkpoint holds the weights of epoch 2, untouched" p1.txt p2.txt
cp two.nnw before.nnw
"$NNTRAIN" "$M/iris.yaml" -j 1 "$GROW" -e 20 -o two.nnw >/dev/null 2>&1
same_bytes "NaN without checkpoints: the old weights file is untouched" two.nnw before.nnw
check "NaN: no temporary file is left" sh -c "! ls ./*.tmp.* 2>/dev/null"
