// The one hook for long work: run a backend call as a job of a kind, follow its progress events,
// cancel it. Screens render `progress` (phase, done of total) and offer `cancel` while `running`.
import { useCallback, useEffect, useRef, useState } from "react";
import { backend, type JobKind, type JobProgress } from "./backend";

export interface JobState {
  running: boolean;
  progress: JobProgress | null;
  /** Runs `work` (the backend call that starts the job) and follows the job's progress. */
  run: <T>(work: () => Promise<T>) => Promise<T>;
  cancel: () => void;
}

export function useJob(kind: JobKind): JobState {
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const live = useRef(true);
  // Calls in flight: a second run before the first ends (a screen asking twice) must not end
  // "running" for both when the first returns.
  const inFlight = useRef(0);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  const run = useCallback(
    async <T,>(work: () => Promise<T>): Promise<T> => {
      inFlight.current += 1;
      if (inFlight.current === 1) setProgress(null);
      setRunning(true);
      const unlisten = await backend.onJobProgress((p) => {
        if (p.kind === kind && live.current) setProgress(p);
      });
      try {
        return await work();
      } finally {
        unlisten();
        inFlight.current -= 1;
        if (live.current && inFlight.current === 0) {
          setRunning(false);
          setProgress(null);
        }
      }
    },
    [kind],
  );
  const cancel = useCallback(() => void backend.cancelJob(kind), [kind]);
  return { running, progress, run, cancel };
}

/** "folding the states: 1,200 of 40,000", or the phase alone when its size is unknown. */
export function describeProgress(p: JobProgress | null, count: (n: number) => string): string {
  if (!p) return "Starting…";
  return p.total > 0 ? `${p.phase}: ${count(p.done)} of ${count(p.total)}` : `${p.phase}…`;
}
