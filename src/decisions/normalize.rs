//! Which events are decisions (or model deployments), and a decision's normalized fields read from
//! the payload shapes the formats give: the samples' own decision events (`inputs`, `output`), flat
//! scorer events (`score`), LLM answers (`prompt`, `response`, `tokens`) and OTLP GenAI spans (which
//! import turns into `gen_ai.<operation>` events with `input_messages`, `output_messages`, `usage`).

use std::borrow::Cow;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::model::json::{self, Key, ValueKind};

use super::{DecisionRules, LlmFields};
use crate::model::Micros;

/// An event read for classification.
pub struct Candidate {
    pub event_id: String,
    pub stream_id: String,
    pub stream_type: Option<String>,
    pub event_type: String,
    pub occurred: Micros,
    pub recorded: Micros,
    pub actor: Option<String>,
    pub causation_id: Option<String>,
    pub correlation_id: Option<String>,
    pub corrects: Option<String>,
    pub payload: CandidatePayload,
}

/// Payload fields that hold a decision's inputs, in order of preference.
const INPUT_FIELDS: [&str; 3] = ["inputs", "features", "input"];

/// A candidate's payload, its input fields apart from the rest: a decision's inputs are kept as
/// their JSON text and rewritten compactly in one pass, not built into a tree and printed
/// (building, printing and freeing 2M decisions' inputs was most of the work of finding them).
pub struct CandidatePayload {
    /// The payload without its input fields (a payload that is not a JSON object: null).
    pub fields: Value,
    /// Each of [`INPUT_FIELDS`] the payload has, as its JSON text.
    inputs: [Option<Box<RawValue>>; 3],
    /// The inputs as compact JSON text, written as a parsed value prints: the first of
    /// [`INPUT_FIELDS`] that is not null ("null" when none is). Worked out when the payload is
    /// read, since inputs that do not parse make the payload no JSON, and taken by the decision
    /// the payload becomes.
    written: Option<WrittenInputs>,
}

/// Inputs as compact JSON text, with the kind of each key when they are an object written
/// without a parsed tree (else None: the keys are counted from the text).
pub type WrittenInputs = (String, Option<Vec<(String, ValueKind)>>);

/// Reads a payload object's fields, the input fields apart.
struct Splitting;
impl<'de> Visitor<'de> for Splitting {
    type Value = CandidatePayload;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CandidatePayload, A::Error> {
        let mut fields = Map::new();
        let mut inputs: [Option<Box<RawValue>>; 3] = [None, None, None];
        // A repeated key keeps its last value, as a parsed `Value` does; a repeated input field
        // (whose earlier value would go unchecked) or a key `Value` parsing treats specially is
        // left to the slow way.
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if json::is_raw_value_token(&key) {
                return Err(serde::de::Error::custom("left to a parsed payload"));
            }
            match INPUT_FIELDS.iter().position(|f| *f == key) {
                Some(i) if inputs[i].is_some() => {
                    return Err(serde::de::Error::custom("a repeated input field"));
                }
                Some(i) => inputs[i] = Some(map.next_value()?),
                None => {
                    fields.insert(key.into_owned(), map.next_value()?);
                }
            }
        }
        Ok(CandidatePayload {
            fields: Value::Object(fields),
            inputs,
            written: None,
        })
    }
}
impl<'de> Deserialize<'de> for CandidatePayload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(Splitting)
    }
}

impl CandidatePayload {
    /// A payload's JSON text read; text that is not a JSON object (or not JSON) reads as null (not
    /// a candidate). Read as a parsed payload reads in every case: the fast way where it can be
    /// sure of that, else the slow way.
    pub fn parse(text: &str) -> CandidatePayload {
        Self::split(text).unwrap_or_else(|| Self::parsed_whole(text))
    }

    /// Not a candidate.
    fn none() -> CandidatePayload {
        CandidatePayload {
            fields: Value::Null,
            inputs: [None, None, None],
            written: None,
        }
    }

