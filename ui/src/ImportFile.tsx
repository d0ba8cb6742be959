import { useId, useState } from "react";
import type { FolderPreview, Mapping, PreviewRow, SourcePreview } from "./backend";
import { DumpTables } from "./ImportFolder";
import { formatCount } from "./format";
import {
  ENVELOPE_FIELDS,
  REQUIRED_FIELDS,
  candidatesOf,
  defaultTimeProblem,
  formToml,
  missingRequired,
  splitList,
  timeFormatChoice,
  withCandidates,
  withKafka,
} from "./mapping";
import { loadSentence, payloadCell, placedBadge, placedHint, placedSentence, timeCell } from "./preview";
import { formatBytes } from "./progress";

/** A file waiting to be imported: how it would be read, and the user's choices for it. */
export interface Pending {
  path: string;
  /** A folder: every file inside is imported (previewed as a whole in `folder`). */
  isFolder: boolean;
  folder: FolderPreview | null;
  preview: SourcePreview | null;
  error: string | null;
  /** The format chosen by the user, when not the detected one. */
  format: string | null;
  /** The mapping TOML sent with the file (typed, or written by the form); null: detected. */
  mapping: string | null;
  /** The form's mapping once the form is used; null: the form follows the engine's answer. */
  form: Mapping | null;
  /** The format the file is read by with its own rules (kcat, cloudevents, otlp), if it is. */
  rulesFormat: string | null;
  /** Fields mapped by hand although the format has rules of its own. */
  byHand: boolean;
  /** The time given to events without one (RFC 3339), as typed. */
  defaultTime: string;
  showMapping: boolean;
  /** Which first rows are shown: as they will be loaded, or as the file holds them. */
  view: "loaded" | "read";
  /** A preview is on its way; the one shown stays until it comes. */
  loading: boolean;
}

export function pendingFile(path: string, isFolder = false): Pending {
  return {
    path,
    isFolder,
    folder: null,
    preview: null,
    error: null,
    format: null,
    mapping: null,
    form: null,
    rulesFormat: null,
    byHand: false,
    defaultTime: "",
    showMapping: false,
    view: "loaded",
    loading: true,
  };
}

/** How soon a change re-reads the file: at once (a choice), soon (typing), or not at all. */
export type Rerun = "now" | "soon" | null;

interface Props {
  f: Pending;
  running: boolean;
  onEdit: (patch: Partial<Pending>, rerun: Rerun) => void;
  onRemove: () => void;
}

/** One file before it is loaded: how it will be read, its options and mapping, its first records. */
export function FileCard({ f, running, onEdit, onRemove }: Props) {
  const p = f.preview;
  const helpId = useId();
  const timeProblem = defaultTimeProblem(f.defaultTime);
  const textTime = p?.mapping.default_time;
  return (
    <section className="card file-card" data-testid="file-preview">
      <div className="file-head">
        <div>
          <strong>{f.path.split("/").pop()}</strong>
          <div className="muted small">{f.path}</div>
        </div>
        <div className="row">
          <span
            className={`updating small${f.loading && (p || f.error) ? " on" : ""}`}
            data-testid="preview-updating"
            aria-live="polite"
          >
            {f.loading && (p || f.error) ? "updating…" : ""}
          </span>
          <button className="ghost" aria-label={`Remove ${f.path}`} onClick={onRemove} disabled={running}>
            ×
          </button>
        </div>
      </div>
      {f.error && (
        <p role="alert" className="error">
          {f.error}
        </p>
      )}
      {!p && !f.error && <p className="muted">Reading the first rows…</p>}
      {p && (
        <div className="facts-row">
          <label>
            Format{" "}
            <select
              aria-label="Format"
              value={f.format ?? p.format}
              onChange={(e) => onEdit({ format: e.target.value === p.format ? null : e.target.value }, "now")}
              disabled={running}
            >
              {(p.formats.includes(f.format ?? p.format) ? p.formats : [f.format ?? p.format, ...p.formats]).map((x) => (
                <option key={x}>{x}</option>
              ))}
            </select>
          </label>
          <span className="muted small">{p.detected_by}</span>
          <span className="small">
            {formatBytes(p.size_bytes)}
            {p.compression !== "none" ? ` · ${p.compression}` : ""}
          </span>
          {p.already_imported && <span className="tag warn">already in this case: it will be skipped</span>}
        </div>
      )}
      {(p || f.error) && (
        <>
          <div className="facts-row default-time">
            <label>
              Default time{" "}
              <input
                aria-label="Default time"
                data-testid="default-time"
                placeholder="none; e.g. 2024-05-01T00:00:00Z"
                spellCheck={false}
                value={f.defaultTime}
                aria-invalid={timeProblem !== null}
                aria-describedby={helpId}
                onChange={(e) => onEdit({ defaultTime: e.target.value }, "soon")}
                disabled={running}
              />
            </label>
            <span id={helpId} className={`small${timeProblem ? " error" : " muted"}`} data-testid="default-time-help">
              {timeProblem ?? "Given to events that have no time of their own; they are marked as placed there."}
            </span>
            {textTime && !f.defaultTime.trim() && f.mapping?.includes("default_time") && (
              <span className="tag warn" title="A time typed here takes its place.">
                the mapping text sets {textTime}
              </span>
            )}
          </div>
          <button className="link" onClick={() => onEdit({ showMapping: !f.showMapping }, null)}>
            {f.showMapping ? "Hide" : "Show and edit"} the field mapping
          </button>
          {f.showMapping && <MappingEditor f={f} disabled={running} onEdit={onEdit} />}
        </>
      )}
      {p && <FirstRows f={f} p={p} onView={(view) => onEdit({ view }, null)} />}
    </section>
  );
}

