# Data-parallel training over MPI (nntrain-mpi, built by make MPI=1; tests/run runs this file
# when nntrain-mpi and mpirun are there). Two and three ranks reach the weights of one process to
# float tolerance, including short final batches and a rank with no rows; -np 1 gives the plain
# build's bytes; only rank 0 prints and writes; a checkpointed and resumed job gives the bytes of
# an uninterrupted one; and a job whose rank fails (bad data on one machine, a NaN, a signal, a
# killed process) ends within a bounded time with a message naming the rank and the last weights
# file intact. Every mpirun runs under `timeout`, so a hang fails the test instead of the suite.
. "$(dirname "$0")/../cli/lib.sh"

NNTRAIN_MPI=${NNTRAIN_MPI:-$TOP/nntrain-mpi}
M=$TOP/models
D=$TOP/data
# CI runs as root on 2 cores; the shared-memory transport's single-copy mode (process_vm_readv)
# is often not allowed in containers, so it is left off.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
# mpirun refuses to start without an ssh (or rsh) client, even on one machine.
command -v ssh >/dev/null 2>&1 || export OMPI_MCA_plm_rsh_agent=false
MPIRUN="mpirun --allow-run-as-root --oversubscribe"

# mpi NP ARGS...: nntrain-mpi on NP ranks, given at most 60 seconds.
mpi() {
    np=$1
    shift
    timeout -k 5 60 $MPIRUN -np "$np" "$NNTRAIN_MPI" "$@"
}

# close WHAT A B: two CSV files of numbers (nnpredict --proba) agree to the tolerance the
# README states: |a - b| <= 1e-4 * max(|a|, |b|, 1e-3) for every value.
close() {
    worst=$(awk -F, 'NR == FNR { for (i = 1; i <= NF; i++) a[FNR, i] = $i; n = FNR; next }
        { m++; for (i = 1; i <= NF; i++) { x = a[FNR, i]; y = $i; d = x > y ? x - y : y - x
          s = x < 0 ? -x : x; t = y < 0 ? -y : y; if (t > s) s = t; if (s < 1e-3) s = 1e-3
          if (d / s > w) w = d / s } }
        END { if (m != n || n == 0) print "rows differ"; else printf "%.2g\n", w }' "$2" "$3")
    if awk -v w="$worst" 'BEGIN { exit !(w + 0 <= 1e-4 && w != "rows differ") }'; then
        pass "$1 (largest relative difference $worst)"
    else
        fail "$1" "largest relative difference $worst, expected <= 1e-4"
    fi
}

# same_as_one WHAT DATA NP ARGS...: one process and NP ranks train the same model file; their
# predictions on DATA agree to the tolerance.
same_as_one() {
    what=$1 data=$2 np=$3
    shift 3
    "$NNTRAIN" -q -j 1 "$@" -o one.nnw &&
        mpi "$np" -j 1 "$@" -o many.nnw >many.log 2>many.err &&
        "$NNPREDICT" one.nnw --proba "$data" >one.txt &&
        "$NNPREDICT" many.nnw --proba "$data" >many.txt
    if [ $? -ne 0 ]; then
        fail "$what" "$(head -c 600 many.err)"
        return
    fi
    close "$what" one.txt many.txt
}

# ---- the same weights as one process ---------------------------------------------------------
# digits: 1437 training rows in batches of 16, so each epoch ends with a batch of 13 (7 + 6).
same_as_one "digits, 2 ranks, 8 epochs: the weights of one process" "$D/digits.csv" 2 \
    "$M/digits.yaml" -e 8
awk_check "2 ranks: rank 0 alone prints the 8 epoch lines" many.log \
    '/^epoch / { n++ } END { exit n != 8 }'
# iris with adam, clipping and weight decay; batches of 7 split 4 + 3.
same_as_one "iris, adam, clip_norm, weight_decay, 2 ranks: the weights of one process" \
    "$D/iris.csv" 2 "$M/iris.yaml" -b 7 -e 20 -s optimizer=adam -s clip_norm=0.5 \
    -s weight_decay=0.001
# 3 ranks and batches of 2: the third rank has no rows in any batch, yet takes part.
same_as_one "iris, 3 ranks, batches of 2 (a rank without rows): the weights of one process" \
    "$D/iris.csv" 3 "$M/iris.yaml" -b 2 -e 3
"$NNTRAIN" -j 1 "$M/iris.yaml" -e 3 -o one.nnw >one.log 2>/dev/null
mpi 3 -j 1 "$M/iris.yaml" -e 3 -o many.nnw >many.log 2>/dev/null
paste -d ' ' one.log many.log >both.log
# each line: one process's epoch line, then the job's; every KEY=VALUE but time= must agree
awk_check "3 ranks: the summed loss and accuracy, training and validation, are one process's" \
    both.log '{ h = NF / 2; for (i = 1; i <= h; i++) { split($i, a, "="); split($(i + h), b, "=")
        if (a[1] != b[1]) bad++
        else if (a[1] != "time" && a[2] != b[2]) { d = a[2] - b[2]; if (d < 0) d = -d
            if (d > 2e-6 + 1e-5 * (a[2] < 0 ? -a[2] : a[2])) bad++ } } }
        END { exit bad || NR != 3 }'

