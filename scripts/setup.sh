#!/usr/bin/env bash
# Installs the system libraries GraspSim links against, when missing (Debian/Ubuntu).
set -euo pipefail
need=()
for pkg in libgit2-dev libsecp256k1-dev libsqlite3-dev git; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y libgit2-dev libsecp256k1-dev libsqlite3-dev git
fi
