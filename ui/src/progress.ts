// Progress arithmetic for long work: percent done and rows per second over a sliding window.

export interface Sample {
  /** Milliseconds (any clock, increasing). */
  t: number;
  rows: number;
}

/** Percent of `done` in `total`, 0-100, 0 when the total is unknown. */
export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, (done / total) * 100));
}

/**
 * Rows per second over the samples of the last `windowMs`. A new file restarts its row count, so
 * a drop in `rows` starts the window again rather than yielding a negative rate.
 */
export function rowsPerSecond(samples: Sample[], windowMs = 3000): number {
  if (samples.length < 2) return 0;
  let start = samples.length - 1;
  while (start > 0) {
    const prev = samples[start - 1];
    const cur = samples[start];
    if (prev.rows > cur.rows) break;
    if (samples[samples.length - 1].t - prev.t > windowMs) break;
    start--;
  }
  const first = samples[start];
  const last = samples[samples.length - 1];
  const dt = last.t - first.t;
  if (dt <= 0) return 0;
  return ((last.rows - first.rows) * 1000) / dt;
}

/** "12.3k rows/s", "1.2M rows/s". */
export function formatRate(r: number): string {
  if (r >= 1e6) return `${(r / 1e6).toFixed(1)}M rows/s`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)}k rows/s`;
  return `${Math.round(r)} rows/s`;
}

/** "512 B", "3.4 MB", "1.2 GB". */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/** Why the import button is disabled when some files in the list were refused, and what to do. */
export function blockedHint(refused: number, listed: number): string {
  if (refused === listed) return refused === 1 ? "This file cannot be imported." : "None of these files can be imported.";
  const which = refused === 1 ? "One file cannot be imported: remove it" : `${refused} files cannot be imported: remove them`;
  return `${which} (×) to import the other${listed - refused === 1 ? "" : "s"}.`;
}
