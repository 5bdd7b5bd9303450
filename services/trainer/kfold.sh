#!/usr/bin/env bash
# k-fold figures of an image ensemble through the served model:
#   services/trainer/kfold.sh visual [FOLD ...]      (default folds 0 1 2 3 4; WORK=/tmp/kfold)
# For each fold: trains the ensemble without that fold into a scratch repository (never triton-model-repo/),
# writes the held-out fold as a dataset folder, scores it with `npm run evaluate` on a model-server started on the
# scratch repository; then prints mean ± sd over the folds with `npm run evaluate:folds`.
# A fold whose scratch repository already holds the ensemble is not trained again. THREADS (default 1) as for
# `trainer train --threads`. REPO_<k>=DIR scores fold k on an existing repository instead. The shipped visual and
# thermal models trained on every development image (`trainer train --all-dev`), so they are refused as a fold's
# model; their fold models are the ones this script trains (visual: WORK/visual-f<k>-repo, which is also the layout
# `trainer train visual --all-dev WORK` reads).
# SPLIT=tile (visual only) holds out folds grouped by tile instead, for figures on tiles never seen; its default
# WORK is /tmp/kfold-tile, and no fold of it is the shipped model's.
# MEMBERS_FROM=DIR (thermal only): take each fold's trained grouped member from DIR/thermal_members_f<k>.pt (the
# compact checkpoints experiments/thermal_grouped_folds.py writes on a GPU machine), so the fold is only exported
# here; without it the member trains on this CPU (hours per fold).
set -euo pipefail
# The whole run is one function, read before it starts: editing this file while folds train (hours) cannot
# change what the running script does next.
main() {
  modality=${1:?usage: kfold.sh visual|thermal [FOLD ...]}
  shift
  folds=("$@")
  [ ${#folds[@]} -gt 0 ] || folds=(0 1 2 3 4)
  case "$modality" in
    visual) model=visual_ensemble ;;
    thermal) model=thermal_ensemble ;;
    *) echo "kfold.sh: modality must be visual or thermal" >&2; exit 2 ;;
  esac
  here=$(cd "$(dirname "$0")" && pwd)
  root=$(cd "$here/../.." && pwd)
  split=${SPLIT:-stratified}
  split_args=()
  if [ "$split" != stratified ]; then
    [ "$modality" = visual ] || { echo "kfold.sh: SPLIT applies to visual only" >&2; exit 2; }
    split_args=(--split "$split")
  fi
  work=${WORK:-/tmp/kfold$([ "$split" = stratified ] || echo "-$split")}
  threads=${THREADS:-1}
  mkdir -p "$work"
  reports=()
  for k in "${folds[@]}"; do
    repo_var="REPO_$k"
    repo=${!repo_var:-$work/$modality-f$k-repo}
    data="$work/$modality-f$k-val"
    report="$work/evaluate-$model-fold$k.json"
    if [ -n "${MEMBERS_FROM:-}" ] && [ "$modality" = thermal ] && [ -z "${!repo_var:-}" ]; then
      src="$MEMBERS_FROM/thermal_members_f$k.pt"
      [ -f "$src" ] || { echo "kfold.sh: MEMBERS_FROM has no $src" >&2; exit 2; }
      mkdir -p "$work/f$k/thermal"
      cp "$src" "$work/f$k/thermal/thermal_members.pt"
    fi
    if grep -s -A1 'key: "training_scope"' "$repo/$model/config.pbtxt" | grep -q 'all development images'; then
      echo "kfold.sh: $repo/$model trained on every development image (--all-dev), so fold $k is not held out of it;" \
        "score the fold models instead ($([ "$modality" = thermal ] && echo 'MEMBERS_FROM=DIR, ')without REPO_$k)" >&2
      exit 2
    fi
    if [ ! -f "$repo/$model/config.pbtxt" ]; then   # written last: its presence means the fold is trained
      (cd "$here" && /usr/bin/python3 -m trainer train "$modality" --fold "$k" --repo "$repo" \
        --ckpt-dir "$work/f$k" --version 1 --threads "$threads" "${split_args[@]}")
    fi
    (cd "$here" && /usr/bin/python3 -m trainer split "$modality" --fold "$k" --out "$data" "${split_args[@]}")
    (cd "$root" && npm run --silent evaluate -- --model "$model" --data "$data" --repository "$repo" --out "$report")
    reports+=("$report")
  done
  cd "$root" && npm run --silent evaluate:folds -- "${reports[@]}" --out "$work/folds-$model.json"
}
main "$@"
