import { describe, expect, it } from "vitest";
import { leadText, shareOf, specKey } from "./trainset";

describe("training set helpers", () => {
  it("names the lead of a column's latest source in words, a positive one as a leak", () => {
    expect(leadText(null)).toBe("no value");
    expect(leadText(0)).toBe("at the example time");
    expect(leadText(-2_500_000)).toBe("2.5 s before");
    expect(leadText(-45 * 60 * 1e6)).toBe("45 min before");
    expect(leadText(-36 * 3600 * 1e6)).toBe("1.5 d before");
    expect(leadText(3 * 3600 * 1e6)).toBe("3.0 h after (leak)");
  });

  it("gives shares of rows without dividing by zero", () => {
    expect(shareOf(27, 240)).toBeCloseTo(11.25);
    expect(shareOf(5, 0)).toBe(0);
  });

  it("keeps each case's spec apart", () => {
    expect(specKey("/a.casefile")).not.toBe(specKey("/b.casefile"));
  });
});
