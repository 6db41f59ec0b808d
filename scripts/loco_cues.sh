#!/usr/bin/env bash
# The `cues` inserter's leave-one-corpus-out table (README, "The cues inserter"): for each manual
# of scripts/fetch_manuals.sh held out in turn, fit the placement model on the other five
# (`m2io train cues`, their train splits), then score `rule` and it on every passage of the
# held-out manual, with random and with same-chapter distractors (`m2io eval --stage inserter`);
# and, adapted to the manual itself, fit on half of its documents (its own `halves` train split)
# and score both models and `rule` on the other half, which neither saw.
#
# Usage:
#   scripts/loco_cues.sh [HELDOUT ...]      (default: all six manuals)
#
# Needs, for every manual NAME (README, "Training corpora"; the header of scripts/loco.sh):
#   data/inserter/NAME, data/inserter/heldout-NAME-random, data/inserter/heldout-NAME-chapter
#   data/inserter/halves-NAME    m2io train data --store /tmp/NAME-store --corpus NAME \
#                                  --train 0.5 --validation 0 --out data/inserter/halves-NAME
# Writes runs/cues-loco-HELDOUT/{cues.json,own.json,eval-random,eval-chapter,eval-own} and prints
# each eval's table.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
manuals=(gnucash gimp kicad wireshark fontforge qt-tools)
heldouts=("$@")
[[ ${#heldouts[@]} -gt 0 ]] || heldouts=("${manuals[@]}")
m2io=.venv/bin/m2io
for heldout in "${heldouts[@]}"; do
  [[ " ${manuals[*]} " == *" $heldout "* ]] || { echo "unknown manual $heldout: use one of ${manuals[*]}" >&2; exit 2; }
  train=()
  for name in "${manuals[@]}"; do
    [[ "$name" == "$heldout" ]] || train+=("data/inserter/$name")
  done
  for dir in "${train[@]}" "data/inserter/halves-$heldout" "data/inserter/heldout-$heldout-random" "data/inserter/heldout-$heldout-chapter"; do
    [[ -f "$dir/dataset_dict.json" ]] || { echo "missing $dir: build it first (see the header of $0)" >&2; exit 1; }
  done
  run="runs/cues-loco-$heldout"
  $m2io train cues --dataset "${train[@]}" --out "$run/cues.json"
  $m2io train cues --dataset "data/inserter/halves-$heldout" --out "$run/own.json"
  for kind in random chapter; do
    $m2io eval --stage inserter --data "data/inserter/heldout-$heldout-$kind" --quiet \
      --out "$run/eval-$kind" --inserter "rule,cues=$run/cues.json"
  done
  $m2io eval --stage inserter --data "data/inserter/halves-$heldout" --quiet --out "$run/eval-own" \
    --inserter "rule,cues=$run/cues.json,own=$run/own.json"
done
