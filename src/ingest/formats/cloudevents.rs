//! CloudEvents in the JSON event format, 1.0 and 0.3: single events, batches and JSON lines.
//!
//! An event is checked against the spec's own rules (required `id`, `source`, `specversion`,
//! `type`; `time` an RFC 3339 timestamp; not both `data` and `data_base64`) and refused naming the
//! rule it breaks. `data` is kept as the spec defines it: JSON for a JSON content type (or none,
//! when it parses), the text itself for text, XML and others; `data_base64` (and 0.3's
//! `datacontentencoding: base64`) is decoded to JSON, text, or kept as base64 when the bytes are not
//! text. Every attribute not mapped to the envelope, extensions of any type and any name included,
//! goes to metadata. `time` is optional: an event without one takes the enclosing record's time (a
//! Kafka record) or the file's default time.

use std::collections::BTreeSet;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::{bytes_payload, first, is_json_media_type, text, Rebuild, Row};

pub fn detect(keys: &BTreeSet<String>) -> Option<String> {
    keys.contains("specversion")
        .then(|| "has `specversion`: CloudEvents (JSON event format)".to_string())
}

/// Attributes read into envelope fields (the rest go to metadata).
const MAPPED: &[&str] = &[
    "id",
    "type",
    "time",
    "subject",
    "data",
    "data_base64",
    "streamtype",
    "subjecttype",
    "streamversion",
    "schemaversion",
    "recordedtime",
    "recordedat",
    "actor",
    "reason",
    "causationid",
    "correlationid",
    "corrects",
];

pub struct CloudEvents;

impl Rebuild for CloudEvents {
    fn rows(&mut self, record: &Value, _raw: &str, out: &mut Vec<Row>) {
        out.push(match event(record, None) {
            Ok(doc) => Row::doc(doc),
            Err(why) => Row::refused(why),
        });
    }
}

/// Where an event without a time of its own is placed: (time, what it is, for `time_placed`).
pub type Enclosing<'a> = Option<(&'a Value, &'a str)>;

/// One CloudEvent as a canonical document, or the spec rule it breaks.
pub fn event(record: &Value, enclosing: Enclosing) -> Result<Value, String> {
    let Some(ce) = record.as_object() else {
        return Err(
            "not a CloudEvent: a CloudEvent in the JSON format is an object (CloudEvents JSON format §3)"
                .into(),
        );
    };
    let specversion = match ce.get("specversion") {
        Some(Value::String(v)) if v == "1.0" || v == "0.3" => v.clone(),
        Some(other) => {
            return Err(format!(
                "specversion {other} is not one this reader knows (1.0 or 0.3) (CloudEvents §specversion)"
            ))
        }
        None => {
            return Err(
                "no `specversion`: it is required in every CloudEvent (CloudEvents §specversion)"
                    .into(),
            )
        }
    };
    let required_text = |name: &str| -> Result<String, String> {
        match ce.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(Value::String(_)) => Err(format!(
                "`{name}` is empty: it must be a non-empty string (CloudEvents §{name})"
            )),
            Some(other) => Err(format!(
                "`{name}` is {other}, not a string (CloudEvents §{name})"
            )),
            None => Err(format!(
                "no `{name}`: it is required in every CloudEvent (CloudEvents §{name})"
            )),
        }
    };
    let id = required_text("id")?;
    let source = required_text("source")?;
    let event_type = required_text("type")?;
    // Optional attributes, when set, must be non-empty; the content type an RFC 2046 media type.
    for name in ["subject", "dataschema", "datacontenttype"] {
        match ce.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::String(v)) if v.is_empty() => {
                return Err(format!(
                    "`{name}` is empty: when present it must be a non-empty string (CloudEvents §{name})"
                ))
            }
            Some(Value::String(v)) if name == "datacontenttype" && !is_media_type(v) => {
                return Err(format!(
                    "datacontenttype '{v}' is not a media type such as application/json (RFC 2046; CloudEvents §datacontenttype)"
                ))
            }
            Some(Value::String(_)) => {}
            Some(other) => {
                return Err(format!(
                    "`{name}` is {other}, not a string (CloudEvents §{name})"
                ))
            }
        }
    }
    let set = |k: &str| ce.get(k).is_some_and(|v| !v.is_null());
    if set("data") && set("data_base64") {
        return Err(
            "has both `data` and `data_base64`: an event carries its data in one of them (CloudEvents JSON format §3.1)"
                .into(),
        );
    }
    let (occurred, placed) = match ce.get("time").filter(|t| !t.is_null()) {
        Some(Value::String(t)) => {
            if chrono::DateTime::parse_from_rfc3339(t).is_err() {
                return Err(format!(
                    "time '{t}' is not an RFC 3339 timestamp (CloudEvents §time)"
                ));
            }
            (Value::String(t.clone()), None)
        }
        Some(other) => {
            return Err(format!(
                "time {other} is not an RFC 3339 timestamp string (CloudEvents §time)"
            ))
        }
        None => match enclosing {
            Some((t, what)) => (t.clone(), Some(what)),
            None => (Value::Null, None),
        },
    };
    let content_type = ce
        .get("datacontenttype")
        .and_then(Value::as_str)
        .map(str::to_string);
    let (payload, kept_as) = data(ce, &specversion, content_type.as_deref())?;

    let mut metadata = Map::new();
    // An attribute set to null is an attribute not set (json-format §2.2).
    for (k, v) in ce.iter().filter(|(_, v)| !v.is_null()) {
        if !MAPPED.contains(&k.as_str()) {
            metadata.insert(k.clone(), v.clone());
        }
    }
    if let Some(kept) = kept_as {
        metadata.insert("payload_kept_as".into(), json!(kept));
    }
    let stream = ce
        .get("subject")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or(source);
    Ok(json!({
        "event_id": id,
        "stream_id": stream,
        "stream_type": text(first(ce, &["streamtype", "subjecttype"])),
        "stream_version": text(first(ce, &["streamversion"]))
            .or_else(|| text(first(ce, &["sequence"])).filter(|s| s.parse::<i64>().is_ok())),
        "event_type": event_type,
        "schema_version": text(first(ce, &["schemaversion"])),
        "occurred_at": occurred,
        "recorded_at": text(first(ce, &["recordedtime", "recordedat"])),
        "actor": text(first(ce, &["actor"])),
        "reason": text(first(ce, &["reason"])),
        "causation_id": text(first(ce, &["causationid"])),
        "correlation_id": text(first(ce, &["correlationid"])),
        "corrects": text(first(ce, &["corrects"])),
        "payload": payload,
        "metadata": metadata,
        "time_placed": placed,
    }))
}

