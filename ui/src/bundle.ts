// The bundle screens' arithmetic: the export wizard's request from what was typed, and a verdict
// a regulator reads at a glance from a verification report.
import type { Axis, BundleRequest, VerifyReport } from "./backend";

export type ScopeKind = "case" | "streams" | "decisions";

/** What the export wizard holds. */
export interface ExportForm {
  scope: ScopeKind;
  /** Stream or decision ids, separated by commas, spaces or new lines. */
  ids: string;
  from: string;
  to: string;
  axis: Axis;
  profile: string;
  /** A key name, or "" for no signature. */
  key: string;
  out: string;
  /** Reports made earlier (drift HTML...) to carry, separated by commas or new lines. */
  attach: string;
}

/** The wizard before anything is typed: the whole case, unredacted, unsigned, nowhere yet. */
export const EMPTY_EXPORT_FORM: ExportForm = {
  scope: "case",
  ids: "",
  from: "",
  to: "",
  axis: "recorded",
  profile: "",
  key: "",
  out: "",
  attach: "",
};

/** Ids typed into a box: split on commas, spaces and new lines, blanks dropped, order kept. */
export function splitIds(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The request for the form, or the sentence that says what is missing. */
export function bundleRequest(form: ExportForm): BundleRequest | string {
  const out = form.out.trim();
  if (!out) return "Name the bundle file to write (ending in .casebundle), or choose it.";
  const ids = splitIds(form.ids);
  if (form.scope !== "case" && ids.length === 0)
    return form.scope === "streams" ? "Name at least one stream to export." : "Name at least one decision to export.";
  const from = form.from.trim() || null;
  const to = form.to.trim() || null;
  return {
    out,
    streams: form.scope === "streams" ? ids : null,
    decisions: form.scope === "decisions" ? ids : null,
    from,
    to,
    axis: from || to ? form.axis : null,
    redact: form.profile.trim() || null,
    sign: form.key || null,
    attach: form.attach
      .split(/[,\n]/)
      .map((p) => p.trim())
      .filter((p) => p.length > 0),
  };
}

/** A fingerprint short enough for a line: "SHA256:qA15XiUa…Au8Y". */
export function shortFingerprint(fp: string | null | undefined): string {
  if (!fp) return "–";
  return fp.length > 24 ? `${fp.slice(0, 15)}…${fp.slice(-4)}` : fp;
}

export interface Verdict {
  ok: boolean;
  headline: string;
  detail: string;
}

/** The one sentence (and its line of detail) a verification comes down to. */
export function verdict(r: VerifyReport): Verdict {
  const signer = r.signature.signer;
  if (r.ok) {
    const by = r.signature.valid && signer ? `signed by ${signer}` : "unsigned (its manifest is not protected)";
    return {
      ok: true,
      headline: "Verified: not one byte has changed since the bundle was made.",
      detail: `${r.events.toLocaleString("en-US")} events and ${r.files} files checked; ${by}.`,
    };
  }
  const n = r.problems.length;
  const first = r.problems[0];
  const where = first?.file ? `${first.file}: ` : "";
  return {
    ok: false,
    headline: `Does not verify: ${n} ${n === 1 ? "problem" : "problems"}.`,
    detail: first ? `${where}${first.message}` : "",
  };
}

/** Bytes for reading: "812 KB", "4.2 GB". */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} KB`;
  return `${n} B`;
}
