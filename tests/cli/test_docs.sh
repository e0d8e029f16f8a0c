# The man pages: mandoc finds nothing to complain about, and they document every option the
# programs accept and every key, layer type and loss the model file parser knows (the lists
# are taken from the programs themselves, so a new option or key without documentation fails).
. "$(dirname "$0")/lib.sh"

for page in nntrain.1 nnpredict.1 nnmodel.5; do
    check "mandoc -Tlint $page" sh -c "mandoc -Tlint -W warning '$TOP/man/$page' >lint.txt 2>&1; test ! -s lint.txt || { cat lint.txt >&2; false; }"
done

# documented PAGE WORD...: each WORD must appear in the rendered page.
documented() {
    page=$1
    shift
    mandoc -Tutf8 "$TOP/man/$page" 2>/dev/null | col -b >page.txt
    for word in "$@"; do
        if grep -q -- "$word" page.txt; then pass "$page documents $word"; else fail "$page documents $word"; fi
    done
}

documented nntrain.1 $("$NNTRAIN" --help | grep -o -- '--[a-z-]*' | sort -u)
documented nnpredict.1 $("$NNPREDICT" --help | grep -o -- '--[a-z-]*' | sort -u)

# The parser lists what it expects in its messages: ask it.
printf 'input: 2\nlayers: [tanh]\nloss: mse\nbogus: 1\n' >keys.yaml
top_keys=$("$NNTRAIN" keys.yaml 2>&1 | sed 's/.*expected one of: \(.*\))$/\1/' | tr -d ,)
printf 'input: 2\nlayers: [bogus]\nloss: mse\n' >types.yaml
layer_types=$("$NNTRAIN" types.yaml 2>&1 | sed 's/.*expected one of: \(.*\))$/\1/' | tr -d ,)
printf 'input: 2\nlayers: [tanh]\nloss: bogus\n' >losses.yaml
losses=$("$NNTRAIN" losses.yaml 2>&1 | sed 's/.*expected one of: \(.*\))$/\1/' | tr -d ,)
printf 'input: 2\nlayers: [tanh]\nloss: mse\ndata: {bogus: 1}\n' >data.yaml
data_keys=$("$NNTRAIN" data.yaml 2>&1 | sed 's/.*expected one of: \(.*\))$/\1/' | tr -d ,)
for list in "$top_keys" "$layer_types" "$losses" "$data_keys"; do
    [ "$(echo "$list" | wc -w)" -ge 4 ] || fail "the parser lists what it expects" "$list"
done
documented nnmodel.5 $top_keys $layer_types $losses $data_keys