/** The summary of the first records, and the records as they will be loaded (or as read). */
function FirstRows({ f, p, onView }: { f: Pending; p: SourcePreview; onView: (v: Pending["view"]) => void }) {
  const placed = placedSentence(p.times_placed, p.mapping.default_time ?? null);
  return (
    <div className={`first-rows${f.loading ? " loading" : ""}`}>
      <div className="first-rows-head">
        <h4>{f.view === "read" ? "First rows as read" : "First rows as they will be loaded"}</h4>
        <div role="group" aria-label="Show the first rows" className="segmented">
          <button aria-pressed={f.view === "loaded"} data-testid="view-as-loaded" onClick={() => onView("loaded")}>
            As loaded
          </button>
          <button aria-pressed={f.view === "read"} data-testid="view-as-read" onClick={() => onView("read")}>
            As read
          </button>
        </div>
      </div>
      <div className="load-summary" data-testid="load-summary">
        <p className={p.would_quarantine > 0 ? "warn" : undefined}>{loadSentence(p.sampled_rows, p.would_quarantine)}</p>
        {p.reasons.length > 0 && (
          <ul className="reasons" data-testid="quarantine-reasons" aria-label="Why records would be quarantined">
            {p.reasons.map((r) => (
              <li key={r.reason}>
                <span className="reason-count">{formatCount(r.rows)}</span>
                <span>{r.reason}</span>
              </li>
            ))}
          </ul>
        )}
        {placed && (
          <p className="placed-summary" data-testid="placed-summary">
            {placed}
          </p>
        )}
        {p.tables.length > 0 && <DumpTables tables={p.tables} loaded={false} />}
      </div>
      {f.view === "read" ? (
        <pre className="json sample" data-testid="as-read">
          {p.sample.map((r) => JSON.stringify(r)).join("\n") ||
            (p.container === "sql" ? "(a dump's rows are shown as they will be loaded)" : "(no rows)")}
        </pre>
      ) : (
        <LoadedRows rows={p.rows} sampled={p.sampled_rows} />
      )}
    </div>
  );
}

