import { describe, expect, it } from "vitest";
import {
  candidatesOf,
  defaultTimeProblem,
  formMapping,
  formToml,
  mappingToToml,
  missingRequired,
  splitList,
  timeFormatChoice,
  tomlKey,
  tomlString,
  withCandidates,
  withKafka,
} from "./mapping";

describe("mapping as TOML", () => {
  it("writes the options, then [kafka], then [fields] in the envelope's order", () => {
    const text = mappingToToml({
      container: "csv",
      time_format: "epoch_ms",
      default_time: "2024-05-01T00:00:00Z",
      kafka: { key_field: "id", type_headers: ["ce_type", "type"] },
      fields: {
        payload: "json:data",
        occurred_at: ["ts", "time"],
        stream_id: "account",
        event_type: "const:Opened",
      },
    });
    expect(text).toBe(
      'container = "csv"\n' +
        'time_format = "epoch_ms"\n' +
        'default_time = "2024-05-01T00:00:00Z"\n' +
        "\n" +
        "[kafka]\n" +
        'key_field = "id"\n' +
        'type_headers = ["ce_type", "type"]\n' +
        "\n" +
        "[fields]\n" +
        'stream_id = "account"\n' +
        'event_type = "const:Opened"\n' +
        'occurred_at = ["ts", "time"]\n' +
        'payload = "json:data"\n',
    );
  });

  it("leaves out what is not set: options alone have no [fields], nothing is the empty text", () => {
    expect(mappingToToml({ time_format: "rfc3339", fields: {} })).toBe('time_format = "rfc3339"\n');
    expect(mappingToToml({ kafka: { type_headers: [] }, fields: {} })).toBe("[kafka]\ntype_headers = []\n");
    expect(mappingToToml({ fields: { stream_id: "s" } })).toBe('[fields]\nstream_id = "s"\n');
    expect(mappingToToml({ kafka: {}, fields: {} })).toBe("");
    expect(mappingToToml({ fields: {} })).toBe("");
  });

  it("takes an option the engine sends as null for one not set", () => {
    const m = { container: null, time_format: "epoch_s", default_time: null, kafka: { key_field: null, type_headers: null }, fields: {} };
    expect(mappingToToml(m)).toBe('time_format = "epoch_s"\n');
    expect(formToml({ ...m, kafka: null, fields: { stream_id: "s" } }, true)).toBe(
      'time_format = "epoch_s"\n\n[fields]\nstream_id = "s"\n',
    );
    expect(timeFormatChoice(null)).toEqual({ choice: "auto", pattern: "" });
  });

  it("escapes quotes, backslashes and control characters", () => {
    expect(tomlString('say "hi"')).toBe('"say \\"hi\\""');
    expect(tomlString("C:\\logs\\a.json")).toBe('"C:\\\\logs\\\\a.json"');
    expect(tomlString("a\tb\nc\rd")).toBe('"a\\tb\\nc\\rd"');
    expect(tomlString("bell\u0007 del\u007f")).toBe('"bell\\u0007 del\\u007F"');
    expect(tomlString("café ✓")).toBe('"café ✓"');
    expect(mappingToToml({ time_format: '%d/%m/%Y "%H"', fields: { event_type: ['const:a"b', "x\\y"] } })).toBe(
      'time_format = "%d/%m/%Y \\"%H\\""\n\n[fields]\nevent_type = ["const:a\\"b", "x\\\\y"]\n',
    );
  });

  it("quotes keys that cannot be bare, and puts fields it does not know after the known ones", () => {
    expect(tomlKey("stream_id")).toBe("stream_id");
    expect(tomlKey("odd key")).toBe('"odd key"');
    expect(mappingToToml({ fields: { "odd key": "x", stream_id: "s" } })).toBe('[fields]\nstream_id = "s"\n"odd key" = "x"\n');
  });
});

