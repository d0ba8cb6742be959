// The display time zone (tested with vitest). Times are stored and exchanged in UTC; the screens
// show them in the zone the investigator chose: UTC (the default), the system's, or any IANA zone.
// Outside UTC a time carries its offset ("2024-03-31 02:30:00 +01:00"), so no text time is ever
// ambiguous; in UTC the screens say "UTC" where the times are.

/** What the settings hold: "utc", "system", or an IANA zone name. */
export type ZoneSetting = string;

let current = "UTC";

/** The system's zone, as the platform names it. */
export function systemZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Whether `name` is a zone this platform knows. */
export function knownZone(name: string): boolean {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone !== "";
  } catch {
    return false;
  }
}

/** The IANA name a setting stands for (an unknown name: UTC). */
export function resolveZone(setting: ZoneSetting | null | undefined): string {
  if (!setting || setting === "utc") return "UTC";
  if (setting === "system") return systemZone();
  return knownZone(setting) ? setting : "UTC";
}

/** Makes `setting` the zone every screen shows times in; returns its IANA name. */
export function setDisplayZone(setting: ZoneSetting | null | undefined): string {
  current = resolveZone(setting);
  return current;
}

/** The zone times are shown in (an IANA name, "UTC" by default). */
export function displayZone(): string {
  return current;
}

export function isUtc(zone = current): boolean {
  return zone === "UTC" || zone === "Etc/UTC" || zone === "Etc/GMT";
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallFormat(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock of `zone` at an instant (milliseconds), as UTC fields of a Date. */
function wall(ms: number, zone: string): Date {
  const parts: Record<string, number> = {};
  for (const p of wallFormat(zone).formatToParts(new Date(ms))) if (p.type !== "literal") parts[p.type] = Number(p.value);
  const secondStart = Math.floor(ms / 1000) * 1000;
  return new Date(
    Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) + (ms - secondStart),
  );
}

/** The zone's offset from UTC at an instant (milliseconds since the epoch), in minutes. */
export function offsetMinutes(ms: number, zone = current): number {
  if (isUtc(zone)) return 0;
  return Math.round((wall(ms, zone).getTime() - ms) / 60000);
}

/** "+01:00", "-05:00", "+05:30". */
export function offsetText(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const a = Math.abs(minutes);
  return `${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}

/** RFC 3339 text (any fraction) or microseconds, as microseconds. */
function toMicros(t: string | number): number {
  if (typeof t === "number") return t;
  const m = t.match(/^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$/);
  if (!m) return Date.parse(t) * 1000;
  return Date.parse(`${m[1]}${m[3] ?? "Z"}`) * 1000 + Number((m[2] ?? "").padEnd(6, "0").slice(0, 6));
}

/** How much of a time to show: to the minute, second, millisecond, or all its digits (to the
 * microsecond, trailing zeros left out). */
export type Precision = "minute" | "second" | "milli" | "micro";

/**
 * An instant as the screens show it, in the display zone: "2024-03-31 02:30:05.123" (UTC, whose
 * screens say so) or "2024-03-31 03:30:05.123 +01:00" (any other zone).
 */
export function formatInstant(t: string | number, precision: Precision = "second", zone = current): string {
  const us = toMicros(t);
  const ms = Math.floor(us / 1000);
  const offset = offsetMinutes(ms, zone);
  const iso = new Date(ms + offset * 60000).toISOString();
  const micro = String(((us % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, "0");
  const text =
    precision === "minute"
      ? iso.slice(0, 16)
      : precision === "second"
        ? iso.slice(0, 19)
        : precision === "milli"
          ? `${iso.slice(0, 19)}.${micro.slice(0, 3)}`
          : `${iso.slice(0, 19)}${`.${micro}`.replace(/\.?0+$/, "")}`;
  return isUtc(zone) ? text.replace("T", " ") : `${text.replace("T", " ")} ${offsetText(offset)}`;
}

/** An exact time as the engine wrote it (RFC 3339, UTC), or in the display zone to the microsecond
 * with its offset. */
export function exactTime(iso: string): string {
  return isUtc() ? iso : formatInstant(iso, "micro");
}

/** The wall-clock text of an instant in the zone, for a `datetime-local` input (to the millisecond). */
export function wallInput(us: number, zone = current): string {
  const ms = Math.floor(us / 1000);
  return new Date(ms + offsetMinutes(ms, zone) * 60000).toISOString().slice(0, 23);
}

/**
 * The instant (microseconds) a wall-clock time of the zone names: `wallMs` is that wall clock
 * read as if it were UTC. In a gap of a clock change the later offset is taken; in an overlap, the
 * earlier instant.
 */
export function wallToMicros(wallMs: number, wallFractionMicros = 0, zone = current): number {
  if (isUtc(zone)) return wallMs * 1000 + wallFractionMicros;
  // The offsets a day either side of it cover a clock change on that day.
  const before = offsetMinutes(wallMs - 86_400_000, zone);
  const after = offsetMinutes(wallMs + 86_400_000, zone);
  const valid = [before, after]
    .map((o) => wallMs - o * 60000)
    .filter((t) => offsetMinutes(t, zone) * 60000 === wallMs - t)
    .sort((a, b) => a - b);
  const t = valid.length ? valid[0] : wallMs - after * 60000;
  return t * 1000 + wallFractionMicros;
}

/** A `datetime-local` value read in the display zone, as RFC 3339 UTC ("" -> null). */
export function wallInputToRfc3339(v: string, zone = current): string | null {
  if (!v) return null;
  const m = v.match(/^(\d{4}-\d\d-\d\dT\d\d:\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?$/);
  if (!m) return null;
  const wallMs = Date.parse(`${m[1]}:${m[2] ?? "00"}Z`);
  const us = wallToMicros(wallMs, Number((m[3] ?? "").padEnd(6, "0")), zone);
  const ms = Math.floor(us / 1000);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = us % 1_000_000;
  return frac ? `${base}.${String(frac).padStart(6, "0")}Z` : `${base}Z`;
}
