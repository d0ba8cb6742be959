import { useCallback, useEffect, useRef, useState } from "react";
import { Alert } from "./Alert";
import {
  backend,
  errorText,
  type Finding,
  type FolderPreview,
  type FolderSummary,
  type QuarantinePage,
  type SourcePreview,
  type SourceRecord,
  type SourceReport,
} from "./backend";
import { DataGrid } from "./DataGrid";
import { formatCount } from "./format";
import { FileCard, pendingFile, type Pending, type Rerun } from "./ImportFile";
import { DumpTables, FolderCard, FolderResult } from "./ImportFolder";
import { latestOnly } from "./latest";
import { defaultTimeProblem } from "./mapping";
import { blockedHint, formatBytes, formatRate, percent, rowsPerSecond, type Sample } from "./progress";
import { useJob } from "./useJob";
import { formatInstant } from "./zone";

interface Props {
  onImported: () => void;
}

/** What a preview is asked with: the file and the user's choices for it. */
type Ask = Pick<Pending, "path" | "isFolder" | "format" | "mapping" | "defaultTime">;

/** The choices as the engine takes them: nothing where nothing was chosen. */
function choices(a: Ask): [string | undefined, string | undefined, string | undefined] {
  return [
    a.format ?? undefined,
    a.mapping !== null && a.mapping.trim() !== "" ? a.mapping : undefined,
    a.defaultTime.trim() || undefined,
  ];
}

/** A file's preview waiting to be asked (debounced) and the guard of its answer (latest only). */
interface Job {
  timer: number;
  guard: ReturnType<typeof latestOnly>;
}

/** Typing waits this long for a pause before the file is read again. */
const DEBOUNCE_MS = 300;

