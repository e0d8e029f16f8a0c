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
