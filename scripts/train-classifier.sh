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
# operator's own folder-per-class photos with the same recipe. About 15-25 minutes on a 2-core CPU.
set -euo pipefail

cd "$(dirname "$0")/.."
PY=/usr/bin/python3

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

# The shipped model's exact arguments (keep MODEL_CARD.md in step when changing them).
exec "$PY" scripts/train/train_classifier.py \
  --data ../shared/datasets/trashnet/train \
  --out models/packaging-v1 \
  --name packaging-v1 \
  --version 1.0.0 \
  --epochs 150 \
  --seed 20261123 \
  --threads 2 \
  "$@"