    /// The fast way: the input fields kept as text, the chosen one rewritten in one pass. None
    /// when the slow way must decide (a repeated or second input field, inputs that are an array,
    /// repeat a key, nest deep, or fail to parse).
    fn split(text: &str) -> Option<CandidatePayload> {
        let mut payload = serde_json::from_str::<CandidatePayload>(text).ok()?;
        let mut present = payload
            .inputs
            .iter()
            .flatten()
            .filter(|v| v.get() != "null");
        let chosen = present.next();
        if present.next().is_some() {
            return None;
        }
        let written = match chosen {
            None => ("null".to_string(), Some(Vec::new())),
            Some(raw) => match json::compact_object(raw.get()) {
                Some((text, kinds)) => (text, Some(kinds)),
                // A scalar parses alone as it parses in the payload.
                None if !raw.get().starts_with(['{', '[']) => {
                    let value = serde_json::from_str::<Value>(raw.get()).ok()?;
                    (value.to_string(), None)
                }
                None => return None,
            },
        };
        payload.written = Some(written);
        Some(payload)
    }

    /// The slow way: the whole payload parsed, the input fields taken out of it.
    fn parsed_whole(text: &str) -> CandidatePayload {
        let Ok(Value::Object(mut fields)) = serde_json::from_str::<Value>(text) else {
            return Self::none();
        };
        let values = INPUT_FIELDS.map(|f| fields.remove(f));
        let written = values
            .iter()
            .flatten()
            .find(|v| !v.is_null())
            .map_or_else(|| "null".to_string(), Value::to_string);
        CandidatePayload {
            fields: Value::Object(fields),
            inputs: values.map(|v| v.and_then(|v| serde_json::value::to_raw_value(&v).ok())),
            written: Some((written, None)),
        }
    }

    /// A top-level field, input fields included.
    fn get(&self, key: &str) -> Option<Cow<'_, Value>> {
        match INPUT_FIELDS.iter().position(|f| *f == key) {
            Some(i) => self.inputs[i].as_ref().map(|raw| Cow::Owned(parsed(raw))),
            None => self.fields.get(key).map(Cow::Borrowed),
        }
    }
}

/// A field's JSON text, parsed (it was read as part of a payload that parsed).
fn parsed(raw: &RawValue) -> Value {
    serde_json::from_str(raw.get()).unwrap_or(Value::Null)
}

pub struct Normalized {
    pub decision_id: String,
    pub subject_hint: Option<String>,
    pub model: Option<String>,
    pub model_version: Option<String>,
    /// The inputs as compact JSON text ("null" when it has none).
    pub inputs: String,
    /// The kind of each input key, when the inputs were written without a parsed tree (else the
    /// keys are counted from `inputs`).
    pub input_kinds: Option<Vec<(String, ValueKind)>>,
    pub output: Value,
    pub label: Option<String>,
    pub score: Option<f64>,
    pub llm: Option<LlmFields>,
    pub retrieved_context_ids: Vec<String>,
    pub feature_set_hash: Option<String>,
}

pub struct Deployment {
    pub model: Option<String>,
    pub model_version: String,
}

pub enum Kind {
    Decision(Box<Normalized>),
    Deployment(Deployment),
    Neither,
}

/// Payload fields that are a model's answer when the payload has no `output` object.
const OUTPUT_FIELDS: &[&str] = &[
    "label",
    "score",
    "prediction",
    "probability",
    "confidence",
    "reasoning",
    "top_features",
    "response",
    "output_messages",
    "finish_reason",
    "finish_reasons",
];

/// Payload fields that may name the decision's subject when its stream is something else (a ranking).
const SUBJECT_FIELDS: &[&str] = &[
    "subject_id",
    "candidate_id",
    "applicant_id",
    "patient_id",
    "customer_id",
    "user_id",
    "account_id",
];

/// Output fields that hold the decision's label, in order of preference.
const LABEL_FIELDS: &[&str] = &[
    "label",
    "prediction",
    "class",
    "category",
    "acuity",
    "decision",
];

/// The label of an output (recorded or replayed), as text.
pub fn label_of(output: &Value) -> Option<String> {
    text(first(output, LABEL_FIELDS))
}

