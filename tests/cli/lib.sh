# lib.sh -- helpers for the CLI tests: sourced by tests/cli/test_*.sh.
# Each check prints "ok - WHAT" or "not ok - WHAT" (counted by tests/run). The programs under
# test are $NNTRAIN and $NNPREDICT (default: the ones at the top of the tree).
TOP=$(cd "$(dirname "$0")/../.." && pwd)
NNTRAIN=${NNTRAIN:-$TOP/nntrain}
NNPREDICT=${NNPREDICT:-$TOP/nnpredict}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

pass() { echo "ok - $1"; }
fail() { echo "not ok - $1"; shift; for line in "$@"; do echo "    $line"; done; }

# check WHAT COMMAND...: passes when the command succeeds.
check() {
    what=$1
    shift
    if "$@" >"$WORK/.out" 2>"$WORK/.err"; then
        pass "$what"
    else
        fail "$what" "command failed: $*" "$(head -c 600 "$WORK/.err")"
    fi
}

# missing_words MESSAGE 'WORDS|MORE WORDS': prints "; missing 'W'" for each '|'-separated part
# of WORDS that MESSAGE does not contain.
missing_words() {
    old_ifs=$IFS
    IFS='|'
    for w in $2; do
        case "$1" in *"$w"*) ;; *) printf "; missing '%s'" "$w" ;; esac
    done
    IFS=$old_ifs
}

# expect_error WHAT CODE 'WORDS|MORE WORDS' COMMAND...: the command must exit with CODE, print
# exactly one line on stderr that starts with the program's name and contains every
# '|'-separated part of WORDS, and leave no .nnw file (nor a temporary one) in $WORK.
expect_error() {
    what=$1 code=$2 words=$3
    shift 3
    rm -f "$WORK"/*.nnw "$WORK"/*.nnw.tmp*
    "$@" >"$WORK/.out" 2>"$WORK/.err"
    rc=$?
    msg=$(cat "$WORK/.err")
    problems=""
    [ "$rc" -eq "$code" ] || problems="exit code $rc, expected $code"
    [ "$(wc -l <"$WORK/.err")" -eq 1 ] || problems="$problems; stderr is not one line"
    case "$msg" in nntrain:*|nnpredict:*) ;; *) problems="$problems; no program prefix" ;; esac
    problems="$problems$(missing_words "$msg" "$words")"
    if ls "$WORK"/*.nnw "$WORK"/*.nnw.tmp* >/dev/null 2>&1; then
        problems="$problems; a weights file was written"
    fi
    [ -n "$SHOW_ERRORS" ] && echo "    $msg"
    if [ -z "$problems" ]; then
        pass "$what"
    else
        fail "$what" "$problems" "stderr: $msg"
    fi
}

# awk_check WHAT FILE AWK-PROGRAM: passes when the awk program exits 0 on FILE.
awk_check() {
    if awk "$3" "$2"; then pass "$1"; else fail "$1" "$(tail -n 3 "$2")"; fi
}

# regression_figures PRED TARGETS: "MAE RMSE R2" of the CSV predictions in PRED against the CSV
# targets in TARGETS (same rows, same columns), over every value, with R² the mean over the
# columns of 1 - SS_res/SS_tot (a constant column: 1 if predicted exactly, else 0), as
# scikit-learn's r2_score computes it; worked out apart from nnpredict, for its --eval tests.
regression_figures() {
    paste -d, "$1" "$2" | awk -F, '
        { k = NF / 2; n++
          for (j = 1; j <= k; j++) {
              d = $j - $(j + k); a += d < 0 ? -d : d; s += d * d; res[j] += d * d
              y[n, j] = $(j + k); sum[j] += $(j + k)
          } }
        END { for (j = 1; j <= k; j++) {
                  m = sum[j] / n; tot = 0
                  for (i = 1; i <= n; i++) tot += (y[i, j] - m) ^ 2
                  r2 += tot > 0 ? 1 - res[j] / tot : res[j] == 0 ? 1 : 0
              }
              printf "%.6f %.6f %.6f\n", a / (n * k), sqrt(s / (n * k)), r2 / k }'
}

# same_figures WHAT EVAL_LINE "MAE RMSE R2": passes when the mae=, rmse= and r2= of an --eval
# line are within 1e-4 of the figures given (predictions are printed to 6 digits).
same_figures() {
    if echo "$2 $3" | awk '{ for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) got[kv[1]] = kv[2]
                            n = split("mae rmse r2", key, " ")
                            for (i = 1; i <= n; i++) { d = got[key[i]] - $(NF - n + i)
                                if (!(key[i] in got) || d > 1e-4 || d < -1e-4) exit 1 } }'; then
        pass "$1"
    else
        fail "$1" "--eval: $2" "expected mae rmse r2: $3"
    fi
}
