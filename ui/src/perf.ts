// Performance marks the benchmarks read from the real window (BENCHMARKS.md): cold start to
// interactive, and scrub latency (pointer input to the new state painted).
import { backend } from "./backend";

declare global {
  interface Window {
    casefilePerf?: { coldStartMs?: number; scrubs: number[]; stateCalls: number[] };
  }
}

function store() {
  window.casefilePerf ??= { scrubs: [], stateCalls: [] };
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

let firstUnserved: number | null = null;

/** Called when the scrubber moves under the pointer. */
export function markScrubInput() {
  firstUnserved ??= performance.now();
  performance.mark("scrub-input");
}

/** Called when a state request is sent: it serves every input so far; returns the oldest one's time. */
export function takeScrubInputs(): number | null {
  const t = firstUnserved;
  firstUnserved = null;
  return t;
}

/** Called when the answer to a request is committed; measures at the next paint. */
export function markScrubPainted(inputAt: number | null, requestMs: number) {
  store().stateCalls.push(requestMs);
  if (inputAt === null) return;
  requestAnimationFrame(() => {
    const ms = performance.now() - inputAt;
    performance.measure("scrub", { start: inputAt, duration: ms });
    store().scrubs.push(ms);
  });
}