fn first<'v>(p: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().filter_map(|k| p.get(*k)).find(|v| !v.is_null())
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn is_deployment(c: &Candidate) -> bool {
    let t = c.event_type.to_ascii_lowercase();
    ["deploy", "release", "promot", "register", "rollout"]
        .iter()
        .any(|w| t.contains(w))
        // A registry moving a model version to a stage or an alias (MLflow's
        // MODEL_VERSION_TRANSITIONED_STAGE).
        || (t.contains("model") && (t.contains("stage") || t.contains("alias")))
        || c.stream_type.as_deref() == Some("Model")
}

/// Fields that name the model version a deployment puts live (MLflow's, SageMaker's, ours).
const DEPLOYED_VERSION_FIELDS: &[&str] = &["model_version", "modelVersion", "ModelPackageVersion"];
/// Fields that name the deployed model, besides `model` and `model_name`.
const DEPLOYED_MODEL_FIELDS: &[&str] = &[
    "modelName",
    "registered_model_name",
    "ModelPackageGroupName",
];

/// The (model, version) a deployment event puts live: its version by a model version's own field
/// names, or by `version` where the event is plainly about a model (a model's name beside it, a
/// `Model` stream, "model" in its type), so a software release's version is not taken for one.
fn deployed(c: &Candidate, model: Option<String>) -> Option<(Option<String>, String)> {
    let p = &c.payload.fields;
    let about_model = c.stream_type.as_deref() == Some("Model")
        || c.event_type.to_ascii_lowercase().contains("model");
    let model = model
        .or_else(|| text(first(p, DEPLOYED_MODEL_FIELDS)))
        .or_else(|| about_model.then(|| text(p.get("name"))).flatten());
    let version = text(first(p, DEPLOYED_VERSION_FIELDS)).or_else(|| {
        (about_model || model.is_some())
            .then(|| text(p.get("version")))
            .flatten()
    })?;
    Some((model, version))
}

