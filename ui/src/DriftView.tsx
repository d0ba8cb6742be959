import { useEffect, useRef, useState } from "react";
import { Alert } from "./Alert";
import {
  backend,
  errorText,
  type DriftReport,
  type DriftRequest,
  type FeatureDrift,
  type Hint,
  type Replayer,
  type SegmentDrift,
} from "./backend";
import { NO_FILTERS, toQuery } from "./decisions";
import { ReplayersPanel } from "./ReplayersPanel";
import { formatCount } from "./format";
import { percent } from "./progress";
import { describeProgress, useJob } from "./useJob";

function num(v: number | null): string {
  if (v === null) return "–";
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(2);
  return v.toFixed(4);
}

/** An axis label: whole numbers with separators when large, four significant digits otherwise. */
function axis(v: number | undefined): string {
  if (v === undefined) return "";
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US");
  return Number(v.toPrecision(4)).toString();
}

/** What measures a factor the case cannot judge yet, offered as the action itself. */
function FactorAction({ action, busy, onReplay, onAddReplayer }: {
  action: Hint;
  busy: boolean;
  onReplay: (modelVersion: string, replayer: string) => void;
  onAddReplayer: () => void;
}) {
  if (action.action === "replay_counterfactual") {
    return (
      <button
        type="button"
        className="primary small"
        disabled={busy}
        onClick={() => onReplay(action.model_version, action.replayer)}
        data-testid="measure-model"
        title="Replays the reference decisions through a current version's replayer, then compares again"
      >
        Replay {action.model_version}'s decisions through {action.replayer}
      </button>
    );
  }
  if (action.action === "add_replayer") {
    return (
      <button type="button" className="small" disabled={busy} onClick={onAddReplayer} data-testid="measure-model-add-replayer">
        Add a replayer{action.model_version ? ` for ${action.model_version}` : ""}…
      </button>
    );
  }
  return null;
}

const VERDICT_LABEL: Record<string, string> = {
  moved: "moved",
  steady: "steady",
  not_measured: "not measured",
};

/** The two cohorts' shares per bin or category, overlaid (a blue, b orange). */
function DistributionChart({ f }: { f: FeatureDrift }) {
  const d = f.distribution;
  const n = Math.max(d.a.length, d.b.length);
  if (n === 0) return <p className="muted">No values to chart.</p>;
  const W = 640;
  const H = 200;
  const top = Math.max(1e-12, ...d.a, ...d.b);
  const slot = W / n;
  const numeric = d.edges.length > 0;
  return (
    <svg className="drift-chart" viewBox={`0 0 ${W} ${H + 22}`} role="img" aria-label={`Distribution of ${f.name}`}>
      {d.a.map((sa, i) => {
        const sb = d.b[i] ?? 0;
        const ha = (sa / top) * H;
        const hb = (sb / top) * H;
        const x = i * slot;
        return numeric ? (
          <g key={i}>
            <rect x={x} y={H - ha} width={slot - 1} height={ha} className="a">
              <title>{`a: ${(sa * 100).toFixed(1)}% in ${axis(d.edges[i])} – ${axis(d.edges[i + 1])}`}</title>
            </rect>
            <rect x={x} y={H - hb} width={slot - 1} height={hb} className="b">
              <title>{`b: ${(sb * 100).toFixed(1)}% in ${axis(d.edges[i])} – ${axis(d.edges[i + 1])}`}</title>
            </rect>
          </g>
        ) : (
          <g key={i}>
            <rect x={x + 2} y={H - ha} width={slot / 2 - 3} height={ha} className="a">
              <title>{`a: ${(sa * 100).toFixed(1)}% ${d.categories[i]}`}</title>
            </rect>
            <rect x={x + slot / 2} y={H - hb} width={slot / 2 - 3} height={hb} className="b">
              <title>{`b: ${(sb * 100).toFixed(1)}% ${d.categories[i]}`}</title>
            </rect>
            <text x={x + slot / 2} y={H + 16} textAnchor="middle">
              {d.categories[i].slice(0, 12)}
            </text>
          </g>
        );
      })}
      {numeric && (
        <>
          <text x={0} y={H + 16}>
            {axis(d.edges[0])}
          </text>
          <text x={W} y={H + 16} textAnchor="end">
            {axis(d.edges[d.edges.length - 1])}
          </text>
        </>
      )}
    </svg>
  );
}

