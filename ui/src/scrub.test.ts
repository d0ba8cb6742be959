import { describe, expect, it } from "vitest";
import { instantAt, pixelOf, stepFrom, zoom, initialSpan, parseTypedInstant } from "./scrub";

describe("scrubber arithmetic", () => {
  const span = { from: 1_000, to: 2_000 };
  it("maps pixels to instants and back", () => {
    expect(instantAt(0, 100, span)).toBe(1_000);
    expect(instantAt(50, 100, span)).toBe(1_500);
    expect(instantAt(150, 100, span)).toBe(2_000);
    expect(pixelOf(1_250, 100, span)).toBe(25);
  });
  it("steps to the next and previous event", () => {
    const times = [10, 20, 20, 30, 40];
    expect(stepFrom(times, 25, 1)).toBe(30);
    expect(stepFrom(times, 25, -1)).toBe(20);
    expect(stepFrom(times, 30, -1)).toBe(20);
    expect(stepFrom(times, 30, 1)).toBe(40);
    expect(stepFrom(times, 5, 1)).toBe(10);
    expect(stepFrom(times, 40, 1)).toBeNull();
    expect(stepFrom(times, 10, -1)).toBeNull();
    expect(stepFrom(times, 15, 10)).toBe(40);
    expect(stepFrom([], 15, 1)).toBeNull();
  });
  it("zooms around a point and stays inside the case", () => {
    const whole = { from: 0, to: 1_000 };
    expect(zoom(whole, 500, 2, whole)).toEqual({ from: 250, to: 750 });
    expect(zoom(whole, 0, 4, whole)).toEqual({ from: 0, to: 250 });
    expect(zoom({ from: 0, to: 250 }, 125, 0.25, whole)).toEqual({ from: 0, to: 1_000 });
  });
});

describe("initial span", () => {
  it("opens on the bulk of the events when outliers stretch the whole span", () => {
    const whole = { from: 0, to: 1_000_000 };
    expect(initialSpan(whole, { from: 100, to: 10_100 })).toEqual({ from: 0, to: 10_300 });
    expect(initialSpan(whole, { from: 0, to: 900_000 })).toEqual(whole);
    expect(initialSpan(whole, null)).toEqual(whole);
  });
});

describe("an instant typed by hand", () => {
  it("is read as UTC at the precision given, and refused when it is not a date", () => {
    const day = Date.parse("2024-03-01T00:00:00Z") * 1000;
    expect(parseTypedInstant("2024-03-01")).toBe(day);
    expect(parseTypedInstant(" 2024-03-01 12:30 ")).toBe(day + 12.5 * 3_600_000_000);
    expect(parseTypedInstant("2024-03-01T12:30:05.25Z")).toBe(day + (12.5 * 3600 + 5.25) * 1_000_000);
    expect(parseTypedInstant("2024-03-01T12:30:05.000001")).toBe(day + (12.5 * 3600 + 5) * 1_000_000 + 1);
    expect(parseTypedInstant("2024-03-01T14:30+02:00")).toBe(day + 12.5 * 3_600_000_000);
    expect(parseTypedInstant("2024-13-01")).toBeNull();
    expect(parseTypedInstant("yesterday")).toBeNull();
  });
});
