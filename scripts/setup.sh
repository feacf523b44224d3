#!/usr/bin/env bash
# Installs what GraspSim needs, when missing (Debian/Ubuntu): the system libraries it links
# against, git and curl (the server tests use the real git CLI), and a Python venv
# `.venv-peers` with nostr-sdk (an independent Nostr client the server tests talk to).
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(libgit2-dev libsecp256k1-dev libsqlite3-dev git curl python3)
need=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# python3 may come from elsewhere (pyenv): only ask apt for it when there is none.
if command -v python3 >/dev/null 2>&1; then
  need=("${need[@]/python3}")
fi
need=(${need[@]+"${need[@]}"})
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${need[@]}"
fi
if [ ! -x .venv-peers/bin/python ] || ! .venv-peers/bin/python -c "import nostr_sdk" >/dev/null 2>&1; then
  echo "setup: creating .venv-peers with nostr-sdk" >&2
  if ! python3 -m venv .venv-peers 2>/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y python3-venv
    python3 -m venv .venv-peers
  fi
  .venv-peers/bin/pip install --quiet nostr-sdk==0.45.1
fi
