#!/usr/bin/env python3
"""Checks a training set built on a replicated lake (scripts/replicate-lake.py) against the
original case's training set: every row of the original, once per copy, with the copy's suffix.

    scripts/compare-replicated.py REPLICATED.parquet ORIGINAL.parquet COPIES

Strips `~rK` from every text (and list of text) column of the replicated rows, then compares them
with the original's rows repeated COPIES times as multisets (EXCEPT ALL both ways). Exits 1 when
anything differs. Needs the duckdb Python package (benchmark only).
"""
import sys

import duckdb


def main():
    replicated, original, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
    con = duckdb.connect()
    con.execute("SET memory_limit='6GB'; SET threads=2")
    rep = f"read_parquet('{replicated}')"
    orig = f"read_parquet('{original}')"
    columns = con.execute(f"DESCRIBE SELECT * FROM {rep}").fetchall()
    names = [c[0] for c in columns]
    if names != [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM {orig}").fetchall()]:
        sys.exit(f"the columns differ: {names}")

    def stripped(name, kind):
        quoted = '"' + name.replace('"', '""') + '"'
        if kind == "VARCHAR":
            return f"regexp_replace({quoted}, '~r[0-9]+', '', 'g') AS {quoted}"
        if kind == "VARCHAR[]":
            return (f"list_transform({quoted}, lambda x: regexp_replace(x, '~r[0-9]+', '', 'g'))"
                    f" AS {quoted}")
        return quoted

    select = ", ".join(stripped(c[0], c[1]) for c in columns)
    con.execute(f"CREATE TEMP TABLE r AS SELECT {select} FROM {rep}")
    con.execute(f"CREATE TEMP TABLE o AS "
                + " UNION ALL ".join([f"SELECT * FROM {orig}"] * copies))
    rows_r = con.execute("SELECT count(*) FROM r").fetchall()[0][0]
    rows_o = con.execute("SELECT count(*) FROM o").fetchall()[0][0]
    extra = con.execute("SELECT count(*) FROM (SELECT * FROM r EXCEPT ALL SELECT * FROM o)").fetchall()[0][0]
    missing = con.execute("SELECT count(*) FROM (SELECT * FROM o EXCEPT ALL SELECT * FROM r)").fetchall()[0][0]
    print(f"replicated rows {rows_r}, original x{copies} {rows_o}; "
          f"rows only in the replicated {extra}, only in the original x{copies} {missing}")
    if extra or missing or rows_r != rows_o:
        sys.exit(1)
    print("identical")


if __name__ == "__main__":
    main()
