import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef } from "react";
import { cellText, columnWidths, isNumeric } from "./grid";

interface Props {
  columns: string[];
  /** Rows loaded so far, from row 0; `total` may be larger (the rest is asked for on scroll). */
  rows: unknown[][];
  total: number;
  /** Called when rows at and after `offset` come into view and are not loaded yet. */
  onNeedRows?: (offset: number) => void;
  sortBy?: string | null;
  descending?: boolean;
  onSort?: (column: string) => void;
  label: string;
}

const ROW_HEIGHT = 28;

/** A virtualized result grid: only the rows in view are in the page, however many there are. */
export function DataGrid({ columns, rows, total, onNeedRows, sortBy, descending, onSort, label }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const widths = useMemo(() => columnWidths(columns, rows), [columns, rows]);
  const template = widths.map((w) => `${w}px`).join(" ");
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : 0;

  useEffect(() => {
    if (onNeedRows && lastIndex >= rows.length && rows.length < total) onNeedRows(rows.length);
  }, [lastIndex, rows.length, total, onNeedRows]);

  return (
    <div className="grid" role="table" aria-label={label} aria-rowcount={total}>
      <div ref={scroller} className="grid-scroll">
        <div className="grid-head" role="row" style={{ gridTemplateColumns: template }}>
          {columns.map((c) => (
            <div key={c} role="columnheader" className="grid-cell" title={c}>
              {onSort ? (
                <button className="sort" onClick={() => onSort(c)}>
                  {c}
                  {sortBy === c ? (descending ? " ▼" : " ▲") : ""}
                </button>
              ) : (
                c
              )}
            </div>
          ))}
        </div>
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {items.map((item) => {
            const row = rows[item.index];
            return (
              <div
                key={item.key}
                role="row"
                className={`grid-row${item.index % 2 ? " odd" : ""}`}
                style={{
                  gridTemplateColumns: template,
                  transform: `translateY(${item.start}px)`,
                  height: ROW_HEIGHT,
                }}
              >
                {row
                  ? row.map((v, i) => (
                      <div
                        key={i}
                        role="cell"
                        className={`grid-cell${isNumeric(v) ? " num" : ""}`}
                        title={cellText(v)}
                      >
                        {cellText(v)}
                      </div>
                    ))
                  : columns.map((c) => (
                      <div key={c} role="cell" className="grid-cell muted">
                        …
                      </div>
                    ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
