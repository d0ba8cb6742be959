import { describe, expect, it } from "vitest";
import { cellText, columnWidths } from "./grid";

describe("grid cells", () => {
  it("renders any JSON value as text", () => {
    expect(cellText(null)).toBe("");
    expect(cellText("a")).toBe("a");
    expect(cellText(3.5)).toBe("3.5");
    expect(cellText({ a: [1, 2] })).toBe('{"a":[1,2]}');
  });

  it("sizes columns to content within bounds", () => {
    const w = columnWidths(["id", "description"], [["x", "y".repeat(500)]]);
    expect(w[0]).toBe(72);
    expect(w[1]).toBe(360);
  });
});
