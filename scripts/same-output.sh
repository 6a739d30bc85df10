#!/usr/bin/env bash
# Builds the bundled site and the bench corpus with two marque binaries, each from a
# cold start in its own folder, and compares the two output trees file by file by
# SHA-256. For refactors that must not change a byte:
#   scripts/same-output.sh OLD_MARQUE NEW_MARQUE [PAGES]
# (PAGES per language for the bench corpus, default 5000). Exits 1 and lists the files
# that differ, or are only in one tree, when the outputs are not the same. The marker
# of marque's output folders (.marque-output) is left out: binaries from before it
# existed do not write it.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "${1:?usage: scripts/same-output.sh OLD_MARQUE NEW_MARQUE [PAGES]}")
new=$(realpath "${2:?usage: scripts/same-output.sh OLD_MARQUE NEW_MARQUE [PAGES]}")
pages=${3:-5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

hashes() {
  (cd "$1" && find . -type f ! -name .marque-output -print0 | sort -z | xargs -0 sha256sum)
}

compare() {
  local name=$1 src=$2
  for who in old new; do
    mkdir -p "$work/$name-$who"
    (cd "$src" && tar --exclude=./output --exclude=./.marque-cache -cf - .) | tar -xf - -C "$work/$name-$who"
  done
  "$old" build --quiet --root "$work/$name-old" >/dev/null
  "$new" build --quiet --root "$work/$name-new" >/dev/null
  if diff <(hashes "$work/$name-old/output") <(hashes "$work/$name-new/output") >"$work/$name.diff"; then
    echo "$name: identical ($(hashes "$work/$name-new/output" | wc -l) files)"
  else
    echo "$name: DIFFERENT"
    grep '^[<>]' "$work/$name.diff" | awk '{print $1, $3}' | sort -k2 | head -40
    return 1
  fi
}

status=0
mkdir -p "$work/bundled-src"
cp -r brand narrative themes kits marque.yaml "$work/bundled-src/"
compare bundled "$work/bundled-src" || status=1
"$new" bench --pages "$pages" --runs 1 --dir "$work/corpus" >/dev/null
compare "corpus-$pages" "$work/corpus" || status=1
exit $status
