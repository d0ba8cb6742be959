import type { RateBucket, RatesReport } from "./backend";
import { formatCount, parseMicros } from "./format";
import { timeAxis, valueTicks } from "./axes";
import { RATE_METRICS, rateValue, stacks, type RateMetric } from "./models";

interface Props {
  report: RatesReport;
  metric: RateMetric;
  /** The label whose rate `label_rate` shows. */
  label: string;
  onPick: (b: RateBucket) => void;
  /** The bar the decision list is filtered to, outlined. */
  isPicked?: (b: RateBucket) => boolean;
}

const W = 900;
const H = 190;
const LEFT = 56;
const RIGHT = 34;
const TOP = 18;
const BOTTOM = 34;

function versionOf(b: RateBucket): string {
  return b.model_version ?? "(no version)";
}

function tickText(v: number, metric: RateMetric): string {
  if (metric === "label_rate") return `${Math.round(v * 100)}%`;
  if (metric === "mean_score") return v.toFixed(2);
  return formatCount(v);
}

function dateText(us: number): string {
  return new Date(us / 1000).toISOString().slice(0, 10);
}

/**
 * Decisions over time: one bar per period, a colour per model version (stacked where the metric
 * adds up, side by side where it does not), labelled axes, each deployment a dashed line; click a
 * bar to list its decisions.
 */
export function RatesChart({ report, metric, label, onPick, isPicked }: Props) {
  const buckets = report.buckets;
  if (buckets.length === 0) return <p className="muted">No decisions match the filter.</p>;
  const versions = Array.from(new Set(buckets.map(versionOf)));
  const starts = Array.from(new Set(buckets.map((b) => b.start))).sort();
  const from = parseMicros(starts[0]);
  const to = Math.max(...buckets.map((b) => parseMicros(b.end)));
  const x = (us: number) => LEFT + ((us - from) / Math.max(1, to - from)) * (W - LEFT - RIGHT);
  const stacked = stacks(metric);
  // The largest bar: a period's sum when stacked, a version's value otherwise.
  const peak = Math.max(
    0,
    ...starts.map((s) => {
      const values = buckets.filter((b) => b.start === s).map((b) => rateValue(b, metric, label) ?? 0);
      return stacked ? values.reduce((a, v) => a + v, 0) : Math.max(0, ...values);
    }),
  );
  const ticks = valueTicks(metric === "label_rate" ? Math.max(peak, 0.01) : peak);
  const top = ticks[ticks.length - 1] || 1;
  const y = (v: number) => TOP + H - (v / top) * H;
  const axis = RATE_METRICS.find((m) => m.id === metric)?.axis ?? "";
  const deployments = report.deployments.filter((d) => {
    const t = parseMicros(d.at);
    return t >= from && t <= to;
  });

  return (
    <figure className="rates-chart" data-testid="rates-chart">
      <svg viewBox={`0 0 ${W} ${TOP + H + BOTTOM}`} role="img" aria-label={`Decisions over time: ${axis}`}>
        {ticks.map((t) => (
          <g key={t} className="grid-line">
            <line x1={LEFT} x2={W - RIGHT} y1={y(t)} y2={y(t)} />
            <text x={LEFT - 6} y={y(t) + 4} textAnchor="end">
              {tickText(t, metric)}
            </text>
          </g>
        ))}
        <text className="axis-title" transform={`translate(12 ${TOP + H / 2}) rotate(-90)`} textAnchor="middle">
          {axis}
        </text>
        {starts.map((s) => {
          const row = buckets.filter((b) => b.start === s);
          const x0 = x(parseMicros(s));
          const x1 = x(parseMicros(row[0].end));
          const width = Math.max(2, x1 - x0 - 2);
          let base = 0;
          return row.map((b) => {
            const v = rateValue(b, metric, label);
            if (v === null) return null;
            const k = versions.indexOf(versionOf(b));
            const slot = stacked ? width : width / versions.length;
            const left = stacked ? x0 + 1 : x0 + 1 + k * slot;
            const bottom = stacked ? base : 0;
            base += stacked ? v : 0;
            return (
              <rect
                key={`${s}-${versionOf(b)}`}
                className={`series-${k % 6}${isPicked?.(b) ? " picked" : ""}`}
                x={left}
                y={y(bottom + v)}
                width={Math.max(1, slot - (stacked ? 0 : 1))}
                height={Math.max(0, y(bottom) - y(bottom + v))}
                onClick={() => onPick(b)}
                data-start={b.start}
                data-version={versionOf(b)}
              >
                <title>{`${dateText(parseMicros(b.start))} – ${dateText(parseMicros(b.end) - 1)} · ${versionOf(b)}: ${tickText(v, metric)} (${formatCount(b.decisions)} decisions). Click to list them.`}</title>
              </rect>
            );
          });
        })}
        {deployments.map((d) => (
          <g key={`${d.at}-${d.model_version}`} className="deployment-mark">
            <line x1={x(parseMicros(d.at))} x2={x(parseMicros(d.at))} y1={TOP - 6} y2={TOP + H} />
            <text x={x(parseMicros(d.at)) + 3} y={TOP - 8}>
              {d.model_version} live
            </text>
          </g>
        ))}
        <line className="axis-line" x1={LEFT} x2={W - RIGHT} y1={TOP + H} y2={TOP + H} />
        {(() => {
          // The periods are the engine's UTC days, weeks and months: their axis is UTC too.
          const dates = timeAxis(from, to, 8, "UTC");
          return dates.ticks.map((t) => (
            <text key={t} className="time-tick" x={x(t)} y={TOP + H + 16} textAnchor="middle">
              {dates.label(t)}
            </text>
          ));
        })()}
        <text className="axis-title" x={(LEFT + W - RIGHT) / 2} y={TOP + H + 31} textAnchor="middle">
          decided at (UTC), per {report.period}
        </text>
      </svg>
      <figcaption className="legend">
        {versions.map((v, k) => (
          <span key={v}>
            <span className={`swatch series-${k % 6}`} /> {v}
          </span>
        ))}
        <span>
          <span className="swatch deployment" /> deployment
        </span>
      </figcaption>
    </figure>
  );
}
