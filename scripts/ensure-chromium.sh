#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (never a downloaded build). Install it when missing and we are root.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium is missing: install Debian's 'chromium' package (sudo apt-get install chromium) and retry." >&2
  exit 1
fi
echo "Installing Debian's chromium package…"
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt run (unattended upgrades on a fresh machine) instead of failing on its lock.
apt_options=(-o DPkg::Lock::Timeout=300 -qq)
apt-get "${apt_options[@]}" update
apt-get "${apt_options[@]}" install -y chromium >/dev/null
command -v chromium >/dev/null
