import { useCallback, useEffect, useState } from "react";
import { Alert } from "./Alert";
import {
  backend,
  errorText,
  type LabelAudit,
  type TrainsetReport,
  type TrainsetRequest,
} from "./backend";
import { DataGrid } from "./DataGrid";
import { formatCount } from "./format";
import { percent } from "./progress";
import { describeProgress, useJob } from "./useJob";
import { durationText, leadText, shareOf, specKey } from "./trainset";

const PREVIEW_ROWS = 200;

/** What each key of a spec does, beside the editor. */
function SpecHelp() {
  return (
    <aside className="card trainset-help small" aria-label="Spec help">
      <h3>The spec</h3>
      <dl>
        <dt>
          <code>[examples]</code>
        </dt>
        <dd>
          <code>decisions = "FILTER"</code> (one row per decision: <code>model_version=v2.4.0,from=…,to=…</code>; "" for
          all) or <code>events = ["Type"]</code> with <code>time = "recorded_at"</code> or <code>"occurred_at"</code> and{" "}
          <code>from</code> / <code>to</code>.
        </dd>
        <dt>
          <code>axis</code>, <code>ttl</code>, <code>lineage</code>
        </dt>
        <dd>
          Top-level, before any table. <code>recorded</code> (default): what the system knew at the example time;{" "}
          <code>occurred</code>: what was true, known or not. <code>ttl = "90d"</code> empties values set longer ago.{" "}
          <code>lineage = true</code> adds the source event ids.
        </dd>
        <dt>
          <code>[[feature]]</code>
        </dt>
        <dd>
          <code>name</code> and <code>path = "address.city"</code> (the entity's state as of the example time), or{" "}
          <code>count = ["Type"]</code> with <code>window = "30d"</code>.
        </dd>
        <dt>
          <code>[label]</code>
        </dt>
        <dd>
          <code>event_types</code>: the first such event after the example time; <code>value = "path"</code> takes a
          payload field instead of the type; <code>within = "365d"</code>.
        </dd>
      </dl>
      <p className="muted">
        Durations: <code>45s</code>, <code>90m</code>, <code>12h</code>, <code>30d</code>, <code>2w</code>. Ctrl+Enter
        previews.
      </p>
    </aside>
  );
}

/** A count of rows with its share as a bar. */
function ShareCell({ testid, count, share, late = false }: { testid: string; count: number; share: number; late?: boolean }) {
  return (
    <td data-testid={testid}>
      <span className={late ? "share-bar late" : "share-bar"} aria-label={`${share.toFixed(1)}% of rows`}>
        <span style={{ width: `${Math.min(100, share)}%` }} />
      </span>{" "}
      <span className="num">{formatCount(count)}</span> <span className="muted small">{share.toFixed(1)}%</span>
    </td>
  );
}

/** The leakage audit: per feature, how often a naive join or late arrivals would change the row. */
function Audit({ report }: { report: TrainsetReport }) {
  const rows = report.rows;
  const sources = new Map(report.manifest.sources.map((s) => [s.name, s]));
  const features = report.columns.filter((c) => c.role === "feature");
  const leads = report.manifest.sources.map((s) => s.max_lead_us).filter((l): l is number => l !== null);
  const clean = leads.every((l) => l <= 0);
  return (
    <section className="card trainset-audit" aria-label="Leakage audit">
      <h3>
        Leakage audit{" "}
        <span className="muted small">
          what a naive join would have put in these {formatCount(rows)} rows ({report.manifest.axis} axis)
        </span>
      </h3>
      <p className={clean ? "ok small" : "warn small"} data-testid="trainset-lead">
        {clean
          ? "No column uses a value from after its example time."
          : "A column uses a value from after its example time: see the last column."}
      </p>
      <table className="compare trainset-table">
        <thead>
          <tr>
            <th>Feature</th>
            <th>Type</th>
            <th title="Rows a join on the entity's latest state (counts: by occurred time, whenever recorded) fills differently">
              Naive join differs
            </th>
            <th title="Rows whose value would differ with events that occurred before the example time but were recorded after it">
              Late-arriving
            </th>
            <th title="Latest source time used minus the example time, over the rows: never above zero">Latest source used</th>
            <th>First late examples</th>
          </tr>
        </thead>
        <tbody>
          {features.map((c) => {
            const l = report.leakage[c.name];
            const naive = shareOf(l?.naive_differs ?? 0, rows);
            const late = shareOf(l?.late_arriving ?? 0, rows);
            return (
              <tr key={c.name} data-feature={c.name}>
                <th>{c.name}</th>
                <td className="muted">{c.type}</td>
                <ShareCell testid="naive" count={l?.naive_differs ?? 0} share={naive} />
                <ShareCell testid="late" count={l?.late_arriving ?? 0} share={late} late />
                <td className="small">{leadText(sources.get(c.name)?.max_lead_us ?? null)}</td>
                <td className="small mono ids">{(l?.late_examples ?? []).slice(0, 3).join(", ") || "–"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {report.label_audit && <LabelLine audit={report.label_audit} rows={rows} />}
    </section>
  );
}

/** The label's audit in a sentence: outcomes are hindsight, but late ones were not known in time. */
function LabelLine({ audit, rows }: { audit: LabelAudit; rows: number }) {
  const delay = audit.max_delay_us !== null ? durationText(audit.max_delay_us) : null;
  return (
    <p className="small" data-testid="label-audit">
      <strong>Label</strong>: {formatCount(audit.labelled)} of {formatCount(rows)} rows labelled;{" "}
      {formatCount(audit.recorded_late)} labels were recorded after they occurred{delay ? ` (up to ${delay} later)` : ""}
      {audit.after_window !== null && (
        <>
          ; <span className={audit.after_window > 0 ? "warn" : ""}>{formatCount(audit.after_window)} only after their window closed</span>,
          so a model trained when it closed would not have had them
        </>
      )}
      .{audit.late_examples.length > 0 && <span className="muted mono"> {audit.late_examples.slice(0, 3).join(", ")}</span>}
    </p>
  );
}

/**
 * Training sets: edit a spec (a starter for this case to begin with), preview the rows and the
 * leakage audit, and export Parquet or CSV with its manifest, with progress.
 */
export function TrainsetView({ casePath }: { casePath: string }) {
  const [spec, setSpec] = useState<string>(() => sessionStorage.getItem(specKey(casePath)) ?? "");
  const [out, setOut] = useState("");
  const [report, setReport] = useState<TrainsetReport | null>(null);
  const [running, setRunning] = useState<"preview" | "export" | null>(null);
  const job = useJob("trainset");
  const progress = job.progress;
  const [written, setWritten] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const starter = useCallback(() => {
    backend
      .trainsetStarter()
      .then((text) => {
        setSpec(text);
        sessionStorage.setItem(specKey(casePath), text);
      })
      .catch((e) => setError(errorText(e)));
  }, [casePath]);

  useEffect(() => {
    if (!sessionStorage.getItem(specKey(casePath))) starter();
  }, [casePath, starter]);

  const edit = (text: string) => {
    setSpec(text);
    sessionStorage.setItem(specKey(casePath), text);
  };

  async function build(kind: "preview" | "export") {
    if (running) return;
    const path = out.trim();
    if (kind === "export" && !path) {
      setError("Name the file to write first (ending in .parquet or .csv), or choose it.");
      return;
    }
    setError(null);
    setWritten(null);
    setRunning(kind);
    try {
      const request: TrainsetRequest = {
        spec,
        origin: "the editor",
        out: kind === "export" ? path : null,
        preview_rows: PREVIEW_ROWS,
      };
      const r = await job.run(() => backend.trainset(request));
      setReport(r);
      if (r.out) setWritten(`Wrote ${formatCount(r.rows)} rows to ${r.out} and the manifest to ${r.manifest_path}.`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setRunning(null);
    }
  }

  async function choose() {
    try {
      const [path] = await backend.pickFiles("save_trainset");
      if (path) setOut(path);
    } catch (e) {
      setError(errorText(e));
    }
  }

  const features = report?.columns.filter((c) => c.role === "feature").length ?? 0;
  return (
    <div className="trainset-view">
      <div className="trainset-top">
        <form
          className="card trainset-spec"
          onSubmit={(e) => {
            e.preventDefault();
            void build("preview");
          }}
        >
          <div className="row">
            <h3 className="grow">Training-set spec</h3>
            <button type="button" onClick={starter} title="Replace the text with a starter spec for this case">
              Starter spec
            </button>
            <button type="submit" className="primary" disabled={running !== null} data-testid="preview-trainset">
              {running === "preview" ? "Building…" : "Preview"}
            </button>
          </div>
          <textarea
            aria-label="Training-set spec"
            className="mono"
            spellCheck={false}
            value={spec}
            onChange={(e) => edit(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void build("preview");
              }
            }}
          />
          <div className="row">
            <input
              aria-label="Output file"
              className="grow"
              value={out}
              onChange={(e) => setOut(e.target.value)}
              placeholder="/path/to/trainset.parquet (or .csv); the manifest goes beside it"
            />
            <button type="button" onClick={choose}>
              Choose…
            </button>
            <button type="button" onClick={() => void build("export")} disabled={running !== null} data-testid="export-trainset">
              {running === "export" ? "Exporting…" : "Export"}
            </button>
          </div>
          {written && (
            <p className="ok small" role="status" data-testid="trainset-written">
              {written}
            </p>
          )}
        </form>
        <SpecHelp />
      </div>
      <Alert message={error} onDismiss={() => setError(null)} />
      {running && (
        <div className="card" role="status" aria-label="Training set progress">
          <p>{describeProgress(progress, formatCount)}</p>
          <progress max={100} value={percent(progress?.done ?? 0, progress?.total ?? 0)} />
          <button type="button" onClick={job.cancel} data-testid="trainset-cancel">
            Cancel
          </button>
        </div>
      )}
      {report && !running && (
        <>
          <p className="card trainset-summary" data-testid="trainset-summary">
            <strong>{formatCount(report.rows)} rows</strong> × {report.columns.length} columns ({features} features
            {report.columns.some((c) => c.role === "label") ? ", a label" : ""}) on the {report.manifest.axis} axis ·
            case <code title={report.manifest.case_fingerprint}>{report.manifest.case_fingerprint.slice(0, 12)}</code> ·
            spec <code title={report.manifest.spec_sha256}>{report.manifest.spec_sha256.slice(0, 12)}</code>
          </p>
          <Audit report={report} />
          <section className="card trainset-preview" aria-label="Preview">
            <h3>
              Preview{" "}
              <span className="muted small">
                the first {formatCount(report.preview.rows.length)} of {formatCount(report.rows)} rows
              </span>
            </h3>
            <DataGrid
              label="Training set rows"
              columns={report.preview.columns}
              rows={report.preview.rows as unknown[][]}
              total={report.preview.rows.length}
            />
          </section>
        </>
      )}
      {!report && !running && (
        <p className="muted card">
          Each row is an example with its features exactly as the case knew them at the example time; Preview builds
          it and audits what a naive join would have leaked.
        </p>
      )}
    </div>
  );
}
