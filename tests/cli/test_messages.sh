# Messages that teach: each row runs the real program on a mistake new users make and checks
# the exit code and the words of its one-line advice (expect_error in lib.sh), and that no
# weights file was written.
. "$(dirname "$0")/lib.sh"

D=$TOP/data
M=$TOP/models
xor_head() { printf 'input: 2\nloss: mse\ndata:\n  train: %s/xor.csv\nlayers:\n' "$D"; }

# ---- indentation and tabs in the model file ---------------------------------------------------
{ xor_head; printf '  - dense:\n    units: 3\n  - tanh\n'; } >under.yaml
expect_error "a setting at the column of its layer type: indent it" 2 \
    "under.yaml:7:5:|'units' is at the column of 'dense'|indent it under dense, to column 7" \
    "$NNTRAIN" under.yaml
{ xor_head; printf '  - dense:\n  units: 3\n'; } >underdash.yaml
expect_error "a setting under the '-': indent it, or start an item" 2 \
    "underdash.yaml:7:3:|bad indentation|lines up with the '-' of the list at line 6|indent it to column 7" \
    "$NNTRAIN" underdash.yaml
{ xor_head; printf '  - dense: 3\n - tanh\n'; } >between.yaml
expect_error "a line between two columns names the columns in use" 2 \
    "between.yaml:7:2:|bad indentation|'- tanh' starts at column 2|columns 1, 3 and 5" \
    "$NNTRAIN" between.yaml
{ xor_head; printf '  - dense: 3\n\t- tanh\n'; } >tab.yaml
expect_error "a tab in the indentation" 2 \
    "tab.yaml:7:1:|tabs are not allowed for indentation in YAML, use spaces" "$NNTRAIN" tab.yaml
printf 'input: 2\nlayers: [tanh]\nloss: mse\ntrain: %s/xor.csv\n' "$D" >toptrain.yaml
expect_error "train: at the top level belongs under data:" 2 \
    "toptrain.yaml:4:1:|'train' belongs under data:|not at the top level" "$NNTRAIN" toptrain.yaml
expect_error "-s train=... says -s data.train=..." 2 \
    "-s train=x.csv|belongs under data:|-s data.train=VALUE" "$NNTRAIN" "$M/xor.yaml" -s train=x.csv

# ---- an image input written channels last ---------------------------------------------------
printf 'input: [8, 8, 1]\nlayers:\n  - conv2d: {filters: 2, kernel: 3}\n  - flatten\n  - dense: 2\nloss: cross_entropy\n' >chlast.yaml
expect_error "a conv layer on [8, 8, 1] hints that the shape is channels first" 2 \
    "chlast.yaml:3:5:|kernel 3 is larger than input 8x1|input [8, 8, 1] is channels, height, width|[1, 8, 8]" \
    "$NNTRAIN" chlast.yaml --summary

# ---- the command line -----------------------------------------------------------------------
expect_error "--lr suggests --learning-rate" 2 \
    "nntrain: unknown option --lr (did you mean --learning-rate? see nntrain --help)" \
    "$NNTRAIN" "$M/xor.yaml" --lr 0.1
expect_error "--batch_size suggests --batch-size" 2 \
    "unknown option --batch_size (did you mean --batch-size?" "$NNTRAIN" "$M/xor.yaml" --batch_size=4
expect_error "--epoch-count suggests nothing it is not near" 2 \
    "nntrain: unknown option --epoch-count (see nntrain --help)" \
    "$NNTRAIN" "$M/xor.yaml" --epoch-count 3
expect_error "an ambiguous prefix lists the options it starts" 2 \
    "ambiguous option --s (did you mean --seed, --set or --summary?" "$NNTRAIN" "$M/xor.yaml" --s 1
expect_error "a value for an option that takes none" 2 \
    "option --summary takes no value" "$NNTRAIN" "$M/xor.yaml" --summary=yes
expect_error "an unknown short option inside a bundle names itself" 2 \
    "nntrain: unknown option -x (see nntrain --help)" "$NNTRAIN" "$M/xor.yaml" -qx
