import { describe, expect, it } from "vitest";
import type { Explanation, ReplayReport } from "./backend";
import { after, inputRows, joinArgs, localToRfc3339, replayerStartFor, splitArgs, toQuery, verdict, NO_FILTERS } from "./decisions";
import type { Replayer } from "./backend";

describe("the decision filter", () => {
  it("reads datetime-local text as UTC and leaves empty filters out", () => {
    expect(localToRfc3339("2024-04-02T20:40")).toBe("2024-04-02T20:40:00Z");
    expect(localToRfc3339("2024-04-02T20:40:05")).toBe("2024-04-02T20:40:05Z");
    const q = toQuery({ ...NO_FILTERS, modelVersion: "v2.4.0", subject: "  0007 " }, 200, 0);
    expect(q.model_version).toBe("v2.4.0");
    expect(q.subject).toBe("0007");
    expect(q.label).toBeNull();
    expect(q.from).toBeNull();
  });
});

describe("the decision card", () => {
  it("puts each input beside what the system knew and what was true, marking stale ones", () => {
    const x = {
      recorded_inputs: { income: 52000, dti: 0.31, derived: 3 },
      reconstructed_state: { income: 61000, dti: 0.31 },
      world_state: { income: 61000, dti: 0.4 },
      discrepancies: [{ path: "income", recorded: 52000, reconstructed: 61000, set_by: "e9", set_recorded_at: null, message: "stale income" }],
      hindsight: [{ path: "dti", recorded: 0.31, actual: 0.4, event_id: "e12", learned_at: null, message: "late dti" }],
    } as unknown as Explanation;
    const rows = inputRows(x);
    expect(rows.map((r) => r.name)).toEqual(["income", "dti", "derived"]);
    expect(rows[0]).toMatchObject({ saw: 52000, knew: 61000, actual: 61000, stale: true, learnedLater: false, note: "stale income" });
    expect(rows[1]).toMatchObject({ stale: false, learnedLater: true, actual: 0.4 });
    expect(rows[2].knew).toBeUndefined();
  });

  it("says how long after the decision something happened", () => {
    expect(after("2024-01-01T00:00:00Z", "2024-01-03T04:00:00Z")).toBe("+2 d 4 h");
    expect(after("2024-01-01T00:00:00Z", "2024-01-01T00:35:00Z")).toBe("+35 min");
    expect(after("2024-01-01T01:00:00Z", "2024-01-01T00:00:00Z")).toBe("−1 h");
  });
});

describe("replay verdicts", () => {
  const base = { run_id: 3, mode: "replay", replayed: 10, matched: 10, mismatched: 0, failed: 0, nondeterministic: 0, flips: 0, cancelled: false } as ReplayReport;
  it("say reproduced only when every decision matched", () => {
    expect(verdict(base)).toMatch(/^Reproduced: all 10/);
    expect(verdict({ ...base, matched: 8, mismatched: 2 })).toMatch(/^Not reproduced: 2 of 10/);
    expect(verdict({ ...base, mode: "counterfactual", flips: 2 })).toMatch(/2 decisions would have gone the other way/);
  });
  it("split program arguments without a shell", () => {
    expect(splitArgs('--model-version v2.4.0 "a b"')).toEqual(["--model-version", "v2.4.0", "a b"]);
  });
});

describe("the replayer form opened by an error's action", () => {
  const scorer: Replayer = {
    name: "scorer",
    model: "underwriter",
    model_version: "v2.4.0",
    command: "/opt/lending scorer",
    args: ["--model-version", "v2.4.0", "a b"],
    timeout_ms: 10000,
    tolerance: 0,
    concurrency: 2,
    compare: [],
  };

  it("starts with the model and version that have no replayer", () => {
    const start = replayerStartFor({ action: "add_replayer", model: "underwriter", model_version: "v2.3.1" }, [scorer]);
    expect(start).toEqual({ model: "underwriter", version: "v2.3.1" });
  });

  it("starts with the replayer to trust again, its arguments as they read back", () => {
    const start = replayerStartFor({ action: "trust_replayer", name: "scorer" }, [scorer]);
    expect(start.name).toBe("scorer");
    expect(start.version).toBe("v2.4.0");
    expect(start.command).toBe("/opt/lending scorer");
    expect(splitArgs(start.args ?? "")).toEqual(scorer.args);
  });

  it("starts empty for a replayer no longer configured, and for other actions", () => {
    expect(replayerStartFor({ action: "trust_replayer", name: "gone" }, [scorer])).toEqual({
      name: "gone",
      model: undefined,
      version: undefined,
      command: undefined,
      args: undefined,
    });
    expect(replayerStartFor({ action: "list_decisions" }, [scorer])).toEqual({});
    expect(joinArgs([])).toBe("");
  });
});
