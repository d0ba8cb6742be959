# Casefile's Spark driver: runs a job that `casefile` compiled (a JSON file named on the command
# line) with `spark-submit`, and writes what it found as JSON. It holds no semantics of its own:
# the SQL is Casefile's; this file only registers the lake's tables, runs the statements in order,
# picks each path feature's type from the JSON types its values have (as the embedded engine does),
# writes the rows as one Parquet file, and answers the audit queries.
import json
import os
import re
import shutil
import sys
import traceback


def category(schemas):
    """The column type for a path feature, from the Spark variant types its values have (each with
    whether a decimal's text has a fraction mark: a variant drops trailing zeros), by the embedded
    engine's rule: all integers BIGINT, integers and fractions DOUBLE, all booleans BOOLEAN, all
    strings (or no value at all) VARCHAR, anything else JSON text. A number written with a point or
    an exponent (1200.0, 1e3) is a fraction, as DuckDB's json_type reads it."""
    kinds = set()
    for s, written_as_fraction in schemas:
        if s is None or s == "VOID":
            continue
        if s in ("BIGINT", "INT", "SMALLINT", "TINYINT"):
            kinds.add("fraction" if written_as_fraction else "int")
        elif s.startswith("DECIMAL("):
            scale = int(s[len("DECIMAL("):-1].split(",")[1])
            kinds.add("int" if scale == 0 and not written_as_fraction else "fraction")
        elif s in ("DOUBLE", "FLOAT"):
            kinds.add("fraction")
        elif s == "BOOLEAN":
            kinds.add("bool")
        elif s == "STRING":
            kinds.add("string")
        else:
            kinds.add("nested")
    if kinds == {"int"}:
        return "BIGINT"
    if kinds and kinds <= {"int", "fraction"}:
        return "DOUBLE"
    if kinds == {"bool"}:
        return "BOOLEAN"
    if not kinds or kinds == {"string"}:
        return "VARCHAR"
    return "JSON"


EXTRACT = {
    "BIGINT": "try_variant_get({}, '$', 'bigint')",
    "DOUBLE": "try_variant_get({}, '$', 'double')",
    "BOOLEAN": "try_variant_get({}, '$', 'boolean')",
    "VARCHAR": "try_variant_get({}, '$', 'string')",
    # Objects and lists as their own text (a variant sorts keys); scalars as JSON.
    "JSON": "CASE WHEN schema_of_variant({0}) RLIKE '^(OBJECT|ARRAY)' THEN get_json_object({1}.state, {2}) ELSE to_json({0}) END",
}


def sql_literal(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def main():
    with open(sys.argv[1]) as f:
        batch = json.load(f)
    # One job, or several run in one Spark session (the parity tests).
    jobs = batch["jobs"] if "jobs" in batch else [batch]
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        for job in jobs:
            fail_only(job["result"], "no_pyspark", "pyspark cannot be imported: %s" % e)
        sys.exit(3)
    spark = SparkSession.builder.appName(jobs[0].get("name", "casefile")).getOrCreate()
    for job in jobs:
        try:
            run_job(spark, job)
        except Exception:
            fail_only(job["result"], "failed", traceback.format_exc())
        spark.catalog.clearCache()
    spark.stop()


def fail_only(result_path, kind, message):
    with open(result_path, "w") as f:
        json.dump({"error": {"kind": kind, "message": message}}, f)


def run_job(spark, job):
    result_path = job["result"]
    version = tuple(int(p) for p in re.findall(r"\d+", spark.version)[:2])
    if version < (4, 0):
        return fail_only(result_path, "too_old", spark.version)
    join = job["join"]
    if join == "auto":
        join = "asof" if version >= (4, 3) else "portable"
    if join == "asof" and version < (4, 3):
        return fail_only(result_path, "no_asof", spark.version)
    spark.conf.set("spark.sql.join.asofJoin.enabled", "true" if join == "asof" else "false")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    spark.conf.set("spark.sql.ansi.enabled", "false")
    for name, rel in job["tables"].items():
        path = os.path.join(job["lake"], rel)
        spark.read.parquet(path).createOrReplaceTempView(name)

    types = {}

    def substitute(sql):
        for key, ty in types.items():
            path = sql_literal(job["paths"].get(key, "$"))
            sql = re.sub(
                r"__EXTRACT_%s__\(([^()]*)\)" % key,
                lambda m: EXTRACT[ty].format(m.group(1), m.group(1).split(".")[0], path),
                sql,
            )
        return sql

    for step in job["steps"]:
        kind = step["kind"]
        sql = substitute(step[join] if join in step else step["sql"])
        if kind == "view":
            df = spark.sql(sql)
            if step.get("cache"):
                # On disk in a local run: cached in memory, the states joined at every example
                # hold the storage memory that sorts need, and a 10M-event run spent its time in
                # garbage collection. A cluster's executors keep theirs in memory.
                if job.get("cache_on_disk"):
                    from pyspark import StorageLevel

                    df = df.persist(StorageLevel.DISK_ONLY)
                else:
                    df = df.cache()
            df.createOrReplaceTempView(step["name"])
        elif kind == "type":
            rows = spark.sql(sql).collect()
            types[step["name"]] = category([(r[0], len(r) > 1 and bool(r[1])) for r in rows])
    out = job["out"]
    tmp = out + ".spark"
    final = spark.sql(substitute(job["final"]))
    final.coalesce(1).write.mode("overwrite").parquet(tmp)
    parts = [p for p in os.listdir(tmp) if p.endswith(".parquet")]
    if len(parts) != 1:
        return fail_only(result_path, "output", "Spark wrote %d Parquet files, not one" % len(parts))
    shutil.move(os.path.join(tmp, parts[0]), out)
    shutil.rmtree(tmp)
    audits = {}
    for key, sql in job["audits"].items():
        audits[key] = [list(r) for r in spark.sql(substitute(sql)).collect()]
    with open(result_path, "w") as f:
        json.dump(
            {"spark_version": spark.version, "join": join, "types": types, "audits": audits},
            f,
            default=str,
        )


if __name__ == "__main__":
    main()
