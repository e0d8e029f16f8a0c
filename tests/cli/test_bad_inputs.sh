# Bad inputs: each row gives the exit code and the words the one-line message must contain, and
# checks that no weights file was written (expect_error in lib.sh).
. "$(dirname "$0")/lib.sh"

D=$TOP/data
model() { # model NAME: writes NAME.yaml from stdin, data paths relative to $WORK
    cat >"$1.yaml"
}
xor_with() { # xor_with NAME LINES...: the XOR model with extra or replaced top-level lines
    name=$1
    shift
    { printf 'input: 2\nlayers:\n  - dense: 3\n  - tanh\n  - dense: 1\n  - tanh\nloss: mse\n'
      printf 'epochs: 2\ndata:\n  train: %s/xor.csv\n' "$D"
      for l in "$@"; do printf '%s\n' "$l"; done; } >"$name.yaml"
}

# ---- the model file ------------------------------------------------------------------------
expect_error "missing model file" 2 "nope.yaml|No such file" "$NNTRAIN" nope.yaml
printf 'input: 2\nlayers: [dense: 3\n' | model syntax
expect_error "YAML syntax error has line and column" 2 "syntax.yaml:" "$NNTRAIN" syntax.yaml
xor_with topkey "epoch: 3"
expect_error "unknown top-level key" 2 "topkey.yaml:11:1:|unknown key 'epoch'|expected one of" \
    "$NNTRAIN" topkey.yaml
printf 'input: 2\nlayers:\n  - dens: 3\nloss: mse\n' | model layertype
expect_error "unknown layer type lists the types" 2 "layertype.yaml:3:5:|dens|dense, " \
    "$NNTRAIN" layertype.yaml
printf 'input: 2\nlayers:\n  - dense: {unit: 3}\nloss: mse\n' | model layerkey
expect_error "unknown layer key lists the keys" 2 "layerkey.yaml:3:|unit|units" \
    "$NNTRAIN" layerkey.yaml
xor_with badint "batch_size: many"
expect_error "wrong type for a number" 2 "badint.yaml:11:|batch_size|many" "$NNTRAIN" badint.yaml
printf 'input: 2\nloss: mse\n' | model nolayers
expect_error "missing layers" 2 "nolayers.yaml|layers" "$NNTRAIN" nolayers.yaml
printf 'input: 2\nlayers:\n  - dense: 3\nloss: hinge\n' | model badloss
expect_error "unknown loss lists the losses" 2 "badloss.yaml:4:7:|hinge|cross_entropy" \
    "$NNTRAIN" badloss.yaml
printf 'a: &x [1, 2]\ninput: 2\nlayers: *x\nloss: mse\n' | model alias
expect_error "YAML aliases are refused" 2 "alias.yaml:|alias" "$NNTRAIN" alias.yaml
xor_with nodata
sed -i '/^data:/,$d' nodata.yaml
expect_error "no training data" 2 "nodata.yaml|data.train" "$NNTRAIN" nodata.yaml

# ---- data ------------------------------------------------------------------------------------
xor_with missingcsv
sed -i "s|$D/xor.csv|missing.csv|" missingcsv.yaml
expect_error "missing data file" 2 "missing.csv|No such file" "$NNTRAIN" missingcsv.yaml
printf 'a,b,y\n0,0,0\n0,x,1\n' >badvalue.csv
xor_with badvalue
sed -i "s|$D/xor.csv|badvalue.csv|" badvalue.yaml
expect_error "a bad number names file, line and column" 2 "badvalue.csv:3:3:|expected a number|'x'" \
    "$NNTRAIN" badvalue.yaml
printf 'a,b,y\n0,0,0\n0,1\n' >shortrow.csv
xor_with shortrow
sed -i "s|$D/xor.csv|shortrow.csv|" shortrow.yaml
expect_error "a short row names file and line" 2 "shortrow.csv:3:|3 fields|got 2" \
    "$NNTRAIN" shortrow.yaml
