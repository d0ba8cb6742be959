import { timeAxis } from "./axes";
import type { Axis } from "./backend";
import { parseMicros } from "./format";
import { displayZone, formatInstant } from "./zone";

/** One event on the two time axes. */
export interface TwoTimes {
  event_id: string;
  event_type: string;
  occurred: number;
  recorded: number;
  /** A correction of another event. */
  corrects: boolean;
}

interface Props {
  events: TwoTimes[];
  /** The scrubber's instant, on `axis`. */
  at: number;
  axis: Axis;
  selected: string | null;
  onSelect: (eventId: string) => void;
}

const SIZE = 300;
const PAD = 66;

/** Whether an event was recorded late, ahead of when it happened, or as it happened (within a
 * second either way). */
export function lateness(e: TwoTimes): "late" | "ahead" | "prompt" {
  const d = e.recorded - e.occurred;
  if (d > 1_000_000) return "late";
  if (d < -1_000_000) return "ahead";
  return "prompt";
}

/**
 * An entity's events placed by when they happened (across) and when they were recorded (up): on the
 * diagonal recorded as they happened, above it recorded late, below it recorded ahead of time;
 * corrections ringed. The scrubber's instant is drawn on both axes.
 */
export function BitemporalChart({ events, at, axis, selected, onSelect }: Props) {
  if (events.length === 0) return null;
  const times = events.flatMap((e) => [e.occurred, e.recorded]);
  // A margin of a twentieth each side, so no point sits on an axis.
  const margin = Math.max(30_000_000, (Math.max(...times) - Math.min(...times)) / 20);
  const from = Math.min(...times) - margin;
  const to = Math.max(...times) + margin;
  const scale = (t: number) => PAD + ((t - from) / (to - from)) * (SIZE - PAD - 8);
  const x = scale;
  const y = (t: number) => SIZE - scale(t) + PAD - 8;
  const ticks = timeAxis(from, to, 3);
  const counts = { late: 0, ahead: 0, prompt: 0 };
  for (const e of events) counts[lateness(e)] += 1;
  const atInside = at >= from && at <= to;
  return (
    <figure className="bitemporal" data-testid="bitemporal">
      <svg viewBox={`0 0 ${SIZE + 10} ${SIZE + 24}`} role="img" aria-label="Events by when they happened and when they were recorded">
        <line className="diagonal" x1={x(from)} y1={y(from)} x2={x(to)} y2={y(to)} />
        {ticks.ticks.map((t) => (
          <g key={t} className="grid-line">
            <line x1={x(t)} x2={x(t)} y1={y(from)} y2={y(to)} />
            <line x1={x(from)} x2={x(to)} y1={y(t)} y2={y(t)} />
            <text className="time-tick" x={x(t)} y={y(from) + 13} textAnchor="middle">
              {ticks.label(t)}
            </text>
            <text className="time-tick" x={PAD - 4} y={y(t) + 4} textAnchor="end">
              {ticks.label(t)}
            </text>
          </g>
        ))}
        {atInside && (
          <g className="scrub-lines">
            {axis === "occurred" ? (
              <line x1={x(at)} x2={x(at)} y1={y(from)} y2={y(to)} />
            ) : (
              <line x1={x(from)} x2={x(to)} y1={y(at)} y2={y(at)} />
            )}
          </g>
        )}
        {events.map((e) => (
          <circle
            key={e.event_id}
            className={`point ${lateness(e)}${e.corrects ? " correction" : ""}${e.event_id === selected ? " selected" : ""}`}
            cx={x(e.occurred)}
            cy={y(e.recorded)}
            r={e.event_id === selected ? 5 : 3.5}
            onClick={() => onSelect(e.event_id)}
          >
            <title>{`${e.event_type} ${e.event_id}: occurred ${formatInstant(e.occurred, "milli")}, recorded ${formatInstant(e.recorded, "milli")}${e.corrects ? " (a correction)" : ""}`}</title>
          </circle>
        ))}
        <text className="axis-title" x={(PAD + SIZE) / 2} y={SIZE + 20} textAnchor="middle">
          occurred ({displayZone()})
        </text>
        <text className="axis-title" transform={`translate(9 ${SIZE / 2}) rotate(-90)`} textAnchor="middle">
          recorded ({displayZone()})
        </text>
      </svg>
      <figcaption className="legend">
        <span>
          <span className="swatch point-prompt" /> as it happened {counts.prompt}
        </span>
        <span>
          <span className="swatch point-late" /> recorded late {counts.late}
        </span>
        <span>
          <span className="swatch point-ahead" /> recorded ahead {counts.ahead}
        </span>
        <span>○ correction · the line: the scrubber ({axis})</span>
      </figcaption>
    </figure>
  );
}

/** The events of a history page on both axes. */
export function twoTimes(steps: { event: { event_id: string; event_type: string; occurred_at: string; recorded_at: string; corrects: string | null } }[]): TwoTimes[] {
  return steps.map((s) => ({
    event_id: s.event.event_id,
    event_type: s.event.event_type,
    occurred: parseMicros(s.event.occurred_at),
    recorded: parseMicros(s.event.recorded_at),
    corrects: s.event.corrects !== null,
  }));
}
