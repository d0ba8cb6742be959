// A JSON state as rows of a readable tree, with the fields that changed since another state marked.

export interface TreeRow {
  path: string;
  key: string;
  depth: number;
  /** Rendered value for leaves; null for objects (their children follow). */
  value: string | null;
  changed: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function render(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Paths (dotted) whose value differs between two states, including added and removed ones. */
export function changedPaths(before: unknown, after: unknown, prefix = ""): Set<string> {
  const out = new Set<string>();
  if (isObject(before) && isObject(after)) {
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const p = prefix ? `${prefix}.${k}` : k;
      for (const c of changedPaths(before[k], after[k], p)) out.add(c);
    }
    return out;
  }
  if (JSON.stringify(before) !== JSON.stringify(after) && prefix) out.add(prefix);
  return out;
}

/** Depth-first rows of `state`; a row is changed when it or anything under it changed. */
export function treeRows(state: unknown, changed: Set<string>, prefix = "", depth = 0): TreeRow[] {
  if (!isObject(state)) return [];
  const rows: TreeRow[] = [];
  for (const [k, v] of Object.entries(state)) {
    const path = prefix ? `${prefix}.${k}` : k;
    const under = [...changed].some((c) => c === path || c.startsWith(`${path}.`));
    if (isObject(v)) {
      rows.push({ path, key: k, depth, value: null, changed: under });
      rows.push(...treeRows(v, changed, path, depth + 1));
    } else {
      rows.push({ path, key: k, depth, value: render(v), changed: under });
    }
  }
  return rows;
}
