import { describe, expect, it } from "vitest";
import type { VerifyReport } from "./backend";
import { bundleRequest, EMPTY_EXPORT_FORM, formatBytes, shortFingerprint, splitIds, verdict } from "./bundle";

const form = { ...EMPTY_EXPORT_FORM, out: "/tmp/evidence.casebundle" };

function report(over: Partial<VerifyReport>): VerifyReport {
  return {
    ok: true,
    path: "/tmp/evidence.casebundle",
    merkle_root: "ab",
    signature: { valid: true, signer: "SHA256:abc", public_key: "k", expected: null },
    problems: [],
    checked: [],
    events: 1180,
    files: 6,
    bytes: 800000,
    manifest: null,
    ...over,
  };
}

describe("bundle helpers", () => {
  it("splits typed ids on commas, spaces and lines", () => {
    expect(splitIds(" applicant-1, applicant-2\napplicant-3  ")).toEqual(["applicant-1", "applicant-2", "applicant-3"]);
    expect(splitIds(" , ")).toEqual([]);
  });

  it("builds the request the engine takes, and says what is missing", () => {
    expect(bundleRequest({ ...form, out: " " })).toMatch(/Name the bundle file/);
    expect(bundleRequest({ ...form, scope: "streams" })).toBe("Name at least one stream to export.");
    const r = bundleRequest({ ...form, scope: "decisions", ids: "dec-1 dec-2", from: "2024-01-01", key: "alice" });
    expect(r).toEqual({
      out: "/tmp/evidence.casebundle",
      streams: null,
      decisions: ["dec-1", "dec-2"],
      from: "2024-01-01",
      to: null,
      axis: "recorded",
      redact: null,
      sign: "alice",
      attach: [],
    });
    const whole = bundleRequest({ ...form, profile: " /p.toml ", attach: "/r/drift.html, /r/other report.html\n" });
    expect(typeof whole === "object" && whole.attach).toEqual(["/r/drift.html", "/r/other report.html"]);
    expect(typeof whole === "object" && whole.axis).toBe(null);
    expect(typeof whole === "object" && whole.redact).toBe("/p.toml");
  });

  it("comes down to one sentence, naming the signer or the first problem's file", () => {
    expect(verdict(report({}))).toEqual({
      ok: true,
      headline: "Verified: not one byte has changed since the bundle was made.",
      detail: "1,180 events and 6 files checked; signed by SHA256:abc.",
    });
    const bad = verdict(
      report({
        ok: false,
        problems: [
          { file: "events/events.jsonl", event_id: null, message: "This file's SHA-256 differs." },
          { file: null, event_id: "e1", message: "Event e1 was edited." },
        ],
      }),
    );
    expect(bad).toEqual({
      ok: false,
      headline: "Does not verify: 2 problems.",
      detail: "events/events.jsonl: This file's SHA-256 differs.",
    });
  });

  it("shortens fingerprints and sizes for a line", () => {
    expect(shortFingerprint("SHA256:qA15XiUaKGf2uzaFMwKQF6BOpLrYMLAa95GSQgqAu8Y")).toBe("SHA256:qA15XiUa…Au8Y");
    expect(shortFingerprint(null)).toBe("–");
    expect(formatBytes(812_345)).toBe("812 KB");
    expect(formatBytes(4_200_000_000)).toBe("4.2 GB");
  });
});
