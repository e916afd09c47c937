#!/usr/bin/env bash
# Compare everything a user sees before and after a change (see bench/page_text.py): every page render and the
# board pack's workbook and PDF text.
# Usage: bash bench/page_diff.sh BEFORE_DIR AFTER_DIR   (exit 0 when every file is identical)
# Ignored, as they differ on every run: Streamlit's per-run ids, moments written by the run itself (when the
# warehouse was loaded, the demo users created, a child-level view audited: a date-time on the run's day) and
# the board pack's "Produced <date> <time> UTC". A file present on one side only is a difference.
# DIFF_LINES (default 20) limits the lines shown per differing file.
set -uo pipefail
# The run's own moments are those dated on its calendar day or the next (a run past midnight, London time) as
# _run.txt records: a date-time from the data (another day) is compared as it is.
run_days() {
  local d
  d=$(sed -n 's/^calendar date (UTC) //p' "$1/_run.txt" 2>/dev/null)
  [ -n "$d" ] || d=$(date -u +%F)
  echo "$d|$(date -u -d "$d +1 day" +%F)"
}
norm() {  # FILE DAYS
  sed -E 's/deferred_file_id: "[^"]*"//; s/\$\$ID-[0-9a-f]+-[^" ]*//g
          s/('"$2"')[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?/<moment>/g
          s/Produced [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2} UTC/Produced <moment>/g' "$1"
}
days1=$(run_days "$1")
days2=$(run_days "$2")
status=0
n=0
if ! diff -q "$1/_run.txt" "$2/_run.txt" >/dev/null 2>&1; then
  echo "NOTE: the runs differ in RAA_TODAY or calendar date (the audit page's date range and the board packs"
  echo "      without --as-at follow the calendar):"
  diff "$1/_run.txt" "$2/_run.txt"
fi
for f in "$1"/*__*.txt; do
  n=$((n + 1))
  g="$2/$(basename "$f")"
  if [ ! -e "$g" ]; then
    echo "MISSING in $2: $(basename "$f")"
    status=1
  elif ! diff -q <(norm "$f" "$days1") <(norm "$g" "$days2") >/dev/null; then
    echo "DIFFERS: $(basename "$f")"
    diff <(norm "$f" "$days1") <(norm "$g" "$days2") | head -"${DIFF_LINES:-20}"
    status=1
  fi
done
for g in "$2"/*__*.txt; do
  [ -e "$1/$(basename "$g")" ] || { echo "ONLY in $2: $(basename "$g")"; status=1; }
done
echo "$n files compared"
exit $status
