import { useState } from "react";
import { Alert } from "./Alert";
import { backend, errorText, type LakeExport, type LakeVerify } from "./backend";
import { formatBytes } from "./bundle";
import { formatCount } from "./format";
import { percent } from "./progress";
import { describeProgress, useJob } from "./useJob";

/** The tables of an export, in the order a reader meets them. */
const TABLE_ORDER = ["events", "decisions", "states"];

/** The lake export: the case as Parquet for Apache Spark, Trino or Hive, with a manifest of hashes;
 * and the check of an export against its manifest. */
export function LakeExportPanel() {
  const [dir, setDir] = useState("");
  const { running, progress, run, cancel } = useJob("lake_export");
  const [report, setReport] = useState<LakeExport | null>(null);
  const [check, setCheck] = useState<LakeVerify | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function choose() {
    try {
      const [chosen] = await backend.pickFiles("export_folder");
      if (chosen) setDir(chosen);
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function write() {
    if (!dir.trim()) {
      setError("Name a new or empty folder for the export, or choose one.");
      return;
    }
    setError(null);
    setReport(null);
    setCheck(null);
    try {
      const chosen = dir.trim();
      setReport(await run(() => backend.lakeExport(chosen)));
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function verify(path: string) {
    setError(null);
    setCheck(null);
    try {
      setCheck(await backend.lakeVerify(path));
    } catch (e) {
      setError(errorText(e));
    }
  }

  const tables = report
    ? Object.entries(report.tables).sort(([a], [b]) => TABLE_ORDER.indexOf(a) - TABLE_ORDER.indexOf(b))
    : [];
  return (
    <section className="card lake-export" aria-label="Export for Spark">
      <h3>Export for Spark, Trino or Hive</h3>
      <p className="muted small">
        The case as Parquet laid out for distributed engines: events by day and stream bucket, decisions, and every
        stream&apos;s state history, under a manifest with each file&apos;s SHA-256 and the events&apos; Merkle root. Training
        sets and populations then run on a cluster with <code>--engine spark</code> and give the same rows as here.
      </p>
      <span className="row">
        <input
          aria-label="Export folder"
          className="grow"
          value={dir}
          onChange={(e) => setDir(e.target.value)}
          placeholder="A new or empty folder"
        />
        <button type="button" onClick={choose} disabled={running}>
          Choose…
        </button>
        <button type="button" className="primary" onClick={write} disabled={running} data-testid="lake-export">
          Write the export
        </button>
        {running && (
          <button type="button" onClick={cancel} data-testid="lake-cancel">
            Cancel
          </button>
        )}
      </span>
      {running && (
        <div className="bundle-progress" role="status" aria-label="Export progress">
          <p className="small">
            {describeProgress(progress, formatCount)}
          </p>
          <progress max={100} value={percent(progress?.done ?? 0, progress?.total ?? 0)} />
        </div>
      )}
      <Alert message={error} onDismiss={() => setError(null)} />
      {report && (
        <div className="lake-result" data-testid="lake-result">
          <p>
            Wrote <code>{report.path}</code>: {formatCount(report.events)} events in {report.files.length} files (
            {formatBytes(report.bytes)}).
          </p>
          <table className="compact">
            <thead>
              <tr>
                <th>Table</th>
                <th className="num">Rows</th>
                <th className="num">Files</th>
              </tr>
            </thead>
            <tbody>
              {tables.map(([name, rows]) => (
                <tr key={name}>
                  <td>{name}</td>
                  <td className="num">{formatCount(rows)}</td>
                  <td className="num">{report.files.filter((f) => f.table === name).length}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="small">
            Merkle root <code data-testid="lake-root">{report.merkle_root}</code>
          </p>
          <button type="button" onClick={() => void verify(report.path)} data-testid="lake-verify">
            Verify the export
          </button>
        </div>
      )}
      {check && (
        <p className={check.ok ? "run-verdict good" : "run-verdict bad"} data-testid="lake-verdict">
          {check.ok
            ? `Verified: ${check.files_checked} files unchanged, ${formatCount(check.events)} events.`
            : `Not verified: ${check.problems.map((p) => `${p.file} ${p.message}`).join("; ")}.`}
        </p>
      )}
    </section>
  );
}
