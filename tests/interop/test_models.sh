#!/usr/bin/env bash
# `drover models`: lists the object definitions of a folder of DDF files, reports every entry it
# skips or rejects and why (a DOCTYPE/ENTITY, an oversized file, malformed XML, a schema file),
# exits with 1 under --strict when a file was rejected, and shows one object's resources with
# --object/--version. Then the whole OMA registry beside the checkout, when it is there.
source "$(dirname "$0")/interop_lib.sh"

DIR=$WORK/ddf
mkdir -p "$DIR"

# ddf FILE VERSION RESOURCES: object 42800 (the registry's test range) at VERSION with the first
# RESOURCES of its two resources.
ddf() {
  local items='<Item ID="0"><Name>Level</Name><Operations>RW</Operations><MultipleInstances>Single</MultipleInstances><Mandatory>Mandatory</Mandatory><Type>Integer</Type><RangeEnumeration>0..100</RangeEnumeration><Units>%</Units></Item>'
  if (($3 > 1)); then
    items+='<Item ID="1"><Name>Label</Name><Operations>R</Operations><MultipleInstances>Multiple</MultipleInstances><Mandatory>Optional</Mandatory><Type>String</Type></Item>'
  fi
  cat >"$DIR/$1" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<LWM2M>
  <Object ObjectType="MODefinition">
    <Name>Drover Test</Name>
    <ObjectID>42800</ObjectID>
    <ObjectURN>urn:oma:lwm2m:x:42800:$2</ObjectURN>
    <LWM2MVersion>1.1</LWM2MVersion>
    <ObjectVersion>$2</ObjectVersion>
    <MultipleInstances>Multiple</MultipleInstances>
    <Mandatory>Optional</Mandatory>
    <Resources>$items</Resources>
  </Object>
</LWM2M>
EOF
}
ddf good.xml 1.1 2
ddf good-1_0.xml 1.0 1
printf '<?xml version="1.0"?>\n<!DOCTYPE LWM2M [<!ENTITY boom "expanded">]>\n<LWM2M>&boom;</LWM2M>\n' >"$DIR/entity.xml"
printf '<LWM2M><Object>' >"$DIR/malformed.xml"
head -c 4194400 /dev/zero | tr '\0' ' ' >"$DIR/big.xml"  # past the 4 MiB limit
echo '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>' >"$DIR/LWM2M.xsd"

# run_models ARGS...: runs `drover models ARGS`; sets STATUS, OUT (stdout) and ERR (stderr).
run_models() {
  STATUS=0
  timeout 60 "$DROVER" models "$@" >"$WORK/models.out" 2>"$WORK/models.err" || STATUS=$?
  OUT=$(<"$WORK/models.out")
  ERR=$(<"$WORK/models.err")
}

# expect_line TEXT LINE: TEXT holds LINE as a whole line.
expect_line() {
  grep -qxF -- "$2" <<<"$1" || fail "missing line \"$2\" in:"$'\n'"$1"
}

listing='ID     VER   RES   NAME
42800  1.0   1     Drover Test
42800  1.1   2     Drover Test'

run_models "$DIR"
((STATUS == 0)) || fail "drover models DIR exited with $STATUS: $ERR"
[[ $OUT == "$listing" ]] || fail "listing:"$'\n'"$OUT"
expect_line "$ERR" "skipped: $DIR/LWM2M.xsd: not a .xml file"
expect_line "$ERR" "rejected: $DIR/big.xml: larger than the limit of 4194304 bytes"
expect_line "$ERR" "rejected: $DIR/entity.xml: DOCTYPE declarations (DTDs, entities) are not allowed"
grep -qE "^rejected: $DIR/malformed\.xml: malformed XML at line 1 \(byte [0-9]+\): .+" <<<"$ERR" ||
  fail "no reason for malformed.xml in:"$'\n'"$ERR"
(($(grep -c '^rejected: ' <<<"$ERR") == 3)) || fail "expected 3 rejected files:"$'\n'"$ERR"
expect_line "$ERR" "$DIR: 2 files loaded, 2 new definitions, 1 skipped, 3 rejected"
if grep -q expanded <<<"$OUT$ERR"; then fail "the entity was expanded"; fi
pass "a folder: both versions listed, the .xsd skipped, each rejected file with its reason"

