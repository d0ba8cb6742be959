// The import screen's mapping form: the mapping as data (what the engine returns in a preview),
// edited field by field and written back as the TOML a mapping file holds. Pure; tested.

import type { KafkaOptions } from "./bindings/KafkaOptions";
import type { Mapping } from "./bindings/Mapping";
import type { OneOrMany } from "./bindings/OneOrMany";

export type { Mapping };

/** The envelope fields a mapping can fill, in the engine's order (used when no preview says them). */
export const ENVELOPE_FIELDS = [
  "event_id",
  "stream_id",
  "stream_type",
  "stream_version",
  "event_type",
  "schema_version",
  "occurred_at",
  "recorded_at",
  "actor",
  "reason",
  "causation_id",
  "correlation_id",
  "corrects",
  "payload",
  "metadata",
  "position",
  "time_placed",
];

/** The fields a mapping that names fields must name. */
export const REQUIRED_FIELDS = ["stream_id", "event_type", "occurred_at"];

/** The named time formats; anything else is a strptime pattern. */
export const TIME_FORMATS = ["auto", "rfc3339", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns"];

/** True when an optional value of the engine's is there (it may come as absent or as null). */
function given<T>(v: T | null | undefined): v is T {
  return v !== undefined && v !== null;
}

// ---- TOML ----

/** A TOML basic string: quotes, backslashes and control characters escaped. */
export function tomlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A key as TOML takes it: bare when it can be, quoted otherwise. */
export function tomlKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k);
}

function tomlValue(v: string | string[]): string {
  return Array.isArray(v) ? `[${v.map(tomlString).join(", ")}]` : tomlString(v);
}

/**
 * The mapping as the TOML of a mapping file: `container`, `time_format`, `default_time`, then a
 * `[kafka]` table and a `[fields]` table (in `order`, then any other field), each only when it
 * holds something. An empty mapping is the empty text.
 */
export function mappingToToml(m: Mapping, order: readonly string[] = ENVELOPE_FIELDS): string {
  const sections: string[] = [];
  const top: string[] = [];
  if (given(m.container)) top.push(`container = ${tomlString(m.container)}`);
  if (given(m.time_format)) top.push(`time_format = ${tomlString(m.time_format)}`);
  if (given(m.default_time)) top.push(`default_time = ${tomlString(m.default_time)}`);
  if (top.length) sections.push(top.join("\n"));
  const kafka: string[] = [];
  if (given(m.kafka?.key_field)) kafka.push(`key_field = ${tomlString(m.kafka.key_field)}`);
  if (given(m.kafka?.type_headers)) kafka.push(`type_headers = ${tomlValue(m.kafka.type_headers)}`);
  if (kafka.length) sections.push(["[kafka]", ...kafka].join("\n"));
  const names = Object.keys(m.fields).filter((k) => given(m.fields[k]));
  const ordered = [...order.filter((k) => names.includes(k)), ...names.filter((k) => !order.includes(k))];
  if (ordered.length) {
    sections.push(["[fields]", ...ordered.map((k) => `${tomlKey(k)} = ${tomlValue(m.fields[k] as OneOrMany)}`)].join("\n"));
  }
  return sections.length ? `${sections.join("\n\n")}\n` : "";
}

// ---- The form's edits ----

/** A field's candidates as a list (tried in order). */
export function candidatesOf(v: OneOrMany | null | undefined): string[] {
  if (!given(v)) return [];
  return Array.isArray(v) ? [...v] : [v];
}

/** The mapping with `field` set to `list` (one candidate as a string, none removes the field). */
export function withCandidates(m: Mapping, field: string, list: string[]): Mapping {
  const fields = { ...m.fields };
  if (list.length === 0) delete fields[field];
  else fields[field] = list.length === 1 ? list[0] : [...list];
  return { ...m, fields };
}

/** The time format as the form shows it: one of TIME_FORMATS, or "pattern" with its text. */
export function timeFormatChoice(tf: string | null | undefined): { choice: string; pattern: string } {
  if (!given(tf) || TIME_FORMATS.includes(tf)) return { choice: tf ?? "auto", pattern: "" };
  return { choice: "pattern", pattern: tf };
}

/** "ce_type, type,,event-type" -> ["ce_type", "type", "event-type"]. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** The Kafka options with one changed; no options at all is none. */
export function withKafka(m: Mapping, change: Partial<KafkaOptions>): Mapping {
  const kafka: KafkaOptions = { ...m.kafka, ...change };
  if (!given(kafka.key_field) || kafka.key_field.trim() === "") delete kafka.key_field;
  if (!given(kafka.type_headers) || kafka.type_headers.length === 0) delete kafka.type_headers;
  const next: Mapping = { ...m, kafka };
  if (Object.keys(kafka).length === 0) delete next.kafka;
  return next;
}

/**
 * What the form sends: blank candidates and options dropped, `default_time` left to the screen's
 * own Default time (it is passed beside the mapping), and, for a format read by its own rules
 * whose fields are not mapped by hand, only the options (no `[fields]`, no container).
 */
export function formMapping(m: Mapping, withFields: boolean): Mapping {
  const out: Mapping = { fields: {} };
  if (withFields && given(m.container) && m.container !== "") out.container = m.container;
  const tf = m.time_format?.trim();
  if (tf) out.time_format = tf;
  if (m.kafka) {
    const kafka = withKafka({ fields: {} }, m.kafka).kafka;
    if (kafka) out.kafka = kafka;
  }
  if (withFields) {
    for (const [k, v] of Object.entries(m.fields)) {
      const list = candidatesOf(v)
        .map((c) => c.trim())
        .filter((c) => c !== "");
      if (list.length) out.fields[k] = Array.isArray(v) ? list : list[0];
    }
  }
  return out;
}

/** The TOML the form's mapping sends, or null when it sets nothing (the file is then detected). */
export function formToml(m: Mapping, withFields: boolean, order?: readonly string[]): string | null {
  const text = mappingToToml(formMapping(m, withFields), order);
  return text === "" ? null : text;
}

/** Which required fields the form leaves without a candidate. */
export function missingRequired(m: Mapping): string[] {
  return REQUIRED_FIELDS.filter((f) => !candidatesOf(m.fields[f]).some((c) => c.trim() !== ""));
}

/**
 * A light check of a typed default time (the engine has the last word): null when it reads like a
 * date and time, else what to type.
 */
export function defaultTimeProblem(text: string): string | null {
  const t = text.trim();
  if (t === "") return null;
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?([Zz]|[+-]\d{2}:\d{2})?$/.test(t)) return null;
  return "Type a date and time such as 2024-05-01T00:00:00Z.";
}
