// Axes for the charts and the density strip (tested with vitest): round values, and date or time
// ticks at the display zone's boundaries (midnight, the first of a month there; a minute up to a
// year apart) with labels as precise as the step needs.
import { displayZone, isUtc, offsetMinutes, wallToMicros } from "./zone";

/** Round tick values for an axis from 0 to at least `max`: 1, 2 or 5 times a power of ten apart. */
export function valueTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = 0; v < max + step - 1e-9 * step; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const MINUTE = 60_000_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Unit = "minute" | "hour" | "day" | "week" | "month" | "year";

/** The steps ticks may be apart: (width in microseconds, unit, how many units). */
const STEPS: [number, Unit, number][] = [
  [MINUTE, "minute", 1],
  [5 * MINUTE, "minute", 5],
  [15 * MINUTE, "minute", 15],
  [HOUR, "hour", 1],
  [3 * HOUR, "hour", 3],
  [6 * HOUR, "hour", 6],
  [12 * HOUR, "hour", 12],
  [DAY, "day", 1],
  [2 * DAY, "day", 2],
  [7 * DAY, "week", 1],
  [30 * DAY, "month", 1],
  [91 * DAY, "month", 3],
  [365 * DAY, "year", 1],
];

export interface TimeAxis {
  /** Microseconds since the epoch, ascending. */
  ticks: number[];
  /** A tick's label: a date from a day's step up, a time (with the date at midnight) below. */
  label: (t: number) => string;
}

/** About `count` ticks between two instants at the boundaries of `zone` (the display zone), with
 * their labels in it. */
export function timeAxis(from: number, to: number, count = 6, zone = displayZone()): TimeAxis {
  if (isUtc(zone)) return utcAxis(from, to, count);
  // The same ticks on the zone's wall clock (read as UTC), each taken back to the instant it names.
  const toWall = (t: number) => t + offsetMinutes(Math.floor(t / 1000), zone) * 60_000_000;
  const wall = utcAxis(toWall(from), toWall(to), count);
  const ticks = wall.ticks.map((w) => wallToMicros(Math.floor(w / 1000), 0, zone)).filter((t) => t >= from && t <= to);
  return { ticks, label: (t: number) => wall.label(toWall(t)) };
}

function utcAxis(from: number, to: number, count: number): TimeAxis {
  const span = Math.max(1, to - from);
  const [, unit, n] = STEPS.find(([w]) => span / w <= count) ?? STEPS[STEPS.length - 1];
  const d = new Date(Math.floor(from / 1000));
  d.setUTCSeconds(0, 0);
  if (unit === "minute") d.setUTCMinutes(d.getUTCMinutes() - (d.getUTCMinutes() % n));
  else d.setUTCMinutes(0);
  if (unit === "hour") d.setUTCHours(d.getUTCHours() - (d.getUTCHours() % n));
  else if (unit !== "minute") d.setUTCHours(0);
  if (unit === "week") d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  if (unit === "month") {
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() - (d.getUTCMonth() % n));
  }
  if (unit === "year") {
    d.setUTCDate(1);
    d.setUTCMonth(0);
  }
  const ticks: number[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const t = d.getTime() * 1000;
    if (t > to) break;
    if (t >= from) ticks.push(t);
    if (unit === "minute") d.setUTCMinutes(d.getUTCMinutes() + n);
    else if (unit === "hour") d.setUTCHours(d.getUTCHours() + n);
    else if (unit === "day") d.setUTCDate(d.getUTCDate() + n);
    else if (unit === "week") d.setUTCDate(d.getUTCDate() + 7);
    else if (unit === "month") d.setUTCMonth(d.getUTCMonth() + n);
    else d.setUTCFullYear(d.getUTCFullYear() + 1);
  }
  const fine = unit === "minute" || unit === "hour";
  const label = (t: number) => {
    const iso = new Date(Math.floor(t / 1000)).toISOString();
    if (!fine) return unit === "year" ? iso.slice(0, 4) : unit === "month" ? iso.slice(0, 7) : iso.slice(0, 10);
    const time = iso.slice(11, 16);
    return time === "00:00" ? iso.slice(0, 10) : time;
  };
  return { ticks, label };
}

/** Date ticks (microseconds at UTC boundaries) between two instants: about `count` of them. */
export function timeTicks(from: number, to: number, count = 6): number[] {
  return timeAxis(from, to, count).ticks;
}
