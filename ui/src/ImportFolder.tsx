import type { FolderPreview, FolderSummary, TableRead } from "./backend";
import { formatCount } from "./format";

/** The part of a path below `root`, for listing a folder's files. */
export function below(root: string, path: string): string {
  const r = root.endsWith("/") ? root : `${root}/`;
  return path.startsWith(r) ? path.slice(r.length) : path;
}

interface Props {
  path: string;
  preview: FolderPreview | null;
  error: string | null;
  loading: boolean;
  running: boolean;
  onRemove: () => void;
}

/** A folder before it is loaded: every file inside, how each will be read, and what will not be. */
export function FolderCard({ path, preview, error, loading, running, onRemove }: Props) {
  const p = preview;
  const wouldQuarantine = p?.files.reduce((n, f) => n + f.preview.would_quarantine, 0) ?? 0;
  return (
    <section className="card file-card" data-testid="folder-preview">
      <div className="file-head">
        <div>
          <strong>{path.split("/").filter(Boolean).pop()}/</strong>
          <div className="muted small">{path} · a folder: every file inside is imported, each its own source</div>
        </div>
        <div className="row">
          <span className={`updating small${loading && (p || error) ? " on" : ""}`} aria-live="polite">
            {loading && (p || error) ? "updating…" : ""}
          </span>
          <button className="ghost" aria-label={`Remove ${path}`} onClick={onRemove} disabled={running}>
            ×
          </button>
        </div>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!p && !error && <p className="muted">Reading the folder…</p>}
      {p && (
        <>
          <p className="small" data-testid="folder-facts">
            {formatCount(p.files_found)} {p.files_found === 1 ? "file" : "files"} found:{" "}
            {formatCount(p.files.length + p.not_previewed)} to import
            {p.stream_tables.length > 0 && `, ${p.stream_tables.length} stream table${p.stream_tables.length === 1 ? "" : "s"} read for stream types`}
            {p.not_imported.length > 0 && <span className="warn">, {p.not_imported.length} not imported (listed below)</span>}
            . In the first records of each file, {formatCount(wouldQuarantine)} would be quarantined.
          </p>
          <table className="plain" aria-label="Files of the folder">
            <thead>
              <tr>
                <th>File</th>
                <th>Format</th>
                <th>Partition keys</th>
                <th className="num" title="Records mapped for this preview (the first ones of each file)">Checked</th>
                <th className="num">Would quarantine</th>
                <th>First reason</th>
              </tr>
            </thead>
            <tbody>
              {p.files.map((f) => (
                <tr key={f.path}>
                  <td title={f.path}>{below(p.path, f.path)}</td>
                  <td title={f.preview.detected_by}>{f.preview.format}</td>
                  <td className="small">
                    {f.partition.length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      f.partition.map((k) => (
                        <span key={k.key} className="tag">
                          {k.key}={k.value}
                        </span>
                      ))
                    )}
                  </td>
                  <td className="num">{formatCount(f.preview.sampled_rows)}</td>
                  <td className={`num${f.preview.would_quarantine ? " warn" : ""}`}>
                    {formatCount(f.preview.would_quarantine)}
                  </td>
                  <td className="muted small">{f.preview.reasons[0]?.reason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {p.not_previewed > 0 && (
            <p className="muted small">
              {formatCount(p.not_previewed)} more {p.not_previewed === 1 ? "file" : "files"} will be imported; only the
              first {p.files.length} are previewed.
            </p>
          )}
          {p.stream_tables.map((s) => (
            <p key={s.path} className="small">
              <strong>{below(p.path, s.path)}</strong> is Marten&apos;s stream table: the events take their stream
              types from its {formatCount(s.streams)} streams.
            </p>
          ))}
          {p.not_imported.length > 0 && <NotImported root={p.path} files={p.not_imported} />}
        </>
      )}
    </section>
  );
}

function NotImported({ root, files }: { root: string; files: { path: string; code: string; message: string }[] }) {
  return (
    <>
      <h4>Not imported</h4>
      <table className="plain" aria-label="Files not imported">
        <tbody>
          {files.map((f) => (
            <tr key={f.path}>
              <td title={f.path}>{below(root, f.path)}</td>
              <td className="muted small">{f.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** What a folder import did, below the table of its files' reports. */
export function FolderResult({ summary }: { summary: FolderSummary }) {
  return (
    <div className="folder-result" data-testid="folder-summary">
      <p className="small">
        <strong>{summary.path.split("/").filter(Boolean).pop()}/</strong> {summary.message}
      </p>
      {summary.not_imported.length > 0 && <NotImported root={summary.path} files={summary.not_imported} />}
    </div>
  );
}

const ROLE_TEXT: Record<TableRead["role"], string> = {
  events: "events",
  streams: "stream types",
  skipped: "skipped",
};

/** The tables of a SQL dump and what each is read as. */
export function DumpTables({ tables, loaded }: { tables: TableRead[]; loaded: boolean }) {
  if (tables.length === 0) return null;
  return (
    <table className="plain" aria-label="Tables of the dump" data-testid="dump-tables">
      <thead>
        <tr>
          <th>Table</th>
          <th>Read as</th>
          <th className="num">Rows</th>
          {loaded && <th className="num">Loaded</th>}
          {loaded && <th className="num">Quarantined</th>}
          <th>Note</th>
        </tr>
      </thead>
      <tbody>
        {tables.map((t) => (
          <tr key={t.table}>
            <td>{t.table}</td>
            <td>
              {ROLE_TEXT[t.role]}
              {t.store ? ` (${t.store})` : ""}
            </td>
            <td className="num">{formatCount(t.rows_read)}</td>
            {loaded && <td className="num">{t.role === "events" ? formatCount(t.rows_loaded) : ""}</td>}
            {loaded && (
              <td className={`num${t.rows_quarantined ? " warn" : ""}`}>
                {t.role === "events" ? formatCount(t.rows_quarantined) : ""}
              </td>
            )}
            <td className="muted small">{t.note}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
