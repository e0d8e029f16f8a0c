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

# ---- --plot and --history when a signal ends the run --------------------------------------------
# A data set big enough that one epoch of batches of 1 through 512 hidden units lasts a while:
# digits.csv 30 times over.
{ head -n 1 "$TOP/data/digits.csv"
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
      tail -n +2 "$TOP/data/digits.csv"
  done; } >big.csv
sed "s|\.\./data/digits.csv|$WORK/big.csv|" "$TOP/models/digits.yaml" >big.yaml

# interrupt NAME WHEN ARGS...: trains big.yaml with ARGS (output NAME.nnw) and sends SIGINT when
# WHEN is "start" (as soon as nntrain, not the shell that starts it, catches SIGINT: its
# handler is installed just before the first batch) or "epoch" (after the first epoch line);
# leaves the exit code in $rc.
interrupt() {
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

interrupt late epoch --plot late.png --history late.csv
if [ "$rc" -eq 130 ]; then pass "--plot run stopped by SIGINT exits 130"; else fail "--plot run stopped by SIGINT exits 130" "exit $rc" "$(cat late.err)"; fi
check "SIGINT after an epoch: the plot is drawn" sh -c \
    "[ \"\$(head -c 8 late.png | od -An -tx1 | tr -d ' \n')\" = '89504e470d0a1a0a' ]"
check "SIGINT after an epoch: it says where the plot went" grep -qx "nntrain: plot written to late.png" late.err
epochs=$(sed -n 's/.*stopped by signal after \([0-9]*\) epochs*;.*/\1/p' late.err)
if [ "$epochs" = 1 ]; then want="after 1 epoch;"; else want="after $epochs epochs;"; fi
check "the stop message counts epochs in the singular or the plural ($want)" \
    grep -q "stopped by signal $want weights written to late.nnw" late.err

interrupt early start --plot early.png --history early.csv
check "SIGINT in the first epoch: 0 epochs, in the plural" \
    grep -q "stopped by signal after 0 epochs; weights written" early.err
check "SIGINT in the first epoch: no plot, and it says so" sh -c \
    "[ ! -e early.png ] && grep -qx 'nntrain: --plot early.png: no epoch finished, so nothing was drawn' early.err"
"$NNTRAIN" -q "$TOP/models/digits.yaml" -e 1 -o whole.nnw --history whole.csv
header=epoch,loss,acc,val_loss,val_acc,lr,seconds,samples_per_s
check "history header: stopped in epoch 1, stopped later and a whole run agree" sh -c \
    "[ \"\$(head -n 1 early.csv)\" = $header ] && [ \"\$(head -n 1 late.csv)\" = $header ] &&
     [ \"\$(head -n 1 whole.csv)\" = $header ] && [ \$(wc -l <early.csv) -eq 1 ]"
