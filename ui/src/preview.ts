// Pure helpers of the import screen's preview: the sentences above the records as they will be
// loaded, the marks on placed times and the cells of the table (tested without a window).

import type { ReasonCount } from "./bindings/ReasonCount";
import { formatCount } from "./format";
import { formatInstant, isUtc } from "./zone";

/** The badge on a time that is not the event's own, by where it came from. */
export function placedBadge(origin: string): string {
  switch (origin) {
    case "kafka_timestamp":
      return "time from Kafka record";
    case "observed_time":
      return "observed time";
    case "default_time":
      return "default time";
    default:
      return `time from ${origin.replaceAll("_", " ")}`;
  }
}

/** Where a placed time came from, as the summary sentence says it. */
export function placedOrigin(origin: string, defaultTime?: string | null): string {
  switch (origin) {
    case "kafka_timestamp":
      return "the timestamp of the Kafka record that carried it";
    case "observed_time":
      return "the time the log record was observed";
    case "default_time":
      return defaultTime ? `the default time ${defaultTime}` : "the default time";
    default:
      return origin.replaceAll("_", " ");
  }
}

/** The badge's tooltip: what the time is, so nobody takes it for a recorded time. */
export function placedHint(origin: string): string {
  return `The event has no time of its own: it is placed at ${placedOrigin(origin)}, and marked so in the case.`;
}

function none(n: number): string {
  return n === 0 ? "none" : formatCount(n);
}

/** "Of the first 1,000 records, 998 would load and 2 would be quarantined." */
export function loadSentence(sampled: number, quarantined: number): string {
  if (sampled === 0) return "The file holds no records to load.";
  const load = sampled - quarantined;
  if (sampled === 1) return `The first record would ${load ? "load" : "be quarantined"}.`;
  return `Of the first ${formatCount(sampled)} records, ${none(load)} would load and ${none(quarantined)} would be quarantined.`;
}

/**
 * "3 records would take a time that is not their own (from the timestamp of the Kafka record that carried
 * it)." or, from several origins, each with its count. Null when none would.
 */
export function placedSentence(placed: ReasonCount[], defaultTime?: string | null): string | null {
  const total = placed.reduce((n, p) => n + p.rows, 0);
  if (total === 0) return null;
  const own = total === 1 ? "its own" : "their own";
  const from =
    placed.length === 1
      ? placedOrigin(placed[0].reason, defaultTime)
      : placed.map((p) => `${placedOrigin(p.reason, defaultTime)}: ${formatCount(p.rows)}`).join("; ");
  return `${formatCount(total)} ${total === 1 ? "record" : "records"} would take a time that is not ${own} (from ${from}).`;
}

/** An RFC 3339 time as the table shows it: a space for the `T`, the fraction kept (in the display
 * zone with its offset, outside UTC). */
export function timeCell(t: string | null): string {
  if (t === null) return "—";
  return isUtc() ? t.replace("T", " ") : formatInstant(t, "micro");
}

/** A payload on one line, cut to `max` characters with an ellipsis. */
export function payloadCell(payload: unknown, max = 120): string {
  const text = payload === undefined ? "" : (JSON.stringify(payload) ?? "");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
