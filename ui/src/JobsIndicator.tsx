import { useEffect, useState } from "react";
import { backend, type JobKind, type JobProgress } from "./backend";
import { percent } from "./progress";

/** What each kind of job is called in the header. */
export const JOB_TITLES: Record<JobKind, string> = {
  import: "Import",
  snapshots: "Time machine",
  decision_view: "Decision view",
  replay: "Replay",
  drift: "Drift",
  trainset: "Training set",
  population: "Population",
  bundle_export: "Bundle export",
  bundle_verify: "Bundle check",
  bundle_open: "Opening bundle",
  lake_export: "Lake export",
};

/** The jobs running now, wherever they were started: phase, progress and Cancel, in the header, so
 * long work can be followed and stopped from any screen while the others go on answering. */
export function JobsIndicator() {
  const [jobs, setJobs] = useState<Record<number, JobProgress>>({});
  useEffect(() => {
    let live = true;
    const stops = [
      backend.onJobProgress((p) => live && setJobs((old) => ({ ...old, [p.job]: p }))),
      backend.onJobFinished((f) =>
        live &&
        setJobs((old) => {
          const next = { ...old };
          delete next[f.job];
          return next;
        }),
      ),
    ];
    return () => {
      live = false;
      for (const stop of stops) void stop.then((u) => u());
    };
  }, []);
  const running = Object.values(jobs);
  if (running.length === 0) return null;
  return (
    <div className="jobs" role="status" aria-label="Running jobs" data-testid="running-jobs">
      {running.map((p) => (
        <span key={p.job} className="job-chip" title={`${JOB_TITLES[p.kind]}: ${p.phase}`}>
          <strong>{JOB_TITLES[p.kind]}</strong> <span className="muted small">{p.phase}</span>
          <progress max={100} value={percent(p.done, p.total)} />
          <button
            type="button"
            className="ghost"
            onClick={() => void backend.cancelJob(p.kind)}
            aria-label={`Cancel ${JOB_TITLES[p.kind]}`}
            data-testid={`cancel-${p.kind}`}
          >
            ×
          </button>
        </span>
      ))}
    </div>
  );
}
