#!/usr/bin/env bash
# Compare every page's on-screen content before and after a change (see bench/page_text.py).
# Usage: bash bench/page_diff.sh BEFORE_DIR AFTER_DIR   (exit 0 when every page is identical)
set -euo pipefail
norm() { sed -E 's/deferred_file_id: "[^"]*"//; s/\$\$ID-[0-9a-f]+-[^" ]*//g' "$1"; }
status=0
for f in "$1"/*.txt; do
  g="$2/$(basename "$f")"
  if ! diff -q <(norm "$f") <(norm "$g") >/dev/null; then
    echo "DIFFERS: $(basename "$f")"; diff <(norm "$f") <(norm "$g") | head -20; status=1
  fi
done
echo "$(ls "$1"/*.txt | wc -l) page renders compared"
exit $status
