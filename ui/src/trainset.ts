// Pure helpers of the Training set screen (tested without a window).

/** Where the screen keeps a case's spec while the app runs (per case path). */
export function specKey(casePath: string): string {
  return `casefile.trainset-spec:${casePath}`;
}

/** `part` as a percentage of `whole` (0 when there is nothing to divide). */
export function shareOf(part: number, whole: number): number {
  return whole > 0 ? (100 * part) / whole : 0;
}

/** The latest source time minus the example time, in words: "at the example time", "2.5 d before". */
export function leadText(leadUs: number | null): string {
  if (leadUs === null) return "no value";
  if (leadUs === 0) return "at the example time";
  const amount = durationText(leadUs);
  return leadUs < 0 ? `${amount} before` : `${amount} after (leak)`;
}

/** A length of time in microseconds (its sign ignored) in the unit that reads best: "2.5 s", "39.0 d". */
export function durationText(us: number): string {
  const s = Math.abs(us) / 1e6;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${(s / 60).toFixed(0)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}