run_models --strict "$DIR"
((STATUS == 1)) || fail "--strict with rejected files exited with $STATUS, not 1"
[[ $OUT == "$listing" ]] || fail "--strict listing:"$'\n'"$OUT"
mkdir "$WORK/clean"
cp "$DIR"/good*.xml "$WORK/clean/"
run_models --strict "$WORK/clean"
((STATUS == 0)) || fail "--strict without rejected files exited with $STATUS: $ERR"
[[ $OUT == "$listing" ]] || fail "clean listing:"$'\n'"$OUT"
pass "--strict exits with 1 only when a file was rejected"

run_models --object 42800 "$DIR"
((STATUS == 0)) || fail "--object exited with $STATUS: $ERR"
[[ $OUT == 'object 42800 Drover Test version 1.1 (multiple, optional, LwM2M 1.1) urn:oma:lwm2m:x:42800:1.1
ID     OP  SHAPE     PRESENCE   TYPE              NAME
0      RW  single    mandatory  Integer           Level [%]
1      R   multiple  optional   String            Label' ]] || fail "--object 42800:"$'\n'"$OUT"
run_models --object 42800 --version 1.0 "$DIR"
((STATUS == 0)) || fail "--version 1.0 exited with $STATUS: $ERR"
[[ $OUT == 'object 42800 Drover Test version 1.0 (multiple, optional, LwM2M 1.1) urn:oma:lwm2m:x:42800:1.0
ID     OP  SHAPE     PRESENCE   TYPE              NAME
0      RW  single    mandatory  Integer           Level [%]' ]] || fail "--version 1.0:"$'\n'"$OUT"
run_models --object 42800 --version 2.0 "$DIR"
((STATUS == 1)) || fail "an unknown version exited with $STATUS, not 1"
expect_line "$ERR" "drover models: no definition of object 42800 version 2.0"
run_models --object 42801 "$DIR"
((STATUS == 1)) || fail "an unknown object exited with $STATUS, not 1"
expect_line "$ERR" "drover models: no definition of object 42801"
run_models --object 42800 --version one "$DIR"
((STATUS == 2)) || fail "a malformed --version exited with $STATUS, not 2"
run_models --object 65535 "$DIR"
((STATUS >= 2)) || fail "--object 65535 (reserved) exited with $STATUS"
pass "--object shows the newest version, --version another; unknown ones exit 1, bad ones 2"

run_models "$DIR/entity.xml"
((STATUS == 1)) || fail "a rejected FILE alone exited with $STATUS, not 1"
expect_line "$ERR" "rejected: $DIR/entity.xml: DOCTYPE declarations (DTDs, entities) are not allowed"
run_models "$DIR/good.xml"
((STATUS == 0)) || fail "a good FILE exited with $STATUS: $ERR"
[[ $OUT == 'ID     VER   RES   NAME
42800  1.1   2     Drover Test' ]] || fail "FILE listing:"$'\n'"$OUT"
run_models "$WORK/no-such-folder"
((STATUS == 1)) || fail "a missing folder exited with $STATUS, not 1"
grep -q "^drover models: $WORK/no-such-folder: " <<<"$ERR" || fail "no reason for the missing folder: $ERR"
pass "single files and a missing folder"

REGISTRY=${DROVER_SOURCE_DIR:-$(dirname "$0")/../..}/../shared/lwm2m-registry
if [[ -d $REGISTRY ]]; then
  run_models --strict "$REGISTRY"
  ((STATUS == 0)) || fail "the OMA registry: exit status $STATUS: $(grep '^rejected' <<<"$ERR" | head)"
  if grep -q '^rejected: ' <<<"$ERR"; then fail "the OMA registry has rejected files"; fi
  summary=$(grep -E "^$REGISTRY: [0-9]+ files loaded" <<<"$ERR") || fail "no summary: $ERR"
  [[ $summary =~ :\ 751\ files\ loaded,\ ([0-9]+)\ new\ definitions,\ 2\ skipped,\ 0\ rejected$ ]] ||
    fail "the OMA registry: $summary"
  rows=$(($(wc -l <<<"$OUT") - 1))
  ((rows == BASH_REMATCH[1])) || fail "$rows definitions listed, the summary says ${BASH_REMATCH[1]}"
  expect_line "$OUT" "3303   1.1   12    Temperature"
  pass "the OMA registry: 751 object files, $rows definitions, no rejects"
else
  echo "skipped: the OMA registry check, no folder at $REGISTRY (it sits beside the checkout, not in it)"
fi

finish
