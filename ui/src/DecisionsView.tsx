import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useRef, useState } from "react";
import { Alert } from "./Alert";
import {
  backend,
  errorHint,
  errorText,
  type Decision,
  type DecisionPage,
  type Explanation,
  type Hint,
  type Replayer,
  type ReplayFilter,
  type ReplayReport,
  type ReplayResult,
} from "./backend";
import type { Focus } from "./CaseShell";
import { DecisionCard } from "./DecisionCard";
import { DecisionsOverTime } from "./DecisionsOverTime";
import { NO_FILTERS, replayerStartFor, toQuery, verdict, type DecisionFilters, type ReplayerStart } from "./decisions";
import { formatCount, parseMicros } from "./format";
import { percent } from "./progress";
import { describeProgress, useJob } from "./useJob";
import { ReplayersPanel } from "./ReplayersPanel";
import { useReadOnly } from "./readonly";
import { displayZone, formatInstant } from "./zone";

interface Props {
  onOpen: (f: Partial<Focus>) => void;
  /** Opens the Models screen on a version's record. */
  onOpenModel?: (model: string | null, version: string) => void;
  /** Filters another screen opened the list with, taken once at mount. */
  start?: Partial<DecisionFilters> | null;
  onStarted?: () => void;
}

const PAGE = 200;
const ROW_HEIGHT = 58;

function fits(r: Replayer, d: Decision): boolean {
  return (r.model === null || r.model === d.model) && (r.model_version === null || r.model_version === d.model_version);
}

function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA");
}

/**
 * Every AI decision in the case: a filterable virtualized list, the selected decision explained, and
 * replays (one or the whole filter) with progress, cancel and verdicts.
 */
