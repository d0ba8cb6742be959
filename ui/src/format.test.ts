import { describe, expect, it } from "vitest";
import { formatCount, formatMicros, parseMicros } from "./format";

describe("format", () => {
  it("writes instants as RFC 3339 UTC", () => {
    expect(formatMicros(1_712_090_434_000_000)).toBe("2024-04-02T20:40:34.000Z");
  });
  it("reads RFC 3339 to the microsecond", () => {
    expect(parseMicros("2024-04-02T20:40:33.608863Z")).toBe(1_712_090_433_608_863);
    expect(parseMicros("2024-04-02T20:40:33Z")).toBe(1_712_090_433_000_000);
    expect(parseMicros("2024-04-02T20:40:33.5+01:00")).toBe(1_712_086_833_500_000);
  });
  it("groups thousands", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
  });
});
