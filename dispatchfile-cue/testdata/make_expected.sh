#!/bin/sh
# Regenerates the oracle-made expectations (SPEC §3.4 "Oracle"): for every case
# testdata/cases/<feature>/<name>.cue without a <name>.err marker, runs the real CUE v0.4
# (shared/tools/cue-oracle) and writes <name>.json. For 2019-syntax cases the oracle runs on the
# hand-written modern twin <name>.modern.cue. Corpus expectations (testdata/corpus/<file>.json)
# come from hand-translated modern versions of shared/corpus/dispatchfiles (see README there).
# Needs node and the oracle's npm packages; CI never runs this.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
oracle=${CUE_ORACLE:-"$here/../../../shared/tools/cue-oracle"}
for cue in "$here"/cases/*/*.cue; do
  case "$cue" in *.modern.cue) continue ;; esac
  base=${cue%.cue}
  [ -e "$base.err" ] && continue
  src=$cue
  [ -e "$base.modern.cue" ] && src=$base.modern.cue
  if ! "$oracle" "$src" > "$base.json.tmp"; then
    echo "oracle failed on $src (add $base.err if an error is expected)" >&2
    rm -f "$base.json.tmp"
    continue
  fi
  mv "$base.json.tmp" "$base.json"
done
