import { Fragment } from "react";
import type { Explanation, LaterEvent, ReplayResult } from "./backend";
import { after, inputRows, valueText } from "./decisions";
import { parseMicros } from "./format";
import { formatInstant, isUtc } from "./zone";

interface Props {
  x: Explanation;
  /** This decision's result in the replay just run, if any. */
  replayed: ReplayResult | null;
  replaying: boolean;
  /** A replay is running (this one or a batch). */
  busy: boolean;
  /** A configured replayer fits this decision. */
  canReplay: boolean;
  onReplay: () => void;
  onOpenTimeline: () => void;
  /** Opens the Models screen on a version's record. */
  onOpenModel?: (model: string | null, version: string) => void;
}

const KIND_LABEL: Record<string, string> = {
  override: "Human override",
  correction: "Correction",
  caused: "Followed from it",
  outcome: "Outcome",
  late_fact: "Learned late",
  later: "Later",
};

function when(iso: string): string {
  return isUtc() ? `${formatInstant(iso, "milli")}Z` : formatInstant(iso, "milli");
}

/** A payload in a line: its first few fields. */
function gist(payload: unknown): string {
  if (typeof payload !== "object" || payload === null) return valueText(payload);
  const entries = Object.entries(payload as Record<string, unknown>).slice(0, 4);
  return entries.map(([k, v]) => `${k}: ${valueText(v)}`).join(" · ");
}

/** The decision and the events after it on one line, placed by time (log scale, so a day and a year both fit). */
function AfterStrip({ decidedAt, later }: { decidedAt: string; later: LaterEvent[] }) {
  if (later.length === 0) return null;
  const t0 = parseMicros(decidedAt);
  const offsets = later.map((l) => Math.max(0, parseMicros(l.event.recorded_at) - t0) / 1e6);
  const max = Math.log1p(Math.max(...offsets, 60));
  const x = (s: number) => 12 + (Math.log1p(s) / max) * 576;
  return (
    <svg className="after-strip" viewBox="0 0 600 34" role="img" aria-label="What came after, by time">
      <line x1="12" y1="17" x2="588" y2="17" className="axis" />
      <circle cx="12" cy="17" r="6" className="k-decision">
        <title>The decision</title>
      </circle>
      {later.map((l, i) => (
        <circle key={l.event.event_id} cx={x(offsets[i])} cy="17" r="5" className={`k-${l.kind}`}>
          <title>{`${KIND_LABEL[l.kind] ?? l.kind}: ${l.event.event_type} ${after(decidedAt, l.event.recorded_at)}`}</title>
        </circle>
      ))}
    </svg>
  );
}