function LoadedRows({ rows, sampled }: { rows: PreviewRow[]; sampled: number }) {
  if (rows.length === 0) return <p className="muted">(no records)</p>;
  return (
    <>
      <div className="loaded-box">
        <table className="plain loaded-rows" data-testid="as-loaded" aria-label="First rows as they will be loaded">
          <thead>
            <tr>
              <th className="num">Row</th>
              <th>Stream</th>
              <th>Type</th>
              <th>Occurred</th>
              <th>Recorded</th>
              <th>Payload</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr
                key={`${r.row}-${i}`}
                className={r.quarantined !== null ? "quarantined" : undefined}
                data-testid={r.quarantined !== null ? "quarantined-row" : "loaded-row"}
              >
                <td className="num">{r.row}</td>
                <td>
                  {r.stream_id ?? "—"}
                  {r.stream_type && <span className="muted"> · {r.stream_type}</span>}
                </td>
                <td>{r.event_type ?? "—"}</td>
                {r.quarantined !== null ? (
                  <td colSpan={3} className="quarantine-reason" data-testid="quarantine-reason">
                    <span className="flag bad">quarantined</span> {r.quarantined}
                  </td>
                ) : (
                  <>
                    <td className={r.time_placed ? "placed" : undefined}>
                      {timeCell(r.occurred_at)}
                      {r.time_placed && (
                        <span className="flag warn" title={placedHint(r.time_placed)} data-testid="time-placed">
                          {placedBadge(r.time_placed)}
                        </span>
                      )}
                    </td>
                    <td className={r.time_placed && r.recorded_at === r.occurred_at ? "placed" : undefined}>
                      {timeCell(r.recorded_at)}
                    </td>
                    <td className="payload" title={JSON.stringify(r.payload, null, 2)}>
                      <code>{payloadCell(r.payload)}</code>
                    </td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {sampled > rows.length && (
        <p className="muted small">
          The first {formatCount(rows.length)} of the {formatCount(sampled)} records checked are shown.
        </p>
      )}
    </>
  );
}

/** The key picker's choices: a key seen (prefixed), or a blank candidate to type. */
const KEY = "key:";
const OTHER = "other";

/** The mapping as a form (fields, or a format's options) with its TOML beside it. */
function MappingEditor({
  f,
  disabled,
  onEdit,
}: {
  f: Pending;
  disabled: boolean;
  onEdit: (patch: Partial<Pending>, rerun: Rerun) => void;
}) {
  const p = f.preview;
  const listId = useId();
  const textId = useId();
  const base: Mapping = f.form ?? p?.mapping ?? { fields: {} };
  const order = p?.envelope_fields ?? ENVELOPE_FIELDS;
  const keys = p?.keys ?? [];
  const optionsOnly = f.rulesFormat !== null && !f.byHand;
  const text = f.mapping ?? formToml(base, !optionsOnly, order) ?? "";
  const missing = optionsOnly ? [] : missingRequired(base);

  const setForm = (next: Mapping, byHand = f.byHand) =>
    onEdit(
      {
        form: next,
        byHand,
        mapping: formToml(next, !(f.rulesFormat !== null && !byHand), order),
        // The form leaves the default time to its own input: one typed in the text moves there.
        ...(!f.defaultTime.trim() && next.default_time ? { defaultTime: next.default_time } : {}),
      },
      "soon",
    );

  return (
    <div className="mapping mapping-editor">
      <div className="mapping-form" data-testid="mapping-form">
        {f.rulesFormat !== null && (
          <>
            <p className="muted small">
              {optionsOnly
                ? `Read by the ${f.rulesFormat} format's own rules. Its options are the default time (above), the time format${f.rulesFormat === "kcat" ? ", the Kafka key field and the type headers" : ""}.`
                : "Fields mapped by hand read the records as the file holds them (the keys seen), not as the format rebuilds them."}
            </p>
            <label className="check">
              <input
                type="checkbox"
                data-testid="map-by-hand"
                checked={f.byHand}
                onChange={(e) => setForm(base, e.target.checked)}
                disabled={disabled}
              />{" "}
              Map fields by hand
            </label>
          </>
        )}
        <TimeFormatField value={base.time_format} disabled={disabled} onChange={(time_format) => setForm({ ...base, time_format })} />
        {optionsOnly && f.rulesFormat === "kcat" && (
          <div className="option-rows">
            <label>
              Kafka key field
              <input
                aria-label="Kafka key field"
                data-testid="kafka-key-field"
                placeholder="the key's only field, else the key"
                spellCheck={false}
                value={base.kafka?.key_field ?? ""}
                onChange={(e) => setForm(withKafka(base, { key_field: e.target.value }))}
                disabled={disabled}
              />
            </label>
            <label>
              Type headers
              <ListInput
                aria-label="Type headers"
                data-testid="kafka-type-headers"
                placeholder="default: ce_type, type, event_type, …"
                value={base.kafka?.type_headers}
                onChange={(type_headers) => setForm(withKafka(base, { type_headers }))}
                disabled={disabled}
              />
            </label>
          </div>
        )}
        {!optionsOnly && (
          <>
            <datalist id={listId}>
              {keys.map((k) => (
                <option key={k} value={k} />
              ))}
            </datalist>
            <div className="field-rows">
              {order.map((field) => (
                <FieldRow
                  key={field}
                  field={field}
                  list={candidatesOf(base.fields[field])}
                  keys={keys}
                  listId={listId}
                  disabled={disabled}
                  onChange={(list) => setForm(withCandidates(base, field, list))}
                />
              ))}
            </div>
            <p className="muted small">
              A candidate is a path in the record (<code>data.score</code>), one prefixed <code>json:</code>,{" "}
              <code>base64:</code> or <code>class:</code> to decode it, or <code>const:</code> and a constant.
              Candidates are tried in order. <span className="required">*</span> required.
            </p>
            {missing.length > 0 && (
              <p className="warn small" data-testid="mapping-missing">
                Say where {missing.join(", ")} {missing.length === 1 ? "comes" : "come"} from.
              </p>
            )}
          </>
        )}
      </div>
      <div className="mapping-text">
        <label htmlFor={textId} className="small muted">
          The same mapping as a mapping file (TOML); edit either
        </label>
        <textarea
          id={textId}
          aria-label="Mapping"
          data-testid="mapping-toml"
          spellCheck={false}
          placeholder={optionsOnly ? '# read by the format\'s own rules; options, e.g.\n# time_format = "epoch_ms"' : ""}
          value={text}
          onChange={(e) => onEdit({ mapping: e.target.value, form: null }, "soon")}
          disabled={disabled}
        />
        <div className="row">
          <button
            onClick={() => onEdit({ mapping: null, form: null, byHand: false }, "now")}
            disabled={disabled || (f.mapping === null && f.form === null && !f.byHand)}
          >
            Back to detected
          </button>
          {keys.length > 0 && (
            <span className="muted small">
              {formatCount(keys.length)} {keys.length === 1 ? "key" : "keys"} seen
            </span>
          )}
        </div>
      </div>
    </div>
  );
}

function FieldRow({
  field,
  list,
  keys,
  listId,
  disabled,
  onChange,
}: {
  field: string;
  list: string[];
  keys: string[];
  listId: string;
  disabled: boolean;
  onChange: (list: string[]) => void;
}) {
  const shown = list.length ? list : [""];
  const required = REQUIRED_FIELDS.includes(field);
  return (
    <div className="field-row" data-testid={`field-${field}`}>
      <span className="field-name">
        {field}
        {required && (
          <span className="required" title="required">
            *
          </span>
        )}
      </span>
      <div className="candidates">
        {shown.map((c, i) => (
          <span className="candidate" key={i}>
            {i > 0 && <span className="muted small">or</span>}
            <input
              aria-label={i === 0 ? field : `${field}, candidate ${i + 1}`}
              list={listId}
              spellCheck={false}
              placeholder={i === 0 ? "not mapped" : "a path or const:value"}
              value={c}
              onChange={(e) => onChange(shown.map((x, j) => (j === i ? e.target.value : x)))}
              disabled={disabled}
            />
            {list.length > 0 ? (
              <button
                className="ghost remove"
                aria-label={`Remove ${c || "this candidate"} from ${field}`}
                onClick={() => onChange(list.filter((_, j) => j !== i))}
                disabled={disabled}
              >
                ×
              </button>
            ) : (
              <span className="remove" aria-hidden="true" />
            )}
          </span>
        ))}
        <select
          aria-label={`Add a key for ${field}`}
          className="add-key"
          value=""
          onChange={(e) => {
            const v = e.target.value;
            if (v === OTHER) onChange([...shown, ""]);
            else if (v.startsWith(KEY)) {
              const key = v.slice(KEY.length);
              onChange(list.length === 0 || (list.length === 1 && list[0].trim() === "") ? [key] : [...list, key]);
            }
          }}
          disabled={disabled}
        >
          <option value="">+ key…</option>
          <option value={OTHER}>another candidate (typed)</option>
          {keys.map((k) => (
            <option key={k} value={KEY + k}>
              {k}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

function TimeFormatField({
  value,
  disabled,
  onChange,
}: {
  value: string | null | undefined;
  disabled: boolean;
  onChange: (v: string | undefined) => void;
}) {
  const { choice, pattern } = timeFormatChoice(value);
  return (
    <div className="option-rows">
      <label>
        Time format
        <select
          aria-label="Time format"
          data-testid="time-format"
          value={choice}
          onChange={(e) => {
            const v = e.target.value;
            onChange(v === "auto" ? undefined : v === "pattern" ? pattern : v);
          }}
          disabled={disabled}
        >
          <option value="auto">auto (recognised)</option>
          <option value="rfc3339">rfc3339</option>
          <option value="epoch_s">epoch_s (seconds)</option>
          <option value="epoch_ms">epoch_ms (milliseconds)</option>
          <option value="epoch_us">epoch_us (microseconds)</option>
          <option value="epoch_ns">epoch_ns (nanoseconds)</option>
          <option value="pattern">a strptime pattern…</option>
        </select>
      </label>
      {choice === "pattern" && (
        <label>
          Pattern
          <input
            aria-label="Time pattern"
            data-testid="time-pattern"
            placeholder="%d/%m/%Y %H:%M:%S"
            spellCheck={false}
            value={pattern}
            onChange={(e) => onChange(e.target.value)}
            disabled={disabled}
          />
        </label>
      )}
    </div>
  );
}

/** A comma-separated list typed freely: the text is kept while typing, the list follows it. */
function ListInput({
  value,
  onChange,
  ...rest
}: {
  value: string[] | null | undefined;
  onChange: (v: string[]) => void;
  "aria-label": string;
  "data-testid": string;
  placeholder: string;
  disabled: boolean;
}) {
  const joined = (value ?? []).join(", ");
  const [text, setText] = useState(joined);
  const [seen, setSeen] = useState(joined);
  if (seen !== joined) {
    // The list changed from elsewhere (the TOML text, back to detected): show it.
    setSeen(joined);
    if (splitList(text).join(", ") !== joined) setText(joined);
  }
  return (
    <input
      {...rest}
      spellCheck={false}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const list = splitList(e.target.value);
        setSeen(list.join(", "));
        onChange(list);
      }}
    />
  );
}
