import { describe, expect, it } from "vitest";
import { changedPaths, treeRows } from "./tree";

describe("state tree", () => {
  it("finds changed, added and removed fields at any depth", () => {
    const before = { score: 592, output: { label: "decline", score: 0.5 }, gone: 1 };
    const after = { score: 519, output: { label: "decline", score: 0.5 }, note: "late" };
    expect([...changedPaths(before, after)].sort()).toEqual(["gone", "note", "score"]);
    expect([...changedPaths({ a: { b: 1 } }, { a: { b: 2 } })]).toEqual(["a.b"]);
  });
  it("lists rows depth first and marks parents of changes", () => {
    const rows = treeRows({ a: 1, o: { b: "x", c: [1, 2] } }, new Set(["o.c"]));
    expect(rows.map((r) => [r.path, r.depth, r.value, r.changed])).toEqual([
      ["a", 0, "1", false],
      ["o", 0, null, true],
      ["o.b", 1, "x", false],
      ["o.c", 1, "[1,2]", true],
    ]);
  });
});
