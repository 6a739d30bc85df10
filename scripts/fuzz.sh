#!/usr/bin/env bash
# Fuzzing by property tests (cargo-fuzz needs a nightly toolchain, which this project's
# machines cannot install): front matter, brand.yaml and kit.yaml, Markdown, SVG logos
# and partner logos (depth, sizes, references, bombs), links. Runs each generator of
# arbitrary input for SECONDS seconds
# (default 300) with an endless number of cases. A target passes when it runs out of
# time without a failure; a failure prints the smallest failing input, to be added as a
# regression test.
#   scripts/fuzz.sh [SECONDS]
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
cargo test --release --no-run --quiet -p marque-project -p marque-site -p marque-kit -p marque 2>/dev/null || exit 1
status=0
for target in \
  "-p marque-project --test fuzz_front_matter" \
  "-p marque-project --test fuzz_yaml" \
  "-p marque-site --test fuzz_markdown" \
  "-p marque-kit --test fuzz_logos" \
  "-p marque --test fuzz_links"; do
  echo "== $target for ${seconds}s"
  PROPTEST_CASES=100000000 timeout "$seconds" cargo test --release --quiet $target -- --test-threads 8
  code=$?
  if [ $code -eq 124 ]; then
    echo "no failure in ${seconds}s"
  elif [ $code -ne 0 ]; then
    echo "FAILED: $target"
    status=1
  fi
done
exit $status