mpi 1 -q -j 1 "$M/iris.yaml" -e 5 -o np1.nnw
"$NNTRAIN" -q -j 1 "$M/iris.yaml" -e 5 -o plain.nnw
if cmp np1.nnw plain.nnw >/dev/null 2>&1; then
    pass "-np 1 writes the plain build's bytes"
else
    fail "-np 1 writes the plain build's bytes" "$(cmp np1.nnw plain.nnw 2>&1)"
fi

# ---- only rank 0 writes; checkpoints and --resume ----------------------------------------------
# The convolutional network of test_cnn.sh: batchnorm (whose running statistics the ranks
# average after each epoch) and dropout (one stream per rank and step).
sed -n '/^bars() {/,/^}/p' "$TOP/tests/cli/test_cnn.sh" >bars.sh
. ./bars.sh
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
epochs: 10
learning_rate: 0.1
batch_size: 16
validation: val.csv
data:
  train: train.csv
EOF
check "cnn, 2 ranks: 10 epochs straight" mpi 2 -q -j 1 cnn.yaml -o straight.nnw \
    --history straight.csv
check "cnn, 2 ranks: a checkpoint every 2 epochs, ending at 4" mpi 2 -q -j 1 cnn.yaml -e 4 \
    --checkpoint-every 2 -o ck.nnw --history ck.csv
check "cnn, 2 ranks: resume from it to 10" mpi 2 -q -j 1 cnn.yaml --resume ck.nnw -o ck.nnw \
    --history ck.csv
if cmp straight.nnw ck.nnw >/dev/null 2>&1; then
    pass "cnn, 2 ranks: 4 + resume 6 give the bytes of 10 straight"
else
    fail "cnn, 2 ranks: 4 + resume 6 give the bytes of 10 straight" \
        "$(cmp straight.nnw ck.nnw 2>&1)"
fi
cut -d, -f1-6 straight.csv >a.csv # without the timings
cut -d, -f1-6 ck.csv >b.csv
check "the history after the resume is the straight run's" cmp a.csv b.csv
awk_check "rank 0 alone wrote the history: 10 epochs" straight.csv 'END { exit NR != 11 }'
check "the cnn trained on 2 ranks predicts" sh -c \
    "'$NNPREDICT' straight.nnw --eval val.csv | grep -Eq '^rows=100 .* acc=(0\\.9|1\\.0)'"
check "no temporary file is left" sh -c "! ls ./*.tmp* 2>/dev/null"

# ---- a signal inside an epoch: the resumed job continues with the next batch ------------------
# Rank 1 runs under gdb, which sends it a real SIGINT when it enters its 24th backward pass
# (epoch 2, batch 4 of 20); the ranks stop together one batch later, after 80 rows of the
# epoch, and rank 0 saves where the epoch stands and what each rank summed of it. Resumed on 2
# ranks, the job ends with the bytes of the uninterrupted one.
cat >rank1.sh <<'EOF2'
#!/bin/sh
# Runs its arguments; rank 1 under gdb, which sends SIGINT at backward pass $SKIP + 1.
if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then
    exec gdb -q -batch -nx -ex 'set pagination off' -ex 'handle SIGINT pass nostop noprint' \
        -ex 'break nn_model_backward' -ex "ignore 1 $SKIP" -ex run -ex delete \
        -ex 'signal SIGINT' --args "$@" >gdb.log 2>&1
