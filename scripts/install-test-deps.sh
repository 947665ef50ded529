#!/usr/bin/env bash
# Installs the system packages the test suites run against, when missing:
#   mosquitto  - the real MQTT broker the sync tests start on free loopback ports
#   socat      - real pseudo-terminal pairs for serial driver tests
#   libfuse3-dev, fuse3, pkg-config, gcc
#              - the sysfs GPIO simulator (a FUSE /sys/class/gpio, scripts/build-sysfs-gpio-sim.sh)
#                that the real GPIO driver is tested against
# Needs root (apt-get); a no-op when everything is present.
set -euo pipefail

missing=()
command -v /usr/sbin/mosquitto >/dev/null 2>&1 || missing+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v socat >/dev/null 2>&1 || missing+=(socat)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
{ command -v pkg-config >/dev/null 2>&1 && pkg-config --exists fuse3; } || missing+=(libfuse3-dev)
command -v fusermount3 >/dev/null 2>&1 || missing+=(fuse3)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: missing ${missing[*]}; run this script as root (it uses apt-get)" >&2
  exit 1
fi
echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's package may start a system broker on 1883; tests never use it (they pick free ports).