expect_error "nnpredict --probability suggests --proba" 2 \
    "nnpredict: unknown option --probability (did you mean --proba?" \
    "$NNPREDICT" x.nnw --probability

# ---- nnpredict given the model file ---------------------------------------------------------
cp "$M/xor.yaml" model.nnw.keep
expect_error "nnpredict on a model file says what to run instead" 2 \
    "nnpredict: $M/xor.yaml: this is a model file (YAML)|takes the weights file nntrain writes|run 'nntrain $M/xor.yaml', then 'nnpredict xor.nnw'" \
    "$NNPREDICT" "$M/xor.yaml"
expect_error "a model file is told by its content, not its name" 2 \
    "model.nnw.keep: this is a model file" "$NNPREDICT" model.nnw.keep in.csv
printf 'just: a map\n' >other.yaml
expect_error "other YAML is still not a weights file" 2 \
    "other.yaml: byte 0: not an nntrain weights file" "$NNPREDICT" other.yaml

# ---- warnings: training goes on --------------------------------------------------------------
# expect_warning WHAT 'WORDS|MORE' COMMAND...: the command must succeed and write its weights
# file, and stderr must hold a line starting "nntrain: warning: " with every '|'-separated part.
expect_warning() {
    what=$1 words=$2
    shift 2
    rm -f warned.nnw
    "$@" -o warned.nnw >"$WORK/.out" 2>"$WORK/.err"
    rc=$?
    problems=""
    [ "$rc" -eq 0 ] || problems="exit code $rc, expected 0"
    [ -s warned.nnw ] || problems="$problems; no weights file"
    line=$(grep '^nntrain: warning: ' "$WORK/.err")
    [ "$(printf '%s\n' "$line" | grep -c .)" -eq 1 ] || problems="$problems; not one warning line"
    problems="$problems$(missing_words "$line" "$words")"
    if [ -z "$problems" ]; then pass "$what"; else fail "$what" "$problems" "$(cat "$WORK/.err")"; fi
}

sed -e 's/units: 3, init: xavier/units: 10, init: xavier/' -e "s|\.\./data|$D|" \
    "$M/iris.yaml" >iris10.yaml
expect_warning "more outputs than classes: a warning naming the data file" \
    "$D/iris.csv: the labels hold 3 classes (0 to 2), but the network has 10 outputs|units: 3" \
    "$NNTRAIN" iris10.yaml -e 2
cp "$WORK/.out" warned.log
check "the warned run trained every epoch" sh -c "[ \$(grep -c '^epoch [12]/2 ' warned.log) -eq 2 ]"
sed -e 's/- softmax/- sigmoid/' -e "s|\.\./data|$D|" "$M/iris.yaml" >irissig.yaml
expect_warning "sigmoid before cross_entropy: a warning at the layer's line" \
    "irissig.yaml:8:5: sigmoid before cross_entropy|expects logits or softmax" \
    "$NNTRAIN" irissig.yaml -e 2
check "the weights of a warned run predict" "$NNPREDICT" warned.nnw "$D/iris.csv"
printf 'input: [8, 8, 1]\nlayers:\n  - conv2d: {filters: 2, kernel: 3, padding: same}\n  - flatten\n  - dense: 1\nloss: mse\nepochs: 1\ndata:\n  train: img.csv\n' >chwarn.yaml
awk 'BEGIN { for (r = 0; r < 4; r++) { for (i = 0; i < 65; i++) printf "%s%d", i ? "," : "", (r + i) % 2; print "" } }' >img.csv
expect_warning "an image input that builds channels last: a warning at input:" \
    "chwarn.yaml:1:8: input [8, 8, 1] is channels, height, width|write input: [1, 8, 8]" \
    "$NNTRAIN" chwarn.yaml
check "-q silences warnings" sh -c \
    "[ -z \"\$('$NNTRAIN' -q irissig.yaml -e 1 -o q.nnw 2>&1)\" ] && [ -s q.nnw ]"
check "models/iris.yaml gives no warning" sh -c \
    "! '$NNTRAIN' '$M/iris.yaml' -e 1 -o clean.nnw 2>&1 >/dev/null | grep -q warning"
