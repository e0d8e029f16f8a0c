# What a training run shows and leaves besides the weights: the progress bar on a terminal
# (and nothing of it otherwise), JSON lines that jq reads, the --history CSV and the --plot
# pictures.
. "$(dirname "$0")/lib.sh"

M=$TOP/models

# ---- the progress bar -----------------------------------------------------------------------
# script(1) runs nntrain on a pseudo-terminal; its output is what the terminal received.
# Batches of 1 make an epoch of digits long enough to be drawn more than once.
if command -v script >/dev/null 2>&1; then
    script -qfec "'$NNTRAIN' '$M/digits.yaml' -e 3 -b 1 -o tty.nnw" /dev/null </dev/null \
        >tty.raw 2>&1
    tr '\r' '\n' <tty.raw >tty.txt
    check "on a terminal: a progress bar with batches, samples/s, loss and ETA" grep -Eq \
        '^.\[Kepoch 1/3 \[[#-]{20}\] [0-9]+/1438  [0-9]+ samples/s  loss=[0-9.]+  ETA [0-9:]+' \
        tty.txt
    check "on a terminal: the bar is erased before each epoch line" grep -Eq \
        "^$(printf '\033')\[Kepoch 1/3 loss=" tty.txt
    check "on a terminal: every epoch line is there" sh -c \
        "[ \$(grep -c 'epoch [123]/3 loss=' tty.txt) -eq 3 ]"
    check "on a terminal: nothing of the bar after the last epoch" sh -c \
        "tail -n 2 tty.txt | grep -q 'weights written' && ! tail -n 1 tty.txt | grep -q ETA"
    script -qfec "'$NNTRAIN' '$M/digits.yaml' -q -e 1 -b 1 -o tty.nnw" /dev/null </dev/null \
        >quiet.raw 2>&1
    check "on a terminal with -q: no bar" sh -c "! grep -q 'samples/s' quiet.raw"
else
    fail "script(1) is installed (util-linux / bsdutils)"
fi
"$NNTRAIN" "$M/digits.yaml" -e 2 -b 1 -o file.nnw >out.txt 2>err.txt
check "stderr to a file: no bar" sh -c \
    "! grep -q 'samples/s\|ETA' err.txt && ! grep -q \"\$(printf '\r')\" err.txt"
check "stderr to a file: only the weights message" sh -c \
    "[ \"\$(cat err.txt)\" = 'nntrain: weights written to file.nnw' ]"
check "stdout to a file: only epoch lines" sh -c \
    "[ \$(grep -c '^epoch [12]/2 loss=' out.txt) -eq 2 ] && [ \$(wc -l <out.txt) -eq 2 ]"

# ---- JSON lines -----------------------------------------------------------------------------
"$NNTRAIN" "$M/iris.yaml" -e 5 --log-format json -o j.nnw >all.jsonl 2>/dev/null
check "every JSON line parses with jq" sh -c "jq -e . all.jsonl >/dev/null"
grep '^{"epoch"' all.jsonl >j.jsonl # the epoch lines, without the closing summary
check "every line has epoch, loss, acc, val_loss, val_acc, lr, seconds, samples_per_s" sh -c \
    "[ \$(jq -c '[.epoch, .loss, .acc, .val_loss, .val_acc, .lr, .seconds, .samples_per_s]
      | map(type == \"number\") | all' j.jsonl | grep -c true) -eq 5 ]"
check "epochs count 1..5 and lr is the model file's" sh -c \
    "[ \"\$(jq -r '\"\\(.epoch) \\(.lr)\"' j.jsonl | tr '\n' ' ')\" = \
       '1 0.05 2 0.05 3 0.05 4 0.05 5 0.05 ' ]"
"$NNTRAIN" "$M/xor.yaml" -e 3 --log-format json -o x.nnw 2>/dev/null | grep '^{"epoch"' >x.jsonl
check "regression without validation: no acc and no val_*" sh -c \
    "jq -e 'has(\"acc\") or has(\"val_loss\") | not' x.jsonl >/dev/null &&
     [ \$(jq -c 'keys' x.jsonl | sort -u) = \
       '[\"epoch\",\"epochs\",\"loss\",\"lr\",\"samples_per_s\",\"seconds\"]' ]"

# ---- --history ------------------------------------------------------------------------------
"$NNTRAIN" "$M/iris.yaml" -e 5 --log-format json --history h.csv -o h.nnw 2>/dev/null |
    grep '^{"epoch"' >h.jsonl
check "history: the header" sh -c \
    "[ \"\$(head -n 1 h.csv)\" = 'epoch,loss,acc,val_loss,val_acc,lr,seconds,samples_per_s' ]"
jq -r '[.epoch, .loss, .acc, .val_loss, .val_acc, .lr] | map(tostring) | join(",")' h.jsonl \
    >want.csv
tail -n +2 h.csv | cut -d, -f1-6 >got.csv
check "history: one row per epoch, the same figures as the JSON lines" cmp want.csv got.csv
"$NNTRAIN" "$M/xor.yaml" -e 4 --history hx.csv -o hx.nnw >/dev/null 2>&1
check "history: regression without validation has fewer columns" sh -c \
    "[ \"\$(head -n 1 hx.csv)\" = 'epoch,loss,lr,seconds,samples_per_s' ] &&
     [ \$(wc -l <hx.csv) -eq 5 ]"
expect_error "history: a directory that does not exist, before training" 2 \
    "--history no/h.csv: cannot write there: directory no does not exist" \
    "$NNTRAIN" "$M/xor.yaml" -e 1 --history no/h.csv

# ---- --plot ---------------------------------------------------------------------------------
check "plot: a PNG" "$NNTRAIN" -q "$M/iris.yaml" -e 20 --plot curves.png -o p.nnw
cp "$WORK/.err" quiet.err
check "plot: -q says nothing of it" test ! -s quiet.err
"$NNTRAIN" "$M/iris.yaml" -e 2 --plot said.png -o p.nnw >/dev/null 2>said.err
check "plot: it says where it was written" grep -qx "nntrain: plot written to said.png" said.err
check "plot: the PNG starts with the PNG signature" sh -c \
    "[ \"\$(head -c 8 curves.png | od -An -tx1 | tr -d ' \n')\" = '89504e470d0a1a0a' ]"
check "plot: an SVG" "$NNTRAIN" -q "$M/iris.yaml" -e 20 --plot curves.svg -o p.nnw
check "plot: the SVG has an <svg> element, both panels and both curves" sh -c \
    "grep -q '<svg' curves.svg && grep -q accuracy curves.svg && grep -q validation curves.svg"
check "plot: no temporary file left" sh -c "! ls ./*.tmp.* ./*.gp.* 2>/dev/null"
expect_error "plot: another picture type" 2 \
    "--plot curves.jpg: expected a file name ending in .png or .svg" \
    "$NNTRAIN" "$M/iris.yaml" --plot curves.jpg
expect_error "plot: a directory that does not exist" 2 "--plot no/c.svg: cannot write there" \
    "$NNTRAIN" "$M/iris.yaml" --plot no/c.svg
mkdir nobin
ln -s "$(command -v awk)" nobin/awk
expect_error "plot: gnuplot missing says what to install" 2 \
    "gnuplot was not found in PATH|apt-get install gnuplot-nox" \
    env PATH="$WORK/nobin" "$NNTRAIN" "$M/iris.yaml" --plot curves.png
