# SIGINT and SIGTERM stop a real training run after the current batch: the weights are written
# atomically and load, and the exit code is 130 or 143.
. "$(dirname "$0")/lib.sh"

# stop_run SIGNAL OUT: starts a long run, waits for its first epoch line, sends SIGNAL, and
# leaves the exit code in $rc.
stop_run() {
    "$NNTRAIN" "$TOP/models/digits.yaml" -e 1000000 -o "$2" >"$2.log" 2>"$2.err" &
    pid=$!
    tries=0
    while ! grep -q '^epoch ' "$2.log" 2>/dev/null && [ $tries -lt 600 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
    kill -"$1" "$pid"
    wait "$pid"
    rc=$?
}

stop_run INT int.nnw
if [ "$rc" -eq 130 ]; then pass "SIGINT exits 130"; else fail "SIGINT exits 130" "exit $rc" "$(cat int.nnw.err)"; fi
check "SIGINT says where the weights went" grep -q "weights written to int.nnw" int.nnw.err
check "the weights written on SIGINT load" "$NNPREDICT" int.nnw --info
done_epochs=$(sed -n 's/^epochs_done: //p' "$WORK/.out")
last_line=$(grep -c '^epoch ' int.nnw.log)
if [ "$done_epochs" = "$last_line" ]; then
    pass "epochs_done matches the last epoch line"
else
    fail "epochs_done matches the last epoch line" "epochs_done=$done_epochs, lines=$last_line"
fi
check "no temporary file is left" sh -c "! ls *.tmp* 2>/dev/null"

stop_run TERM term.nnw
if [ "$rc" -eq 143 ]; then pass "SIGTERM exits 143"; else fail "SIGTERM exits 143" "exit $rc" "$(cat term.nnw.err)"; fi
check "the weights written on SIGTERM load" "$NNPREDICT" term.nnw --info

# ---- a resume after a signal continues with the very next batch ------------------------------
# gdb stops nntrain at an exact point and delivers a real SIGINT there: inside an epoch (at
# the Nth backward pass), during the validation pass, during a checkpoint's write and during
# the final write. Whatever the point, the interrupted run, resumed (twice when interrupted
# twice), ends with the bytes of the uninterrupted one: shuffling, dropout, batchnorm, adam,
# a step schedule and restore_best all continue where they were.
cat >exact.yaml <<EOF2
input: 64
layers:
  - dense: {units: 24, init: he}
  - batchnorm
  - relu
  - dropout: 0.2
  - dense: {units: 10, init: xavier}
  - softmax
loss: cross_entropy
optimizer: adam
learning_rate: 0.01
lr_schedule: {type: step, step_size: 1, gamma: 0.7}
epochs: 3
batch_size: 32
validation: 0.2
restore_best: val_acc
data: {train: $TOP/data/digits.csv, target: digit, scale: 0.0625}
EOF2
# 1437 training rows: 45 batches an epoch, the last of 29 rows; 135 backward passes in all.
"$NNTRAIN" -q exact.yaml -j 1 -o full.nnw
"$NNTRAIN" -q exact.yaml -j 1 --checkpoint-every 1 -o fullck.nnw
check "checkpoints do not change the final bytes" cmp full.nnw fullck.nnw

# interrupt FUNCTION SKIP OUT ARGS...: runs nntrain ARGS -o OUT under gdb, which sends SIGINT
# the (SKIP+1)th time FUNCTION is entered; leaves the exit code in $rc. (LeakSanitizer does not
# run under a debugger, so a sanitizer build's leak check is off for these runs.)
interrupt() {
    fn=$1 skip=$2 out=$3
    shift 3
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        gdb -q -batch -nx -ex 'set pagination off' -ex 'handle SIGINT pass nostop noprint' \
        -ex "break $fn" -ex "ignore 1 $skip" -ex run -ex delete -ex 'signal SIGINT' \
        --args "$NNTRAIN" exact.yaml -j 1 "$@" -o "$out" >"$out.log" 2>&1
    code=$(sed -n 's/.*exited with code \([0-7]*\)\].*/\1/p' "$out.log")
    if grep -q 'exited normally' "$out.log"; then
        rc=0
    elif [ -n "$code" ]; then
        rc=$(printf '%d' "0$code") # gdb gives it in octal
    else
        rc=unknown
    fi
}

# resume_same WHAT PART [ARGS...]: resumes PART to the end and compares it with full.nnw.
resume_same() {
    what=$1 part=$2
    shift 2
    if "$NNTRAIN" -q exact.yaml -j 1 "$@" --resume "$part" -o "$part" 2>"$part.err" &&
        cmp "$part" full.nnw >/dev/null 2>&1; then
        pass "$what"
    else
        fail "$what" "$(head -c 300 "$part.err")" "$(cmp "$part" full.nnw 2>&1)"
    fi
}

# rows_done PART: the rows of the epoch in progress the file says were trained ("" at the end
# of an epoch).
rows_done() {
    "$NNPREDICT" "$1" --info | sed -n 's/^epoch_rows_done: //p'
}

for at in 10 50 88; do
    interrupt nn_model_backward $at b$at.nnw
    epoch=$((at / 45 + 1)) batch=$((at % 45 + 1))
    if [ "$rc" = 130 ] && [ "$(rows_done b$at.nnw)" = $((batch * 32)) ]; then
        pass "SIGINT at batch $batch of epoch $epoch: exit 130, $((batch * 32)) rows done"
    else
        fail "SIGINT at batch $batch of epoch $epoch" \
            "exit $rc, rows done '$(rows_done b$at.nnw)'" \
            "$(tail -n 3 b$at.nnw.log)"
    fi
    resume_same "resumed from batch $batch of epoch $epoch: the bytes of the uninterrupted run" \
        b$at.nnw
done

interrupt nn_model_backward 134 last.nnw
if [ "$rc" = 130 ] && cmp last.nnw full.nnw >/dev/null 2>&1; then
    pass "SIGINT in the very last batch: exit 130 and the bytes of the uninterrupted run"
else
    fail "SIGINT in the very last batch" "exit $rc" "$(cmp last.nnw full.nnw 2>&1)"
fi

# the 2nd evaluation is the validation pass of epoch 2: that epoch completes and is saved
interrupt nn_trainer_evaluate 1 val.nnw
if [ "$rc" = 130 ] && [ -z "$(rows_done val.nnw)" ] &&
    "$NNPREDICT" val.nnw --info | grep -qx 'epochs_done: 2'; then
    pass "SIGINT during the validation pass of epoch 2: the epoch completes and is saved"
else
    fail "SIGINT during the validation pass" "exit $rc" "$(tail -n 3 val.nnw.log)"
fi
resume_same "resumed after a signal during validation: the bytes of the uninterrupted run" \
    val.nnw

interrupt nn_atomic_write 0 ck.nnw --checkpoint-every 1
if [ "$rc" = 130 ] && "$NNPREDICT" ck.nnw --info | grep -qx 'epochs_done: 1' &&
    ! ls ck.nnw.tmp.* >/dev/null 2>&1; then
    pass "SIGINT during a checkpoint's write: the write completes, exit 130, no leftovers"
else
    fail "SIGINT during a checkpoint's write" "exit $rc" "$(tail -n 3 ck.nnw.log)"
fi
resume_same "resumed after a signal during a write: the bytes of the uninterrupted run" ck.nnw \
    --checkpoint-every 1

interrupt nn_atomic_write 0 end.nnw
if [ "$rc" = 0 ] && cmp end.nnw full.nnw >/dev/null 2>&1; then
    pass "SIGINT during the final write: the run completes, exit 0, the same bytes"
else
    fail "SIGINT during the final write" "exit $rc" "$(cmp end.nnw full.nnw 2>&1)"
fi

# twice: inside epoch 1, then, once resumed, inside epoch 2
interrupt nn_model_backward 20 twice.nnw
first=$(rows_done twice.nnw)
interrupt nn_model_backward 30 twice.nnw --resume twice.nnw
second=$(rows_done twice.nnw)
if [ "$first" = 672 ] && [ "$second" = 224 ]; then
    pass "interrupted twice: at row 672 of epoch 1, then at row 224 of epoch 2"
else
    fail "interrupted twice" "rows done '$first', then '$second'"
fi
resume_same "interrupted twice and resumed: the bytes of the uninterrupted run" twice.nnw

# And with a real signal at whatever moment it lands: batches of one row make an epoch last
# long enough for SIGINT, sent once the first epoch line is out, to land inside an epoch.
"$NNTRAIN" -q exact.yaml -j 1 -b 1 -e 4 -o slow.nnw
"$NNTRAIN" exact.yaml -j 1 -b 1 -e 4 -o cut.nnw >cut.log 2>cut.err &
pid=$!
tries=0
while ! grep -q '^epoch ' cut.log 2>/dev/null && [ $tries -lt 600 ]; do
    sleep 0.05
    tries=$((tries + 1))
done
kill -INT "$pid"
wait "$pid"
rc=$?
where=$(rows_done cut.nnw)
"$NNTRAIN" -q exact.yaml -j 1 -b 1 -e 4 --resume cut.nnw -o cut.nnw 2>cut2.err
if [ $rc -eq 130 ] && cmp cut.nnw slow.nnw >/dev/null 2>&1; then
    pass "SIGINT at a moment of its own (row ${where:-at an epoch's end}), resumed: the same bytes"
else
    fail "SIGINT at a moment of its own, resumed: the same bytes" "exit $rc, rows '$where'" \
        "$(cmp cut.nnw slow.nnw 2>&1)" "$(head -c 300 cut2.err)"
fi

# ---- --plot and --history when a signal ends the run --------------------------------------------
# A data set big enough that one epoch of batches of 1 through 512 hidden units lasts a while:
# digits.csv 30 times over.
{ head -n 1 "$TOP/data/digits.csv"
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
      tail -n +2 "$TOP/data/digits.csv"
  done; } >big.csv
sed "s|\.\./data/digits.csv|$WORK/big.csv|" "$TOP/models/digits.yaml" >big.yaml

# stop_big NAME WHEN ARGS...: trains big.yaml with ARGS (output NAME.nnw) and sends SIGINT when
# WHEN is "start" (as soon as nntrain, not the shell that starts it, catches SIGINT: its
# handler is installed just before the first batch) or "epoch" (after the first epoch line);
# leaves the exit code in $rc.
stop_big() {
    name=$1 when=$2
    shift 2
    "$NNTRAIN" big.yaml -e 1000 -b 1 -s layers.0.units=512 -o "$name.nnw" "$@" \
        >"$name.log" 2>"$name.err" &
    pid=$!
    tries=0
    while [ $tries -lt 1200 ]; do
        if [ "$when" = start ]; then
            mask=$(awk '/^SigCgt/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
            [ "/proc/$pid/exe" -ef "$NNTRAIN" ] && [ -n "$mask" ] &&
                [ $((0x$mask & 2)) -ne 0 ] && break
        elif grep -q '^epoch ' "$name.log" 2>/dev/null; then
            break
        fi
        sleep 0.02
        tries=$((tries + 1))
    done
    kill -INT "$pid"
    wait "$pid"
    rc=$?
}

stop_big late epoch --plot late.png --history late.csv
if [ "$rc" -eq 130 ]; then pass "--plot run stopped by SIGINT exits 130"; else fail "--plot run stopped by SIGINT exits 130" "exit $rc" "$(cat late.err)"; fi
check "SIGINT after an epoch: the plot is drawn" sh -c \
    "[ \"\$(head -c 8 late.png | od -An -tx1 | tr -d ' \n')\" = '89504e470d0a1a0a' ]"
check "SIGINT after an epoch: it says where the plot went" grep -qx "nntrain: plot written to late.png" late.err
epochs=$(sed -n 's/.*stopped by signal after \([0-9]*\) epochs*;.*/\1/p' late.err)
if [ "$epochs" = 1 ]; then want="after 1 epoch;"; else want="after $epochs epochs;"; fi
check "the stop message counts epochs in the singular or the plural ($want)" \
    grep -q "stopped by signal $want weights written to late.nnw" late.err

stop_big early start --plot early.png --history early.csv
check "SIGINT in the first epoch: 0 epochs, in the plural" \
    grep -q "stopped by signal after 0 epochs; weights written" early.err
check "SIGINT in the first epoch: no plot, and it says so" sh -c \
    "[ ! -e early.png ] && grep -qx 'nntrain: --plot early.png: no epoch finished, so nothing was drawn' early.err"
"$NNTRAIN" -q "$TOP/models/digits.yaml" -e 1 -o whole.nnw --history whole.csv
header=epoch,loss,acc,val_loss,val_acc,lr,seconds,samples_per_s
check "history header: stopped in epoch 1, stopped later and a whole run agree" sh -c \
    "[ \"\$(head -n 1 early.csv)\" = $header ] && [ \"\$(head -n 1 late.csv)\" = $header ] &&
     [ \"\$(head -n 1 whole.csv)\" = $header ] && [ \$(wc -l <early.csv) -eq 1 ]"
