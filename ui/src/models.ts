// The pure parts of the Models screen and the decisions-over-time chart (tested with vitest): the
// versions grouped by model, a version's live spans in words, the chart's values and axes, and the
// decision filter a bar stands for.
import type { ModelRecord, RateBucket } from "./backend";
import type { DecisionFilters } from "./decisions";
import { parseMicros } from "./format";
import { formatInstant, wallInput } from "./zone";

export interface ModelGroup {
  model: string | null;
  versions: ModelRecord[];
}

/** The versions of each model, in the order the report lists them (by first deployment). */
export function groupByModel(models: ModelRecord[]): ModelGroup[] {
  const groups: ModelGroup[] = [];
  for (const m of models) {
    const last = groups[groups.length - 1];
    if (last && last.model === m.model) last.versions.push(m);
    else groups.push({ model: m.model, versions: [m] });
  }
  return groups;
}

/** "2024-03-15 06:00" (in the display zone) from RFC 3339. */
export function shortTime(iso: string): string {
  return formatInstant(iso, "minute");
}

/** When a version was live, in words. */
export function liveText(m: ModelRecord): string {
  if (!m.deployed_at) return "no deployment on record";
  const spans = m.live.map((s) => (s.to ? `${shortTime(s.from)} – ${shortTime(s.to)}` : `since ${shortTime(s.from)}`));
  return `live ${spans.join(", ")}`;
}

/** The share of replayed decisions that reproduced, or null when none was replayed. */
export function reproducedShare(m: ModelRecord): number | null {
  return m.replayed > 0 ? m.reproduced / m.replayed : null;
}

/** What the chart of decisions over time can show. */
export type RateMetric = "volume" | "label_rate" | "mean_score" | "corrected" | "stale" | "unreproduced";

export const RATE_METRICS: { id: RateMetric; label: string; axis: string }[] = [
  { id: "volume", label: "Volume", axis: "decisions" },
  { id: "label_rate", label: "Label rate", axis: "share of decisions" },
  { id: "mean_score", label: "Mean score", axis: "mean score" },
  { id: "corrected", label: "Overrides and corrections", axis: "decisions corrected" },
  { id: "stale", label: "Stale inputs", axis: "decisions with stale inputs" },
  { id: "unreproduced", label: "Replay mismatches", axis: "replays not reproduced" },
];

/** A bucket's value for a metric (`label` for the label rate); null when it has none. */
export function rateValue(b: RateBucket, metric: RateMetric, label: string): number | null {
  switch (metric) {
    case "volume":
      return b.decisions;
    case "label_rate":
      return b.decisions > 0 ? (b.labels[label] ?? 0) / b.decisions : null;
    case "mean_score":
      return b.mean_score;
    case "corrected":
      return b.overrides + b.corrections;
    case "stale":
      return b.stale;
    case "unreproduced":
      return b.replay_mismatches + b.replay_failures;
  }
}

/** Whether a metric's values add up across versions (stacked bars) or not (side by side). */
export function stacks(metric: RateMetric): boolean {
  return metric !== "label_rate" && metric !== "mean_score";
}

/** A `datetime-local` value (the display zone's wall clock, to the millisecond) for an instant in
 * microseconds. */
function local(us: number): string {
  return wallInput(us);
}

/** The decision list's filter for one bar: its period (the last millisecond of it included) and
 * its version. */
export function bucketFilter(b: RateBucket): Partial<DecisionFilters> {
  return {
    from: local(parseMicros(b.start)),
    to: local(parseMicros(b.end) - 1000),
    modelVersion: b.model_version ?? "",
  };
}
