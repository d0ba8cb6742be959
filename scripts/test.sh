#!/usr/bin/env bash
# Runs every test Casefile has, on a fresh machine too: installs what is missing (Debian packages,
# npm packages from the lock file, tauri-driver), checks formatting, lints and generated types,
# then runs the UI unit tests, the engine and CLI tests, and the desktop app end to end in a real
# (virtual) window. Fails loudly on the first problem.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/casefile-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export PATH="$HOME/.cargo/bin:$PATH"

need() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# System packages: a C/C++ toolchain for the bundled DuckDB; WebKitGTK and GTK for the desktop
# app; Xvfb and WebKitWebDriver to drive its window in tests; a headless Java runtime and Python's
# venv for Apache Spark in the parity tests; Info-ZIP's unzip and zstd to read bundles as other
# tools do.
packages=(build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev
  librsvg2-dev libayatana-appindicator3-dev webkit2gtk-driver xvfb openjdk-17-jre-headless
  python3-venv unzip zstd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} (apt-get)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! need cargo; then
  echo "cargo is missing: install Rust with rustup (https://rustup.rs) and run this again." >&2
  exit 2
fi
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
if ! need tauri-driver; then
  echo "== installing tauri-driver (cargo install)"
  cargo install tauri-driver --locked --version 2.1.0
fi
# Apache Spark for the parity tests (tests/spark.rs): pyspark pinned, from the Python package index,
# in a virtual environment under the cache directory, reused when present. The tests find it there.
spark_env="$HOME/.cache/casefile-spark/venv-4.3.0"
if ! "$spark_env/bin/python" -c 'import pyspark' >/dev/null 2>&1; then
  echo "== installing pyspark 4.3.0 into $spark_env (pip)"
  rm -rf "$spark_env"
  python3 -m venv "$spark_env"
  "$spark_env/bin/pip" install --quiet --disable-pip-version-check pyspark==4.3.0
fi
"$spark_env/bin/python" -c 'import pyspark; assert pyspark.__version__ == "4.3.0", pyspark.__version__'
if ! need npm; then
  echo "npm is missing: install Node.js (20.19 or newer) with npm and run this again." >&2
  exit 2
fi

echo "== ui: npm ci, type check, lint, unit tests (vitest), build"
ui_log="${TMPDIR:-/tmp}/casefile-ui-test.log"
(cd ui && npm ci --no-audit --no-fund && npm run typecheck && npm run lint && NO_COLOR=1 npm test && npx vite build --logLevel warn) 2>&1 | tee "$ui_log"
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test (engine, CLI, and the desktop app in a real window)"
log="${TMPDIR:-/tmp}/casefile-test.log"
cargo test --workspace --locked 2>&1 | tee "$log"
echo "== the UI's types are the ones generated from the Rust DTOs"
if [ -n "$(git status --porcelain -- ui/src/bindings)" ]; then
  git status --short -- ui/src/bindings
  echo "ui/src/bindings differs from what cargo test generates: commit the generated files." >&2
  exit 1
fi
echo "== samples are what the generator writes"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$CARGO_TARGET_DIR/debug/casefile" generate samples "$tmp" >/dev/null
diff -r "$tmp" samples --exclude README.md
echo "== the desktop app's end-to-end checks (run above by cargo test: src-tauri/tests/window.rs)"
e2e_log=test-artifacts/e2e/log.txt
grep -E '^(ok|FAILED) - |^e2e: |cold start' "$e2e_log"
# One closing line for everything that ran (cargo's own last line is the doc-tests' count alone).
counts=$(awk '/^test result:/ || /^ +Tests +[0-9]/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } } END { print p + 0, f + 0 }' "$log" "$ui_log")
echo "tests: ${counts% *} passed, ${counts#* } failed"
