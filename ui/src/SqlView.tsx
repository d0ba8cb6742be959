import { useState } from "react";
import { Alert } from "./Alert";
import { backend, errorText, type SqlResult } from "./backend";
import { DataGrid } from "./DataGrid";
import { formatCount } from "./format";

const EXAMPLES = [
  "SELECT event_type, count(*) AS events FROM events GROUP BY 1 ORDER BY 2 DESC",
  "SELECT stream_id, count(*) AS events FROM events GROUP BY 1 ORDER BY 2 DESC LIMIT 20",
  "SELECT kind, count(*) FROM findings GROUP BY 1",
  "SELECT file_name, sha256, rows_loaded, imported_at, imported_by FROM sources",
];

/** Read-only SQL over the case (the same lockdown as `casefile sql`), with a result grid. */
export function SqlView() {
  const [query, setQuery] = useState(EXAMPLES[0]);
  const [result, setResult] = useState<SqlResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [took, setTook] = useState<number | null>(null);

  async function run() {
    setRunning(true);
    setError(null);
    const started = performance.now();
    try {
      setResult(await backend.runQuery(query));
      setTook(performance.now() - started);
    } catch (e) {
      setResult(null);
      setError(errorText(e));
    } finally {
      setRunning(false);
    }
  }

  return (
    <div className="sql-view">
      <section className="card">
        <textarea
          aria-label="SQL query"
          className="sql"
          spellCheck={false}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              run();
            }
          }}
        />
        <div className="row">
          <button className="primary" onClick={run} disabled={running || !query.trim()} data-testid="run-sql">
            {running ? "Running…" : "Run (Ctrl+Enter)"}
          </button>
          <select aria-label="Example queries" value="" onChange={(e) => e.target.value && setQuery(e.target.value)}>
            <option value="">Examples…</option>
            {EXAMPLES.map((x) => (
              <option key={x} value={x}>
                {x.slice(0, 70)}
              </option>
            ))}
          </select>
          <span className="muted small">
            Read-only: tables events, sources, quarantine, findings, notes. No other file is reachable.
          </span>
        </div>
        <Alert message={error} />
      </section>
      {result && (
        <>
          <p className="muted small" data-testid="sql-summary">
            {formatCount(result.rows.length)} rows{result.truncated ? " (cut at 5,000)" : ""}
            {took !== null ? ` · ${Math.round(took)} ms` : ""}
          </p>
          <div className="grid-box">
            <DataGrid label="Query result" columns={result.columns} rows={result.rows as unknown[][]} total={result.rows.length} />
          </div>
        </>
      )}
    </div>
  );
}
