#!/usr/bin/env bash
# Trains the shipped packaging classifier (models/packaging-v1) from the TrashNet photos, in one command:
#
#   bash scripts/train-classifier.sh [--data DIR] [--out DIR] [extra trainer options...]
#
# Installs Debian's PyTorch stack when missing (python3-torch python3-torchvision python3-pil python3-numpy;
# needs root for apt-get), then runs scripts/train/train_classifier.py with the shipped model's exact arguments.
# Uses Debian's interpreter (/usr/bin/python3) on purpose: another python3 earlier on PATH may not see torch.
# Defaults: --data ../shared/datasets/trashnet/train (relative to the repository root), --out models/packaging-v1.
# Later options override earlier ones, so e.g. `--data /srv/kiosk-photos --out models/site-a-v1` retrains on an
# operator's own folder-per-class photos with the same recipe. The model's name defaults to the basename of --out
# (site-a-v1; packaging-v1 for the default --out), its version to 1.0.0 (--name, --version override them).
# Then it measures the new model through the runtime's own path (npm run eval:vision -- --split ... --write-card),
# which fills the card's "Measured through the runtime" section. About 15-25 minutes on a 2-core CPU.
set -euo pipefail

cd "$(dirname "$0")/.."
PY=/usr/bin/python3

# --help: this script's header, then the trainer's options when its packages are there (help never installs anything).
for arg in "$@"; do
  case "$arg" in
    -h | --help)
      sed -n '2,/^set -euo pipefail$/p' scripts/train-classifier.sh | sed -e '$d' -e 's/^# \{0,1\}//'
      echo
      if "$PY" -c 'import torch, torchvision, PIL, numpy' >/dev/null 2>&1; then exec "$PY" scripts/train/train_classifier.py --help; fi
      echo "The trainer's own options need python3-torch python3-torchvision python3-pil python3-numpy; run this again once they are installed."
      exit 0
      ;;
  esac
done

if ! "$PY" -c 'import torch, torchvision, PIL, numpy' >/dev/null 2>&1; then
  pkgs=(python3-torch python3-torchvision python3-pil python3-numpy)
  if [ "$(id -u)" -ne 0 ]; then
    echo "train-classifier: missing Python packages; run as root or: sudo apt-get install ${pkgs[*]}" >&2
    exit 1
  fi
  echo "train-classifier: installing ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

# The data and output directories in effect: the defaults below, unless the caller's options name others (last wins).
data=../shared/datasets/trashnet/train
out=models/packaging-v1
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --data) data="${args[i + 1]:-}" ;;
    --data=*) data="${args[i]#--data=}" ;;
    --out) out="${args[i + 1]:-}" ;;
    --out=*) out="${args[i]#--out=}" ;;
  esac
done

tsx=node_modules/.bin/tsx
if [ ! -x "$tsx" ]; then
  echo "train-classifier: $tsx is missing (the runtime check needs the project's node modules): run npm ci first" >&2
  exit 1
fi

# The shipped model's exact arguments (keep MODEL_CARD.md in step when changing them). No --name: the trainer names
# the model after the basename of --out, so a retrain into another directory never reports itself as packaging-v1.
"$PY" scripts/train/train_classifier.py \
  --data ../shared/datasets/trashnet/train \
  --out models/packaging-v1 \
  --version 1.0.0 \
  --epochs 150 \
  --seed 20261123 \
  --threads 2 \
  "$@"

# The trainer leaves the card's runtime section _TBD_: measure the model through the kiosk's own path and fill it in.
echo "train-classifier: measuring $out through the runtime path (eval:vision --write-card)"
if ! "$tsx" scripts/eval-classifier.ts --model "$out" --data "$data" --split "$out/validation-split.json" --write-card; then
  echo "train-classifier: the model is in $out, but the runtime measurement failed; MODEL_CARD.md keeps its _TBD_ section" >&2
  exit 1
fi