/// `type/subtype` (parameters after `;` allowed), as RFC 2046 shapes a media type.
fn is_media_type(v: &str) -> bool {
    let base = v.split(';').next().unwrap_or_default().trim();
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    matches!(base.split_once('/'), Some((t, sub)) if token(t) && token(sub))
}

/// The event's data as the spec defines it, and how it was kept when it is not JSON.
fn data(
    ce: &Map<String, Value>,
    specversion: &str,
    content_type: Option<&str>,
) -> Result<(Value, Option<&'static str>), String> {
    let json_type = content_type.is_none_or(is_json_media_type);
    let encoded = match ce.get("data_base64") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Null) | None => None,
        Some(other) => {
            return Err(format!(
                "data_base64 is {other}, not a base64 string (CloudEvents JSON format §3.1)"
            ))
        }
    };
    let v03_base64 = specversion == "0.3"
        && ce
            .get("datacontentencoding")
            .and_then(Value::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
    let encoded = encoded.or_else(|| {
        v03_base64
            .then(|| ce.get("data").and_then(Value::as_str))
            .flatten()
    });
    if let Some(b64) = encoded {
        let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|e| {
                format!("its data_base64 is not valid base64 ({e}) (CloudEvents JSON format §3.1)")
            })?;
        let (value, kept) = bytes_payload(&bytes, json_type);
        return Ok((value, (kept != "json").then_some(kept)));
    }
    // `data` is the value itself: JSON as JSON, text as the string (a JSON-typed string is not
    // parsed again, json-format §3.1.1).
    let data = ce.get("data").cloned().unwrap_or(Value::Null);
    let text_data = data.is_string() && !json_type;
    Ok((data, text_data.then_some("text")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_keeps_its_xml_as_text_and_extensions_in_metadata() {
        let e = json!({
            "specversion" : "1.0", "type" : "com.example.someevent", "source" : "/mycontext",
            "id" : "A234-1234-1234", "time" : "2018-04-05T17:31:00Z",
            "comexampleextension1" : "value", "comexampleothervalue" : 5,
            "datacontenttype" : "text/xml", "data" : "<much wow=\"xml\"/>"
        });
        let d = event(&e, None).unwrap();
        assert_eq!(d["payload"], json!("<much wow=\"xml\"/>"));
        assert_eq!(d["metadata"]["comexampleextension1"], json!("value"));
        assert_eq!(d["metadata"]["comexampleothervalue"], json!(5));
        assert_eq!(d["stream_id"], json!("/mycontext"));
    }

    #[test]
    fn base64_data_is_json_text_or_kept_as_base64() {
        let b64 = |s: &[u8]| base64::engine::general_purpose::STANDARD.encode(s);
        let base = |data: Value, ct: &str| {
            json!({"specversion": "1.0", "id": "1", "source": "s", "type": "t",
                   "datacontenttype": ct, "data_base64": data})
        };
        let d = event(&base(json!(b64(b"{\"a\":1}")), "application/json"), None).unwrap();
        assert_eq!(d["payload"], json!({"a": 1}));
        let d = event(&base(json!(b64("héllo".as_bytes())), "text/plain"), None).unwrap();
        assert_eq!(d["payload"], json!("héllo"));
        assert_eq!(d["metadata"]["payload_kept_as"], json!("text"));
        let d = event(&base(json!(b64(&[0x89, 0x50, 0xff])), "image/png"), None).unwrap();
        assert_eq!(d["metadata"]["payload_kept_as"], json!("base64"));
        assert_eq!(d["metadata"]["datacontenttype"], json!("image/png"));
        assert!(event(&base(json!("!!"), "text/plain"), None)
            .unwrap_err()
            .contains("not valid base64"));
    }

    #[test]
    fn each_broken_rule_is_named() {
        let ok = json!({"specversion": "1.0", "id": "1", "source": "s", "type": "t"});
        let without = |k: &str| {
            let mut e = ok.clone();
            e.as_object_mut().unwrap().remove(k);
            e
        };
        assert!(event(&without("id"), None).unwrap_err().contains("no `id`"));
        assert!(event(&without("source"), None)
            .unwrap_err()
            .contains("no `source`"));
        assert!(event(&without("specversion"), None)
            .unwrap_err()
            .contains("specversion"));
        let mut both = ok.clone();
        both["data"] = json!(1);
        both["data_base64"] = json!("MQ==");
        assert!(event(&both, None).unwrap_err().contains("both"));
        let mut bad_time = ok.clone();
        bad_time["time"] = json!("yesterday");
        assert!(event(&bad_time, None).unwrap_err().contains("RFC 3339"));
        // No time: placed from the enclosing record when there is one, else left for the default.
        let placed = event(&ok, Some((&json!(1700000000000i64), "kafka_timestamp"))).unwrap();
        assert_eq!(placed["time_placed"], json!("kafka_timestamp"));
        assert!(event(&ok, None).unwrap()["occurred_at"].is_null());
    }

    #[test]
    fn the_conformance_suites_invalid_events_are_refused() {
        // cloudevents/conformance format/json/invalid-events.json, rules this reader checks.
        let base = json!({"specversion": "1.0", "id": "x", "source": "https://cloudevents.io", "type": "t"});
        let with = |k: &str, v: Value| {
            let mut e = base.clone();
            e[k] = v;
            e
        };
        for (k, v) in [
            ("id", json!("")),
            ("id", json!(25)),
            ("id", json!({"xyz": "abc"})),
            ("source", json!("")),
            ("specversion", json!("")),
            ("datacontenttype", json!("xyz")),
            ("datacontenttype", json!("")),
            ("dataschema", json!("")),
            ("subject", json!("")),
            ("time", json!("lunchtime")),
            ("time", json!("2018-04-05T18:31:00X")),
            ("time", json!("2018-04-05T18:31:00+25:00")),
            ("time", json!("2018-04-05T18:31:00+xx:00")),
            ("time", json!("2018-04-05T18:31:00+05")),
        ] {
            assert!(event(&with(k, v.clone()), None).is_err(), "{k} = {v}");
        }
        for (k, v) in [
            ("source", json!("#fragment")),
            ("time", json!("2018-04-05T17:31:00.000000000Z")),
            (
                "datacontenttype",
                json!("application/vnd.example+json; charset=utf-8"),
            ),
            ("subject", Value::Null),
        ] {
            assert!(event(&with(k, v.clone()), None).is_ok(), "{k} = {v}");
        }
    }

    #[test]
    fn version_0_3_base64_data_is_decoded() {
        let e = json!({"specversion": "0.3", "id": "1", "source": "s", "type": "t",
            "datacontentencoding": "base64", "datacontenttype": "application/json",
            "schemaurl": "http://example.com/schema", "data": "eyJhIjogMX0="});
        let d = event(&e, None).unwrap();
        assert_eq!(d["payload"], json!({"a": 1}));
        assert_eq!(
            d["metadata"]["schemaurl"],
            json!("http://example.com/schema")
        );
    }
}
