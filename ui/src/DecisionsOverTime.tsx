import { useEffect, useState } from "react";
import { backend, errorText, type Period, type RateBucket, type RatesReport } from "./backend";
import { NO_FILTERS, toQuery, type DecisionFilters } from "./decisions";
import { bucketFilter, RATE_METRICS, type RateMetric } from "./models";
import { RatesChart } from "./RatesChart";

interface Props {
  /** The list's filters: the chart follows all but the period and version a bar picks. */
  filters: DecisionFilters;
  onPick: (f: Partial<DecisionFilters>) => void;
}

/** The decisions over time above the list: per day, week or month and version, one metric at a
 * time, deployments marked; a bar filters the list to its period and version. */
export function DecisionsOverTime({ filters, onPick }: Props) {
  const [open, setOpen] = useState(true);
  const [period, setPeriod] = useState<Period>("week");
  const [metric, setMetric] = useState<RateMetric>("volume");
  const [label, setLabel] = useState("");
  const [report, setReport] = useState<RatesReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { label: byLabel, subject, replay, staleOnly } = filters;

  useEffect(() => {
    if (!open) return;
    let live = true;
    const t = setTimeout(() => {
      // The period and version the chart picks are not its own filter.
      const base: DecisionFilters = { ...NO_FILTERS, label: byLabel, subject, replay, staleOnly };
      backend
        .rates(toQuery(base, null, null), period)
        .then((r) => {
          if (!live) return;
          setReport(r);
          setError(null);
          setLabel((l) => (l && r.labels.includes(l) ? l : (r.labels[0] ?? "")));
        })
        .catch((e) => live && setError(errorText(e)));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [open, period, byLabel, subject, replay, staleOnly]);

  const pick = (b: RateBucket) => onPick(bucketFilter(b));

  return (
    <section className="card decisions-over-time" aria-label="Decisions over time">
      <div className="toolbar">
        <button className="link" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? "▾" : "▸"} Decisions over time
        </button>
        {open && (
          <>
            <div role="group" aria-label="Period" className="segmented">
              {(["day", "week", "month"] as Period[]).map((p) => (
                <button key={p} aria-pressed={period === p} onClick={() => setPeriod(p)}>
                  {p}
                </button>
              ))}
            </div>
            <select aria-label="Metric" value={metric} onChange={(e) => setMetric(e.target.value as RateMetric)}>
              {RATE_METRICS.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label}
                </option>
              ))}
            </select>
            {metric === "label_rate" && (
              <select aria-label="Label" value={label} onChange={(e) => setLabel(e.target.value)}>
                {(report?.labels ?? []).map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
            )}
            <span className="spacer" />
            <span className="muted small">click a bar to list its decisions</span>
          </>
        )}
      </div>
      {open && error && <p className="error small">{error}</p>}
      {open && report && (
        <RatesChart
          report={report}
          metric={metric}
          label={label}
          onPick={pick}
          isPicked={(b) => {
            const f = bucketFilter(b);
            return f.from === filters.from && f.to === filters.to && f.modelVersion === filters.modelVersion;
          }}
        />
      )}
    </section>
  );
}
