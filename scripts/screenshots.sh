#!/usr/bin/env bash
# Takes screenshots of one page of every template type in every language (the list in
# scripts/pages.txt) at 390 px and 1440 px wide, to look at before resolving an issue
# that changes pages. Needs Debian's chromium.
#   scripts/screenshots.sh [OUTPUT_DIR]      (default: screenshots/, git-ignored)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-screenshots}
mkdir -p "$out"
cargo run --quiet --release -- build --quiet
port=8798
python3 -m http.server "$port" --directory output --bind 127.0.0.1 >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 1
profile=$(mktemp -d)
grep -v '^#' scripts/pages.txt | grep -v '^$' | while read -r path; do
  name=$(echo "$path" | sed 's#^/##; s#/$##; s#[/.]#-#g'); name=${name:-home}
  for width in 390 1440; do
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --hide-scrollbars --user-data-dir="$profile" \
      --screenshot="$out/$name-$width.png" --window-size="$width,2400" \
      "http://127.0.0.1:$port$path" >/dev/null 2>&1 || echo "failed: $path at $width px"
  done
done
rm -rf "$profile"
echo "screenshots in $out/"