/// Classifies one event: a decision (with its normalized fields), a model deployment, or neither.
pub fn classify(c: &mut Candidate, rules: &DecisionRules) -> Kind {
    let p = &c.payload.fields;
    if !p.is_object() || rules.exclude.iter().any(|e| e == &c.event_type) {
        return Kind::Neither;
    }
    let configured = rules.configured(&c.event_type);
    let model = text(first(p, &["model", "model_name"]));
    let model_version = text(
        first(p, &["model_version", "version"])
            .filter(|_| p.get("model_version").is_some() || p.get("model").is_some()),
    );
    let output_obj = p.get("output").filter(|o| !o.is_null());
    let has_output = output_obj.is_some() || first(p, OUTPUT_FIELDS).is_some();
    let flagged = p.get("decision") == Some(&Value::Bool(true));
    let detected = rules.detect
        && c.corrects.is_none()
        && (flagged || ((model.is_some() || p.get("model_version").is_some()) && has_output));
    if configured.is_none() && !detected {
        if rules.detect && c.corrects.is_none() && is_deployment(c) {
            if let Some((model, model_version)) = deployed(c, model) {
                return Kind::Deployment(Deployment {
                    model,
                    model_version,
                });
            }
        }
        return Kind::Neither;
    }

    let output = match output_obj {
        Some(o) => o.clone(),
        None => {
            let mut m = Map::new();
            for k in OUTPUT_FIELDS {
                if let Some(v) = p.get(*k).filter(|v| !v.is_null()) {
                    m.insert((*k).to_string(), v.clone());
                }
            }
            Value::Object(m)
        }
    };
    let label = label_of(&output);
    let score = first(&output, &["score", "probability"]).and_then(Value::as_f64);
    let llm = LlmFields {
        system_prompt: first(p, &["system_prompt", "system_instructions"])
            .cloned()
            .unwrap_or(Value::Null),
        prompt: first(p, &["prompt", "input_messages", "messages"])
            .cloned()
            .unwrap_or(Value::Null),
        parameters: first(p, &["parameters"]).cloned().unwrap_or(Value::Null),
        response: first(p, &["response", "output_messages", "completion"])
            .cloned()
            .unwrap_or(Value::Null),
        tokens: first(p, &["tokens", "usage"])
            .cloned()
            .unwrap_or(Value::Null),
        finish_reason: first(p, &["finish_reason", "finish_reasons"])
            .cloned()
            .unwrap_or(Value::Null),
    };
    let is_llm = !llm.prompt.is_null() || !llm.response.is_null() || !llm.system_prompt.is_null();
    let context = first(p, &["retrieved_context_ids", "context_ids"])
        .or_else(|| p.pointer("/attributes/app.retrieved_context_ids"));
    let retrieved_context_ids = match context {
        Some(Value::Array(a)) => a.iter().filter_map(|v| text(Some(v))).collect(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(a)) => a.iter().filter_map(|v| text(Some(v))).collect(),
            _ => vec![s.clone()],
        },
        _ => Vec::new(),
    };
    let subject_hint = match configured.and_then(|d| d.subject.as_deref()) {
        Some(field) => text(c.payload.get(field).as_deref()),
        None => text(first(p, SUBJECT_FIELDS)),
    }
    .filter(|s| s != &c.stream_id);
    // The inputs written when the payload was read, taken (the candidate is written once).
    let (inputs, input_kinds) = c
        .payload
        .written
        .take()
        .unwrap_or_else(|| ("null".to_string(), Some(Vec::new())));
    Kind::Decision(Box::new(Normalized {
        decision_id: text(first(p, &["decision_id", "response_id"]))
            .unwrap_or_else(|| c.event_id.clone()),
        subject_hint,
        model,
        model_version,
        inputs,
        input_kinds,
        output,
        label,
        score,
        llm: is_llm.then_some(llm),
        retrieved_context_ids,
        feature_set_hash: text(p.get("feature_set_hash")),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn candidate(event_type: &str, payload: Value, corrects: Option<&str>) -> Candidate {
        Candidate {
            event_id: "e1".into(),
            stream_id: "s1".into(),
            stream_type: Some("Applicant".into()),
            event_type: event_type.into(),
            occurred: 0,
            recorded: 0,
            actor: None,
            causation_id: None,
            correlation_id: None,
            corrects: corrects.map(str::to_string),
            payload: CandidatePayload::parse(&payload.to_string()),
        }
    }

    #[test]
    fn a_scorer_event_with_inputs_and_output_is_a_decision() {
        let mut c = candidate(
            "LoanDecisionMade",
            json!({"decision_id": "dec-1", "model": "underwriter", "model_version": "v2", "inputs": {"x": 1},
                   "output": {"label": "approve", "score": 0.7}}),
            None,
        );
        let Kind::Decision(d) = classify(&mut c, &DecisionRules::default()) else {
            panic!("not a decision")
        };
        assert_eq!(d.decision_id, "dec-1");
        assert_eq!(d.label.as_deref(), Some("approve"));
        assert_eq!(d.score, Some(0.7));
        assert_eq!(d.inputs, r#"{"x":1}"#);
        assert!(d.llm.is_none());
    }

    #[test]
    fn a_payload_reads_as_the_whole_payload_parsed_reads() {
        // The reference: the payload parsed into a `Value`; not an object (or not JSON) is no
        // candidate, and the inputs are the first input field that is not null, printed.
        let reference = |text: &str| -> Option<(Value, String)> {
            let Ok(Value::Object(mut fields)) = serde_json::from_str::<Value>(text) else {
                return None;
            };
            let inputs = INPUT_FIELDS.map(|f| fields.remove(f));
            let written = inputs
                .iter()
                .flatten()
                .find(|v| !v.is_null())
                .map_or("null".to_string(), Value::to_string);
            Some((Value::Object(fields), written))
        };
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let texts = [
            r#"{"model":"m","inputs":{"a":1,"b":[1,2.50,{"c":"\u00e9"}]},"output":{}}"#.to_string(),
            r#"{"model":"m","inputs":null,"features":{"a":1}}"#.to_string(),
            r#"{"model":"m","inputs":{"a":1},"features":{"b":2}}"#.to_string(),
            r#"{"model":"m","inputs":{"a":1,"a":2}}"#.to_string(),
            r#"{"model":"m","inputs":{"x":1e400},"inputs":{"x":1}}"#.to_string(),
            r#"{"model":"m","inputs":{"x":1},"inputs":null}"#.to_string(),
            r#"{"model":"m","inputs":{"x":"\ud800"}}"#.to_string(),
            r#"{"model":"m","features":[1,{"a":1,"a":2}]}"#.to_string(),
            r#"{"model":"m","input":"a prompt"}"#.to_string(),
            r#"{"model":"m","input":12345678901234567890123}"#.to_string(),
            r#"{"model":"m","inputs":{"$serde_json::private::RawValue":"null"},"features":{"f":1}}"#
                .to_string(),
            r#"{"model":"m","inputs":{"a":{"$serde_json::private::RawValue":"1"}}}"#.to_string(),
            r#"{"$serde_json::private::RawValue":"{\"model\":\"m\",\"inputs\":{\"a\":1}}"}"#
                .to_string(),
            format!(r#"{{"model":"m","inputs":{{"a":{}}}}}"#, nested(125)),
            format!(r#"{{"model":"m","inputs":{{"a":{}}}}}"#, nested(126)),
            format!(r#"{{"model":"m","inputs":{{"a":1}},"x":{}}}"#, nested(127)),
            r#"[1, 2]"#.to_string(),
        ];
        for text in &texts {
            let mut read = CandidatePayload::parse(text);
            let got = (!read.fields.is_null()).then(|| {
                let written = read.written.take().expect("written when read").0;
                (read.fields.clone(), written)
            });
            assert_eq!(got, reference(text), "{text}");
        }
    }

    #[test]
    fn inputs_are_written_as_compact_json_the_first_not_null_taken() {
        let decided = |payload: &str, rules: &DecisionRules| {
            let mut c = candidate("Scored", json!({}), None);
            c.payload = CandidatePayload::parse(payload);
            match classify(&mut c, rules) {
                Kind::Decision(d) => *d,
                _ => panic!("not a decision: {payload}"),
            }
        };
        let inputs = |payload: &str| decided(payload, &DecisionRules::default()).inputs;
        // Null inputs give way to features; whitespace outside strings is dropped, inside kept.
        assert_eq!(
            inputs(
                r#"{"model": "m", "inputs": null, "features": { "a" : 1, "b": "x y" }, "output": {"label": "ok"}}"#
            ),
            r#"{"a":1,"b":"x y"}"#
        );
        // Written as serde_json writes the value: escapes decoded, numbers in their shortest form,
        // a repeated key's last value.
        assert_eq!(
            inputs(
                r#"{"model":"m","score":0.5,"input":{"name":"Ren\u00e9e","n":[1,2.50,1E2],"n":0}}"#
            ),
            r#"{"name":"Renée","n":0}"#
        );
        assert_eq!(
            inputs(r#"{"model":"m","score":0.5,"inputs":{"n":[2.50,1E2]}}"#),
            r#"{"n":[2.5,100.0]}"#
        );
        assert_eq!(inputs(r#"{"model":"m","score":0.5}"#), "null");
        // A configured subject field may be one of the input fields.
        let rules = DecisionRules::parse(
            "[[decision]]\nevent_type = \"Scored\"\nsubject = \"input\"\n",
            "a test",
        )
        .unwrap();
        let d = decided(r#"{"input":"s9","value":3}"#, &rules);
        assert_eq!(d.subject_hint.as_deref(), Some("s9"));
        assert_eq!(d.inputs, r#""s9""#);
        // A payload that is not an object, or not JSON (a number out of range), is no candidate.
        assert_eq!(CandidatePayload::parse("[1, 2]").fields, Value::Null);
        assert_eq!(CandidatePayload::parse("{\"a\": ").fields, Value::Null);
        assert_eq!(
            CandidatePayload::parse(r#"{"model":"m","score":1,"inputs":{"x":1e400}}"#).fields,
            Value::Null
        );
    }

    #[test]
    fn an_override_that_corrects_a_decision_is_not_one() {
        let mut c = candidate(
            "DecisionOverridden",
            json!({"decision_id": "dec-1", "model": "underwriter", "output": {"label": "approve"}}),
            Some("e0"),
        );
        assert!(matches!(
            classify(&mut c, &DecisionRules::default()),
            Kind::Neither
        ));
    }

    #[test]
    fn a_deployment_is_read_by_the_field_names_registries_use_and_a_software_release_is_not_one() {
        let deployed = |event_type: &str, stream_type: Option<&str>, payload: Value| {
            let mut c = candidate(event_type, payload, None);
            c.stream_type = stream_type.map(str::to_string);
            match classify(&mut c, &DecisionRules::default()) {
                Kind::Deployment(d) => Some((d.model, d.model_version)),
                _ => None,
            }
        };
        let some = |m: &str, v: &str| Some((Some(m.to_string()), v.to_string()));
        // MLflow's webhook: the registered model's name and its version.
        assert_eq!(
            deployed(
                "MODEL_VERSION_TRANSITIONED_STAGE",
                None,
                json!({"model_name": "fraud", "version": "3", "to_stage": "Production"})
            ),
            some("fraud", "3")
        );
        // SageMaker's model package.
        assert_eq!(
            deployed(
                "ModelPackageRegistered",
                None,
                json!({"ModelPackageGroupName": "churn", "ModelPackageVersion": 7, "ModelApprovalStatus": "Approved"})
            ),
            some("churn", "7")
        );
        // A model's own stream naming itself.
        assert_eq!(
            deployed(
                "Released",
                Some("Model"),
                json!({"name": "ranker", "version": "1.9.0"})
            ),
            some("ranker", "1.9.0")
        );
        assert_eq!(
            deployed(
                "ModelPromoted",
                None,
                json!({"modelName": "scorer", "modelVersion": "v5"})
            ),
            some("scorer", "v5")
        );
        // A software release is not a model's deployment.
        assert_eq!(
            deployed(
                "ReleaseCreated",
                Some("Service"),
                json!({"name": "api", "version": "2.1.0"})
            ),
            None
        );
        assert_eq!(
            deployed("ReleaseCreated", None, json!({"version": "2.1.0"})),
            None
        );
    }

    #[test]
    fn a_deployment_is_recognised_and_not_taken_for_a_decision() {
        let mut c = candidate(
            "ModelDeployed",
            json!({"model": "underwriter", "model_version": "v2", "metrics": {"auc": 0.8}}),
            None,
        );
        assert!(matches!(
            classify(&mut c, &DecisionRules::default()),
            Kind::Deployment(Deployment { model_version, .. }) if model_version == "v2"
        ));
    }

    #[test]
    fn an_llm_answer_gets_its_llm_fields_and_context() {
        let mut c = candidate(
            "AnswerGenerated",
            json!({"model": "gpt", "model_version": "gpt-1", "system_prompt": "Be brief", "prompt": "Q?",
                   "response": "A.", "tokens": {"input": 3}, "finish_reason": "stop",
                   "retrieved_context_ids": ["doc-1-c0"]}),
            None,
        );
        let Kind::Decision(d) = classify(&mut c, &DecisionRules::default()) else {
            panic!("not a decision")
        };
        let llm = d.llm.expect("llm fields");
        assert_eq!(llm.prompt, json!("Q?"));
        assert_eq!(llm.finish_reason, json!("stop"));
        assert_eq!(d.retrieved_context_ids, vec!["doc-1-c0".to_string()]);
        assert_eq!(d.output, json!({"response": "A.", "finish_reason": "stop"}));
    }

    #[test]
    fn rules_configure_and_exclude_event_types() {
        let rules = DecisionRules::parse(
            "detect = false\n[[decision]]\nevent_type = \"Scored\"\nsubject = \"who\"\n",
            "a test",
        )
        .unwrap();
        let mut c = candidate("Scored", json!({"who": "s9", "value": 3}), None);
        let Kind::Decision(d) = classify(&mut c, &rules) else {
            panic!("not a decision")
        };
        assert_eq!(d.subject_hint.as_deref(), Some("s9"));
        let mut other = candidate("X", json!({"model": "m", "score": 1}), None);
        assert!(matches!(classify(&mut other, &rules), Kind::Neither));
        let excluded = DecisionRules::parse("exclude = [\"X\"]", "a test").unwrap();
        assert!(matches!(classify(&mut other, &excluded), Kind::Neither));
    }
}
