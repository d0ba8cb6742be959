//! Cohort filters: `key=value[,key=value]` over decision fields (../shared/design/cli.md), read
//! into the decision query the rest of the engine already understands.

use crate::decisions::replay::ReplayFilter;
use crate::decisions::DecisionQuery;
use crate::error::{Error, Result};

/// The keys a cohort filter understands (and `input.NAME` for any input, as text).
pub const FILTER_KEYS: &[&str] = &[
    "model",
    "model_version",
    "label",
    "subject",
    "from",
    "to",
    "stale",
    "replay",
    "actor",
    "event_type",
];

/// Reads a cohort filter such as `model_version=v2.4.0,from=2024-03-01`. An empty filter is every
/// decision.
pub fn parse(filter: &str) -> Result<DecisionQuery> {
    let mut q = DecisionQuery::default();
    for part in filter.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(Error::BadArgument {
                message: format!(
                    "The cohort filter `{filter}` has `{part}`, which is not key=value. Use for example `model_version=v2.4.0,from=2024-03-01`."
                ),
            });
        };
        let (key, value) = (key.trim(), value.trim().to_string());
        if value.is_empty() {
            return Err(Error::BadArgument {
                message: format!("The cohort filter `{filter}` gives `{key}` no value."),
            });
        }
        match key {
            "model" => q.model = Some(value),
            "model_version" | "version" => q.model_version = Some(value),
            "label" | "outcome" => q.label = Some(value),
            "subject" => q.subject = Some(value),
            "from" => {
                crate::model::parse_instant(&value)?;
                q.from = Some(value)
            }
            "to" => {
                crate::model::parse_instant(&value)?;
                q.to = Some(value)
            }
            "stale" => {
                q.stale_only = match value.as_str() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    other => {
                        return Err(Error::BadArgument {
                            message: format!("`stale` is true or false, not `{other}`."),
                        })
                    }
                }
            }
            "replay" => {
                let filter = ReplayFilter::parse(&value).ok_or_else(|| Error::BadArgument {
                    message: format!(
                        "`replay` is {}, not `{value}`.",
                        ReplayFilter::ALL.map(ReplayFilter::as_str).join(", ")
                    ),
                })?;
                q.replay = Some(filter)
            }
            "actor" | "event_type" => q.fields.push((key.to_string(), value)),
            _ if key.starts_with("input.") && key.len() > "input.".len() => {
                q.fields.push((key.to_string(), value))
            }
            other => {
                return Err(Error::BadArgument {
                    message: format!(
                    "The cohort filter `{filter}` has an unknown key `{other}`. Known keys: {}, and input.NAME for any input.",
                    FILTER_KEYS.join(", ")
                ),
                })
            }
        }
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_filter_reads_into_the_decision_query() {
        let q = parse("model_version=v2.4.0, from=2024-03-01T00:00:00Z ,stale=true").unwrap();
        assert_eq!(q.model_version.as_deref(), Some("v2.4.0"));
        assert_eq!(q.from.as_deref(), Some("2024-03-01T00:00:00Z"));
        assert!(q.stale_only);
        assert!(parse("").unwrap().model_version.is_none());
        assert_eq!(
            parse("replay=none").unwrap().replay,
            Some(crate::decisions::replay::ReplayFilter::Never)
        );
        assert_eq!(
            parse("replay=mismatch").unwrap().replay,
            Some(crate::decisions::replay::ReplayFilter::Mismatch)
        );
        let refused = parse("replay=mismatched").unwrap_err().to_string();
        assert!(
            refused.contains("none, match, mismatch, failed, nondeterministic")
                && refused.contains("`mismatched`"),
            "{refused}"
        );
        let q = parse("input.channel=broker,actor=ai/underwriter").unwrap();
        assert_eq!(
            q.fields,
            vec![
                ("input.channel".to_string(), "broker".to_string()),
                ("actor".to_string(), "ai/underwriter".to_string())
            ]
        );
    }

    #[test]
    fn a_bad_filter_says_what_is_wrong() {
        let unknown = parse("colour=red").unwrap_err().to_string();
        assert!(unknown.contains("unknown key `colour`") && unknown.contains("model_version"));
        assert!(parse("model_version")
            .unwrap_err()
            .to_string()
            .contains("not key=value"));
        assert!(parse("from=last tuesday").is_err());
    }
}
