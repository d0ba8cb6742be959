import { useEffect, useRef, useState } from "react";
import type { Bucket } from "./backend";
import { instantAt, pixelOf, type Span } from "./scrub";

interface Props {
  buckets: Bucket[];
  span: Span;
  at: number;
  onScrub: (at: number) => void;
  onZoom: (center: number, factor: number) => void;
}

const HEIGHT = 72;

/** Event density over the visible span, with the scrubber; drag to move it, wheel to zoom. */
export function DensityStrip({ buckets, span, at, onScrub, onZoom }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const dragging = useRef(false);
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
  }, [buckets, span, width]);

  const x = width ? pixelOf(at, width, span) : -10;

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
          dragging.current = true;
          e.currentTarget.setPointerCapture(e.pointerId);
          scrubTo(e.clientX);
        }}
        onPointerMove={(e) => dragging.current && scrubTo(e.clientX)}
        onPointerUp={() => (dragging.current = false)}
        onWheel={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          onZoom(instantAt(e.clientX - r.left, r.width, span), e.deltaY < 0 ? 1.5 : 1 / 1.5);
        }}
      />
      <div
        className="scrubber"
        aria-hidden
        style={{ transform: `translateX(${Math.round(x) - 1}px)`, height: HEIGHT }}
      />
    </div>
  );
}
