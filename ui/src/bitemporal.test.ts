import { describe, expect, it } from "vitest";
import { lateness, twoTimes } from "./BitemporalChart";

describe("the bitemporal view", () => {
  it("places each event by its two times and tells late from ahead from as it happened", () => {
    const [late, ahead, prompt, fix] = twoTimes([
      { event: { event_id: "a", event_type: "T", occurred_at: "2024-01-01T00:00:00Z", recorded_at: "2024-01-03T00:00:00Z", corrects: null } },
      { event: { event_id: "b", event_type: "T", occurred_at: "2024-01-05T00:00:00Z", recorded_at: "2024-01-02T00:00:00Z", corrects: null } },
      { event: { event_id: "c", event_type: "T", occurred_at: "2024-01-05T00:00:00Z", recorded_at: "2024-01-05T00:00:00.300Z", corrects: null } },
      { event: { event_id: "d", event_type: "T", occurred_at: "2024-01-06T00:00:00Z", recorded_at: "2024-01-06T00:00:01.5Z", corrects: "a" } },
    ]);
    expect(late.recorded - late.occurred).toBe(2 * 86_400_000_000);
    expect([lateness(late), lateness(ahead), lateness(prompt), lateness(fix)]).toEqual(["late", "ahead", "prompt", "late"]);
    expect(fix.corrects).toBe(true);
    expect(prompt.corrects).toBe(false);
  });
});