export function DecisionsView({ onOpen, onOpenModel, start, onStarted }: Props) {
  const [filters, setFilters] = useState<DecisionFilters>(() => ({ ...NO_FILTERS, ...start }));
  useEffect(() => {
    if (start) onStarted?.();
  }, [start, onStarted]);
  const [page, setPage] = useState<DecisionPage | null>(null);
  const [rows, setRows] = useState<Decision[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [explained, setExplained] = useState<Explanation | null>(null);
  const [replayers, setReplayers] = useState<Replayer[]>([]);
  const [showReplayers, setShowReplayers] = useState(false);
  // The form's starting values when an error's action opened it; a new key each time remounts it.
  const [replayerStart, setReplayerStart] = useState<{ key: number; start: ReplayerStart } | null>(null);
  const [replayWith, setReplayWith] = useState("");
  const [running, setRunning] = useState<"one" | "batch" | null>(null);
  const replayJob = useJob("replay");
  const progress = replayJob.progress;
  const tally = progress?.detail?.type === "replay" ? progress.detail : null;
  const runReplay = replayJob.run;
  const [report, setReport] = useState<ReplayReport | null>(null);
  const [results, setResults] = useState<Map<string, ReplayResult>>(new Map());
  // The decision view's build, the first time (or after an import): a job of its own.
  const viewJob = useJob("decision_view");
  const building = viewJob.progress;
  const buildView = viewJob.run;
  const [error, setError] = useState<string | null>(null);
  // The engine's hint for the error, when it is one this screen can act on.
  const [errorAction, setErrorAction] = useState<Hint | null>(null);
  const [reload, setReload] = useState(0);
  const loading = useRef(new Set<number>());
  // The cursor of the page starting at each row count: pages load by key, not offset, so the
  // millionth row comes as quickly as the first.
  const cursors = useRef(new Map<number, string>());
  const scroller = useRef<HTMLDivElement>(null);
  const fail = (e: unknown) => {
    setError(errorText(e));
    const hint = errorHint(e);
    setErrorAction(hint && (hint.action === "add_replayer" || hint.action === "trust_replayer") ? hint : null);
  };

  const loadReplayers = useCallback(() => {
    backend.replayers().then(setReplayers).catch(fail);
  }, []);
  useEffect(loadReplayers, [loadReplayers]);

  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      loading.current.clear();
      cursors.current.clear();
      buildView(() => backend.buildDecisionView())
        .then(() => backend.decisions(toQuery(filters, PAGE, 0)))
        .then((p) => {
          if (!live) return;
          if (p.next) cursors.current.set(p.decisions.length, p.next);
          setPage(p);
          setRows(p.decisions);
          setSelected((s) => (s && p.decisions.some((d) => d.decision_id === s) ? s : (p.decisions[0]?.decision_id ?? null)));
        })
        .catch((e) => live && fail(e));
    }, 150);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [filters, reload, buildView]);

  const more = useCallback(
    (offset: number) => {
      const after = cursors.current.get(offset);
      if (loading.current.has(offset) || !after) return;
      loading.current.add(offset);
      backend
        .decisions(toQuery(filters, PAGE, null, after))
        .then((p) => {
          if (p.next) cursors.current.set(offset + p.decisions.length, p.next);
          setRows((r) => (r.length === offset ? [...r, ...p.decisions] : r));
        })
        .catch(fail);
    },
    [filters],
  );

  useEffect(() => {
    if (!selected) {
      setExplained(null);
      return;
    }
    let live = true;
    backend
      .explain(selected)
      .then((x) => live && setExplained(x))
      .catch((e) => live && fail(e));
    return () => {
      live = false;
    };
  }, [selected]);

  const total = page?.total ?? 0;
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : 0;
  useEffect(() => {
    if (lastIndex >= rows.length && rows.length < total) more(rows.length);
  }, [lastIndex, rows.length, total, more]);

  const index = rows.findIndex((d) => d.decision_id === selected);
  const current = index >= 0 ? rows[index] : null;
  const readOnly = useReadOnly();
  const canReplay = (d: Decision | null) =>
    !readOnly && !!d && (replayWith !== "" || replayers.some((r) => fits(r, d)));

  const replay = useCallback(
    async (ids: string[] | null) => {
      setError(null);
      setRunning(ids ? "one" : "batch");
      try {
        const r = await runReplay(() =>
          backend.replay({
          decisions: ids ?? [],
          query: toQuery(filters, null, null),
          replayer: replayWith || null,
          repeat: null,
          }),
        );
        setReport(r);
        setResults(new Map(r.results.map((x) => [x.decision_id, x])));
        setReload((n) => n + 1);
      } catch (e) {
        fail(e);
      } finally {
        setRunning(null);
      }
    },
    [filters, replayWith, runReplay],
  );

  const openTimeline = useCallback(
    (d: Decision) =>
      onOpen({
        at: parseMicros(d.decided_at),
        axis: "recorded",
        stream: explained?.decision.decision_id === d.decision_id ? explained.reconstructed.stream_id : d.subject_id,
      }),
    [onOpen, explained],
  );

  // Arrow keys (or j/k) step through the decisions; R replays the one shown; T opens the timeline.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || typing(e)) return;
      if (e.key === "ArrowDown" || e.key === "j" || e.key === "ArrowUp" || e.key === "k") {
        const step = e.key === "ArrowDown" || e.key === "j" ? 1 : -1;
        const next = Math.min(rows.length - 1, Math.max(0, index + step));
        if (rows[next]) {
          e.preventDefault();
          setSelected(rows[next].decision_id);
          virtualizer.scrollToIndex(next, { align: "auto" });
        }
      } else if (e.key === "r" && current && canReplay(current) && !running) {
        void replay([current.decision_id]);
      } else if (e.key === "t" && current) {
        openTimeline(current);
      } else if (e.key === "Escape" && running) {
        replayJob.cancel();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const set = (f: Partial<DecisionFilters>) => setFilters((old) => ({ ...old, ...f }));
  const versions = page?.versions ?? [];
  const versionNames = versions.map((v) => v.model_version).filter((v): v is string => v !== null);

  return (
    <div className="decisions-view">
      <div className="toolbar decisions-filters">
        <select
          aria-label="Model version"
          value={filters.modelVersion}
          onChange={(e) => set({ modelVersion: e.target.value })}
        >
          <option value="">Every model version</option>
          {versions.map((v) => (
            <option key={`${v.model}|${v.model_version}`} value={v.model_version ?? ""}>
              {v.model} {v.model_version} ({formatCount(v.decisions)})
            </option>
          ))}
        </select>
        <select aria-label="Outcome" value={filters.label} onChange={(e) => set({ label: e.target.value })}>
          <option value="">Every outcome</option>
          {(page?.labels ?? []).map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
        <input
          aria-label="Subject"
          placeholder="Subject or decision id…"
          value={filters.subject}
          onChange={(e) => set({ subject: e.target.value })}
        />
        <label className="small">
          From{" "}
          <input type="datetime-local" aria-label="Decided from" value={filters.from} onChange={(e) => set({ from: e.target.value })} />
        </label>
        <label className="small">
          to{" "}
          <input type="datetime-local" aria-label="Decided to" value={filters.to} onChange={(e) => set({ to: e.target.value })} />
        </label>
        <span className="muted small">{displayZone()}</span>
        <select aria-label="Replay status" value={filters.replay} onChange={(e) => set({ replay: e.target.value as ReplayFilter | "" })}>
          <option value="">Any replay status</option>
          <option value="none">Never replayed</option>
          <option value="match">Reproduced</option>
          <option value="mismatch">Not reproduced</option>
          <option value="nondeterministic">Nondeterministic</option>
          <option value="failed">Replay failed</option>
        </select>
        <label className="small">
          <input type="checkbox" checked={filters.staleOnly} onChange={(e) => set({ staleOnly: e.target.checked })} /> Saw
          stale data
        </label>
        {filters !== NO_FILTERS && (
          <button className="link" onClick={() => setFilters(NO_FILTERS)}>
            Clear
          </button>
        )}
      </div>

      <DecisionsOverTime filters={filters} onPick={set} />

      <div className="toolbar replay-bar">
        <span data-testid="decision-count">
          {page ? `${formatCount(total)} decision${total === 1 ? "" : "s"}` : ""}
        </span>
        <label className="small">
          Replay with{" "}
          <select aria-label="Replay with" value={replayWith} onChange={(e) => setReplayWith(e.target.value)}>
            <option value="">each decision's own version</option>
            {replayers.map((r) => (
              <option key={r.name} value={r.name}>
                {r.name} (counterfactual for other versions)
              </option>
            ))}
          </select>
        </label>
        <button
          onClick={() => replay(null)}
          disabled={!!running || total === 0 || replayers.length === 0 || !!readOnly}
          title={readOnly ? "A bundle is read-only: a replay would be stored in it" : "Replays every decision the filter selects"}
        >
          Replay these {formatCount(total)}
        </button>
        <button
          className="link"
          aria-expanded={showReplayers}
          onClick={() => setShowReplayers((s) => !s)}
          disabled={!!readOnly}
        >
          Replayers ({replayers.length})
        </button>
        <span className="spacer" />
        <span className="muted small">↑↓ step · R replay · T timeline</span>
      </div>

      {running && (
        <div className="card replay-progress" role="status" aria-label="Replay progress">
          <div className="progress-line">
            <strong>Replaying</strong>
            <span>
              {tally && progress
                ? `${formatCount(progress.done)} of ${formatCount(progress.total)}`
                : describeProgress(progress, formatCount)}
            </span>
            <span className="ok">{tally?.matched ?? 0} match</span>
            <span className="error">{tally?.mismatched ?? 0} mismatch</span>
            <span className="warn">{tally?.failed ?? 0} failed</span>
            <span className="spacer" />
            <button onClick={replayJob.cancel}>Cancel (Esc)</button>
          </div>
          <progress max={100} value={percent(progress?.done ?? 0, progress?.total ?? 0)} />
        </div>
      )}
      {report && !running && (
        <p
          className={`run-verdict ${report.mode === "replay" && report.replayed > report.matched ? "bad" : "good"}`}
          role="status"
          data-testid="replay-verdict"
        >
          {verdict(report)}
          {report.findings > 0 && ` ${report.findings} determinism finding${report.findings > 1 ? "s" : ""} recorded.`}
          <button className="link" onClick={() => setReport(null)} aria-label="Dismiss">
            ×
          </button>
        </p>
      )}
      <Alert
        message={error}
        onDismiss={() => setError(null)}
        action={
          errorAction && {
            label: errorAction.action === "trust_replayer" ? `Trust ${errorAction.name} again…` : "Add a replayer…",
            run: () => {
              setError(null);
              setReplayerStart((s) => ({ key: (s?.key ?? 0) + 1, start: replayerStartFor(errorAction, replayers) }));
              setShowReplayers(true);
            },
          }
        }
      />
      {building && (
        <div className="card" role="status">
          <p className="row">
            <span className="grow">
              Finding the decisions in the log ({building.phase}): {formatCount(building.done)} of{" "}
              {formatCount(building.total)}
            </span>
            <button onClick={viewJob.cancel}>Cancel</button>
          </p>
          <progress max={100} value={percent(building.done, building.total)} />
        </div>
      )}

      <div className="decision-panes">
        <div ref={scroller} className="decision-list" role="listbox" aria-label="Decisions">
          {page && total === 0 && (
            <p className="muted card">
              {filters === NO_FILTERS
                ? "No AI decisions were found in this case. Decision events carry a model (or are configured with decision rules)."
                : "No decision matches these filters."}
            </p>
          )}
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {items.map((item) => {
              const d = rows[item.index];
              const r = d ? results.get(d.decision_id) : undefined;
              const status = r?.status ?? d?.last_replay ?? null;
              return (
                <div
                  key={item.key}
                  role="option"
                  aria-selected={!!d && d.decision_id === selected}
                  className={`decision-row${d && d.decision_id === selected ? " selected" : ""}${status === "mismatch" || status === "nondeterministic" || status === "failed" ? " flagged" : ""}`}
                  style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                  onClick={() => d && setSelected(d.decision_id)}
                  data-decision={d?.decision_id}
                >
                  {d ? (
                    <>
                      <div className="line">
                        <strong>{d.subject_id}</strong>
                        <span className="muted small">{d.decision_id}</span>
                        <span className="spacer" />
                        {d.label && (
                          <span className={`outcome o-${d.label}`} title={d.label}>
                            {d.label}
                          </span>
                        )}
                      </div>
                      <div className="line small">
                        <span className="muted">{formatInstant(d.decided_at, "minute")}</span>
                        <span className="version" title={d.model_version ?? undefined}>
                          {d.model_version}
                        </span>
                        {d.score !== null && <span className="muted">score {d.score}</span>}
                        <span className="spacer" />
                        {d.stale_inputs > 0 && (
                          <span className="flag warn" title="The model saw data the system already knew was out of date">
                            stale input
                          </span>
                        )}
                        {d.corrections > 0 && <span className="flag">overridden</span>}
                        {status && (
                          <span className={`flag r-${status}`} title={r?.error ?? undefined}>
                            {r?.counterfactual ? (r.flipped ? "would flip" : "same") : status}
                          </span>
                        )}
                      </div>
                    </>
                  ) : (
                    <span className="muted">…</span>
                  )}
                </div>
              );
            })}
          </div>
        </div>
        <div className="decision-detail">
          {showReplayers && (
            <ReplayersPanel
              key={replayerStart?.key ?? 0}
              start={replayerStart?.start}
              replayers={replayers}
              versions={versionNames}
              onChanged={loadReplayers}
              onClose={() => setShowReplayers(false)}
            />
          )}
          {explained && current && explained.decision.decision_id === current.decision_id ? (
            <DecisionCard
              x={explained}
              replayed={results.get(current.decision_id) ?? null}
              replaying={running === "one"}
              busy={running !== null}
              canReplay={canReplay(current)}
              onReplay={() => replay([current.decision_id])}
              onOpenTimeline={() => openTimeline(current)}
              onOpenModel={onOpenModel}
            />
          ) : (
            selected && <p className="muted card">Reading the decision…</p>
          )}
        </div>
      </div>
    </div>
  );
}