/** Segments of the comparison: each value's sizes, share of inputs drifted (a bar), and flips. */
function SegmentTable({
  report,
  scope,
  onScope,
}: {
  report: DriftReport;
  scope: string | null;
  onScope: (value: string | null) => void;
}) {
  const row = (s: SegmentDrift) => {
    const drifted = s.features.filter((f) => f.role === "input" && f.drifted).map((f) => f.name);
    return (
      <tr
        key={s.value}
        data-segment={s.value}
        className={`${s.dataset_drift ? "drifted" : ""}${s.value === scope ? " selected" : ""}`}
        onClick={() => onScope(s.value === scope ? null : s.value)}
        title={s.warning ?? "Show this segment's columns"}
      >
        <th>{s.value}</th>
        <td className="num">{formatCount(Number(s.rows_a))}</td>
        <td className="num">{formatCount(Number(s.rows_b))}</td>
        <td>
          <span className="share-bar" aria-label={`${Math.round(s.drift_share * 100)}% of inputs drifted`}>
            <span style={{ width: `${Math.round(s.drift_share * 100)}%` }} />
          </span>{" "}
          {Math.round(s.drift_share * 100)}%
        </td>
        <td className="small">{drifted.length ? drifted.join(", ") : "–"}</td>
        <td className="num">
          {s.flips ? `${formatCount(Number(s.flips.flipped))} of ${formatCount(Number(s.flips.replayed))} (${(s.flips.rate * 100).toFixed(1)}%)` : "–"}
        </td>
      </tr>
    );
  };
  return (
    <section className="card drift-segments" aria-label="Segments">
      <h3>
        Segments by {report.segment_by}{" "}
        <span className="muted small">click one to see its columns; click again for the whole cohorts</span>
      </h3>
      <table className="compare drift-table">
        <thead>
          <tr>
            <th>{report.segment_by}</th>
            <th className="num">a</th>
            <th className="num">b</th>
            <th>Inputs drifted</th>
            <th>Which</th>
            <th className="num" title="Reference decisions whose outcome under the current version is known (counterfactual replay, or both versions decided the same inputs), and how many flipped">Flips under b's version</th>
          </tr>
        </thead>
        <tbody>{report.segments.map(row)}</tbody>
      </table>
    </section>
  );
}

/**
 * Drift between two cohorts of decisions: pick them, run with progress, read which columns moved
 * (ranked), each column's two distributions overlaid, and whether the data, the model or the
 * retrieval moved; export the self-contained HTML report.
 */
