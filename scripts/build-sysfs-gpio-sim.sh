#!/usr/bin/env bash
# Builds the sysfs GPIO simulator (src/hardware/gpio/sysfs-sim/sysfs-gpio-sim.c, a FUSE
# filesystem) into node_modules/.cache/kiosk-runtime/sysfs-gpio-sim, when missing or older than its source.
# Needs gcc, pkg-config and libfuse3-dev (scripts/install-test-deps.sh installs them).
# Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."

src=src/hardware/gpio/sysfs-sim/sysfs-gpio-sim.c
out=node_modules/.cache/kiosk-runtime/sysfs-gpio-sim
if [ ! -x "$out" ] || [ "$src" -nt "$out" ] || [ "$0" -nt "$out" ]; then
  if ! pkg-config --exists fuse3; then
    echo "build-sysfs-gpio-sim: libfuse3 development files are missing: run scripts/install-test-deps.sh as root (apt-get install libfuse3-dev fuse3 pkg-config)" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$out")"
  # shellcheck disable=SC2046 # pkg-config prints several flags on purpose
  gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$out.tmp" "$src" $(pkg-config --cflags --libs fuse3)
  mv "$out.tmp" "$out"
fi
echo "$PWD/$out"