describe("the mapping form", () => {
  it("reads and sets a field's candidates", () => {
    expect(candidatesOf(undefined)).toEqual([]);
    expect(candidatesOf("a")).toEqual(["a"]);
    expect(candidatesOf(["a", "b"])).toEqual(["a", "b"]);
    const m = { fields: { stream_id: ["a", "b"] } };
    expect(withCandidates(m, "stream_id", ["a"]).fields).toEqual({ stream_id: "a" });
    expect(withCandidates(m, "stream_id", []).fields).toEqual({});
    expect(withCandidates(m, "event_type", ["t", "u"]).fields).toEqual({ stream_id: ["a", "b"], event_type: ["t", "u"] });
    expect(m.fields.stream_id).toEqual(["a", "b"]);
  });

  it("sends blank candidates nowhere and leaves the default time to its own input", () => {
    const m = {
      container: "jsonl",
      time_format: " ",
      default_time: "2024-05-01T00:00:00Z",
      fields: { stream_id: ["acct", " "], event_type: "", occurred_at: " ts " },
    };
    expect(formMapping(m, true)).toEqual({ container: "jsonl", fields: { stream_id: ["acct"], occurred_at: "ts" } });
    expect(formToml(m, true)).toBe('container = "jsonl"\n\n[fields]\nstream_id = ["acct"]\noccurred_at = "ts"\n');
  });

  it("keeps only a rebuilt format's options unless its fields are mapped by hand", () => {
    const m = {
      time_format: "epoch_ms",
      kafka: { key_field: "", type_headers: ["type"] },
      fields: { stream_id: "stream_id", event_type: "event_type", occurred_at: "occurred_at" },
    };
    expect(formToml(m, false)).toBe('time_format = "epoch_ms"\n\n[kafka]\ntype_headers = ["type"]\n');
    expect(formToml({ fields: { stream_id: "s" } }, false)).toBeNull();
    expect(formToml(m, true)).toBe(
      'time_format = "epoch_ms"\n\n[kafka]\ntype_headers = ["type"]\n\n[fields]\nstream_id = "stream_id"\nevent_type = "event_type"\noccurred_at = "occurred_at"\n',
    );
  });

  it("sets Kafka options, dropping empty ones", () => {
    expect(withKafka({ fields: {} }, { key_field: "account" }).kafka).toEqual({ key_field: "account" });
    expect(withKafka({ kafka: { key_field: "a" }, fields: {} }, { key_field: " " })).toEqual({ fields: {} });
    expect(withKafka({ kafka: { key_field: "a" }, fields: {} }, { type_headers: ["h"] }).kafka).toEqual({
      key_field: "a",
      type_headers: ["h"],
    });
    expect(splitList(" ce_type, type,,event-type ")).toEqual(["ce_type", "type", "event-type"]);
    expect(splitList("")).toEqual([]);
  });

  it("shows a time format as a named choice or a pattern", () => {
    expect(timeFormatChoice(undefined)).toEqual({ choice: "auto", pattern: "" });
    expect(timeFormatChoice("epoch_ns")).toEqual({ choice: "epoch_ns", pattern: "" });
    expect(timeFormatChoice("%d/%m/%Y")).toEqual({ choice: "pattern", pattern: "%d/%m/%Y" });
    expect(timeFormatChoice("")).toEqual({ choice: "pattern", pattern: "" });
  });

  it("names the required fields left without a candidate", () => {
    expect(missingRequired({ fields: { stream_id: "s", event_type: [" "] } })).toEqual(["event_type", "occurred_at"]);
    expect(missingRequired({ fields: { stream_id: "s", event_type: "t", occurred_at: ["", "ts"] } })).toEqual([]);
  });

  it("checks a default time lightly, leaving the last word to the engine", () => {
    for (const ok of ["", "2024-05-01T00:00:00Z", "2024-05-01T00:00:00.123+02:00", "2024-05-01 08:30", "2024-05-01"]) {
      expect(defaultTimeProblem(ok)).toBeNull();
    }
    for (const bad of ["yesterday", "2024-05", "01/05/2024", "2024-05-01T"]) {
      expect(defaultTimeProblem(bad)).toBe("Type a date and time such as 2024-05-01T00:00:00Z.");
    }
  });
});
