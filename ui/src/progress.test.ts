import { describe, expect, it } from "vitest";
import { blockedHint, formatBytes, formatRate, percent, rowsPerSecond } from "./progress";

describe("progress", () => {
  it("percent is bounded and zero for an unknown total", () => {
    expect(percent(50, 200)).toBe(25);
    expect(percent(300, 200)).toBe(100);
    expect(percent(5, 0)).toBe(0);
  });

  it("rows per second uses the recent window only", () => {
    const s = [
      { t: 0, rows: 0 },
      { t: 1000, rows: 100 },
      { t: 5000, rows: 500 },
      { t: 6000, rows: 1500 },
      { t: 7000, rows: 2500 },
    ];
    // The last 3 s: from t=5000 (500 rows) to t=7000 (2500 rows).
    expect(rowsPerSecond(s, 3000)).toBe(1000);
  });

  it("a new file's restart of the row count does not give a negative rate", () => {
    const s = [
      { t: 0, rows: 0 },
      { t: 1000, rows: 9000 },
      { t: 1100, rows: 0 },
      { t: 2100, rows: 500 },
    ];
    expect(rowsPerSecond(s)).toBe(500);
  });

  it("formats rates and sizes for people", () => {
    expect(formatRate(1_234_567)).toBe("1.2M rows/s");
    expect(formatRate(12_345)).toBe("12.3k rows/s");
    expect(formatRate(12)).toBe("12 rows/s");
    expect(formatBytes(3_400_000)).toBe("3.4 MB");
    expect(formatBytes(512)).toBe("512 B");
  });
});

describe("blockedHint", () => {
  it("says which files block the import and what to do", () => {
    expect(blockedHint(1, 2)).toBe("One file cannot be imported: remove it (×) to import the other.");
    expect(blockedHint(2, 5)).toBe("2 files cannot be imported: remove them (×) to import the others.");
    expect(blockedHint(1, 1)).toBe("This file cannot be imported.");
    expect(blockedHint(3, 3)).toBe("None of these files can be imported.");
  });
});
