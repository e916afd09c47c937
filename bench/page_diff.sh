#!/usr/bin/env bash
# Compare every page's on-screen content before and after a change (see bench/page_text.py).
# Usage: bash bench/page_diff.sh BEFORE_DIR AFTER_DIR   (exit 0 when every page is identical)
# Ignored: Streamlit's per-run ids and the load times of the ingest history (each warehouse build has its own).
set -uo pipefail
norm() {
  sed -E 's/deferred_file_id: "[^"]*"//; s/\$\$ID-[0-9a-f]+-[^" ]*//g; s/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+/<loaded at>/g' "$1"
}
status=0
n=0
for f in "$1"/*.txt; do
  n=$((n + 1))
  g="$2/$(basename "$f")"
  if ! diff -q <(norm "$f") <(norm "$g") >/dev/null; then
    echo "DIFFERS: $(basename "$f")"
    diff <(norm "$f") <(norm "$g") | head -${DIFF_LINES:-20}
    status=1
  fi
done
echo "$n page renders compared"
exit $status
