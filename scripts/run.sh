#!/usr/bin/env bash
# Installs what is missing, builds Casefile (CLI and desktop app, release), and opens the app on the
# bundled lending sample. Without a display it shows the same sample through the CLI instead.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/casefile-target}"
need() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
packages=(build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev
  librsvg2-dev libayatana-appindicator3-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
need cargo || { echo "cargo is missing: install Rust with rustup (https://rustup.rs) and run this again." >&2; exit 2; }
need npm || { echo "npm is missing: install Node.js (20.19 or newer) with npm and run this again." >&2; exit 2; }
(cd ui && npm ci --no-audit --no-fund --silent && npx vite build --logLevel warn)
cargo build --release --locked -p casefile -p casefile-desktop -p lending-scorer
bin="$CARGO_TARGET_DIR/release"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "Opening Casefile on the lending sample…"
  exec "$bin/casefile-desktop" --sample
fi
echo "No display here, so the sample is shown through the CLI (the app needs a desktop session)."
case_file="${1:-$PWD/lending.casefile}"
rm -f "$case_file" "$case_file.wal"
"$bin/casefile" import "$case_file" samples/lending/*
"$bin/casefile" info "$case_file"
echo
echo "What the underwriting model saw for applicant-0005 when it decided, and what was true then:"
"$bin/casefile" state "$case_file" applicant-0005 --at 2024-04-02T20:40:34Z
"$bin/casefile" state "$case_file" applicant-0005 --at 2024-04-02T20:40:34Z --axis occurred
echo
echo "Decision dec-0107 on trial: what the model saw against what the system knew, then a replay:"
"$bin/casefile" explain "$case_file" dec-0107
"$bin/casefile" replayers "$case_file" --add v240 --model underwriter --model-version v2.4.0 \
  -- "$bin/lending-scorer" --model-version v2.4.0 >/dev/null
"$bin/casefile" replay "$case_file" --decision dec-0107
