import { describe, expect, it } from "vitest";
import { formatInstant, offsetMinutes, resolveZone, wallInput, wallInputToRfc3339, wallToMicros } from "./zone";

// Offsets from the zones' published rules, not from the code: London is UTC+0 in winter and +1 from
// 01:00 UTC on the last Sunday of March (2024-03-31); New York -5 in January; Kolkata +5:30 always.
describe("the display time zone", () => {
  it("reads the offset of a zone at an instant, across a clock change", () => {
    expect(offsetMinutes(Date.parse("2024-03-31T00:59:59Z"), "Europe/London")).toBe(0);
    expect(offsetMinutes(Date.parse("2024-03-31T01:00:00Z"), "Europe/London")).toBe(60);
    expect(offsetMinutes(Date.parse("2024-01-15T12:00:00Z"), "America/New_York")).toBe(-300);
    expect(offsetMinutes(Date.parse("2024-01-15T12:00:00Z"), "Asia/Kolkata")).toBe(330);
  });

  it("shows an instant with its offset outside UTC and keeps the microseconds", () => {
    const t = "2024-03-31T01:30:05.123456Z";
    expect(formatInstant(t, "micro", "UTC")).toBe("2024-03-31 01:30:05.123456");
    expect(formatInstant(t, "micro", "Europe/London")).toBe("2024-03-31 02:30:05.123456 +01:00");
    expect(formatInstant(t, "second", "Asia/Kolkata")).toBe("2024-03-31 07:00:05 +05:30");
    expect(formatInstant("2024-03-31T01:30:05.5Z", "micro", "UTC")).toBe("2024-03-31 01:30:05.5");
    expect(formatInstant("2024-03-31T01:30:05Z", "micro", "UTC")).toBe("2024-03-31 01:30:05");
    expect(formatInstant(t, "minute", "America/New_York")).toBe("2024-03-30 21:30 -04:00");
  });

  it("reads a wall-clock time of the zone back as the instant it names", () => {
    expect(wallInputToRfc3339("2024-01-15T07:00", "America/New_York")).toBe("2024-01-15T12:00:00Z");
    expect(wallInputToRfc3339("2024-03-31T02:30:05.5", "Europe/London")).toBe("2024-03-31T01:30:05.500000Z");
    // 01:30 on 2024-03-31 does not exist in London (clocks go 01:00 -> 02:00): the later offset.
    expect(wallToMicros(Date.parse("2024-03-31T01:30:00Z"), 0, "Europe/London") / 1000).toBe(
      Date.parse("2024-03-31T00:30:00Z"),
    );
    // 01:30 on 2024-10-27 happens twice (clocks go 02:00 -> 01:00): the earlier, in summer time.
    expect(wallInputToRfc3339("2024-10-27T01:30", "Europe/London")).toBe("2024-10-27T00:30:00Z");
    const july = Date.parse("2024-07-01T10:00:00Z") * 1000;
    expect(wallInputToRfc3339(wallInput(july, "Europe/Berlin"), "Europe/Berlin")).toBe("2024-07-01T10:00:00Z");
  });

  it("resolves a setting to a zone name, an unknown one to UTC", () => {
    expect(resolveZone("utc")).toBe("UTC");
    expect(resolveZone("Asia/Tokyo")).toBe("Asia/Tokyo");
    expect(resolveZone("Mars/Olympus")).toBe("UTC");
  });
});

const us = (iso: string) => Date.parse(iso) * 1000;

describe("a time axis in the display zone", () => {
  it("puts day ticks at the zone's midnights, across a clock change", async () => {
    const { timeAxis } = await import("./axes");
    const axis = timeAxis(us("2024-03-29T12:00:00Z"), us("2024-04-02T12:00:00Z"), 6, "Europe/London");
    expect(axis.ticks.map((t) => new Date(t / 1000).toISOString())).toEqual([
      "2024-03-30T00:00:00.000Z",
      "2024-03-31T00:00:00.000Z",
      "2024-03-31T23:00:00.000Z",
      "2024-04-01T23:00:00.000Z",
    ]);
    expect(axis.ticks.map(axis.label)).toEqual(["2024-03-30", "2024-03-31", "2024-04-01", "2024-04-02"]);
  });
});