fi
exec "$@"
EOF2
check "cnn, 2 ranks: stopped by SIGINT to rank 1 inside epoch 2" sh -c \
    "SKIP=23 timeout -k 5 120 $MPIRUN -np 2 -x SKIP sh rank1.sh '$NNTRAIN_MPI' -q -j 1 cnn.yaml \
     -o cut.nnw >cut.log 2>&1; [ \$? -ne 0 ] &&
     '$NNPREDICT' cut.nnw --info | grep -qx 'epoch_rows_done: 80'"
check "cnn, 2 ranks: resumed from inside the epoch" mpi 2 -q -j 1 cnn.yaml --resume cut.nnw \
    -o cut.nnw
if cmp straight.nnw cut.nnw >/dev/null 2>&1; then
    pass "cnn, 2 ranks: stopped inside an epoch and resumed: the bytes of the straight run"
else
    fail "cnn, 2 ranks: stopped inside an epoch and resumed: the bytes of the straight run" \
        "$(cmp straight.nnw cut.nnw 2>&1)" "$(tail -n 5 cut.log)"
fi

# ---- failures end the job, naming the rank ---------------------------------------------------
rm -f ./*.nnw
mpi 2 "$M/iris.yaml" -s layers.0.units=0 -o bad.nnw >bad.log 2>bad.err
rc=$?
n=$(grep -c '^nntrain:' bad.err)
if [ $rc -eq 2 ] && [ "$n" -eq 1 ] && grep -q 'units: expected an integer' bad.err &&
    [ ! -e bad.nnw ]; then
    pass "a model file error on every rank: exit 2, reported once"
else
    fail "a model file error on every rank: exit 2, reported once" "exit $rc, $n messages" \
        "$(cat bad.err)"
fi

# Bad data on one machine: each rank runs in a directory of its own (mpirun's MPMD form), and
# rank 1's copy of the data has a broken row.
mkdir -p node0 node1
sed 's|\.\./data/iris\.csv|iris.csv|' "$M/iris.yaml" >node0/m.yaml
cp node0/m.yaml node1/m.yaml
cp "$D/iris.csv" node0/iris.csv
sed '20s/^\([^,]*\),[^,]*,/\1,oops,/' "$D/iris.csv" >node1/iris.csv
run_nodes() { # OUT: both ranks on node0/ and node1/, output $WORK/OUT
    timeout -k 5 60 $MPIRUN -np 1 --wdir node0 "$NNTRAIN_MPI" m.yaml -o "$WORK/$1" : \
        -np 1 --wdir node1 "$NNTRAIN_MPI" m.yaml -o "$WORK/$1" >nodes.log 2>nodes.err
}
run_nodes bad.nnw
rc=$?
if [ $rc -eq 2 ] && grep -q '^nntrain: rank 1: iris.csv:20:[0-9]*: expected a number' nodes.err &&
    [ ! -e bad.nnw ]; then
    pass "bad data on rank 1 only: exit 2, the message names rank 1 and the row"
else
    fail "bad data on rank 1 only: exit 2, the message names rank 1 and the row" "exit $rc" \
        "$(head -n 3 nodes.err)"
fi
sed '20s/,0$/,1/' "$D/iris.csv" >node1/iris.csv # parses, but is not rank 0's data
run_nodes bad.nnw
rc=$?
if [ $rc -eq 2 ] && grep -q '^nntrain: the ranks read different model files, data' nodes.err &&
    [ ! -e bad.nnw ]; then
    pass "different data on rank 1: refused before training (exit 2)"
else
    fail "different data on rank 1: refused before training (exit 2)" "exit $rc" \
        "$(head -n 3 nodes.err)"
fi

# A NaN: the learning rate grows 100-fold every epoch; every rank stops at the same batch.
GROW="--set=lr_schedule={type: exponential, gamma: 100}"
mpi 2 -j 1 "$M/iris.yaml" "$GROW" --checkpoint-every 1 -e 20 -o nan.nnw >nan.log 2>nan.err
rc=$?
n=$(grep -c 'loss became NaN at epoch 3 batch' nan.err)
if [ $rc -eq 1 ] && [ "$n" -eq 1 ]; then
    pass "NaN on 2 ranks: exit 1, reported once with the epoch and batch"
else
    fail "NaN on 2 ranks: exit 1, reported once with the epoch and batch" "exit $rc" \
        "$(cat nan.err)"
fi
check "NaN on 2 ranks: the checkpoint of epoch 2 is there" sh -c \
    "'$NNPREDICT' nan.nnw --info | grep -q '^epochs_done: 2$'"

# rank_pid MPIRUN_PID RANK: the pid of that rank: a child of mpirun (read from /proc, as procps
# may be missing) with OMPI_COMM_WORLD_RANK=RANK in its environment.
rank_pid() {
    for d in /proc/[0-9]*; do
        [ "$(awk '$1 == "PPid:" { print $2 }' "$d/status" 2>/dev/null)" = "$1" ] || continue
        if tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then
            echo "${d#/proc/}"
        fi
    done
}

# long_job OUT SIGNAL: starts a long job with a checkpoint every epoch, waits for epoch 3 and
# for the checkpoint, sends SIGNAL to rank 1 only, and leaves the exit code in $rc, the seconds
# from the signal to the end in $secs.
long_job() {
    rm -f "$1" long.log
    $MPIRUN -np 2 "$NNTRAIN_MPI" "$M/digits.yaml" -j 1 -e 1000000 --checkpoint-every 1 \
        -o "$1" >long.log 2>long.err &
    mp=$!
    tries=0
    while { ! grep -q '^epoch 3/' long.log 2>/dev/null || [ ! -e "$1" ]; } && [ $tries -lt 300 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
    pid=$(rank_pid $mp 1)
    t0=$(date +%s)
    if [ -n "$pid" ]; then
        kill -"$2" "$pid"
    else
        echo "    (rank 1 not found)"
    fi
    # mpirun must end by itself; kill it after 60 seconds, as a hang.
    ( sleep 60 && kill -9 $mp 2>/dev/null ) &
    watchdog=$!
    wait $mp
    rc=$?
    kill $watchdog 2>/dev/null
    secs=$(($(date +%s) - t0))
}

long_job killed.nnw 9
if [ $rc -ne 0 ] && [ $secs -lt 30 ] && grep -q 'rank 1 .*signal 9' long.err; then
    pass "kill -9 of rank 1 mid-epoch: the job ends in ${secs}s, exit $rc, mpirun names the rank"
else
    fail "kill -9 of rank 1 mid-epoch: the job ends in a bounded time" "exit $rc after ${secs}s" \
        "$(head -n 8 long.err)"
fi
check "the last checkpoint before the kill loads" "$NNPREDICT" killed.nnw --info
epochs=$(sed -n 's/^epochs_done: //p' "$WORK/.out")
check "and resumes on 2 ranks" mpi 2 -q -j 1 "$M/digits.yaml" -e $((epochs + 2)) -o killed.nnw \
    --resume killed.nnw

long_job termed.nnw TERM
last=$(grep -c '^epoch ' long.log)
if [ $rc -eq 143 ] && [ $secs -lt 30 ] &&
    grep -q "stopped by signal after $last epochs" long.err; then
    pass "SIGTERM to rank 1 only: every rank stops, exit 143, rank 0 writes the weights"
else
    fail "SIGTERM to rank 1 only: every rank stops, exit 143" "exit $rc after ${secs}s" \
        "$(head -n 4 long.err)"
fi
check "the weights written on SIGTERM load, with the epochs of the last epoch line" sh -c \
    "'$NNPREDICT' termed.nnw --info | grep -q '^epochs_done: $last\$'"
