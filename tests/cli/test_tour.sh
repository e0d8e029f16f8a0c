# The README's tour and the manual pages' examples, run as written: every command shown after
# a "$ " prompt runs, in order, in one directory that looks like the top of the tree, and must
# succeed; where the text shows what a command prints, the output must have that shape: the
# same lines with the same words, numbers aside (they change with the processor), "..."
# standing for any number of lines. A command whose output shows "^C" gets SIGINT after its
# first epoch line and must exit 130. The MPI commands are left to tests/mpi, and under the
# sanitizers the Fashion-MNIST ones are left out (they take minutes each there).
. "$(dirname "$0")/lib.sh"

case "$NNTRAIN" in */san/*) sanitized=1 ;; *) sanitized=0 ;; esac

# The top of the tree, with the programs under test: ./nntrain for the README, nntrain on the
# PATH for the manual pages.
mkdir tour bin
for d in models data man; do ln -s "$TOP/$d" "tour/$d"; done
ln -s "$NNTRAIN" tour/nntrain
ln -s "$NNPREDICT" tour/nnpredict
ln -s "$NNTRAIN" bin/nntrain
ln -s "$NNPREDICT" bin/nnpredict
PATH="$WORK/bin:$PATH"

# commands FILE INDENT: the examples of FILE (markdown, or a rendered manual page whose literal
# blocks are indented INDENT blanks or more) as records: "CMD<TAB>text", continuation lines
# joined (lines after a "> " prompt with the byte 036 in place of the newline), then
# "OUT<TAB>line" for each line of output it shows.
commands() {
    awk -v indent="$2" '
        function flush(   i) {
            if (cmd != "") { print "CMD\t" cmd; for (i = 1; i <= nout; i++) print "OUT\t" out[i] }
            cmd = ""; nout = 0
        }
        # a line that ends in a backslash or a pipe goes on in the next one
        function take(text) {
            if (sub(/\\$/, "", text)) cont = 1
            else cont = text ~ /\|$/
            return text
        }
        {
            lead = match($0, /[^ ]/) - 1
            if (lead < indent || $0 ~ /^ *$/) { flush(); cont = 0; next }
            line = substr($0, lead + 1)
            if (cont) cmd = cmd " " take(line)
            else if (line ~ /^\$ /) { flush(); cmd = take(substr(line, 3)) }
            else if (line ~ /^> / && cmd != "") cmd = cmd "\036" substr(line, 3)
            else if (cmd != "") out[++nout] = line
        }
        END { flush() }' "$1"
}

# shape: numbers become #, runs of blanks one space, for the comparison.
shape() {
    sed -E 's/[-+]?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?/#/g; s/[[:space:]]+/ /g; s/^ //; s/ $//' "$1"
}

# same_shape WANT GOT: every line of WANT matches the next line of GOT, "..." any lines.
same_shape() {
    shape "$1" >want.shape
    shape "$2" >got.shape
    awk 'NR == FNR { e[++ne] = $0; next } { a[++na] = $0 }
        function m(i, j,   k) {
            if (i > ne) return j > na
            if (e[i] == "...") { for (k = j; k <= na + 1; k++) if (m(i + 1, k)) return 1; return 0 }
            return j <= na && e[i] == a[j] && m(i + 1, j + 1)
        }
        END { exit !m(1, 1) }' want.shape got.shape
}

# run_examples NAME FILE INDENT: runs the examples of FILE in tour/.
run_examples() {
    name=$1
    commands "$2" "$3" >examples.txt
    n=0
    while IFS= read -r record; do
        kind=${record%%"	"*}
        text=${record#*"	"}
        if [ "$kind" = OUT ]; then
            printf '%s\n' "$text" >>want.txt
            continue
        fi
        [ $n -gt 0 ] && finish
        n=$((n + 1))
        cmd=$(printf '%s' "$text" | tr '\036' '\n')
        : >want.txt
    done <examples.txt
    [ $n -gt 0 ] && finish
}

# kill_tree SIGNAL PID: sends SIGNAL to the processes PID started, and theirs (a shell in the
# background ignores SIGINT, so it goes to the program the shell runs).
kill_tree() {
    local d child
    for d in /proc/[0-9]*; do
        [ "$(awk '$1 == "PPid:" { print $2 }' "$d/status" 2>/dev/null)" = "$2" ] || continue
        child=${d#/proc/}
        kill_tree "$1" "$child"
        kill -"$1" "$child" 2>/dev/null
    done
}

# finish: runs the command read last ($cmd) and checks it against want.txt.
finish() {
    what="$name: $(printf '%s' "$cmd" | head -n 1 | sed 's/\\.*//' | cut -c 1-70)"
    case "$cmd" in
    *mpirun* | *MPI=1* | "cat hosts") return ;;
    esac
    case "$cmd" in *fashion*)
        if [ $sanitized = 1 ]; then return; fi ;;
    esac
    interrupt=0
    if grep -qxF '^C' want.txt; then # shown among the command's output
        interrupt=1
        sed -i '/^\^C$/d' want.txt
    fi
    case "$cmd" in
    "make data") cmd="make -C '$TOP' data" ;;
    esac
    (cd tour && if [ $interrupt = 1 ]; then
        sh -c "$cmd" >../got.txt 2>&1 &
        pid=$!
        tries=0
        while ! grep -q '^epoch ' ../got.txt && [ $tries -lt 6000 ]; do
            sleep 0.05
            tries=$((tries + 1))
        done
        kill_tree INT $pid
        wait $pid
        [ $? -eq 130 ]
    else
        sh -c "$cmd" >../got.txt 2>&1
    fi)
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "$what" "exit $rc" "$(tail -n 5 got.txt)"
    elif [ -s want.txt ] && ! same_shape want.txt got.txt; then
        fail "$what" "the output differs from the one shown:" "$(diff want.shape got.shape | head -n 12)"
    else
        pass "$what"
    fi
}

run_examples README "$TOP/README.md" 4
for page in nntrain.1 nnpredict.1; do
    mandoc -Tutf8 "$TOP/man/$page" | col -bx | sed -n '/^EXAMPLES/,/^[A-Z]/p' >"$page.txt"
    run_examples "$page" "$page.txt" 8
done
