#!/usr/bin/env bash
# One fold of the leave-one-corpus-out table (README, "Trained on many manuals"): train the
# inserter on every manual of scripts/fetch_manuals.sh but HELDOUT (recipe many-cpu: SFT, then
# GRPO from it), then score base, SFT, SFT+GRPO, rule and single_shot on HELDOUT's passages
# with random and with same-chapter distractors (`m2io eval --stage inserter`).
#
# Usage:
#   scripts/loco.sh HELDOUT [LIMIT]
#       HELDOUT: one of gnucash gimp kicad wireshark fontforge qt-tools. LIMIT: examples scored
#       per distractor kind (default 50; 0 = all). single_shot runs on the first 5 only (it
#       writes a whole answer and takes ~15 s an example on 2 cores).
#
# Needs, for every manual NAME (README, "Training corpora"):
#   data/inserter/NAME                    m2io train data --store /tmp/NAME-store --corpus NAME \
#                                           --variants 2 --negatives 0.5 --out data/inserter/NAME
#   data/inserter/heldout-NAME-random     ... --all-test --out data/inserter/heldout-NAME-random
#   data/inserter/heldout-NAME-chapter    ... --all-test --distractors chapter --out ...
# Writes runs/loco-HELDOUT/{sft,grpo} and runs/loco-HELDOUT/eval-{random,chapter}[-single-shot].
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
manuals=(gnucash gimp kicad wireshark fontforge qt-tools)
heldout="${1:?usage: scripts/loco.sh HELDOUT [LIMIT] (HELDOUT: ${manuals[*]})}"
limit="${2:-50}"
[[ " ${manuals[*]} " == *" $heldout "* ]] || { echo "unknown manual $heldout: use one of ${manuals[*]}" >&2; exit 2; }

train=()
for name in "${manuals[@]}"; do
  [[ "$name" == "$heldout" ]] || train+=("data/inserter/$name")
done
for dir in "${train[@]}" "data/inserter/heldout-$heldout-random" "data/inserter/heldout-$heldout-chapter"; do
  [[ -f "$dir/dataset_dict.json" ]] || { echo "missing $dir: build it first (see the header of $0)" >&2; exit 1; }
done

m2io=.venv/bin/m2io
run="runs/loco-$heldout"
$m2io train sft --config many-cpu --dataset "${train[@]}" --output-dir "$run"
$m2io train grpo --config many-cpu --dataset "${train[@]}" --output-dir "$run"
for kind in random chapter; do
  data="data/inserter/heldout-$heldout-$kind"
  $m2io eval --stage inserter --data "$data" --limit "$limit" --out "$run/eval-$kind" \
    --inserter "rule,base,sft=$run/sft,r1=$run/grpo"
  $m2io eval --stage inserter --data "$data" --limit 5 --out "$run/eval-$kind-single-shot" \
    --inserter rule,single_shot
done
