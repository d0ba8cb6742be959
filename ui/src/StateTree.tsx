import { useMemo } from "react";
import { changedPaths, treeRows } from "./tree";

interface Props {
  state: Record<string, unknown> | null;
  previous: Record<string, unknown> | null;
}

/** The entity's state as a tree; fields changed since the previous position are highlighted. */
export function StateTree({ state, previous }: Props) {
  // Nothing is "changed" on the first look at an entity; only moves of the scrubber mark fields.
  const rows = useMemo(
    () => treeRows(state ?? {}, previous ? changedPaths(previous, state ?? {}) : new Set<string>()),
    [state, previous],
  );
  if (!state) return <p className="muted">The entity does not exist at this instant.</p>;
  return (
    <table className="state-tree" aria-label="State">
      <tbody>
        {rows.map((r) => (
          <tr key={r.path} className={r.changed ? "changed" : undefined} data-path={r.path}>
            <th style={{ paddingLeft: 8 + r.depth * 16 }}>{r.key}</th>
            <td>{r.value ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
