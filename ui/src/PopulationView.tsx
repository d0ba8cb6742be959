import { useCallback, useEffect, useRef, useState } from "react";
import { Alert } from "./Alert";
import {
  backend,
  errorText,
  type CaseInfo,
  type Population,
  type PopulationPage,
} from "./backend";
import type { Focus } from "./CaseShell";
import { DataGrid } from "./DataGrid";
import { formatCount } from "./format";
import { useJob } from "./useJob";
import { formatInstant } from "./zone";

interface Props {
  info: CaseInfo;
  focus: Focus;
  onOpen: (f: Partial<Focus>) => void;
}

const PAGE = 200;

/** Every entity of a type at the scrubber's instant, as a filterable, sortable virtualized table. */
export function PopulationView({ info, focus, onOpen }: Props) {
  const types = Object.keys(info.stream_types);
  const [type, setType] = useState(types[0] ?? "");
  // The population built for `key` (type, instant, axis, view), or why it could not be.
  const [built, setBuilt] = useState<{ key: string; population: Population | null } | null>(null);
  const [rows, setRows] = useState<unknown[][]>([]);
  const [page, setPage] = useState<PopulationPage | null>(null);
  const [contains, setContains] = useState("");
  const [column, setColumn] = useState("");
  const [sortBy, setSortBy] = useState<string | null>(null);
  const [descending, setDescending] = useState(false);
  // The time machine's build, when the population needs it first.
  const snapshots = useJob("snapshots");
  const snapshotProgress = snapshots.progress;
  const withSnapshots = snapshots.run;
  const [error, setError] = useState<string | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);

  async function exportTable() {
    setError(null);
    setExported(null);
    try {
      const [path] = await backend.pickFiles("save_table");
      if (!path) return;
      setExporting(true);
      const p = await backend.exportPopulation(type, focus.at, focus.axis, focus.view, path);
      setExported(`${formatCount(p.rows)} entities written to ${p.out ?? path}.`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setExporting(false);
    }
  }
  const loading = useRef(new Set<number>());

  const key = `${type}|${focus.at}|${focus.axis}|${focus.view}`;
  const population = built?.key === key ? built.population : null;
  const building = type !== "" && focus.at !== 0 && built?.key !== key;

  useEffect(() => {
    if (!type || focus.at === 0) return;
    let live = true;
    withSnapshots(() => backend.buildPopulation(type, focus.at, focus.axis, focus.view))
      .then(
        (p) => {
          if (!live) return;
          setError(null);
          setBuilt({ key, population: p });
        },
        (e) => {
          if (!live) return;
          setError(errorText(e));
          setBuilt({ key, population: null });
        },
      );
    return () => {
      live = false;
    };
  }, [key, type, focus.at, focus.axis, focus.view, withSnapshots]);

  const query = useCallback(
    (offset: number) =>
      backend.populationPage({
        contains: contains || null,
        column: column || null,
        sort_by: sortBy,
        descending,
        limit: PAGE,
        offset,
      }),
    [contains, column, sortBy, descending],
  );

  useEffect(() => {
    if (!population) return;
    const t = setTimeout(() => {
      loading.current.clear();
      query(0)
        .then((p) => {
          setPage(p);
          setRows(p.page.rows as unknown[][]);
        })
        .catch((e) => setError(errorText(e)));
    }, 120);
    return () => clearTimeout(t);
  }, [population, query]);

  const more = useCallback(
    (offset: number) => {
      if (loading.current.has(offset)) return;
      loading.current.add(offset);
      query(offset)
        .then((p) => setRows((r) => (r.length === offset ? [...r, ...(p.page.rows as unknown[][])] : r)))
        .catch((e) => setError(errorText(e)));
    },
    [query],
  );

  const columns = page?.page.columns ?? population?.columns.map((c) => c.name) ?? [];

  return (
    <div className="population-view">
      <div className="toolbar">
        <label>
          Type{" "}
          <select aria-label="Population type" value={type} onChange={(e) => setType(e.target.value)}>
            {types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" data-testid="population-at" data-at={focus.at}>
          at {focus.at ? formatInstant(focus.at, "milli") : "–"} · {focus.axis} axis ·{" "}
          {focus.view === "as_corrected" ? "as corrected" : "as recorded"}
        </span>
        <input
          aria-label="Filter population"
          placeholder="Filter rows…"
          value={contains}
          onChange={(e) => setContains(e.target.value)}
        />
        <select aria-label="Filter column" value={column} onChange={(e) => setColumn(e.target.value)}>
          <option value="">in any column</option>
          {columns.map((c) => (
            <option key={c} value={c}>
              in {c}
            </option>
          ))}
        </select>
        <button onClick={exportTable} disabled={!population || exporting} title="Parquet, CSV or JSON">
          {exporting ? "Exporting…" : "Export…"}
        </button>
        <span className="muted" data-testid="population-count">
          {page ? `${formatCount(page.total)} of ${formatCount(population?.rows ?? 0)} entities` : ""}
        </span>
      </div>
      <Alert message={error} />
      {building && (
        <div className="card" role="status">
          {snapshotProgress === null ? (
            <p className="muted">Reconstructing every {type} at this instant…</p>
          ) : (
            <>
              <p className="row">
                <span className="grow">
                  Building the time machine's stored states: {formatCount(snapshotProgress.done)} of{" "}
                  {formatCount(snapshotProgress.total)} entities
                </span>
                <button onClick={snapshots.cancel}>Cancel</button>
              </p>
              <progress max={snapshotProgress.total || 1} value={snapshotProgress.done} />
            </>
          )}
        </div>
      )}
      {exported && (
        <p className="ok" role="status">
          {exported}
        </p>
      )}
      {focus.at === 0 && <p className="muted card">Set an instant on the timeline first.</p>}
      {page && population && (
        <div className="grid-box">
          <DataGrid
            label="Population"
            columns={columns}
            rows={rows}
            total={page.total}
            onNeedRows={more}
            sortBy={sortBy}
            descending={descending}
            onSort={(c) => {
              if (sortBy === c) setDescending((d) => !d);
              else {
                setSortBy(c);
                setDescending(false);
              }
            }}
          />
        </div>
      )}
      {page && rows.length > 0 && (
        <p className="muted small">
          Click a column to sort.{" "}
          <button className="link" onClick={() => onOpen({ stream: String(rows[0][0]) })}>
            Open {String(rows[0][0])} on the timeline
          </button>
        </p>
      )}
    </div>
  );
}
