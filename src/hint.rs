//! What the user can do next, when an error or a verdict has an answer: the engine names the
//! action, the CLI writes it as a command to type, and the app offers it as the action itself (a
//! button, a panel). Engine messages stay free of command lines.

use serde::{Deserialize, Serialize};

/// One action the user can take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "action", rename_all = "snake_case")]
#[ts(export)]
pub enum Hint {
    /// Create the case by importing files into it.
    ImportInto { case: String },
    /// Look through the case's streams.
    ListStreams,
    /// Look through the case's decisions.
    ListDecisions,
    /// Configure a replayer (for this model and version, when known).
    AddReplayer {
        model: Option<String>,
        model_version: Option<String>,
    },
    /// Trust a replayer a case from elsewhere names, by adding it again on this computer.
    TrustReplayer { name: String },
    /// Replay the decisions of `model_version` through `replayer`, of another version: a
    /// counterfactual that measures whether the model changed the outcomes.
    ReplayCounterfactual {
        model_version: String,
        replayer: String,
    },
    /// Make a signing key.
    CreateKey,
    /// Write a lake export of a case.
    ExportLake,
    /// Show the case in the auditor view.
    SwitchToAuditorView,
    /// Give the case an operator profile (a redaction profile).
    SetOperatorProfile,
}

impl Hint {
    /// The command that does it, for the CLI (`CASE` stands for the case's path when the hint
    /// does not know it).
    pub fn command(&self) -> String {
        match self {
            Hint::ImportInto { case } => format!("casefile import {case} FILE..."),
            Hint::ListStreams => {
                "casefile sql CASE \"SELECT DISTINCT stream_id FROM events\"".to_string()
            }
            Hint::ListDecisions => "casefile decisions CASE".to_string(),
            Hint::AddReplayer {
                model,
                model_version,
            } => {
                let model = model
                    .as_deref()
                    .map_or(String::new(), |m| format!(" --model {m}"));
                let version = model_version.as_deref().unwrap_or("V");
                format!("casefile replayers CASE --add NAME{model} --model-version {version} -- PROGRAM [ARGS...]")
            }
            Hint::TrustReplayer { name } => {
                format!("casefile replayers CASE --add {name} -- PROGRAM [ARGS...]")
            }
            Hint::ReplayCounterfactual {
                model_version,
                replayer,
            } => format!(
                "casefile replay CASE --model-version {model_version} --replayer {replayer}"
            ),
            Hint::CreateKey => "casefile keys new NAME".to_string(),
            Hint::ExportLake => "casefile export CASE DIR".to_string(),
            Hint::SwitchToAuditorView => "casefile --view auditor COMMAND CASE ...".to_string(),
            Hint::SetOperatorProfile => {
                "casefile view CASE --operator-profile PROFILE.toml".to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Hint;

    #[test]
    fn a_hint_is_written_as_the_command_that_does_it() {
        let h = Hint::ReplayCounterfactual {
            model_version: "v2.3.1".into(),
            replayer: "scorer-v2.4".into(),
        };
        assert_eq!(
            h.command(),
            "casefile replay CASE --model-version v2.3.1 --replayer scorer-v2.4"
        );
        assert_eq!(
            serde_json::to_value(&h).unwrap(),
            serde_json::json!({"action": "replay_counterfactual", "model_version": "v2.3.1", "replayer": "scorer-v2.4"})
        );
        let add = Hint::AddReplayer {
            model: Some("underwriter".into()),
            model_version: None,
        };
        assert_eq!(
            add.command(),
            "casefile replayers CASE --add NAME --model underwriter --model-version V -- PROGRAM [ARGS...]"
        );
    }
}
