import { useEffect, useRef, useState } from "react";
import type { Bucket } from "./backend";
import { timeAxis } from "./axes";
import { instantAt, pixelOf, type Span } from "./scrub";
import { displayZone } from "./zone";

interface Props {
  buckets: Bucket[];
  span: Span;
  at: number;
  onScrub: (at: number) => void;
  onZoom: (center: number, factor: number) => void;
  /** The selected entity's own events (instants on the strip's axis), marked along its top. */
  marks?: number[];
  /** The selected entity's history before this instant is not in the case: hatched. */
  gapBefore?: number | null;
  /** The case's evidence gaps by UTC day (their edges), drawn along the strip's foot. */
  gapDays?: { t: number; count: number }[];
  /** A window brushed with Shift+drag, to zoom to. */
  onBrush?: (from: number, to: number) => void;
}

const HEIGHT = 72;

/** Event density over the visible span, with the scrubber; drag to move it, wheel to zoom. */
const NO_GAP_DAYS: { t: number; count: number }[] = [];
const DAY_US = 86_400_000_000;

export function DensityStrip({
  buckets,
  span,
  at,
  onScrub,
  onZoom,
  marks = [],
  gapBefore = null,
  gapDays = NO_GAP_DAYS,
  onBrush,
}: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const dragging = useRef(false);
  // A Shift+drag's window in pixels from the strip's left: where it started, where it is.
  const [brush, setBrush] = useState<[number, number] | null>(null);
  const [width, setWidth] = useState(0);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const observer = new ResizeObserver(() => setWidth(c.clientWidth));
    observer.observe(c);
    return () => observer.disconnect();
  }, []);

  // The bars are drawn when the data, the span or the width change; the scrubber is a positioned
  // element, so moving it costs no canvas redraw and no style lookups (it moves many times a second).
  useEffect(() => {
    const c = canvas.current;
    if (!c || width === 0) return;
    const ratio = window.devicePixelRatio || 1;
    c.width = width * ratio;
    c.height = HEIGHT * ratio;
    const g = c.getContext("2d");
    if (!g) return;
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, HEIGHT);
    const styles = getComputedStyle(c);
    const peak = Math.max(1, ...buckets.map((b) => b.count));
    g.fillStyle = styles.getPropertyValue("--strip").trim() || "#64748b";
    for (const b of buckets) {
      const x0 = pixelOf(Date.parse(b.start) * 1000, width, span);
      const x1 = pixelOf(Date.parse(b.end) * 1000, width, span);
      const h = (b.count / peak) * (HEIGHT - 8);
      g.fillRect(x0, HEIGHT - h, Math.max(1, x1 - x0 - 0.5), h);
    }
    if (gapBefore !== null && gapBefore > span.from) {
      // Diagonal hatching up to the gap's edge: no events of the entity there are in the case.
      const edge = Math.min(width, pixelOf(gapBefore, width, span));
      g.save();
      g.beginPath();
      g.rect(0, 0, edge, HEIGHT);
      g.clip();
      g.strokeStyle = styles.getPropertyValue("--warn").trim() || "#b45309";
      g.globalAlpha = 0.5;
      for (let x = -HEIGHT; x < edge; x += 8) {
        g.beginPath();
        g.moveTo(x, HEIGHT);
        g.lineTo(x + HEIGHT, 0);
        g.stroke();
      }
      g.restore();
    }
    if (gapDays.length) {
      // A day on which streams' histories begin with a gap: a mark along the foot, darker for more.
      const most = Math.max(...gapDays.map((d) => d.count));
      g.save();
      g.fillStyle = styles.getPropertyValue("--warn").trim() || "#b45309";
      for (const d of gapDays) {
        if (d.t + DAY_US < span.from || d.t > span.to) continue;
        const x0 = pixelOf(d.t, width, span);
        const x1 = pixelOf(d.t + DAY_US, width, span);
        g.globalAlpha = 0.35 + (0.65 * d.count) / most;
        g.fillRect(x0, HEIGHT - 4, Math.max(2, x1 - x0), 4);
      }
      g.restore();
    }
    g.fillStyle = styles.getPropertyValue("--accent").trim() || "#2563eb";
    for (const t of marks) {
      if (t < span.from || t > span.to) continue;
      g.fillRect(Math.round(pixelOf(t, width, span)) - 1, 0, 2, 7);
    }
  }, [buckets, span, width, marks, gapBefore, gapDays]);

  const x = width ? pixelOf(at, width, span) : -10;
  // A date or time under the strip about every 120 pixels, at UTC boundaries.
  const axis = width ? timeAxis(span.from, span.to, Math.max(2, Math.floor(width / 120))) : null;

  const scrubTo = (clientX: number) => {
    const c = canvas.current;
    if (!c) return;
    const r = c.getBoundingClientRect();
    onScrub(instantAt(clientX - r.left, r.width, span));
  };

  return (
    <div className="strip-box">
      <canvas
        ref={canvas}
        className="density-strip"
        data-testid="density-strip"
        style={{ height: HEIGHT }}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          if (e.shiftKey && onBrush) {
            const left = e.clientX - e.currentTarget.getBoundingClientRect().left;
            setBrush([left, left]);
            return;
          }
          dragging.current = true;
          scrubTo(e.clientX);
        }}
        onPointerMove={(e) => {
          if (brush) setBrush([brush[0], e.clientX - e.currentTarget.getBoundingClientRect().left]);
          else if (dragging.current) scrubTo(e.clientX);
        }}
        onPointerUp={(e) => {
          dragging.current = false;
          if (brush && onBrush) {
            const r = e.currentTarget.getBoundingClientRect();
            const [a, b] = [Math.min(...brush), Math.max(...brush)];
            if (b - a >= 4) onBrush(instantAt(a, r.width, span), instantAt(b, r.width, span));
            setBrush(null);
          }
        }}
        onWheel={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          onZoom(instantAt(e.clientX - r.left, r.width, span), e.deltaY < 0 ? 1.5 : 1 / 1.5);
        }}
      />
      {brush && (
        <div
          className="brush"
          aria-hidden
          style={{ left: Math.min(...brush), width: Math.abs(brush[1] - brush[0]), height: HEIGHT }}
        />
      )}
      <div
        className="scrubber"
        aria-hidden
        style={{ transform: `translateX(${Math.round(x) - 1}px)`, height: HEIGHT }}
      />
      {axis && (
        <div className="strip-axis" data-testid="strip-axis">
          {axis.ticks.map((t) => {
            const left = pixelOf(t, width, span);
            // The zone's name sits at the right end; a label that would run under it is left out.
            if (left > width - 40 - 7 * displayZone().length) return null;
            // Labels at the ends are kept inside the strip.
            const shift = left < 36 ? "0" : left > width - 70 ? "-100%" : "-50%";
            return (
              <span key={t} style={{ left, transform: `translateX(${shift})` }}>
                {axis.label(t)}
              </span>
            );
          })}
          <em>{displayZone()}</em>
        </div>
      )}
    </div>
  );
}