export function DriftView({ start, onStarted }: { start?: { a: string; b: string } | null; onStarted?: () => void }) {
  const [a, setA] = useState(start?.a ?? "");
  const [b, setB] = useState(start?.b ?? "");
  const [versions, setVersions] = useState<string[]>([]);
  const [report, setReport] = useState<DriftReport | null>(null);
  const [asked, setAsked] = useState<DriftRequest | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [segmentBy, setSegmentBy] = useState("");
  const [columns, setColumns] = useState<string[]>([]);
  const [scope, setScope] = useState<string | null>(null);
  const job = useJob("drift");
  const replayJob = useJob("replay");
  const [replayers, setReplayers] = useState<Replayer[] | null>(null);
  const { running, progress } = job;
  const [exported, setExported] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    backend
      .decisions({
        model: null,
        model_version: null,
        from: null,
        to: null,
        subject: null,
        label: null,
        replay: null,
        stale_only: false,
        limit: 0,
        offset: 0,
        after: null,
      })
      .then((p) => {
        const vs = p.versions.map((v) => v.model_version).filter((v): v is string => v !== null);
        setVersions(vs);
        if (vs.length >= 2) {
          setA((old) => old || `model_version=${vs[0]}`);
          setB((old) => old || `model_version=${vs[1]}`);
        }
      })
      .catch((e) => setError(errorText(e)));
  }, []);

  // Opened from another screen with two cohorts: compared at once, once.
  const autoRun = useRef(!!start);
  useEffect(() => {
    if (start) onStarted?.();
  }, [start, onStarted]);
  useEffect(() => {
    if (!autoRun.current) return;
    autoRun.current = false;
    void run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const request = (): DriftRequest => ({
    a,
    b,
    features: [],
    tests: {},
    thresholds: {},
    segment_by: segmentBy || null,
  });

  async function run() {
    setError(null);
    setExported(null);
    try {
      const req = request();
      const r = await job.run(() => backend.drift(req));
      setReport(r);
      setAsked(req);
      setScope(null);
      setSelected(r.features[0]?.name ?? null);
      setColumns(r.features.filter((f) => f.role === "input").map((f) => f.name));
    } catch (e) {
      setError(errorText(e));
    }
  }

  /** The counterfactual the model factor asks for, then the comparison again with it. */
  async function measureModel(modelVersion: string, replayer: string) {
    setError(null);
    try {
      await replayJob.run(() =>
        backend.replay({
          decisions: [],
          query: toQuery({ ...NO_FILTERS, modelVersion }, null, null),
          replayer,
          repeat: null,
        }),
      );
      await run();
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function openReplayers() {
    try {
      setReplayers(await backend.replayers());
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function exportHtml() {
    if (!asked) return;
    setError(null);
    try {
      const [path] = await backend.pickFiles("save_report");
      if (!path) return;
      await job.run(() => backend.exportDriftReport(asked, path));
      setExported(`Report written to ${path}.`);
    } catch (e) {
      setError(errorText(e));
    }
  }

  const segment = report?.segments.find((s) => s.value === scope) ?? null;
  const features = segment ? segment.features : (report?.features ?? []);
  const feature = features.find((f) => f.name === selected) ?? features[0] ?? null;
  const segmentChoices = Array.from(new Set([...columns, "label", "model_version"]));

  return (
    <div className="drift-view">
      <form
        className="card drift-cohorts"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label>
          <span>
            <span className="swatch a" /> Reference (a)
          </span>
          <input aria-label="Reference cohort" value={a} onChange={(e) => setA(e.target.value)} placeholder="model_version=v2.3.1" />
        </label>
        <label>
          <span>
            <span className="swatch b" /> Current (b)
          </span>
          <input aria-label="Current cohort" value={b} onChange={(e) => setB(e.target.value)} placeholder="model_version=v2.4.0,from=2024-04-20" />
        </label>
        <label>
          <span title="An input, label, model or model_version: the comparison is repeated inside each of its values">Segment by</span>
          <input
            aria-label="Segment by"
            list="drift-segment-columns"
            value={segmentBy}
            onChange={(e) => setSegmentBy(e.target.value.trim())}
            placeholder="no segments"
            className="narrow"
          />
          <datalist id="drift-segment-columns">
            {segmentChoices.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </label>
        <button type="submit" className="primary" disabled={running} data-testid="run-drift">
          {running ? "Comparing…" : "Compare"}
        </button>
        <p className="muted small grow">
          A cohort is <code>key=value</code> pairs separated by commas over model, model_version, label, subject,
          from, to, stale, replay, actor, event_type and <code>input.NAME</code>; empty means every decision.
          {versions.length > 0 && (
            <>
              {" "}
              Versions here:{" "}
              {versions.map((v) => (
                <button key={v} type="button" className="link chip" onClick={() => setB(`model_version=${v}`)} title="Use as the current cohort">
                  {v}
                </button>
              ))}
            </>
          )}
        </p>
      </form>
      <Alert message={error} onDismiss={() => setError(null)} />
      {replayers && (
        <ReplayersPanel
          replayers={replayers}
          versions={versions}
          onChanged={() => void openReplayers()}
          onClose={() => {
            setReplayers(null);
            if (asked) void run();
          }}
        />
      )}
      {replayJob.running && (
        <div className="card" role="status" aria-label="Replay progress">
          <p>{describeProgress(replayJob.progress, formatCount)}</p>
          <progress max={100} value={percent(replayJob.progress?.done ?? 0, replayJob.progress?.total ?? 0)} />
          <button type="button" onClick={replayJob.cancel} data-testid="measure-model-cancel">
            Cancel
          </button>
        </div>
      )}
      {running && (
        <div className="card" role="status" aria-label="Drift progress">
          <p>{describeProgress(progress, formatCount)}</p>
          <progress max={100} value={percent(progress?.done ?? 0, progress?.total ?? 0)} />
          <button type="button" onClick={job.cancel} data-testid="drift-cancel">
            Cancel
          </button>
        </div>
      )}
      {report && !running && (
        <>
          <section className={`card drift-verdict ${report.dataset_drift ? "bad" : "good"}`} data-testid="drift-verdict">
            <div className="row">
              <h2 className="grow">{report.attribution.summary}</h2>
              <button onClick={exportHtml} title="A self-contained HTML file with the charts">
                Export HTML report…
              </button>
            </div>
            <p>
              {report.dataset_drift ? "Dataset drift" : "No dataset drift"}: {Math.round(report.drift_share * 100)}% of
              the inputs drifted (the bar is {Math.round(report.drift_share_threshold * 100)}%). a:{" "}
              <code>{report.a.filter || "every decision"}</code> ({formatCount(Number(report.a.rows))}) · b:{" "}
              <code>{report.b.filter || "every decision"}</code> ({formatCount(Number(report.b.rows))})
            </p>
            <dl className="factors">
              {(
                [
                  ["Data", report.attribution.data],
                  ["Model", report.attribution.model],
                  ["Retrieval", report.attribution.retrieval],
                ] as const
              ).map(([name, f]) => (
                <div key={name} className={`factor f-${f.verdict}`}>
                  <dt>
                    {name} <span className="verdict-tag">{VERDICT_LABEL[f.verdict] ?? f.verdict}</span>
                  </dt>
                  <dd>
                    {f.evidence}
                    {f.action && (
                      <div className="factor-action">
                        <FactorAction
                          action={f.action}
                          busy={running || replayJob.running}
                          onReplay={(v, r) => void measureModel(v, r)}
                          onAddReplayer={() => void openReplayers()}
                        />
                      </div>
                    )}
                  </dd>
                </div>
              ))}
            </dl>
            {report.output_rates.map((r) => (
              <p key={r.label} className="small">
                <strong>{r.label}</strong> rate {(r.rate_a * 100).toFixed(1)}% → {(r.rate_b * 100).toFixed(1)}% (
                {(r.difference * 100).toFixed(1)} points, 95% interval {(r.ci_low * 100).toFixed(1)} to{" "}
                {(r.ci_high * 100).toFixed(1)}){r.significant ? "" : ", not significant"}
              </p>
            ))}
            {report.warnings.map((w) => (
              <p key={w} className="warn small">
                {w}
              </p>
            ))}
            {exported && (
              <p className="ok small" role="status">
                {exported}
              </p>
            )}
          </section>
          {report.segment_by && <SegmentTable report={report} scope={scope} onScope={setScope} />}
          {segment && (
            <p className="card small" data-testid="drift-scope">
              Showing the segment <strong>{report.segment_by} = {segment.value}</strong>: {formatCount(Number(segment.rows_a))} and{" "}
              {formatCount(Number(segment.rows_b))} decisions, {Math.round(segment.drift_share * 100)}% of the inputs drifted
              {segment.output_rates
                .filter((r) => r.significant)
                .map((r) => `; ${r.label} rate ${(r.difference * 100).toFixed(1)} points`)
                .join("")}
              .{segment.warning && <span className="warn"> {segment.warning}</span>}{" "}
              <button type="button" className="link" onClick={() => setScope(null)}>
                Back to the whole cohorts
              </button>
            </p>
          )}
          <div className="drift-panes">
            <table className="compare drift-table" aria-label="Columns by drift">
              <thead>
                <tr>
                  <th>Column</th>
                  <th>Test</th>
                  <th className="num">Statistic</th>
                  <th className="num">p-value</th>
                  <th className="num">PSI</th>
                  <th className="num">Wass./sd</th>
                  <th className="num">JS</th>
                  <th className="num">n (a / b)</th>
                </tr>
              </thead>
              <tbody>
                {features.map((f) => (
                  <tr
                    key={f.name}
                    className={`${f.drifted ? "drifted" : ""}${f.name === feature?.name ? " selected" : ""}`}
                    onClick={() => setSelected(f.name)}
                    data-feature={f.name}
                    title={f.warning ?? undefined}
                  >
                    <th>
                      {f.name}
                      {f.role === "output" && <span className="tag">output</span>}
                      {f.drifted && <span className="tag drift-tag">drifted</span>}
                    </th>
                    <td>{f.test}</td>
                    <td className="num">{num(f.statistic)}</td>
                    <td className="num">{num(f.p_value)}</td>
                    <td className="num">{num(f.psi)}</td>
                    <td className="num">{num(f.wasserstein_norm)}</td>
                    <td className="num">{num(f.js_distance)}</td>
                    <td className="num">
                      {formatCount(Number(f.n_a))} / {formatCount(Number(f.n_b))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {feature && (
              <section className="card drift-feature" aria-label={`Column ${feature.name}`}>
                <h3>
                  {feature.name}{" "}
                  <span className="muted small">
                    {feature.kind} · {feature.test}
                    {feature.p_value !== null ? ` p = ${num(feature.p_value)}` : ` ${num(feature.statistic)}`} ·
                    threshold {num(feature.threshold)} · {feature.drifted ? "drifted" : "did not drift"}
                  </span>
                </h3>
                <p className="key small">
                  <span className="swatch a" /> a <span className="swatch b" /> b (share of each cohort)
                </p>
                <DistributionChart f={feature} />
                {feature.warning && <p className="warn small">{feature.warning}</p>}
              </section>
            )}
          </div>
        </>
      )}
      {!report && !running && (
        <p className="muted card">
          Choose two cohorts and compare them: every input and output is tested, ranked, and charted.
        </p>
      )}
    </div>
  );
}
