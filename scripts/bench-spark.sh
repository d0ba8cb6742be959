#!/usr/bin/env bash
# The embedded engine against Apache Spark in local mode, on one generated case, in one run:
#   scripts/bench-spark.sh EVENTS [MASTER]      (e.g. 1000000 local[2])
# Generates `lending-quirks` with EVENTS events (streams: EVENTS/10), imports it, writes the lake
# export, builds one training set with the embedded engine and on Spark (ASOF and portable joins),
# and a population both ways; prints wall time and peak RSS (GNU time; for Spark, the largest
# process: the JVM) of each, and whether the outputs are identical. Uses the release build and the
# pinned pyspark (scripts/test.sh installs it). Removes everything it wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
events="${1:?how many events}"
master="${2:-local[2]}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/casefile-target}"
cargo build --release -q -p casefile
bin="$CARGO_TARGET_DIR/release/casefile"
# BENCH_KEEP=DIR keeps the case and the export in DIR and reuses them on the next run (a 10M case
# takes about 20 minutes to generate, import and export here); otherwise all is removed at the end.
if [[ -n "${BENCH_KEEP:-}" ]]; then
  work="$BENCH_KEEP"; mkdir -p "$work"
  rm -rf "$work"/embedded.parquet* "$work"/spark-* "$work"/pop.parquet*
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/casefile-bench-spark.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
fi
py="$HOME/.cache/casefile-spark/venv-4.3.0/bin/python"
# SPARK_DRIVER_MEMORY=8g gives the local driver (where local mode's tasks run) more than the 4 GB
# Casefile asks for by default.
spark_conf=()
if [[ -n "${SPARK_DRIVER_MEMORY:-}" ]]; then spark_conf=(--conf "spark.driver.memory=$SPARK_DRIVER_MEMORY"); fi

measure() { # label, command...
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
    cat "$work/err" >&2; exit 1; }
  read -r secs kb <"$work/time"
  printf '%-34s %9.1f s %9.0f MB\n' "$label" "$secs" "$((kb / 1024))"
}

cp scripts/lending-trainset.toml "$work/spec.toml"

echo "== $events events, Spark $master, $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB," \
  "embedded memory limit ${CASEFILE_MEMORY_LIMIT:-half of the machine}, Spark driver ${SPARK_DRIVER_MEMORY:-4g}"
if [[ ! -f "$work/case.casefile" ]]; then
  "$bin" generate events "$work/events.jsonl" --scenario lending-quirks --events "$events" --streams $((events / 10)) >/dev/null
  measure "import" "$bin" import "$work/case.casefile" "$work/events.jsonl"
  rm "$work/events.jsonl"
  measure "decision view + snapshots" "$bin" trainset "$work/case.casefile" --starter
fi
if [[ ! -f "$work/lake/manifest.json" ]]; then
  rm -rf "$work/lake"
  measure "lake export" "$bin" export "$work/case.casefile" "$work/lake"
fi
echo "lake export size: $(du -sh "$work/lake" | cut -f1)"
measure "trainset, embedded" "$bin" trainset "$work/case.casefile" --spec "$work/spec.toml" --out "$work/embedded.parquet"
for join in asof portable; do
  measure "trainset, Spark ($join)" "$bin" trainset "$work/lake" --spec "$work/spec.toml" --engine spark \
    --master "$master" --join "$join" --python "$py" "${spark_conf[@]}" --out "$work/spark-$join"
done
at=2024-04-01T00:00:00Z
measure "population, embedded" "$bin" population "$work/case.casefile" --type Applicant --at $at --out "$work/pop.parquet"
measure "population, Spark" "$bin" population "$work/lake" --type Applicant --at $at --engine spark \
  --master "$master" --python "$py" "${spark_conf[@]}" --out "$work/spark-pop"

# Identical? Compared in Spark's own Python (pyspark reads both files).
"$py" - "$work" 2>/dev/null <<'EOF'
import sys
from pyspark.sql import SparkSession
w = sys.argv[1]
s = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
s.sparkContext.setLogLevel("ERROR")
def same(a, b):
    x, y = s.read.parquet(a), s.read.parquet(b)
    return x.count() == y.count() and x.exceptAll(y).count() == 0 and y.exceptAll(x).count() == 0
for j in ("asof", "portable"):
    print("trainset %s identical: %s" % (j, same(w + "/embedded.parquet", w + "/spark-%s/trainset.parquet" % j)))
print("population identical: %s" % same(w + "/pop.parquet", w + "/spark-pop/population.parquet"))
EOF