/** One decision laid out for a reader who is not an engineer: what it saw, what was so, what followed. */
export function DecisionCard({ x, replayed, replaying, busy, canReplay, onReplay, onOpenTimeline, onOpenModel }: Props) {
  const d = x.decision;
  const rows = inputRows(x);
  const stale = rows.filter((r) => r.stale).length;
  const late = rows.filter((r) => r.learnedLater).length;
  const overrides = x.later_events.filter((l) => l.kind === "override");
  return (
    <article className="decision-card" aria-label={`Decision ${d.decision_id}`}>
      <header className="decision-head">
        <div>
          <h2>
            {d.subject_id} <span className="muted">· {d.decision_id}</span>
          </h2>
          <p className="muted small">
            {d.model ?? "model unknown"} {d.model_version ?? ""} decided {when(d.decided_at)} · recorded{" "}
            {when(d.recorded_at)}
            {d.actor ? ` · by ${d.actor}` : ""}
          </p>
        </div>
        <span className="spacer" />
        {d.label && <span className={`outcome big o-${d.label}`}>{d.label}</span>}
        {d.score !== null && <span className="score">score {d.score}</span>}
      </header>

      <div className="row decision-actions">
        <button className="primary" onClick={onReplay} disabled={busy || !canReplay} title="R">
          {replaying ? "Replaying…" : "Replay this decision"}
        </button>
        <button onClick={onOpenTimeline} title="T">
          Open on the timeline at this instant
        </button>
        {!canReplay && (
          <span className="muted small">No replayer fits {d.model_version ?? "this version"}: add one under Replayers.</span>
        )}
      </div>

      {replayed && (
        <section className={`verdict v-${replayed.status}`} role="status" data-testid="decision-verdict">
          <strong>
            {replayed.counterfactual
              ? replayed.flipped
                ? "Another version would have decided differently"
                : "Another version would have decided the same"
              : replayed.status === "match"
                ? "Reproduced: the replay gave the recorded answer"
                : replayed.status === "mismatch"
                  ? "Not reproduced: the replay gave a different answer"
                  : replayed.status === "nondeterministic"
                    ? "Not deterministic: the same request gave different answers"
                    : "The replay failed"}
          </strong>{" "}
          <span className="muted small">
            ({replayed.status}
            {replayed.replayer ? ` · ${replayed.replayer}` : ""} · {replayed.duration_ms} ms)
          </span>
          {replayed.error && <p>{replayed.error}</p>}
          {replayed.differences.length > 0 && (
            <table className="compare">
              <thead>
                <tr>
                  <th>Field</th>
                  <th>Recorded</th>
                  <th>Replayed</th>
                </tr>
              </thead>
              <tbody>
                {replayed.differences.map((df) => (
                  <tr key={df.path} className="diff">
                    <th>{df.path}</th>
                    <td>{valueText(df.recorded)}</td>
                    <td>{valueText(df.replayed)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}

      {(stale > 0 || late > 0 || !x.model.consistent || overrides.length > 0 || x.evidence_gaps.length > 0) && (
        <ul className="callouts">
          {stale > 0 && (
            <li className="warn">
              The model saw stale data: {stale} input{stale > 1 ? "s differ" : " differs"} from what the
              system already knew when it decided.
            </li>
          )}
          {late > 0 && (
            <li className="muted">
              {late} input{late > 1 ? "s were" : " was"} wrong at the time, but the system only learned it
              later.
            </li>
          )}
          {!x.model.consistent && (
            <li className="warn">
              The decision names {x.model.model_version ?? "no version"}, but the live version then was{" "}
              {x.model.live_version ?? "unknown"}.
            </li>
          )}
          {x.evidence_gaps.map((g) => (
            <li key={`${g.kind}-${g.event_id}`} className="warn" data-testid="decision-evidence-gap">
              Evidence gap: {g.message}
            </li>
          ))}
          {overrides.map((o) => (
            <li key={o.event.event_id}>
              A person overrode it {after(d.decided_at, o.event.recorded_at)}
              {o.event.actor ? ` (${o.event.actor})` : ""}
              {o.event.reason ? `: “${o.event.reason}”` : ""}.
            </li>
          ))}
        </ul>
      )}

      <section>
        <h3>What the model saw, next to what the system knew</h3>
        {rows.length === 0 ? (
          <p className="muted">The decision recorded no inputs.</p>
        ) : (
          <table className="compare" aria-label="Inputs">
            <thead>
              <tr>
                <th>Input</th>
                <th>The model saw</th>
                <th>The system knew then</th>
                <th>True then (known now)</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr
                  key={r.name}
                  className={r.stale ? "diff" : r.learnedLater ? "late" : undefined}
                  title={r.note ?? undefined}
                  data-input={r.name}
                >
                  <th>{r.name}</th>
                  <td>{valueText(r.saw)}</td>
                  <td>{r.knew === undefined ? <span className="muted">not in the record</span> : valueText(r.knew)}</td>
                  <td className={r.learnedLater ? undefined : "muted"}>{valueText(r.actual)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {x.discrepancies.map((dc) => (
          <p key={dc.path} className="small warn">
            {dc.message}
          </p>
        ))}
        <p className="muted small">
          {x.reconstructed.exists
            ? `${x.reconstructed.stream_id} as the system knew it at ${when(x.reconstructed.at)} (recorded axis, corrections known then applied).`
            : `${x.reconstructed.stream_id} did not exist yet in the system's records at ${when(x.reconstructed.at)}.`}
        </p>
      </section>

      <section>
        <h3>What it answered</h3>
        <pre className="json">{JSON.stringify(d.output, null, 2)}</pre>
        {d.llm && (
          <dl className="facts">
            {(["system_prompt", "prompt", "response", "parameters", "tokens", "finish_reason"] as const).map(
              (k) =>
                d.llm![k] !== null && (
                  <Fragment key={k}>
                    <dt>{k.replace("_", " ")}</dt>
                    <dd>{valueText(d.llm![k])}</dd>
                  </Fragment>
                ),
            )}
          </dl>
        )}
      </section>

      <section>
        <h3>
          The model as deployed then{" "}
          {onOpenModel && x.model.model_version && (
            <button className="link small" onClick={() => onOpenModel(x.model.model, x.model.model_version ?? "")}>
              Its record on the Models screen
            </button>
          )}
        </h3>
        {x.model.deployment_event_id ? (
          <dl className="facts">
            <dt>Version</dt>
            <dd>
              {x.model.model} {x.model.model_version}
              {x.model.consistent ? " (the live version)" : ""}
            </dd>
            <dt>Deployed</dt>
            <dd>
              {x.model.deployed_at ? when(x.model.deployed_at) : "—"}
              {x.model.deployed_by ? ` by ${x.model.deployed_by}` : ""}
            </dd>
            {typeof x.model.metadata === "object" &&
              x.model.metadata !== null &&
              Object.entries(x.model.metadata).map(([k, v]) => (
                <Fragment key={k}>
                  <dt>{k}</dt>
                  <dd>{valueText(v)}</dd>
                </Fragment>
              ))}
          </dl>
        ) : (
          <p className="muted">
            The case records no deployment of {x.model.model_version ?? "this version"} (
            {x.model.deployments_known} deployments known).
          </p>
        )}
      </section>

      {x.context.length > 0 && (
        <section>
          <h3>Documents it was given</h3>
          <ul className="plain">
            {x.context.map((c) => (
              <li key={c.id}>
                <strong>{c.id}</strong>{" "}
                {!c.found ? (
                  <span className="warn">not in the case</span>
                ) : (
                  <span className="muted small">
                    version {c.version_then ?? "?"} then
                    {c.changed_since ? ` · changed since (now version ${c.version_now})` : " · unchanged since"}
                  </span>
                )}
                {c.found && <pre className="json small">{JSON.stringify(c.state_then, null, 2)}</pre>}
              </li>
            ))}
          </ul>
        </section>
      )}

      {x.causation.length > 0 && (
        <section>
          <h3>What led to it</h3>
          <ol className="chain">
            {x.causation.map((e) => (
              <li key={e.event_id}>
                <strong>{e.event_type}</strong> <span className="muted small">{when(e.recorded_at)}</span>{" "}
                <span className="small">{gist(e.payload)}</span>
              </li>
            ))}
          </ol>
        </section>
      )}

      <section>
        <h3>What came after</h3>
        {x.later_events.length === 0 ? (
          <p className="muted">Nothing happened to {d.subject_id} after this decision.</p>
        ) : (
          <>
            <AfterStrip decidedAt={d.decided_at} later={x.later_events} />
            <ol className="after-list" aria-label="What came after">
              {x.later_events.map((l) => (
                <li key={l.event.event_id} className={`k-${l.kind}`}>
                  <span className="after-when">{after(d.decided_at, l.event.recorded_at)}</span>
                  <span className={`kind k-${l.kind}`}>{KIND_LABEL[l.kind] ?? l.kind}</span>
                  <strong>{l.event.event_type}</strong>
                  <span className="small">
                    {l.event.reason ? `“${l.event.reason}” · ` : ""}
                    {gist(l.event.payload)}
                  </span>
                </li>
              ))}
            </ol>
            {x.later_total > x.later_events.length && (
              <p className="muted small">
                The first {x.later_events.length} of {x.later_total} later events; the timeline has them all.
              </p>
            )}
          </>
        )}
      </section>

      {x.findings.length > 0 && (
        <section>
          <h3>Findings</h3>
          <ul className="findings">
            {x.findings.map((f, i) => (
              <li key={i}>
                <span className="tag">{f.kind}</span> {f.message}
              </li>
            ))}
          </ul>
        </section>
      )}
    </article>
  );
}
