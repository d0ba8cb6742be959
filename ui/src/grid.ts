// Cells of result grids (SQL console, population, quarantine): text for any JSON value, and column
// widths that fit the header and the values seen, within bounds.

/** A cell's text: strings as they are, null as empty, anything else as JSON. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

/** Column widths in pixels for `columns`, from the header and the first rows' text lengths. */
export function columnWidths(
  columns: string[],
  rows: unknown[][],
  charPx = 8,
  min = 72,
  max = 360,
): number[] {
  return columns.map((c, i) => {
    let chars = c.length + 2;
    for (const r of rows.slice(0, 100)) chars = Math.max(chars, cellText(r[i]).length);
    return Math.min(max, Math.max(min, chars * charPx + 16));
  });
}

/** True when a value reads best right-aligned (numbers). */
export function isNumeric(v: unknown): boolean {
  return typeof v === "number";
}
