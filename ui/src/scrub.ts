// Time arithmetic for the scrubber: pixels <-> instants, and stepping from event to event.
// Instants are microseconds since the epoch (numbers are exact up to 2^53 us, year 2255).
import { displayZone, wallToMicros } from "./zone";

export interface Span {
  from: number;
  to: number;
}

/** The instant under pixel `x` of a strip `width` pixels wide showing `span`. */
export function instantAt(x: number, width: number, span: Span): number {
  if (width <= 0) return span.from;
  const f = Math.min(1, Math.max(0, x / width));
  return Math.round(span.from + f * (span.to - span.from));
}

/** Where instant `t` falls on a strip `width` pixels wide showing `span`. */
export function pixelOf(t: number, width: number, span: Span): number {
  const d = span.to - span.from;
  if (d <= 0) return 0;
  return ((t - span.from) / d) * width;
}

/**
 * The instant of the event `steps` events away from `at` in sorted `times` (negative = back).
 * Stepping back from `at` lands on the last event strictly before it... or, when `at` is exactly an
 * event, on the one before that. Returns null when there is nowhere to go.
 */
export function stepFrom(times: number[], at: number, steps: number): number | null {
  if (times.length === 0 || steps === 0) return null;
  // Index of the last event at or before `at`.
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= at) lo = mid + 1;
    else hi = mid;
  }
  const current = lo - 1;
  let target: number;
  if (steps > 0) target = current + steps;
  else target = times[current] === at ? current + steps : current + steps + 1;
  if (target < 0 || target >= times.length) {
    const clamped = Math.min(times.length - 1, Math.max(0, target));
    return clamped === current && times[current] === at ? null : times[clamped];
  }
  return times[target];
}

/** A narrower span around `center`, zoomed by `factor` (> 1 zooms in), kept inside `whole`. */
export function zoom(span: Span, center: number, factor: number, whole: Span): Span {
  const width = Math.max(1, (span.to - span.from) / factor);
  let from = Math.round(center - (center - span.from) / factor);
  let to = from + width;
  if (from < whole.from) {
    from = whole.from;
    to = from + width;
  }
  if (to > whole.to) {
    to = whole.to;
    from = Math.max(whole.from, to - width);
  }
  return { from, to: Math.round(to) };
}

/**
 * The span the strip opens on: where the bulk of the events lie (padded by 2% each side), when that
 * is under half of the whole span because a few far-off times stretch it; otherwise the whole.
 */
export function initialSpan(whole: Span, usual: Span | null): Span {
  if (!usual || usual.to <= usual.from) return whole;
  if (usual.to - usual.from >= 0.5 * (whole.to - whole.from)) return whole;
  const pad = Math.round((usual.to - usual.from) * 0.02);
  return { from: Math.max(whole.from, usual.from - pad), to: Math.min(whole.to, usual.to + pad) };
}

/**
 * An instant typed by hand: `2024-03-01`, `2024-03-01 12:30`, `2024-03-01T12:30:05`, with an
 * optional fraction and `Z` or offset; without one it is read in `zone` (the display zone).
 * Microseconds since the epoch, or null when the text is not one.
 */
export function parseTypedInstant(text: string, zone = displayZone()): number | null {
  const m = text
    .trim()
    .match(/^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}:\d{2})?$/i);
  if (!m) return null;
  const [, date, hm, sec, frac, offset] = m;
  const ms = Date.parse(`${date}T${hm ?? "00:00"}:${sec ?? "00"}${offset && offset.toUpperCase() !== "Z" ? offset : "Z"}`);
  if (Number.isNaN(ms)) return null;
  const fraction = Number((frac ?? "").padEnd(6, "0"));
  return offset ? ms * 1000 + fraction : wallToMicros(ms, fraction, zone);
}