xor_with wide "input: 3"
sed -i '1d' wide.yaml
expect_error "data narrower than the input" 2 "xor.csv|2 input|3" "$NNTRAIN" wide.yaml
printf 'input: 4\nlayers:\n  - dense: 3\n  - softmax\nloss: cross_entropy\ndata:\n  train: %s/iris.csv\n' "$D" | model fewclasses
sed -i 's/dense: 3/dense: 2/' fewclasses.yaml
expect_error "a label out of range names the line" 2 "iris.csv:102:|label 2|0..1" \
    "$NNTRAIN" fewclasses.yaml

# ---- command line ----------------------------------------------------------------------------
expect_error "unknown option" 2 "unknown option|--frobnicate" "$NNTRAIN" --frobnicate x.yaml
expect_error "no model file" 2 "expected a model file" "$NNTRAIN"
expect_error "bad --epochs value" 2 "--epochs|abc" "$NNTRAIN" "$TOP/models/xor.yaml" -e abc
expect_error "bad -s without =" 2 "-s|KEY=VALUE" "$NNTRAIN" "$TOP/models/xor.yaml" -s epochs
expect_error "-s to an unknown key" 2 "-s foo=1|unknown key 'foo'" "$NNTRAIN" "$TOP/models/xor.yaml" -s foo=1
expect_error "-s past the last layer" 2 "-s layers.9.units=3|layers" \
    "$NNTRAIN" "$TOP/models/xor.yaml" -s layers.9.units=3
expect_error "bad --threads" 2 "--threads" "$NNTRAIN" "$TOP/models/xor.yaml" -j 0
expect_error "bad --log-format" 2 "--log-format" "$NNTRAIN" "$TOP/models/xor.yaml" --log-format xml

# ---- output paths ----------------------------------------------------------------------------
cp "$D/xor.csv" xorcopy.csv
xor_with overwrite
sed -i "s|$D/xor.csv|xorcopy.csv|" overwrite.yaml
expect_error "output equal to the data file" 2 "overwrite|xorcopy.csv" \
    "$NNTRAIN" overwrite.yaml -o xorcopy.csv
expect_error "output in a missing directory" 2 "no/such/dir|does not exist" \
    "$NNTRAIN" "$TOP/models/xor.yaml" -o no/such/dir/x.nnw
mkdir -p adir
expect_error "output that is a directory" 2 "adir|directory" "$NNTRAIN" "$TOP/models/xor.yaml" -o adir

# ---- training failures -----------------------------------------------------------------------
expect_error "a diverging run stops with no weights written" 1 "loss became|epoch" \
    "$NNTRAIN" "$TOP/models/digits.yaml" -l 1e30 -e 2 -o diverge.nnw

# ---- weights files and prediction inputs -----------------------------------------------------
"$NNTRAIN" -q "$TOP/models/xor.yaml" -e 2 -o good.nnw.keep 2>/dev/null
printf 'hello, this is not a weights file\n' >foreign.nnw.keep
expect_error "a foreign file is refused" 2 "foreign.nnw.keep|magic" "$NNPREDICT" foreign.nnw.keep
head -c 100 good.nnw.keep >short.nnw.keep
expect_error "a truncated weights file is refused" 2 "short.nnw.keep" "$NNPREDICT" short.nnw.keep
cp good.nnw.keep flipped.nnw.keep
printf 'X' | dd of=flipped.nnw.keep bs=1 seek=200 conv=notrunc 2>/dev/null
expect_error "a corrupted weights file is refused" 2 "flipped.nnw.keep|checksum" \
    "$NNPREDICT" flipped.nnw.keep
expect_error "missing weights file" 2 "nope.nnw|No such file" "$NNPREDICT" nope.nnw
printf '1,2,3,4\n' >four.csv
expect_error "prediction input of the wrong width" 2 "four.csv|2" "$NNPREDICT" good.nnw.keep four.csv
printf '0,1\n' >nolabel.csv
expect_error "--eval needs labels" 2 "nolabel.csv" "$NNPREDICT" good.nnw.keep --eval nolabel.csv
expect_error "nnpredict unknown option" 2 "unknown option" "$NNPREDICT" good.nnw.keep --frob
