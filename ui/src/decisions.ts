// The pure parts of the Decisions screen (tested with vitest): the filter as a query, the inputs
// table of a decision card, how long after the decision something happened, and replay verdicts.
import type { DecisionQuery, Explanation, Hint, Replayer, ReplayFilter, ReplayReport } from "./backend";
import { parseMicros } from "./format";
import { isUtc, wallInputToRfc3339 } from "./zone";

/** What the filter bar holds; empty strings mean "any". */
export interface DecisionFilters {
  modelVersion: string;
  label: string;
  subject: string;
  /** `datetime-local` text (the display zone's wall clock), or "". */
  from: string;
  to: string;
  /** The latest replay's verdict, "none" for never replayed, "" for any. */
  replay: ReplayFilter | "";
  staleOnly: boolean;
}

export const NO_FILTERS: DecisionFilters = {
  modelVersion: "",
  label: "",
  subject: "",
  from: "",
  to: "",
  replay: "",
  staleOnly: false,
};

/** A `datetime-local` value ("2024-04-02T20:40" or with seconds) read in the display zone, in
 * RFC 3339 UTC. */
export function localToRfc3339(v: string): string | null {
  if (!v) return null;
  return isUtc() ? (v.length === 16 ? `${v}:00Z` : `${v}Z`) : wallInputToRfc3339(v);
}

export function toQuery(
  f: DecisionFilters,
  limit: number | null,
  offset: number | null,
  cursor: string | null = null,
): DecisionQuery {
  return {
    model: null,
    model_version: f.modelVersion || null,
    from: localToRfc3339(f.from),
    to: localToRfc3339(f.to),
    subject: f.subject.trim() || null,
    label: f.label || null,
    replay: f.replay || null,
    stale_only: f.staleOnly,
    limit,
    offset,
    after: cursor,
  };
}

/** One row of the card's inputs table: what the model saw next to what the case says. */
export interface InputRow {
  name: string;
  saw: unknown;
  /** The subject's field as the system knew it then (undefined: the state has no such field). */
  knew: unknown;
  /** What was true then, as the case knows it now (undefined: the state has no such field). */
  actual: unknown;
  stale: boolean;
  learnedLater: boolean;
  /** Why the row is marked, in a sentence. */
  note: string | null;
}

function field(state: unknown, name: string): unknown {
  if (typeof state === "object" && state !== null && !Array.isArray(state)) {
    return (state as Record<string, unknown>)[name];
  }
  return undefined;
}

/** The recorded inputs in their order, each with the reconstructed and (when it differs) true value. */
export function inputRows(x: Explanation): InputRow[] {
  const inputs = x.recorded_inputs;
  if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs)) return [];
  const stale = new Map(x.discrepancies.map((d) => [d.path, d]));
  const late = new Map(x.hindsight.map((h) => [h.path, h]));
  return Object.entries(inputs).map(([name, saw]) => {
    const d = stale.get(name);
    const h = late.get(name);
    return {
      name,
      saw,
      knew: field(x.reconstructed_state, name),
      actual: h ? h.actual : field(x.world_state, name),
      stale: d !== undefined,
      learnedLater: h !== undefined,
      note: d?.message ?? h?.message ?? null,
    };
  });
}

/** A value for a table cell: strings as they are, the rest as JSON, missing as a dash. */
export function valueText(v: unknown): string {
  if (v === undefined) return "—";
  if (v === null) return "null";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

/** How long after `from` the instant `to` is, as "+2 d 4 h", "+35 min", "−1 h" (before). */
export function after(from: string, to: string): string {
  const us = parseMicros(to) - parseMicros(from);
  const sign = us < 0 ? "−" : "+";
  let s = Math.round(Math.abs(us) / 1e6);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${sign}${d} d${h ? ` ${h} h` : ""}`;
  if (h > 0) return `${sign}${h} h${m ? ` ${m} min` : ""}`;
  if (m > 0) return `${sign}${m} min`;
  return `${sign}${s} s`;
}

const of = (k: number, what: string) => `${k} ${what}`;

/** A replay run in one sentence. */
export function verdict(r: ReplayReport): string {
  const n = r.replayed;
  if (r.mode === "counterfactual") {
    const parts = [of(r.flips, r.flips === 1 ? "decision would have gone the other way" : "decisions would have gone the other way")];
    if (r.failed) parts.push(of(r.failed, "failed"));
    return `Counterfactual run #${r.run_id}: ${n} decisions replayed through another version; ${parts.join(", ")}.`;
  }
  const bad = r.mismatched + r.nondeterministic + r.failed;
  const head =
    n === 0
      ? "Nothing was replayed"
      : bad === 0
        ? n === 1
          ? "Reproduced: the replay gave the recorded answer"
          : `Reproduced: all ${n} decisions gave the recorded answer`
        : `Not reproduced: ${bad} of ${n} decisions did not give the recorded answer`;
  const parts = [of(r.matched, "match"), of(r.mismatched, "mismatch"), of(r.failed, "failed")];
  if (r.nondeterministic) parts.push(of(r.nondeterministic, "nondeterministic"));
  return `${head}${r.cancelled ? " (cancelled)" : ""} · run #${r.run_id}: ${parts.join(", ")}.`;
}

/** Program arguments typed in one line: split on spaces, with "double quotes" keeping spaces. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2]);
  return out;
}

/** Arguments as one line that `splitArgs` reads back (an argument with spaces in quotes). */
export function joinArgs(args: string[]): string {
  return args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(" ");
}

/** The replayer form's starting values. */
export interface ReplayerStart {
  name?: string;
  model?: string;
  version?: string;
  command?: string;
  args?: string;
}

/**
 * The form's starting values for an error's action: the model and version that have no replayer,
 * or the replayer to trust again (trusting is adding the same program again, checked by the user).
 */
export function replayerStartFor(hint: Hint, replayers: Replayer[]): ReplayerStart {
  if (hint.action === "add_replayer") {
    return { model: hint.model ?? undefined, version: hint.model_version ?? undefined };
  }
  if (hint.action === "trust_replayer") {
    const r = replayers.find((x) => x.name === hint.name);
    return {
      name: hint.name,
      model: r?.model ?? undefined,
      version: r?.model_version ?? undefined,
      command: r?.command,
      args: r ? joinArgs(r.args) : undefined,
    };
  }
  return {};
}