/** Import: choose or drop files, check how each will be read, load them with progress, see what happened. */
export function ImportView({ onImported }: Props) {
  const [files, setFiles] = useState<Pending[]>([]);
  const [typed, setTyped] = useState("");
  const [running, setRunning] = useState(false);
  const importJob = useJob("import");
  const progress = importJob.progress;
  const detail = progress?.detail?.type === "import" ? progress.detail : null;
  const samples = useRef<Sample[]>([]);
  const [rate, setRate] = useState(0);
  useEffect(() => {
    if (!detail) return;
    samples.current.push({ t: performance.now(), rows: detail.rows });
    if (samples.current.length > 200) samples.current.splice(0, 100);
    setRate(rowsPerSecond(samples.current));
  }, [detail]);
  const [reports, setReports] = useState<SourceReport[]>([]);
  const [findings, setFindings] = useState<Finding[]>([]);
  const [findingsTotal, setFindingsTotal] = useState(0);
  const [folderSummaries, setFolderSummaries] = useState<FolderSummary[]>([]);
  const [failures, setFailures] = useState<{ path: string; message: string }[]>([]);
  const [custody, setCustody] = useState<SourceRecord[]>([]);
  const [dragOver, setDragOver] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const jobs = useRef(new Map<string, Job>());

  const loadCustody = useCallback(() => {
    backend.sources().then(setCustody).catch((e) => setError(errorText(e)));
  }, []);
  useEffect(loadCustody, [loadCustody]);

  useEffect(() => {
    const pending = jobs.current;
    return () => {
      for (const job of pending.values()) {
        window.clearTimeout(job.timer);
        job.guard.drop();
      }
      pending.clear();
    };
  }, []);

  /** Forgets a file's preview on its way (superseded, removed, or its default time unreadable). */
  const forget = useCallback((path: string) => {
    const job = jobs.current.get(path);
    if (job) {
      window.clearTimeout(job.timer);
      job.guard.drop();
      jobs.current.delete(path);
    }
  }, []);

  /** Reads the file again with `ask` after `delayMs`; only the answer to the latest ask is shown. */
  const preview = useCallback(
    (ask: Ask, delayMs: number) => {
      forget(ask.path);
      if (defaultTimeProblem(ask.defaultTime)) return;
      const patch = (change: (f: Pending) => Partial<Pending>) =>
        setFiles((fs) => fs.map((f) => (f.path === ask.path ? { ...f, ...change(f) } : f)));
      const guard = latestOnly();
      const timer = window.setTimeout(() => {
        if (ask.isFolder) {
          backend.previewFolder(ask.path, ...choices(ask)).then(
            guard.keep((folder: FolderPreview) => patch(() => ({ folder, error: null, loading: false }))),
            guard.keep((e: unknown) => patch(() => ({ error: errorText(e), loading: false }))),
          );
          return;
        }
        backend.previewFile(ask.path, ...choices(ask)).then(
          guard.keep((p: SourcePreview) =>
            patch((f) => ({
              preview: p,
              error: null,
              loading: false,
              // A format read by its own rules has nothing mapped by hand; one mapped by hand
              // remembers which format it was.
              byHand: p.rebuilt ? false : f.byHand,
              rulesFormat: p.rebuilt ? p.format : f.byHand ? f.rulesFormat : null,
            })),
          ),
          guard.keep((e: unknown) => patch(() => ({ error: errorText(e), loading: false }))),
        );
      }, delayMs);
      jobs.current.set(ask.path, { timer, guard });
    },
    [forget],
  );

  const add = useCallback(
    (paths: string[]) => {
      // A folder is one item: every file inside is imported, with one summary.
      Promise.all(paths.map((p) => backend.isFolder(p).catch(() => false))).then((kinds) => {
        setFiles((fs) => {
          const fresh = paths
            .map((p, i) => pendingFile(p, kinds[i]))
            .filter((p, i) => paths.indexOf(p.path) === i && !fs.some((f) => f.path === p.path));
          for (const p of fresh) preview(p, 0);
          return [...fs, ...fresh];
        });
      });
    },
    [preview],
  );

  useEffect(() => {
    let unlisten: (() => void) | undefined;
    backend
      .onFileDrop((paths) => {
        setDragOver(false);
        add(paths);
      })
      .then((u) => (unlisten = u))
      .catch(() => undefined);
    return () => unlisten?.();
  }, [add]);

  /** Applies a change to a file's choices and, when it asks to, reads the file again. */
  const edit = (f: Pending, patch: Partial<Pending>, rerun: Rerun) => {
    const next = { ...f, ...patch };
    const asks = rerun !== null && defaultTimeProblem(next.defaultTime) === null;
    setFiles((fs) => fs.map((x) => (x.path === f.path ? { ...x, ...patch, ...(rerun ? { loading: asks } : {}) } : x)));
    if (rerun) preview(next, rerun === "now" ? 0 : DEBOUNCE_MS);
  };

  const remove = (path: string) => {
    forget(path);
    setFiles((fs) => fs.filter((x) => x.path !== path));
  };

  async function importAll() {
    setRunning(true);
    setError(null);
    setReports([]);
    setFindings([]);
    setFindingsTotal(0);
    setFolderSummaries([]);
    setFailures([]);
    window.scrollTo(0, 0);
    samples.current = [];
    const done: string[] = [];
    for (const f of files) {
      try {
        const r = await importJob.run(() => backend.importFiles([f.path], ...choices(f)));
        setReports((rs) => [...rs, ...r.sources]);
        setFindings((fs) => [...fs, ...r.findings]);
        setFindingsTotal((n) => n + r.findings_total);
        if (r.folders) setFolderSummaries((s) => [...s, ...(r.folders ?? [])]);
        done.push(f.path);
      } catch (e) {
        setFailures((fs) => [...fs, { path: f.path, message: errorText(e) }]);
        if (typeof e === "object" && e && "code" in e && e.code === "cancelled") break;
      }
    }
    setRunning(false);
    for (const path of done) forget(path);
    setFiles((fs) => fs.filter((f) => !done.includes(f.path)));
    loadCustody();
    onImported();
  }

  const ready =
    files.length > 0 &&
    files.every(
      (f) => (f.isFolder ? f.folder : f.preview) && !f.error && !f.loading && defaultTimeProblem(f.defaultTime) === null,
    );
  const refused = files.filter((f) => f.error).length;

  return (
    <div
      className={`import-view${dragOver ? " drag-over" : ""}`}
      onDragEnter={() => setDragOver(true)}
      onDragLeave={() => setDragOver(false)}
    >
      <Alert message={error} />
      <section className="card">
        <h2>Import event logs</h2>
        <p className="muted">
          JSON Lines, JSON, CSV, Parquet, CloudEvents, Marten, Axon, Kafka dumps (kcat), Debezium
          change events (a database's rows over time), SQL dumps of event stores (pg_dump,
          mysqldump), OpenTelemetry traces and logs and LLM platform exports (LangSmith, Langfuse,
          Phoenix), where LLM calls become decisions; gzip and zstd too; or a whole folder of them.
          Every record read is accounted for: loaded, quarantined with a reason, or a duplicate.
        </p>
        <div className="drop-zone" data-testid="drop-zone">
          <p>Drop log files or folders anywhere on this window, or</p>
          <div className="row">
            <button className="primary" onClick={() => backend.pickFiles("logs").then(add, (e) => setError(errorText(e)))}>
              Choose files…
            </button>
            <button onClick={() => backend.pickFiles("log_folder").then(add, (e) => setError(errorText(e)))}>
              Choose a folder…
            </button>
            <form
              className="row grow"
              onSubmit={(e) => {
                e.preventDefault();
                if (typed.trim()) add([typed.trim()]);
                setTyped("");
              }}
            >
              <input
                aria-label="File path"
                placeholder="type a file or folder path and press Enter"
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
              />
              <button type="submit" disabled={!typed.trim()}>
                Add
              </button>
            </form>
          </div>
        </div>
      </section>

      {running && (
        <section className="card" aria-label="Import progress" data-testid="import-progress">
          <div className="progress-line">
            <strong>{detail ? detail.path.split("/").pop() : "Starting…"}</strong>
            <span className="muted">{progress?.phase}</span>
            <span>{detail ? `${formatCount(detail.rows)} rows` : ""}</span>
            <span data-testid="rate">{formatRate(rate)}</span>
          </div>
          <progress
            max={100}
            value={progress && progress.total > 0 ? percent(progress.done, progress.total) : undefined}
          />
          <div className="muted small">
            {progress && progress.total > 0 ? `${formatBytes(progress.done)} of ${formatBytes(progress.total)}` : ""}
          </div>
        </section>
      )}

      {files.map((f) =>
        f.isFolder ? (
          <FolderCard
            key={f.path}
            path={f.path}
            preview={f.folder}
            error={f.error}
            loading={f.loading}
            running={running}
            onRemove={() => remove(f.path)}
          />
        ) : (
        <FileCard
          key={f.path}
          f={f}
          running={running}
          onEdit={(patch, rerun) => edit(f, patch, rerun)}
          onRemove={() => remove(f.path)}
        />
        ),
      )}

      {files.length > 0 && (
        <div className="row import-actions">
          <button className="primary" onClick={importAll} disabled={!ready || running} data-testid="start-import">
            Import {files.length} {files.some((f) => f.isFolder) ? (files.length === 1 ? "folder" : "items") : files.length === 1 ? "file" : "files"}
          </button>
          {running && <button onClick={importJob.cancel}>Cancel</button>}
          {!running && refused > 0 && (
            <span className="muted" data-testid="import-blocked">
              {blockedHint(refused, files.length)}
            </span>
          )}
        </div>
      )}


      {(reports.length > 0 || failures.length > 0 || folderSummaries.length > 0) && (
        <ImportSummary
          folders={folderSummaries}
          reports={reports}
          findings={findings}
          findingsTotal={findingsTotal}
          failures={failures}
        />
      )}

      <section className="card">
        <h3>Chain of custody</h3>
        {custody.length === 0 ? (
          <p className="muted">Nothing imported yet.</p>
        ) : (
          <table className="plain" aria-label="Chain of custody">
            <thead>
              <tr>
                <th>File</th>
                <th>sha256</th>
                <th>Format</th>
                <th className="num">Loaded</th>
                <th className="num" title="Events loaded with a time that is not their own">Times placed</th>
                <th>Imported</th>
                <th>By</th>
              </tr>
            </thead>
            <tbody>
              {custody.map((s) => (
                <tr key={s.source_id}>
                  <td title={s.path}>{s.file_name}</td>
                  <td>
                    <code title={s.sha256}>{s.sha256.slice(0, 16)}…</code>
                  </td>
                  <td>{s.format}</td>
                  <td className="num">{formatCount(s.rows_loaded)}</td>
                  <td className={`num${s.times_placed ? " warn" : ""}`}>{formatCount(s.times_placed ?? 0)}</td>
                  <td>{formatInstant(s.imported_at)}</td>
                  <td>{s.imported_by}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function ImportSummary({
  folders,
  reports,
  findings,
  findingsTotal,
  failures,
}: {
  folders: FolderSummary[];
  reports: SourceReport[];
  findings: Finding[];
  findingsTotal: number;
  failures: { path: string; message: string }[];
}) {
  const [quarantine, setQuarantine] = useState<QuarantinePage | null>(null);
  const [quarantineError, setQuarantineError] = useState<string | null>(null);
  const [source, setSource] = useState<number | null>(null);
  const withQuarantine = reports.filter((r) => r.rows_quarantined > 0);

  useEffect(() => {
    const first = source ?? withQuarantine[0]?.source_id ?? null;
    if (first === null) return;
    backend.quarantinePage(first, 500, 0).then(setQuarantine, (e) => setQuarantineError(errorText(e)));
    // Recomputed only when the chosen source or the reports change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [source, reports]);

  return (
    <section className="card" aria-label="Import summary" data-testid="import-summary">
      <h3>What was loaded</h3>
      <table className="plain">
        <thead>
          <tr>
            <th>File</th>
            <th>Format</th>
            <th className="num">Read</th>
            <th className="num">Loaded</th>
            <th className="num">Quarantined</th>
            <th className="num">Duplicates</th>
            <th className="num" title="Events loaded with a time that is not their own">Times placed</th>
            <th>What happened</th>
          </tr>
        </thead>
        <tbody>
          {reports.map((r) => (
            <tr key={r.source_id + r.path}>
              <td title={r.path}>{r.path.split("/").pop()}</td>
              <td>{r.format}</td>
              <td className="num">{formatCount(r.rows_read)}</td>
              <td className="num" data-testid="loaded">{formatCount(r.rows_loaded)}</td>
              <td className={`num${r.rows_quarantined ? " warn" : ""}`}>{formatCount(r.rows_quarantined)}</td>
              <td className="num">{formatCount(r.duplicates)}</td>
              <td
                className={`num${r.times_placed ? " warn" : ""}`}
                data-testid="times-placed"
                title={r.times_placed ? "Loaded with a time that is not their own; the sentence beside says where from." : undefined}
              >
                {formatCount(r.times_placed ?? 0)}
              </td>
              <td className="muted small report-message" data-testid="report-message">
                {r.message}
              </td>
            </tr>
          ))}
          {failures.map((f) => (
            <tr key={f.path} className="failed">
              <td>{f.path.split("/").pop()}</td>
              <td colSpan={7} role="alert" className="error">
                {f.message}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {folders.map((f) => (
        <FolderResult key={f.path} summary={f} />
      ))}
      {reports
        .filter((r) => (r.tables ?? []).length > 0)
        .map((r) => (
          <div key={`tables-${r.source_id}`}>
            <h4>Tables of {r.path.split("/").pop()}</h4>
            <DumpTables tables={r.tables ?? []} loaded />
          </div>
        ))}
      {withQuarantine.length > 0 && (
        <>
          <h4>
            Quarantined rows{" "}
            {withQuarantine.length > 1 && (
              <select aria-label="Quarantine of file" onChange={(e) => setSource(Number(e.target.value))}>
                {withQuarantine.map((r) => (
                  <option key={r.source_id} value={r.source_id}>
                    {r.path.split("/").pop()}
                  </option>
                ))}
              </select>
            )}
          </h4>
          <Alert message={quarantineError} />
          {quarantine && (
            <div className="grid-box small-grid">
              <DataGrid
                label="Quarantined rows"
                columns={["row", "reason", "raw"]}
                rows={quarantine.rows.map((q) => [q.row, q.reason, q.raw])}
                total={quarantine.rows.length}
              />
            </div>
          )}
        </>
      )}
      <h4>
        Integrity findings{" "}
        {findingsTotal > 0 && (
          <span className="muted small">
            {formatCount(findingsTotal)}
            {findingsTotal > Math.min(200, findings.length) ? `, the first ${Math.min(200, findings.length)} listed` : ""}
          </span>
        )}
      </h4>
      {findings.length === 0 ? (
        <p className="muted">No findings in these files.</p>
      ) : (
        <ul className="findings scroll-box">
          {findings.slice(0, 200).map((f, i) => (
            <li key={i}>
              <span className="tag">{f.kind}</span> {f.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
