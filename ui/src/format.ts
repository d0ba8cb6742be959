// Small pure helpers the screens share (tested with vitest).

/** Microseconds since the epoch as RFC 3339 UTC, to the millisecond. */
export function formatMicros(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

/** "1,234,567" */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** RFC 3339 text (any number of fractional digits) as microseconds since the epoch. */
export function parseMicros(iso: string): number {
  const m = iso.match(/^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/);
  if (!m) return Date.parse(iso) * 1000;
  const fraction = (m[2] ?? "").padEnd(6, "0").slice(0, 6);
  return Date.parse(`${m[1]}${m[3] || "Z"}`) * 1000 + Number(fraction);
}
