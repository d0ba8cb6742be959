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
  const s = Math.abs(leadUs) / 1e6;
  const amount =
    s < 60 ? `${s.toFixed(s < 10 ? 1 : 0)} s` : s < 3600 ? `${(s / 60).toFixed(0)} min` : s < 86400 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86400).toFixed(1)} d`;
  return leadUs < 0 ? `${amount} before` : `${amount} after (leak)`;
}
