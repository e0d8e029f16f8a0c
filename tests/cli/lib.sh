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
    old_ifs=$IFS
    IFS='|'
    for w in $words; do
        case "$msg" in *"$w"*) ;; *) problems="$problems; missing '$w'" ;; esac
    done
    IFS=$old_ifs
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
