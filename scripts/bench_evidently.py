"""Evidently's DataDriftPreset on the two cohorts `bench drift` exported, for the ratio in
BENCHMARKS.md. Run by `bench drift --python PYTHON` (a Python with `evidently "pandas<3" pyarrow`:
Evidently 0.7 does not import with pandas 3). Prints one JSON object: seconds to load the Parquet
files, seconds per run of the report (Dataset wrapping included), and the columns it found drifted.

usage: bench_evidently.py A.parquet B.parquet RUNS NUMERIC,COLUMNS CATEGORICAL,COLUMNS
"""

import json
import sys
import time

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset


def main() -> None:
    a_path, b_path, runs, numeric, categorical = sys.argv[1:6]
    numeric = [c for c in numeric.split(",") if c]
    categorical = [c for c in categorical.split(",") if c]
    t = time.perf_counter()
    a = pd.read_parquet(a_path)
    b = pd.read_parquet(b_path)
    load_s = time.perf_counter() - t
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    times = []
    drifted = []
    for _ in range(int(runs)):
        t = time.perf_counter()
        reference = Dataset.from_pandas(a, data_definition=definition)
        current = Dataset.from_pandas(b, data_definition=definition)
        snapshot = Report([DataDriftPreset()]).run(current_data=current, reference_data=reference)
        result = snapshot.dict()
        times.append(time.perf_counter() - t)
        drifted = []
        for metric in result["metrics"]:
            config = metric.get("config", {})
            name = metric.get("metric_name", "")
            column = config.get("column")
            value = metric.get("value")
            threshold = config.get("threshold")
            method = config.get("method", "")
            if column and name.startswith("ValueDrift") and value is not None and threshold is not None:
                # Distances drift at or above the threshold, p-values ("K-S p_value") below it.
                if (value < threshold) if "p_value" in method else (value >= threshold):
                    drifted.append(column)
    print(
        json.dumps(
            {
                "rows_a": len(a),
                "rows_b": len(b),
                "load_s": load_s,
                "run_s": times,
                "drifted": sorted(drifted),
            }
        )
    )


if __name__ == "__main__":
    main()
