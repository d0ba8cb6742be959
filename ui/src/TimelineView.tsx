import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Alert } from "./Alert";
import {
  backend,
  errorText,
  type CaseInfo,
  type EvidenceGap,
  type History,
  type StreamState,
  type Axis,
  type Bucket,
  type StreamSummary,
  type Timeline,
  type View,
} from "./backend";
import type { Focus } from "./CaseShell";
import { BitemporalChart, twoTimes } from "./BitemporalChart";
import { DensityStrip } from "./DensityStrip";
import { EventDetailPanel } from "./EventDetailPanel";
import { formatCount, formatMicros, parseMicros as micros } from "./format";
import { latestOnly } from "./latest";
import { markScrubInput, markScrubPainted, takeScrubInputs } from "./perf";
import { initialSpan, parseTypedInstant, stepFrom, zoom, type Span } from "./scrub";
import { StateTree } from "./StateTree";
import { useReadOnly } from "./readonly";
import { displayZone, formatInstant, isUtc } from "./zone";

/** Steps of a stream's history fetched at a time. */
const HISTORY_PAGE = 2_000;

interface Props {
  info: CaseInfo;
  focus: Focus;
  update: (f: Partial<Focus>) => void;
}

/** The timeline: density strip and scrubber, entity search, state at the instant, events, detail. */
export function TimelineView({ info, focus, update }: Props) {
  const { axis, view, at, stream } = focus;
  const readOnly = useReadOnly();
  const [streamType, setStreamType] = useState<string>("");
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [whole, setWhole] = useState<Span | null>(null);
  const [span, setSpan] = useState<Span | null>(null);
  const [buckets, setBuckets] = useState<Bucket[]>([]);
  const [search, setSearch] = useState("");
  const [found, setFound] = useState<StreamSummary[]>([]);
  const [history, setHistory] = useState<History | null>(null);
  // Where the selected entity's history in the case is cut short (a summary, missing versions).
  const [gaps, setGaps] = useState<EvidenceGap[]>([]);
  // The `after` of the history page being fetched, so one page is asked for once.
  const pendingPage = useRef<number | null>(null);
  const [current, setCurrent] = useState<StreamState | null>(null);
  const [previous, setPrevious] = useState<StreamState | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [noting, setNoting] = useState(false);
  const [bitemporal, setBitemporal] = useState(false);
  const [noteText, setNoteText] = useState("");
  const [flash, setFlash] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fail = (e: unknown) => setError(errorText(e));
  const setAt = useCallback((t: number) => update({ at: t }), [update]);

  useEffect(() => {
    backend
      .timeline(400, axis, streamType || undefined)
      .then((t) => {
        setTimeline(t);
        if (t.from && t.to) {
          const w = { from: micros(t.from), to: micros(t.to) };
          const usual =
            t.usual_from && t.usual_to ? { from: micros(t.usual_from), to: micros(t.usual_to) } : null;
          const first = initialSpan(w, usual);
          setWhole(w);
          setSpan(first);
          if (at === 0) update({ at: first.from + Math.round((first.to - first.from) / 2) });
        }
      })
      .catch(fail);
    // `at` is read once, for the first position only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [axis, streamType]);

  // The strip's bars are counted for the span in view, so zooming in sharpens them.
  useEffect(() => {
    if (!span) return;
    const t = setTimeout(() => {
      backend
        .timeline(400, axis, streamType || undefined, span.from, span.to)
        .then((b) => setBuckets(b.buckets))
        .catch(fail);
    }, 40);
    return () => clearTimeout(t);
  }, [span, axis, streamType]);

  // Only the answer to the latest text is shown: an older search answering last would otherwise
  // leave the list behind what the box says.
  useEffect(() => {
    const request = latestOnly();
    const t = setTimeout(() => {
      backend
        .searchStreams(search, streamType || undefined)
        .then(request.keep(setFound))
        .catch(request.keep(fail));
    }, 150);
    return () => {
      request.drop();
      clearTimeout(t);
    };
  }, [search, streamType]);

  // The case's evidence gaps by day, under the strip: where streams begin with a summary.
  const [caseGaps, setCaseGaps] = useState<{ days: { t: number; count: number }[]; total: number } | null>(null);
  useEffect(() => {
    let live = true;
    backend
      .gaps(null)
      .then(
        (r) =>
          live &&
          setCaseGaps({
            days: r.by_day.map((d) => ({ t: micros(d.day), count: d.count })),
            total: r.summaries + r.leading_versions + r.log_starts,
          }),
      )
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    setGaps([]);
    if (!stream) return;
    let live = true;
    backend
      .gaps(stream)
      .then((r) => live && setGaps(r.gaps))
      .catch((e) => live && fail(e));
    return () => {
      live = false;
    };
  }, [stream]);

  useEffect(() => {
    if (!stream) return;
    const request = latestOnly();
    pendingPage.current = null;
    backend
      .history(stream, axis, view, 0, HISTORY_PAGE)
      .then(request.keep(setHistory))
      .catch(request.keep(fail));
    return request.drop;
  }, [stream, axis, view]);

  // A long history (a busy account, a model's own stream) comes a page at a time: the next page
  // is asked for when the list is scrolled near its end or the scrubber passes the last step held.
  const moreHistory = useCallback(() => {
    if (!history || history.next === null || pendingPage.current === history.next) return;
    const after = history.next;
    pendingPage.current = after;
    backend
      .history(history.stream_id, history.axis, history.view, after, HISTORY_PAGE)
      .then((p) =>
        setHistory((h) =>
          h &&
          h.stream_id === p.stream_id &&
          h.axis === p.axis &&
          h.view === p.view &&
          h.first_step + h.steps.length === p.first_step
            ? { ...p, first_step: h.first_step, steps: [...h.steps, ...p.steps] }
            : h,
        ),
      )
      .catch(fail);
  }, [history]);

  // At most two state requests in flight (so the next one is queued while the last answer travels
  // back); each asks for the latest position, intermediate ones are skipped, and an answer older
  // than one already shown is dropped.
  const wanted = useRef<{ stream: string; at: number; axis: Axis; view: View } | null>(null);
  const sent = useRef<{ req: object | null; inflight: number; seq: number; shown: number }>({
    req: null,
    inflight: 0,
    seq: 0,
    shown: 0,
  });
  const ask = useCallback(() => {
    const q = sent.current;
    const req = wanted.current;
    if (!req || q.inflight >= 2 || q.req === req) return;
    q.req = req;
    q.inflight++;
    const seq = ++q.seq;
    const inputAt = takeScrubInputs();
    const started = performance.now();
    backend
      .stateAt(req.stream, req.at, req.axis, req.view)
      .then((s) => {
        const now = wanted.current;
        const same = now && now.stream === req.stream && now.axis === req.axis && now.view === req.view;
        if (!same || seq < q.shown) return;
        q.shown = seq;
        setCurrent((c) => {
          setPrevious(c && c.stream_id === s.stream_id ? c : null);
          return s;
        });
        markScrubPainted(inputAt, performance.now() - started);
      })
      .catch(fail)
      .finally(() => {
        q.inflight--;
        ask();
      });
  }, []);

  useEffect(() => {
    if (!stream || at === 0) return;
    wanted.current = { stream, at, axis, view };
    ask();
  }, [stream, at, axis, view, ask]);

  const times = useMemo(() => (history ? history.steps.map((s) => micros(s.at)) : []), [history]);

  const step = useCallback(
    (n: number) => {
      const next = stepFrom(times, at, n);
      if (next !== null) setAt(next);
    },
    [times, at, setAt],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target;
      if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement) return;
      if (e.key === "ArrowRight") step(e.shiftKey ? 10 : 1);
      else if (e.key === "ArrowLeft") step(e.shiftKey ? -10 : -1);
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [step]);

  const currentIndex = times.reduce((last, t, i) => (t <= at ? i : last), -1);
  const listRef = useRef<HTMLDivElement>(null);
  const steps = history?.steps ?? [];
  const virtualizer = useVirtualizer({
    count: steps.length,
    getScrollElement: () => listRef.current,
    estimateSize: () => 46,
    overscan: 8,
  });
  useEffect(() => {
    if (currentIndex >= 0) virtualizer.scrollToIndex(currentIndex, { align: "auto" });
  }, [currentIndex, virtualizer]);
  const lastShown = virtualizer.getVirtualItems().at(-1)?.index ?? -1;
  const lastHeld = times.length ? times[times.length - 1] : null;
  useEffect(() => {
    const nearEnd = Math.max(lastShown, currentIndex) >= steps.length - 20;
    if (nearEnd || (lastHeld !== null && at > lastHeld)) moreHistory();
  }, [lastShown, currentIndex, steps.length, lastHeld, at, moreHistory]);

  async function saveNote() {
    try {
      const n = await backend.addNote({
        body: noteText,
        at,
        axis,
        stream_id: stream,
        event_id: selected,
        supersedes: null,
      });
      setNoting(false);
      setNoteText("");
      setFlash(`Note ${n.note_id} saved.`);
      setTimeout(() => setFlash(null), 3000);
    } catch (e) {
      fail(e);
    }
  }

  const types = Object.keys(info.stream_types);

  return (
    <div className="timeline-view">
      <Alert message={error} onDismiss={() => setError(null)} />
      <section className="strip">
        <div className="strip-head">
          <div className="instant" data-testid="instant" data-at={at}>
            <input
              className="go-to"
              style={isUtc() ? undefined : { width: "22em" }}
              aria-label="Go to instant"
              title={`Type an instant (${displayZone()}) and press Enter: 2024-03-01, 2024-03-01 12:30, or RFC 3339`}
              key={at}
              defaultValue={at ? (isUtc() ? formatMicros(at) : formatInstant(at, "milli")) : ""}
              onKeyDown={(e) => {
                if (e.key !== "Enter") return;
                const t = parseTypedInstant(e.currentTarget.value);
                if (t === null) setError(`"${e.currentTarget.value}" is not an instant: type 2024-03-01, 2024-03-01 12:30 or RFC 3339.`);
                else {
                  setAt(t);
                  if (span && whole && (t < span.from || t > span.to)) setSpan(whole);
                }
              }}
            />{" "}
            <span className="muted">
              ({axis === "recorded" ? "recorded" : "occurred"} axis
              {timeline ? ` · ${formatCount(timeline.total)} events` : ""})
            </span>
          </div>
          <div className="strip-tools">
            {caseGaps && caseGaps.total > 0 && (
              <span
                className="small"
                data-testid="strip-case-gaps"
                title="Streams whose history in the case begins with a summary (a compaction, a snapshot, a carried-forward balance) or past version 1: the events before it are not in the case"
              >
                <span className="swatch gap" /> {formatCount(caseGaps.total)} {caseGaps.total === 1 ? "stream begins" : "streams begin"} with a gap
              </span>
            )}
            {stream && times.length > 0 && (
              <span className="small" data-testid="strip-marks">
                <span className="swatch marks" /> {stream}&apos;s events
              </span>
            )}
            <span className="muted small">drag to scrub · Shift+drag or wheel to zoom · ←/→ step (Shift ×10)</span>
            {span && whole && (span.from !== whole.from || span.to !== whole.to) && (
              <button className="link" onClick={() => setSpan(whole)}>
                Show all
              </button>
            )}
          </div>
        </div>
        {timeline && span && whole ? (
          <DensityStrip
            buckets={buckets}
            span={span}
            at={at}
            onScrub={(t) => {
              markScrubInput();
              setAt(t);
            }}
            onZoom={(center, factor) => setSpan(zoom(span, center, factor, whole))}
            marks={times}
            onBrush={(from, to) => setSpan({ from, to })}
            gapBefore={gaps.length ? Math.max(...gaps.map((g) => micros(g.before))) : null}
            gapDays={caseGaps?.days}
          />
        ) : (
          <div className="strip-empty muted">The case has no events yet: import some logs.</div>
        )}
      </section>
      <div className="panes">
        <aside className="entities" aria-label="Entities">
          <input
            aria-label="Search entities"
            placeholder="Search entities…"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <select
            aria-label="Stream type"
            value={streamType}
            onChange={(e) => setStreamType(e.target.value)}
          >
            <option value="">All types</option>
            {types.map((t) => (
              <option key={t} value={t}>
                {t} ({formatCount(info.stream_types[t])})
              </option>
            ))}
          </select>
          <ul>
            {found.map((s) => (
              <li key={s.stream_id}>
                <button
                  className={s.stream_id === stream ? "selected" : undefined}
                  onClick={() => {
                    setSelected(null);
                    update({ stream: s.stream_id });
                  }}
                >
                  <span>{s.stream_id}</span>
                  <span className="muted small">
                    {s.stream_type ?? ""} · {s.events}
                  </span>
                </button>
              </li>
            ))}
            {found.length === 0 && <li className="muted small">No entity matches.</li>}
          </ul>
        </aside>
        <main className="state">
          <div className="state-head">
            <h2>{stream ?? "Choose an entity"}</h2>
            {stream && (
              <button
                aria-pressed={bitemporal}
                onClick={() => setBitemporal((b) => !b)}
                data-testid="bitemporal-toggle"
                title="Each event by when it happened and when it was recorded: late arrivals, records ahead of time and corrections stand out"
              >
                Two time axes
              </button>
            )}
            {stream && (
              <button
                onClick={() => setNoting((n) => !n)}
                data-testid="add-note"
                disabled={!!readOnly}
                title={readOnly ? "A bundle is read-only: notes cannot be added to it" : undefined}
              >
                Bookmark…
              </button>
            )}
          </div>
          {noting && (
            <form
              className="note-form"
              onSubmit={(e) => {
                e.preventDefault();
                saveNote();
              }}
            >
              <p className="muted small">
                A note on {stream} at {formatInstant(at, "milli")} ({axis} axis)
                {selected ? `, event ${selected}` : ""}. Notes are never edited in place.
              </p>
              <textarea
                aria-label="Note"
                value={noteText}
                onChange={(e) => setNoteText(e.target.value)}
                placeholder="What did you find?"
                autoFocus
              />
              <div className="row">
                <button className="primary" type="submit" disabled={!noteText.trim()}>
                  Save note
                </button>
                <button type="button" onClick={() => setNoting(false)}>
                  Cancel
                </button>
              </div>
            </form>
          )}
          {flash && (
            <p className="ok" role="status">
              {flash}
            </p>
          )}
          {stream &&
            gaps.map((g) => (
              <p key={`${g.kind}-${g.event_id}`} className="card warn evidence-gap" role="note" data-testid="evidence-gap">
                <strong>Evidence gap.</strong> {g.message}
              </p>
            ))}
          {stream && bitemporal && history && (
            <BitemporalChart
              events={twoTimes(history.steps)}
              at={at}
              axis={axis}
              selected={selected}
              onSelect={setSelected}
            />
          )}
          {current && stream && (
            <>
              <p className="muted" data-testid="state-summary">
                {current.exists ? "" : "Not yet in existence · "}
                {current.events_applied} of {current.events_seen} events applied · last{" "}
                {current.last_event_id ?? "–"}
                {current.version !== null ? ` · version ${current.version}` : ""}
              </p>
              <StateTree
                state={current.exists ? (current.state as Record<string, unknown>) : null}
                previous={previous?.exists ? (previous.state as Record<string, unknown>) : null}
              />
            </>
          )}
          {!stream && (
            <p className="muted">
              Search for an entity on the left. Its state at the scrubber's instant appears here,
              with the fields that changed since the last position highlighted.
            </p>
          )}
          {selected && stream && (
            <EventDetailPanel key={`${stream}/${selected}`} stream={stream} eventId={selected} onClose={() => setSelected(null)} />
          )}
        </main>
        <aside className="events" aria-label="Events">
          <h3>
            Events{" "}
            <span className="muted small">
              {history && history.total_steps > steps.length
                ? `${formatCount(steps.length)} of ${formatCount(history.total_steps)}`
                : steps.length || ""}
            </span>
          </h3>
          <div ref={listRef} className="event-list">
            <ol style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
              {virtualizer.getVirtualItems().map((item) => {
                const s = steps[item.index];
                const i = item.index;
                return (
                  <li
                    key={s.event.event_id}
                    className={`${i === currentIndex ? "current" : ""}${
                      s.event.event_id === selected ? " selected" : ""
                    }`}
                    style={{ transform: `translateY(${item.start}px)` }}
                    aria-current={i === currentIndex ? "step" : undefined}
                  >
                    <button
                      onClick={() => {
                        setAt(times[i]);
                        setSelected(s.event.event_id);
                      }}
                    >
                      <span className="event-type">{s.event.event_type}</span>
                      <span className="muted small">
                        {formatInstant(s.at)}
                        {s.event.corrects && <span className="tag">correction</span>}
                        {!s.applied && <span className="tag">no effect</span>}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ol>
          </div>
        </aside>
      </div>
    </div>
  );
}
