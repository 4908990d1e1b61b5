#!/bin/sh
# Regenerates the oracle-made expectations: for every case
# testdata/cases/<feature>/<name>.cue without a <name>.err marker, runs the real CUE v0.4
# (shared/tools/cue-oracle) and writes <name>.json. For 2019-syntax cases the oracle runs on the
# hand-written modern twin <name>.modern.cue.
#
# `make_expected.sh corpus FILE…` makes corpus expectations (testdata/corpus/<name>.json) from
# corpus files: it blanks the selector line, joins space-separated labels with ":" and runs the
# oracle on the result; files that need more translating by hand are listed in
# testdata/corpus/README.md.
# Needs node and the oracle's npm packages; CI never runs this.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
oracle=${CUE_ORACLE:-"$here/../../../shared/tools/cue-oracle"}
if [ "${1:-}" = corpus ]; then
  shift
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # A label: an identifier or a double-quoted string (groups 2 and 3 below, and so on).
  l='([A-Za-z_$#][A-Za-z0-9_$#-]*|"([^"\\]|\\.)*")'
  for f in "$@"; do
    name=$(basename "$f" .cue)
    # `a b c: v` → `a: b: c: v`: on a line that starts with labels separated by spaces and
    # ended by ":", two labels in a row (after labels already joined) get a ":" between them,
    # until none are left.
    field="^[[:space:]]*($l:[[:space:]]*)*$l([[:space:]]+$l)+[[:space:]]*:"
    join="s/^([[:space:]]*($l:[[:space:]]*)*)$l[[:space:]]+($l[[:space:]]*(:|[A-Za-z_$#\"]))/\\1\\5: \\7/"
    sed -E -e '1s/^#!.*$//' -e "/$field/{" -e ':again' -e "$join" -e 't again' -e '}' \
      "$f" > "$tmp/$name.cue"
    if "$oracle" "$tmp/$name.cue" > "$here/corpus/$name.json.tmp"; then
      mv "$here/corpus/$name.json.tmp" "$here/corpus/$name.json"
    else
      rm -f "$here/corpus/$name.json.tmp"
      echo "oracle failed on the translation of $f (translate by hand, or add $name.err)" >&2
    fi
  done
  exit 0
fi
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
