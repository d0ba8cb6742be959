//! The training-set spec (TOML): which examples, at which time, for which entity; the label; the
//! features (state paths as of the example time, or counts of events in a window before it); the
//! axis, a time-to-live and lineage. Read with every mistake named in a sentence.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Axis;
use crate::model::Micros;

/// A training-set spec as written.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct TrainsetSpec {
    pub examples: ExamplesSpec,
    /// `recorded` (what the system knew at the example time, the default) or `occurred` (what was
    /// true then, known or not: for studying the world, not for training).
    #[serde(default = "recorded")]
    pub axis: Axis,
    /// A feature value older than this at the example time is left empty (`30d`, `12h`).
    #[serde(default)]
    pub ttl: Option<String>,
    #[serde(default)]
    pub label: Option<LabelSpec>,
    #[serde(default, rename = "feature")]
    pub features: Vec<FeatureSpec>,
    /// Adds a `lineage` column: the ids of the events each row's values came from.
    #[serde(default)]
    pub lineage: bool,
}

fn recorded() -> Axis {
    Axis::Recorded
}

/// One example per decision of a cohort, or one per event of some types.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ExamplesSpec {
    /// A cohort filter over decisions (`model_version=v2.4.0,from=...`; empty: every decision).
    /// The entity is the decision's subject, the example time its decision time.
    #[serde(default)]
    pub decisions: Option<String>,
    /// Event types: one example per such event, the entity its stream.
    #[serde(default)]
    pub events: Option<Vec<String>>,
    /// For event examples, which of the event's times is the example time: `recorded_at` (when the
    /// system knew of it, the default) or `occurred_at`.
    #[serde(default)]
    pub time: Option<String>,
    /// For event examples, only events with example time at or after this instant (RFC 3339 or a
    /// date); a decision cohort says `from=` in its filter.
    #[serde(default)]
    pub from: Option<String>,
    /// For event examples, only events with example time at or before this instant.
    #[serde(default)]
    pub to: Option<String>,
}

/// The label: the first label event on the entity's stream after the example time.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct LabelSpec {
    pub event_types: Vec<String>,
    /// `event_type` (the default: the label is the event's type) or a payload path
    /// (`days_past_due`, `outcome.status`).
    #[serde(default)]
    pub value: Option<String>,
    /// Only a label event occurring within this long after the example time counts (`180d`).
    #[serde(default)]
    pub within: Option<String>,
}

/// One feature column.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct FeatureSpec {
    pub name: String,
    /// A path in the entity's state as of the example time (`credit_score`, `address.city`).
    #[serde(default)]
    pub path: Option<String>,
    /// Or: how many events of these types the entity's stream had in `window` before the example
    /// time.
    #[serde(default)]
    pub count: Option<Vec<String>>,
    #[serde(default)]
    pub window: Option<String>,
}

/// What a feature computes, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureKind {
    /// The state's value at this path (its parts).
    Path(Vec<String>),
    /// Events of these types with axis time in (T - window, T].
    Count {
        event_types: Vec<String>,
        window: Micros,
    },
}

/// Where the examples come from, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum ExampleSource {
    Decisions(String),
    Events {
        event_types: Vec<String>,
        /// True: the event's occurred_at is the example time; false: its recorded_at.
        occurred: bool,
        /// Example times kept: at or after `from`, at or before `to`.
        from: Option<Micros>,
        to: Option<Micros>,
    },
}

/// A spec read and checked: every duration in microseconds, every path split.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedSpec {
    pub spec: TrainsetSpec,
    pub examples: ExampleSource,
    pub ttl: Option<Micros>,
    pub label_within: Option<Micros>,
    /// The label's payload path, when the label is not the event type.
    pub label_path: Option<Vec<String>>,
    pub features: Vec<(String, FeatureKind)>,
}

/// Column names the output uses itself.
pub const RESERVED: &[&str] = &[
    "example_id",
    "entity",
    "example_time",
    "label",
    "label_time",
    "lineage",
];

fn bad(origin: &str, cause: impl Into<String>) -> Error {
    Error::BadSpec {
        origin: origin.to_string(),
        cause: cause.into(),
    }
}

/// A duration such as `30d`, `12h`, `90m`, `45s` or `2w`, in microseconds.
pub fn parse_duration(text: &str) -> Option<Micros> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().ok()?;
    let unit_us: i64 = match unit.trim() {
        "s" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" => 3_600_000_000,
        "d" => 86_400_000_000,
        "w" => 7 * 86_400_000_000,
        _ => return None,
    };
    n.checked_mul(unit_us).filter(|us| *us > 0)
}

fn duration(origin: &str, what: &str, text: &str) -> Result<Micros> {
    parse_duration(text).ok_or_else(|| {
        bad(
            origin,
            format!("{what} `{text}` is not a duration; write a whole number and a unit: 30d, 12h, 90m, 45s or 2w."),
        )
    })
}

