import { useCallback, useEffect, useMemo, useState } from "react";
import {
  backend,
  isBackendError,
  type Axis,
  type CaseInfo,
  type History,
  type StreamState,
  type StreamSummary,
  type Timeline,
  type View,
} from "./backend";
import { DensityStrip } from "./DensityStrip";
import { StateTree } from "./StateTree";
import { formatCount, formatMicros, parseMicros as micros } from "./format";
import { stepFrom, zoom, type Span } from "./scrub";

interface Props {
  info: CaseInfo;
  onClose: () => void;
}

/** The timeline workspace: density strip and scrubber, entity search, state at the instant, events. */
export function Workspace({ info, onClose }: Props) {
  const [axis, setAxis] = useState<Axis>("recorded");
  const [view, setView] = useState<View>("as_corrected");
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [whole, setWhole] = useState<Span | null>(null);
  const [span, setSpan] = useState<Span | null>(null);
  const [at, setAt] = useState(0);
  const [search, setSearch] = useState("");
  const [found, setFound] = useState<StreamSummary[]>([]);
  const [stream, setStream] = useState<string | null>(null);
  const [history, setHistory] = useState<History | null>(null);
  const [current, setCurrent] = useState<StreamState | null>(null);
  const [previous, setPrevious] = useState<StreamState | null>(null);
  const [error, setError] = useState<string | null>(null);

  const fail = (e: unknown) => setError(isBackendError(e) ? e.message : String(e));

  useEffect(() => {
    backend
      .timeline(400, axis)
      .then((t) => {
        setTimeline(t);
        if (t.from && t.to) {
          const w = { from: micros(t.from), to: micros(t.to) };
          setWhole(w);
          setSpan((s) => s ?? w);
          setAt((a) => (a === 0 ? w.from + Math.round((w.to - w.from) / 2) : a));
        }
      })
      .catch(fail);
  }, [axis]);

  useEffect(() => {
    const t = setTimeout(() => {
      backend.searchStreams(search).then(setFound).catch(fail);
    }, 150);
    return () => clearTimeout(t);
  }, [search]);

  useEffect(() => {
    if (!stream) return;
    backend.history(stream, axis, view).then(setHistory).catch(fail);
  }, [stream, axis, view]);

  useEffect(() => {
    if (!stream) return;
    let live = true;
    backend
      .stateAt(stream, at, axis, view)
      .then((s) => {
        if (!live) return;
        setCurrent((c) => {
          setPrevious(c && c.stream_id === s.stream_id ? c : null);
          return s;
        });
      })
      .catch(fail);
    return () => {
      live = false;
    };
  }, [stream, at, axis, view]);

  const times = useMemo(() => (history ? history.steps.map((s) => micros(s.at)) : []), [history]);

  const step = useCallback(
    (n: number) => {
      const next = stepFrom(times, at, n);
      if (next !== null) setAt(next);
    },
    [times, at],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement) return;
      if (e.key === "ArrowRight") step(e.shiftKey ? 10 : 1);
      if (e.key === "ArrowLeft") step(e.shiftKey ? -10 : -1);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [step]);

  const currentIndex = times.reduce((last, t, i) => (t <= at ? i : last), -1);

  return (
    <div className="workspace">
      <header className="bar">
        <button className="ghost" onClick={onClose} aria-label="Close case">
          ←
        </button>
        <strong className="case-name">{info.path.split("/").pop()}</strong>
        <span className="muted">
          {formatCount(info.events)} events · {formatCount(info.streams)} entities
        </span>
        <div className="toggles">
          <div role="group" aria-label="Time axis" className="segmented">
            <button aria-pressed={axis === "recorded"} onClick={() => setAxis("recorded")}>
              What the system knew
            </button>
            <button aria-pressed={axis === "occurred"} onClick={() => setAxis("occurred")}>
              What was true
            </button>
          </div>
          <div role="group" aria-label="Corrections" className="segmented">
            <button aria-pressed={view === "as_corrected"} onClick={() => setView("as_corrected")}>
              As corrected
            </button>
            <button aria-pressed={view === "as_recorded"} onClick={() => setView("as_recorded")}>
              As recorded
            </button>
          </div>
        </div>
      </header>
      {error && (
        <p role="alert" className="error banner" onClick={() => setError(null)}>
          {error}
        </p>
      )}
      <section className="strip">
        <div className="instant" data-testid="instant">
          {formatMicros(at)} <span className="muted">({axis} axis)</span>
        </div>
        {timeline && span && whole && (
          <DensityStrip
            buckets={timeline.buckets}
            span={span}
            at={at}
            onScrub={setAt}
            onZoom={(center, factor) => setSpan(zoom(span, center, factor, whole))}
          />
        )}
      </section>
      <div className="panes">
        <aside className="entities">
          <input
            aria-label="Search entities"
            placeholder="Search entities…"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <ul>
            {found.map((s) => (
              <li key={s.stream_id}>
                <button
                  className={s.stream_id === stream ? "selected" : undefined}
                  onClick={() => setStream(s.stream_id)}
                >
                  {s.stream_id}
                  <span className="muted"> {s.events}</span>
                </button>
              </li>
            ))}
          </ul>
        </aside>
        <main className="state">
          <h2>{stream ?? "Choose an entity"}</h2>
          {current && (
            <>
              <p className="muted" data-testid="state-summary">
                {current.events_applied} of {current.events_seen} events applied · last{" "}
                {current.last_event_id ?? "–"}
              </p>
              <StateTree
                state={current.exists ? current.state : null}
                previous={previous?.exists ? previous.state : null}
              />
            </>
          )}
        </main>
        <aside className="events" aria-label="Events">
          <h3>Events</h3>
          <ol>
            {history?.steps.map((s, i) => (
              <li key={s.event.event_id} className={i === currentIndex ? "current" : undefined}>
                <button onClick={() => setAt(times[i])}>
                  <span className="event-type">{s.event.event_type}</span>
                  <span className="muted">{s.at.replace("T", " ").slice(0, 19)}</span>
                  {!s.applied && <span className="tag">no effect</span>}
                </button>
              </li>
            ))}
          </ol>
        </aside>
      </div>
    </div>
  );
}
