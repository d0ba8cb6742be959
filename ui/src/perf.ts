// Performance marks the benchmarks read from the real window (BENCHMARKS.md): cold start to
// interactive, and scrub latency (pointer input to the new state painted).
import { backend } from "./backend";

declare global {
  interface Window {
    casefilePerf?: { coldStartMs?: number; scrubs: number[] };
  }
}

function store() {
  window.casefilePerf ??= { scrubs: [] };
  return window.casefilePerf;
}

let interactiveMarked = false;

/** Records, once, how long after the process started the first screen became interactive. */
export function markInteractive() {
  if (interactiveMarked) return;
  interactiveMarked = true;
  performance.mark("interactive");
  requestAnimationFrame(() => {
    const paintedAt = Date.now();
    backend
      .startedAt()
      .then((started) => {
        if (started > 0) store().coldStartMs = paintedAt - started;
      })
      .catch(() => undefined);
  });
}

let pendingScrub: number | null = null;

/** Called when the scrubber moves under the pointer. */
export function markScrubStart() {
  if (pendingScrub === null) pendingScrub = performance.now();
  performance.mark("scrub-start");
}

/** Called after the state for the scrubber's instant is committed; measures at the next paint. */
export function markScrubPainted() {
  const started = pendingScrub;
  if (started === null) return;
  pendingScrub = null;
  requestAnimationFrame(() => {
    const ms = performance.now() - started;
    performance.measure("scrub", { start: started, duration: ms });
    store().scrubs.push(ms);
  });
}
