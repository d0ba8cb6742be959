import { describe, expect, it } from "vitest";
import { loadSentence, payloadCell, placedBadge, placedSentence, timeCell } from "./preview";

describe("import preview sentences", () => {
  it("says how many of the first records would load and be quarantined", () => {
    expect(loadSentence(1000, 2)).toBe("Of the first 1,000 records, 998 would load and 2 would be quarantined.");
    expect(loadSentence(20, 0)).toBe("Of the first 20 records, 20 would load and none would be quarantined.");
    expect(loadSentence(3, 3)).toBe("Of the first 3 records, none would load and 3 would be quarantined.");
    expect(loadSentence(1, 0)).toBe("The first record would load.");
    expect(loadSentence(1, 1)).toBe("The first record would be quarantined.");
    expect(loadSentence(0, 0)).toBe("The file holds no records to load.");
  });

  it("says how many would take a time that is not their own, and from where", () => {
    expect(placedSentence([])).toBeNull();
    expect(placedSentence([{ reason: "kafka_timestamp", rows: 12 }])).toBe(
      "12 records would take a time that is not their own (from the timestamp of the Kafka record that carried it).",
    );
    expect(placedSentence([{ reason: "default_time", rows: 1 }], "2024-05-01T00:00:00Z")).toBe(
      "1 record would take a time that is not its own (from the default time 2024-05-01T00:00:00Z).",
    );
    expect(
      placedSentence([
        { reason: "observed_time", rows: 1200 },
        { reason: "default_time", rows: 3 },
      ]),
    ).toBe(
      "1,203 records would take a time that is not their own (from the time the log record was observed: 1,200; the default time: 3).",
    );
  });

  it("marks a placed time so it is not taken for the event's own", () => {
    expect(placedBadge("kafka_timestamp")).toBe("time from Kafka record");
    expect(placedBadge("observed_time")).toBe("observed time");
    expect(placedBadge("default_time")).toBe("default time");
    expect(placedBadge("span_start")).toBe("time from span start");
  });

  it("writes the table's cells compactly", () => {
    expect(timeCell("2024-05-01T08:30:00.123456Z")).toBe("2024-05-01 08:30:00.123456Z");
    expect(timeCell(null)).toBe("—");
    expect(payloadCell({ amount: 5, note: "a" })).toBe('{"amount":5,"note":"a"}');
    expect(payloadCell(null)).toBe("null");
    expect(payloadCell({ text: "x".repeat(20) }, 16)).toBe('{"text":"xxxxxx…');
    expect(payloadCell({ text: "x".repeat(20) }, 16)).toHaveLength(16);
  });
});
