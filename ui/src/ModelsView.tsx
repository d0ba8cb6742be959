import { Fragment, useEffect, useState, type ReactNode } from "react";
import { Alert } from "./Alert";
import { backend, errorText, type ModelRecord, type ModelsReport } from "./backend";
import { formatCount, parseMicros } from "./format";
import { timeAxis } from "./axes";
import { groupByModel, liveText, reproducedShare, shortTime } from "./models";
import { useJob } from "./useJob";
import { percent } from "./progress";
import { displayZone } from "./zone";

interface Props {
  /** Opens the decision list filtered to a version. */
  onDecisions: (modelVersion: string) => void;
  /** Opens Drift comparing two cohorts (`model_version=...`). */
  onDrift: (a: string, b: string) => void;
  /** The version to show first (`model|version`), when another screen opened this one. */
  start?: string | null;
}

const W = 900;
const ROW = 22;
const LEFT = 170;
const RIGHT = 34;

function name(m: ModelRecord): string {
  return `${m.model ?? "(unnamed model)"} ${m.version}`;
}

/** A name cut to fit the chart's label column, the whole name in its tooltip. */
function clip(text: string, max = 22): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Each version's live spans as bars on one time axis, and its decisions' first to last as a line
 * beneath (orange where some were made while it was not live). */
function VersionsChart({ models, selected, onSelect }: { models: ModelRecord[]; selected: string | null; onSelect: (k: string) => void }) {
  const times = models.flatMap((m) => [
    ...m.live.flatMap((s) => [parseMicros(s.from), ...(s.to ? [parseMicros(s.to)] : [])]),
    ...(m.first_decision_at ? [parseMicros(m.first_decision_at)] : []),
    ...(m.last_decision_at ? [parseMicros(m.last_decision_at)] : []),
  ]);
  if (times.length === 0) return null;
  const from = Math.min(...times);
  const to = Math.max(...times, from + 86_400_000_000);
  const x = (us: number) => LEFT + ((us - from) / (to - from)) * (W - LEFT - RIGHT);
  const height = models.length * ROW + 36;
  const axis = timeAxis(from, to, 8);
  return (
    <svg className="versions-chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-label="When each version was live">
      {axis.ticks.map((t) => (
        <g key={t} className="grid-line">
          <line x1={x(t)} x2={x(t)} y1={0} y2={models.length * ROW} />
          <text className="time-tick" x={x(t)} y={models.length * ROW + 14} textAnchor="middle">
            {axis.label(t)}
          </text>
        </g>
      ))}
      <text className="axis-title" x={(LEFT + W) / 2} y={height - 4} textAnchor="middle">
        time ({displayZone()}): bars when live, lines from first to last decision
      </text>
      {models.map((m, i) => {
        const key = `${m.model}|${m.version}`;
        const y = i * ROW;
        return (
          <g key={key} className={`version-row${key === selected ? " selected" : ""}`} onClick={() => onSelect(key)}>
            <text x={LEFT - 8} y={y + 15} textAnchor="end">
              {clip(name(m))}
              <title>{name(m)}</title>
            </text>
            {m.live.map((s) => (
              <rect
                key={s.from}
                className={`series-${i % 6}`}
                x={x(parseMicros(s.from))}
                y={y + 4}
                width={Math.max(2, x(s.to ? parseMicros(s.to) : to) - x(parseMicros(s.from)))}
                height={10}
              >
                <title>{`${name(m)} live ${shortTime(s.from)} – ${s.to ? shortTime(s.to) : "now"}`}</title>
              </rect>
            ))}
            {m.first_decision_at && m.last_decision_at && (
              <line
                className={m.not_live > 0 ? "decided warn" : "decided"}
                x1={x(parseMicros(m.first_decision_at))}
                x2={Math.max(x(parseMicros(m.last_decision_at)), x(parseMicros(m.first_decision_at)) + 2)}
                y1={y + 18}
                y2={y + 18}
              >
                <title>{`${formatCount(m.decisions)} decisions, ${shortTime(m.first_decision_at)} – ${shortTime(m.last_decision_at)}${m.not_live ? `; ${formatCount(m.not_live)} while not live` : ""}`}</title>
              </line>
            )}
          </g>
        );
      })}
    </svg>
  );
}

