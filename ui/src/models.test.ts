import { describe, expect, it } from "vitest";
import type { ModelRecord, RateBucket } from "./backend";
import { timeAxis, timeTicks, valueTicks } from "./axes";
import { bucketFilter, groupByModel, liveText, rateValue, reproducedShare } from "./models";
import { localToRfc3339 } from "./decisions";
import { parseMicros } from "./format";

function record(model: string | null, version: string, over: Partial<ModelRecord> = {}): ModelRecord {
  return {
    model,
    version,
    deployed_at: null,
    deployed_by: null,
    deployment_event_id: null,
    replaced_at: null,
    replaced_by: null,
    predecessor: null,
    live: [],
    metadata: null,
    training_cutoff: null,
    metrics: {},
    approvals: {},
    features: [],
    decisions: 0,
    first_decision_at: null,
    last_decision_at: null,
    replayed: 0,
    reproduced: 0,
    not_live: 0,
    before_cutoff: 0,
    ...over,
  };
}

/** RFC 3339 as microseconds since the epoch. */
const us = (iso: string) => Date.parse(iso) * 1000;

const bucket: RateBucket = {
  start: "2024-01-08T00:00:00Z",
  end: "2024-01-15T00:00:00Z",
  model: "scorer",
  model_version: "v2",
  decisions: 8,
  labels: { approve: 6, decline: 2 },
  mean_score: 0.61,
  overrides: 1,
  corrections: 2,
  stale: 3,
  replayed: 5,
  replay_mismatches: 1,
  replay_failures: 1,
};

describe("models on record", () => {
  it("groups versions by model in the report's order", () => {
    const g = groupByModel([record("a", "1"), record("a", "2"), record("b", "1"), record(null, "x")]);
    expect(g.map((x) => [x.model, x.versions.map((v) => v.version)])).toEqual([
      ["a", ["1", "2"]],
      ["b", ["1"]],
      [null, ["x"]],
    ]);
  });

  it("says when a version was live, and the share of its replays that reproduced", () => {
    const m = record("a", "1", {
      deployed_at: "2024-01-01T00:00:00Z",
      live: [
        { from: "2024-01-01T00:00:00Z", to: "2024-02-01T06:30:00Z" },
        { from: "2024-03-01T00:00:00Z", to: null },
      ],
      replayed: 4,
      reproduced: 3,
    });
    expect(liveText(m)).toBe("live 2024-01-01 00:00 – 2024-02-01 06:30, since 2024-03-01 00:00");
    expect(liveText(record("a", "2"))).toBe("no deployment on record");
    expect(reproducedShare(m)).toBe(0.75);
    expect(reproducedShare(record("a", "2"))).toBeNull();
  });
});

describe("the decisions over time chart", () => {
  it("reads each metric of a bucket", () => {
    expect(rateValue(bucket, "volume", "")).toBe(8);
    expect(rateValue(bucket, "label_rate", "approve")).toBe(0.75);
    expect(rateValue(bucket, "label_rate", "refer")).toBe(0);
    expect(rateValue(bucket, "mean_score", "")).toBe(0.61);
    expect(rateValue(bucket, "corrected", "")).toBe(3);
    expect(rateValue(bucket, "stale", "")).toBe(3);
    expect(rateValue(bucket, "unreproduced", "")).toBe(2);
    expect(rateValue({ ...bucket, decisions: 0, labels: {} }, "label_rate", "approve")).toBeNull();
  });

  it("puts round ticks on the value axis up to the largest value", () => {
    expect(valueTicks(8)).toEqual([0, 2, 4, 6, 8]);
    expect(valueTicks(9)).toEqual([0, 5, 10]);
    expect(valueTicks(0.75)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(valueTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(valueTicks(0)).toEqual([0, 1]);
  });

  it("puts date ticks on the time axis a day, a Monday or a month apart", () => {
    const days = timeTicks(us("2024-01-01T12:00:00Z"), us("2024-01-05T00:00:00Z"));
    expect(days.map((t) => new Date(t / 1000).toISOString().slice(0, 10))).toEqual([
      "2024-01-02",
      "2024-01-03",
      "2024-01-04",
      "2024-01-05",
    ]);
    const weeks = timeTicks(us("2024-01-03T00:00:00Z"), us("2024-02-12T00:00:00Z"));
    // Mondays: 2024-01-08 is one.
    expect(weeks.map((t) => new Date(t / 1000).toISOString().slice(0, 10))).toEqual([
      "2024-01-08",
      "2024-01-15",
      "2024-01-22",
      "2024-01-29",
      "2024-02-05",
      "2024-02-12",
    ]);
    const months = timeTicks(us("2024-01-15T00:00:00Z"), us("2024-06-10T00:00:00Z"));
    expect(months.map((t) => new Date(t / 1000).toISOString().slice(0, 10))).toEqual([
      "2024-02-01",
      "2024-03-01",
      "2024-04-01",
      "2024-05-01",
      "2024-06-01",
    ]);
  });

  it("puts time ticks hours apart on a short span, labelling midnight with its date", () => {
    const a = timeAxis(us("2024-01-01T20:10:00Z"), us("2024-01-02T10:00:00Z"));
    expect(a.ticks.map(a.label)).toEqual(["21:00", "2024-01-02", "03:00", "06:00", "09:00"]);
    const m = timeAxis(us("2024-01-01T10:07:00Z"), us("2024-01-01T10:31:00Z"));
    expect(m.ticks.map(m.label)).toEqual(["10:10", "10:15", "10:20", "10:25", "10:30"]);
  });

  it("puts ticks two days or twelve hours apart where a day's or six hours' would be too many", () => {
    // 3.75 days, about 3 ticks (the two-axes chart): every other day from the first day's start.
    const a = timeAxis(us("2023-12-30T18:00:00Z"), us("2024-01-03T12:00:00Z"), 3);
    expect(a.ticks.map(a.label)).toEqual(["2024-01-01", "2024-01-03"]);
    // 2 days, about 6 ticks: at midnight and noon.
    const b = timeAxis(us("2024-01-01T00:00:00Z"), us("2024-01-03T00:00:00Z"), 6);
    expect(b.ticks.map(b.label)).toEqual(["2024-01-01", "12:00", "2024-01-02", "12:00", "2024-01-03"]);
  });

  it("filters the decision list to a bar's period and version", () => {
    const f = bucketFilter(bucket);
    expect(f.modelVersion).toBe("v2");
    expect(localToRfc3339(f.from ?? "")).toBe("2024-01-08T00:00:00.000Z");
    // The period's last millisecond is in it; the next period's first instant is not.
    expect(parseMicros(localToRfc3339(f.to ?? "") ?? "")).toBe(parseMicros("2024-01-15T00:00:00Z") - 1000);
  });
});
