import { describe, expect, it } from "vitest";
import type { Note } from "./backend";
import { anchorText, noteThreads } from "./notes";

const note = (id: number, supersedes: number | null, superseded_by: number | null): Note => ({
  note_id: id,
  created_at: "2026-11-22T10:00:00Z",
  author: "auditor",
  at: "2024-04-02T20:40:34Z",
  axis: "recorded",
  stream_id: "applicant-0005",
  event_id: null,
  body: `v${id}`,
  supersedes,
  superseded_by,
  view: "auditor",
});

describe("note threads", () => {
  it("shows the newest version of each chain with the earlier ones under it", () => {
    const threads = noteThreads([note(1, null, 2), note(2, 1, 4), note(3, null, null), note(4, 2, null)]);
    expect(threads.map((t) => t.current.note_id)).toEqual([4, 3]);
    expect(threads[0].earlier.map((n) => n.note_id)).toEqual([2, 1]);
    expect(threads[1].earlier).toEqual([]);
  });

  it("describes what a note points at", () => {
    expect(anchorText(note(1, null, null))).toBe("applicant-0005 · 2024-04-02 20:40:34 (recorded)");
  });
});
