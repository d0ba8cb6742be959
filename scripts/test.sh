#!/usr/bin/env bash
# Runs every test Casefile has, on a fresh machine too: installs what is missing, checks formatting
# and lints, then runs the UI unit tests and the engine and CLI tests. Fails loudly on the first problem.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/casefile-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

need() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# System packages: a C/C++ toolchain for the bundled DuckDB.
if ! need g++ || ! need pkg-config; then
  echo "== installing build tools (apt-get)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential pkg-config
fi
if ! need cargo; then
  echo "cargo is missing: install Rust with rustup (https://rustup.rs) and run this again." >&2
  exit 2
fi
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

if ! need npm; then
  echo "npm is missing: install Node.js (20.19 or newer) with npm and run this again." >&2
  exit 2
fi
echo "== ui: npm ci, type check, unit tests (vitest)"
ui_log="${TMPDIR:-/tmp}/casefile-ui-test.log"
(cd ui && npm ci --no-audit --no-fund && npm run typecheck && NO_COLOR=1 npm test) 2>&1 | tee "$ui_log"
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
log="${TMPDIR:-/tmp}/casefile-test.log"
cargo test --workspace --locked 2>&1 | tee "$log"
echo "== samples are what the generator writes"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$CARGO_TARGET_DIR/debug/casefile" generate samples "$tmp" >/dev/null
diff -r "$tmp" samples --exclude README.md
# One closing line for everything cargo ran (its own last line is the doc-tests' count alone).
counts=$(awk '/^test result:/ || /^ +Tests +[0-9]/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } } END { print p + 0, f + 0 }' "$log" "$ui_log")
echo "tests: ${counts% *} passed, ${counts#* } failed"
