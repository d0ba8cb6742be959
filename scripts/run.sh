#!/usr/bin/env bash
# Installs what is missing, builds Casefile, and opens the bundled lending sample as a case.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/casefile-target}"
need() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! need g++ || ! need pkg-config; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential pkg-config
fi
need cargo || { echo "cargo is missing: install Rust with rustup (https://rustup.rs) and run this again." >&2; exit 2; }
cargo build --release --locked
bin="$CARGO_TARGET_DIR/release/casefile"
case_file="${1:-$PWD/lending.casefile}"
rm -f "$case_file" "$case_file.wal"
"$bin" import "$case_file" samples/lending/*
"$bin" info "$case_file"
echo
echo "What the underwriting model saw for applicant-0005 when it decided, and what was true then:"
"$bin" state "$case_file" applicant-0005 --at 2024-04-02T20:40:34Z
"$bin" state "$case_file" applicant-0005 --at 2024-04-02T20:40:34Z --axis occurred
echo
echo "The case is $case_file. Try:"
echo "  $bin history $case_file applicant-0005"
echo "  $bin population $case_file --type Applicant --at 2024-04-02"
echo "  $bin events $case_file --stream applicant-0005"
echo "  $bin sql $case_file \"SELECT event_type, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC\""
