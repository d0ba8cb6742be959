#!/usr/bin/env python3
"""A larger lake for the Spark scaling curve, made from a real lake export without a larger case.

    scripts/replicate-lake.py LAKE OUT COPIES

Writes COPIES copies of every stream of LAKE into OUT: copy k (k >= 1) suffixes every identifier
(stream, event, decision, subject, causation, correlation, corrected event, last event) with
`~rk` and shifts `seq` and `source_row` past the copies before it; copy 0 is the original. Times,
payloads and states are unchanged, so each copy's training-set rows are the original's with the
suffix: a run on OUT can be checked row for row against the original's. The manifest says what
OUT is: its case fingerprint names the original and the copies, and its Merkle root is empty
(OUT is not a case export; `casefile export --verify` rightly refuses it).

Needs the duckdb Python package (benchmark only; not used by Casefile or its tests).
"""
import hashlib
import json
import os
import sys

import duckdb


def main():
    lake, out, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if os.path.exists(out):
        sys.exit(f"{out} exists; choose a new folder")
    os.makedirs(os.path.join(out, "decisions"))
    manifest = json.load(open(os.path.join(lake, "manifest.json")))
    con = duckdb.connect()
    con.execute("SET memory_limit='6GB'; SET threads=2; SET preserve_insertion_order=false")
    con.execute(f"SET temp_directory='{out}.tmp'")
    max_seq = con.execute(
        f"SELECT max(seq) FROM read_parquet('{lake}/events/*/*/*.parquet')").fetchone()[0]
    max_row = con.execute(
        f"SELECT max(source_row) FROM read_parquet('{lake}/events/*/*/*.parquet')").fetchone()[0]

    def sfx(col, k):
        return col if k == 0 else f"CASE WHEN {col} IS NULL THEN NULL ELSE {col} || '~r{k}' END"

    for k in range(copies):
        print(f"copy {k}: events", flush=True)
        con.execute(f"""
            COPY (SELECT seq + {k} * {max_seq + 1} AS seq, {sfx('event_id', k)} AS event_id,
                         {sfx('stream_id', k)} AS stream_id, stream_type, stream_version, event_type,
                         schema_version, occurred_at, recorded_at, recorded_at_defaulted, naive_time,
                         actor, reason, {sfx('causation_id', k)} AS causation_id,
                         {sfx('correlation_id', k)} AS correlation_id, {sfx('corrects', k)} AS corrects,
                         payload, metadata, skipped, source_id,
                         source_row + {k} * {max_row + 1} AS source_row, event_date, stream_bucket
                  FROM read_parquet('{lake}/events/*/*/*.parquet', hive_partitioning = true)
                  ORDER BY event_date, stream_bucket, seq)
            TO '{out}/events' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (event_date, stream_bucket),
                               FILENAME_PATTERN 'part-r{k}-{{uuid}}', APPEND)""")
        print(f"copy {k}: states", flush=True)
        con.execute(f"""
            COPY (SELECT {sfx('stream_id', k)} AS stream_id, stream_type, valid_from, valid_to, state,
                         {sfx('last_event_id', k)} AS last_event_id, source_time, set_times_us,
                         fields_json, events_seen, view, axis
                  FROM read_parquet('{lake}/states/*/*/*.parquet', hive_partitioning = true))
            TO '{out}/states' (FORMAT parquet, COMPRESSION zstd,
                               ROW_GROUP_SIZE 100000, ROW_GROUPS_PER_FILE 2, PARTITION_BY (view, axis),
                               FILENAME_PATTERN 'part-r{k}-{{uuid}}', APPEND)""")
        print(f"copy {k}: decisions", flush=True)
        ids = ", ".join(f"{sfx(c, k)} AS {c}" for c in
                        ["decision_id", "event_id", "stream_id", "subject_id"])
        con.execute(f"""
            COPY (SELECT * REPLACE ({ids}, {sfx('causation_id', k)} AS causation_id,
                                    {sfx('correlation_id', k)} AS correlation_id)
                  FROM read_parquet('{lake}/decisions/*.parquet'))
            TO '{out}/decisions/part-r{k}.parquet' (FORMAT parquet, COMPRESSION zstd)""")

    files, tables = [], {}
    for root, _, names in os.walk(out):
        for name in sorted(names):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, out)
            table = rel.split(os.sep)[0]
            rows = con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
            digest = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            files.append({"path": rel, "sha256": digest.hexdigest(), "rows": rows, "table": table})
            tables[table] = tables.get(table, 0) + rows
    files.sort(key=lambda f: f["path"])
    manifest.update({
        "case_fingerprint": f"{manifest['case_fingerprint']}-x{copies}",
        "merkle_root": "",
        "events": manifest["events"] * copies,
        "streams": manifest["streams"] * copies,
        "tables": tables,
        "files": files,
    })
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(json.dumps(tables))


if __name__ == "__main__":
    main()