function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {rows.map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

function valueText(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v.join(", ");
  return JSON.stringify(v);
}

/** One version's record: when it was live, what its deployment recorded, its decisions and replays,
 * its findings; its decisions and the drift from its predecessor one click away. */
function ModelDetail({ m, onDecisions, onDrift }: { m: ModelRecord; onDecisions: Props["onDecisions"]; onDrift: Props["onDrift"] }) {
  const share = reproducedShare(m);
  return (
    <section className="card model-detail" aria-label={`Model ${name(m)}`} data-testid="model-detail">
      <h3>{name(m)}</h3>
      <p className="muted">
        {liveText(m)}
        {m.replaced_by && m.replaced_at && ` · replaced by ${m.replaced_by} at ${shortTime(m.replaced_at)}`}
        {m.deployed_by && ` · deployed by ${m.deployed_by}`}
      </p>
      <div className="decision-actions">
        <button onClick={() => onDecisions(m.version)} disabled={m.decisions === 0}>
          Show its {formatCount(m.decisions)} decisions
        </button>
        {m.predecessor && (
          <button onClick={() => onDrift(`model_version=${m.predecessor}`, `model_version=${m.version}`)}>
            Drift from {m.predecessor}
          </button>
        )}
      </div>
      <Facts
        rows={[
          ["Training cutoff", m.training_cutoff ?? <span className="muted">not recorded</span>],
          [
            "Decisions",
            m.decisions > 0 && m.first_decision_at && m.last_decision_at
              ? `${formatCount(m.decisions)}, ${shortTime(m.first_decision_at)} – ${shortTime(m.last_decision_at)}`
              : "none",
          ],
          [
            "Replays reproduced",
            share === null ? (
              <span className="muted">none replayed</span>
            ) : (
              <span className={share < 1 ? "warn" : "ok"}>
                {formatCount(m.reproduced)} of {formatCount(m.replayed)} ({(share * 100).toFixed(1)}%)
              </span>
            ),
          ],
          [
            "Made while not live",
            m.not_live > 0 ? <span className="warn">{formatCount(m.not_live)} decisions</span> : "none",
          ],
          [
            "Before its training cutoff",
            m.before_cutoff > 0 ? <span className="warn">{formatCount(m.before_cutoff)} decisions</span> : "none",
          ],
        ]}
      />
      {Object.keys(m.metrics).length > 0 && (
        <>
          <h4>Evaluation metrics</h4>
          <table className="compare">
            <tbody>
              {Object.entries(m.metrics).map(([k, v]) => (
                <tr key={k}>
                  <th>{k}</th>
                  <td className="num">{Number(v.toPrecision(6))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {Object.keys(m.approvals).length > 0 && (
        <>
          <h4>Approvals and certifications</h4>
          <Facts rows={Object.entries(m.approvals).map(([k, v]) => [k, valueText(v)])} />
        </>
      )}
      {m.features.length > 0 && (
        <>
          <h4>Features ({m.features.length})</h4>
          <p>
            {m.features.map((f) => (
              <span key={f} className="tag">
                {f}
              </span>
            ))}
          </p>
        </>
      )}
      {m.metadata !== null && (
        <details>
          <summary>Everything its deployment recorded</summary>
          <pre className="json">{JSON.stringify(m.metadata, null, 2)}</pre>
        </details>
      )}
    </section>
  );
}

/** Every model version on record: when each was live, what its deployment recorded, its decisions,
 * replays and findings. */
export function ModelsView({ onDecisions, onDrift, start }: Props) {
  const [report, setReport] = useState<ModelsReport | null>(null);
  const [selected, setSelected] = useState<string | null>(start ?? null);
  const [error, setError] = useState<string | null>(null);
  const viewJob = useJob("decision_view");
  const building = viewJob.progress;
  const buildView = viewJob.run;

  useEffect(() => {
    let live = true;
    buildView(() => backend.buildDecisionView())
      .then(() => backend.models())
      .then((r) => {
        if (!live) return;
        setReport(r);
        // The version asked for (by model and version, else by version alone), else the first.
        setSelected((s) => {
          const keys = r.models.map((m) => `${m.model}|${m.version}`);
          if (s && keys.includes(s)) return s;
          const byVersion = s ? r.models.find((m) => s.endsWith(`|${m.version}`)) : undefined;
          return byVersion ? `${byVersion.model}|${byVersion.version}` : (keys[0] ?? null);
        });
      })
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [buildView]);

  const models = report?.models ?? [];
  const current = models.find((m) => `${m.model}|${m.version}` === selected) ?? null;

  return (
    <div className="models-view">
      <Alert message={error} onDismiss={() => setError(null)} />
      {building && (
        <div className="card" role="status">
          <p>
            Finding the decisions and deployments ({building.phase}): {formatCount(building.done)} of{" "}
            {formatCount(building.total)}
          </p>
          <progress max={100} value={percent(building.done, building.total)} />
        </div>
      )}
      {report && models.length === 0 && (
        <p className="muted card">
          No model deployments or model versions in this case. Deployment events name a model version (ModelDeployed,
          ModelPromoted...); decisions name the version that made them.
        </p>
      )}
      {report && models.length > 0 && (
        <>
          <section className="card" aria-label="Versions over time">
            <h3>
              Versions over time{" "}
              {(report.not_live > 0 || report.before_cutoff > 0) && (
                <span className="tag warn" data-testid="model-findings">
                  {report.not_live > 0 && `${formatCount(report.not_live)} decisions by a version not live`}
                  {report.not_live > 0 && report.before_cutoff > 0 && " · "}
                  {report.before_cutoff > 0 && `${formatCount(report.before_cutoff)} before a training cutoff`}
                </span>
              )}
            </h3>
            <VersionsChart models={models} selected={selected} onSelect={setSelected} />
          </section>
          <div className="panes models-panes">
            <nav className="card model-list" aria-label="Model versions">
              {groupByModel(models).map((g) => (
                <div key={g.model ?? ""}>
                  <h4>{g.model ?? "(unnamed model)"}</h4>
                  <ul>
                    {g.versions.map((m) => {
                      const key = `${m.model}|${m.version}`;
                      return (
                        <li key={key}>
                          <button aria-pressed={key === selected} onClick={() => setSelected(key)} data-version={m.version}>
                            <strong>{m.version}</strong>
                            <span className="muted small">{liveText(m)}</span>
                            <span className="small">
                              {formatCount(m.decisions)} decisions
                              {m.not_live + m.before_cutoff > 0 && (
                                <span className="flag warn"> {formatCount(m.not_live + m.before_cutoff)} findings</span>
                              )}
                            </span>
                          </button>
                        </li>
                      );
                    })}
                  </ul>
                </div>
              ))}
            </nav>
            {current && <ModelDetail m={current} onDecisions={onDecisions} onDrift={onDrift} />}
          </div>
          {report.findings.length > 0 && (
            <section className="card" aria-label="Findings about models">
              <h3>Findings</h3>
              <ul className="small">
                {report.findings.slice(0, 50).map((f) => (
                  <li key={`${f.kind}-${f.decision_id}`}>{f.message}</li>
                ))}
              </ul>
              {report.not_live + report.before_cutoff > 50 && (
                <p className="muted small">The first 50 of {formatCount(report.not_live + report.before_cutoff)}.</p>
              )}
            </section>
          )}
        </>
      )}
    </div>
  );
}
