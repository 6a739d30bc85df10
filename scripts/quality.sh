#!/usr/bin/env bash
# The browser and validator gates on the bundled site: builds it, serves it on
# loopback, runs axe-core (WCAG 2.1 A and AA) and a keyboard check in headless Chromium
# on every page of scripts/pages.txt at 390 and 1440 px, then the Nu HTML Checker on
# every generated page and the CSS. Needs chromium, Java and the npm packages of
# scripts/package.json (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
if [ -x "${MARQUE:-}" ]; then
  "$MARQUE" build --quiet --output "$out/site"
else
  cargo run --quiet -- build --quiet --output "$out/site"
fi
port=8797
python3 -m http.server "$port" --directory "$out/site" --bind 127.0.0.1 >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 1 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
  sleep 0.1
done
echo "== axe-core and keyboard in Chromium"
node scripts/a11y.mjs "http://127.0.0.1:$port"
echo "== Nu HTML Checker (HTML and CSS)"
vnu=scripts/node_modules/vnu-jar/build/dist/vnu.jar
java -jar "$vnu" --errors-only --skip-non-html --format text "$out/site"
java -jar "$vnu" --errors-only --css --format text "$out/site"/css/*.css
echo "quality gates passed"