fn path_parts(origin: &str, what: &str, path: &str) -> Result<Vec<String>> {
    let parts: Vec<String> = path.split('.').map(|p| p.trim().to_string()).collect();
    if parts.iter().any(String::is_empty) {
        return Err(bad(
            origin,
            format!("{what} `{path}` is not a path; name fields with dots between them, like `address.city`."),
        ));
    }
    Ok(parts)
}

impl TrainsetSpec {
    /// Reads a spec from TOML; `origin` names where it came from in errors ("file spec.toml").
    pub fn from_toml(text: &str, origin: &str) -> Result<CheckedSpec> {
        let spec: TrainsetSpec = toml::from_str(text).map_err(|e| bad(origin, e.message()))?;
        spec.check(origin)
    }

    /// Checks what TOML cannot: one example source, durations, paths, names.
    pub fn check(self, origin: &str) -> Result<CheckedSpec> {
        let examples = match (&self.examples.decisions, &self.examples.events) {
            (Some(filter), None) => {
                if self.examples.time.is_some() {
                    return Err(bad(origin, "`examples.time` is for event examples; a decision's example time is its decision time."));
                }
                if self.examples.from.is_some() || self.examples.to.is_some() {
                    return Err(bad(origin, "`examples.from` and `examples.to` are for event examples; limit decisions in their filter (`from=2024-04-01,to=2024-04-30`)."));
                }
                crate::drift::cohort::parse(filter)?;
                ExampleSource::Decisions(filter.clone())
            }
            (None, Some(types)) => {
                if types.is_empty() {
                    return Err(bad(origin, "`examples.events` names no event type."));
                }
                let occurred = match self.examples.time.as_deref() {
                    None | Some("recorded_at") => false,
                    Some("occurred_at") => true,
                    Some(other) => {
                        return Err(bad(
                            origin,
                            format!("`examples.time` is `recorded_at` or `occurred_at`, not `{other}`."),
                        ))
                    }
                };
                let instant = |key: &str, text: &Option<String>| -> Result<Option<Micros>> {
                    text.as_deref()
                        .map(|t| {
                            crate::model::parse_instant(t).map_err(|_| {
                                bad(origin, format!("`examples.{key}` `{t}` is not an instant; write RFC 3339 (`2024-04-01T00:00:00Z`) or a date."))
                            })
                        })
                        .transpose()
                };
                let from = instant("from", &self.examples.from)?;
                let to = instant("to", &self.examples.to)?;
                if let (Some(f), Some(t)) = (from, to) {
                    if f > t {
                        return Err(bad(origin, "`examples.from` is after `examples.to`; no example could fall between them."));
                    }
                }
                ExampleSource::Events {
                    event_types: types.clone(),
                    occurred,
                    from,
                    to,
                }
            }
            (Some(_), Some(_)) => {
                return Err(bad(origin, "`examples` has both `decisions` and `events`; choose one."))
            }
            (None, None) => {
                return Err(bad(origin, "`examples` needs `decisions = \"FILTER\"` (one example per decision; \"\" for all) or `events = [\"EventType\"]`."))
            }
        };
        let ttl = self
            .ttl
            .as_deref()
            .map(|t| duration(origin, "`ttl`", t))
            .transpose()?;
        let (label_within, label_path) = match &self.label {
            Some(label) => {
                if label.event_types.is_empty() {
                    return Err(bad(origin, "`label.event_types` names no event type."));
                }
                let within = label
                    .within
                    .as_deref()
                    .map(|w| duration(origin, "`label.within`", w))
                    .transpose()?;
                let path = match label.value.as_deref() {
                    None | Some("event_type") => None,
                    Some(p) => Some(path_parts(origin, "`label.value`", p)?),
                };
                (within, path)
            }
            None => (None, None),
        };
        let mut features = Vec::new();
        let mut names = std::collections::BTreeSet::new();
        for f in &self.features {
            let name = f.name.trim();
            if name.is_empty() {
                return Err(bad(origin, "A feature has an empty `name`."));
            }
            if RESERVED.contains(&name) {
                return Err(bad(
                    origin,
                    format!("The feature name `{name}` is a column the training set has already ({}); rename it.", RESERVED.join(", ")),
                ));
            }
            if !names.insert(name.to_string()) {
                return Err(bad(origin, format!("Two features are named `{name}`.")));
            }
            let kind = match (&f.path, &f.count) {
                (Some(path), None) => {
                    if f.window.is_some() {
                        return Err(bad(origin, format!("The feature `{name}` reads a path; `window` is for counts.")));
                    }
                    FeatureKind::Path(path_parts(origin, &format!("The feature `{name}`'s path"), path)?)
                }
                (None, Some(types)) => {
                    if types.is_empty() {
                        return Err(bad(origin, format!("The feature `{name}` counts no event type.")));
                    }
                    let window = f.window.as_deref().ok_or_else(|| {
                        bad(origin, format!("The feature `{name}` counts events but has no `window` (e.g. `window = \"30d\"`)."))
                    })?;
                    FeatureKind::Count {
                        event_types: types.clone(),
                        window: duration(origin, &format!("The feature `{name}`'s window"), window)?,
                    }
                }
                (Some(_), Some(_)) => {
                    return Err(bad(origin, format!("The feature `{name}` has both `path` and `count`; a feature is one or the other.")))
                }
                (None, None) => {
                    return Err(bad(origin, format!("The feature `{name}` needs `path = \"field\"` (the entity's state) or `count = [\"EventType\"]` with a `window`.")))
                }
            };
            features.push((name.to_string(), kind));
        }
        if features.is_empty() && self.label.is_none() {
            return Err(bad(
                origin,
                "The spec has no feature and no label: add `[[feature]]` tables or a `[label]`.",
            ));
        }
        Ok(CheckedSpec {
            spec: self,
            examples,
            ttl,
            label_within,
            label_path,
            features,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LENDING: &str = r#"
        [examples]
        decisions = "model_version=v2.4.0"

        [label]
        event_types = ["LoanRepaid", "LoanDefaulted"]
        within = "365d"

        [[feature]]
        name = "credit_score"
        path = "credit_score"

        [[feature]]
        name = "updates_30d"
        count = ["CreditScoreUpdated"]
        window = "30d"
    "#;

    #[test]
    fn a_spec_reads_with_its_defaults() {
        let s = TrainsetSpec::from_toml(LENDING, "test").unwrap();
        assert_eq!(s.spec.axis, Axis::Recorded);
        assert_eq!(
            s.examples,
            ExampleSource::Decisions("model_version=v2.4.0".into())
        );
        assert_eq!(s.label_within, Some(365 * 86_400_000_000));
        assert_eq!(s.label_path, None);
        assert_eq!(
            s.features,
            vec![
                (
                    "credit_score".into(),
                    FeatureKind::Path(vec!["credit_score".into()])
                ),
                (
                    "updates_30d".into(),
                    FeatureKind::Count {
                        event_types: vec!["CreditScoreUpdated".into()],
                        window: 30 * 86_400_000_000
                    }
                ),
            ]
        );
    }

    #[test]
    fn durations_read_in_whole_units() {
        assert_eq!(parse_duration("45s"), Some(45_000_000));
        assert_eq!(parse_duration("2w"), Some(14 * 86_400_000_000));
        assert_eq!(parse_duration("90m"), Some(5_400_000_000));
        for bad in ["", "d", "3", "1.5d", "-2d", "0d", "3y"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn mistakes_in_a_spec_read_as_sentences() {
        let err = |text: &str| {
            TrainsetSpec::from_toml(text, "file s.toml")
                .unwrap_err()
                .to_string()
        };
        assert!(err("[examples]\n").contains("needs `decisions"));
        assert!(err("[examples]\ndecisions = \"\"\nevents = [\"X\"]\n").contains("choose one"));
        assert!(err("[examples]\ndecisions = \"\"\n").contains("no feature and no label"));
        assert!(err(
            "[examples]\ndecisions = \"colour=red\"\n[[feature]]\nname=\"a\"\npath=\"a\"\n"
        )
        .contains("unknown key `colour`"));
        let e = err("[examples]\ndecisions = \"\"\n[[feature]]\nname = \"n\"\ncount = [\"X\"]\n");
        assert!(e.contains("has no `window`"), "{e}");
        let e = err("[examples]\ndecisions = \"\"\n[[feature]]\nname = \"n\"\ncount = [\"X\"]\nwindow = \"a month\"\n");
        assert!(e.contains("not a duration"), "{e}");
        let e = err("[examples]\ndecisions = \"\"\n[[feature]]\nname = \"label\"\npath = \"x\"\n");
        assert!(e.contains("already"), "{e}");
        let e = err("[examples]\ndecisions = \"\"\n[[feature]]\nname = \"x\"\npath = \"a..b\"\n");
        assert!(e.contains("not a path"), "{e}");
        let e = err(
            "[examples]\ndecisions = \"\"\n[[feature]]\nname = \"x\"\npath = \"a\"\ncolour = 1\n",
        );
        assert!(e.contains("colour"), "{e}");
        assert!(e.starts_with("The training-set spec (file s.toml)"), "{e}");
        let e = err("[examples]\nevents = [\"A\"]\ntime = \"now\"\n[[feature]]\nname = \"x\"\npath = \"a\"\n");
        assert!(e.contains("`recorded_at` or `occurred_at`"), "{e}");
        let e = err("[examples]\ndecisions = \"\"\nfrom = \"2024-01-01\"\n[[feature]]\nname = \"x\"\npath = \"a\"\n");
        assert!(e.contains("in their filter"), "{e}");
        let e = err("[examples]\nevents = [\"A\"]\nto = \"last week\"\n[[feature]]\nname = \"x\"\npath = \"a\"\n");
        assert!(e.contains("not an instant"), "{e}");
        let e = err("[examples]\nevents = [\"A\"]\nfrom = \"2024-02-01\"\nto = \"2024-01-01\"\n[[feature]]\nname = \"x\"\npath = \"a\"\n");
        assert!(e.contains("after `examples.to`"), "{e}");
    }
}
