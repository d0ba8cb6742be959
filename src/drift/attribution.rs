//! Which of the three moved between two cohorts: the data (inputs drifted), the model (the same
//! inputs get other answers: counterfactual replays of one cohort's decisions through the other
//! cohort's version, or else decisions both versions made on the same inputs for the same subject),
//! or the retrieval (the same question gets other context documents).

use std::collections::{BTreeMap, BTreeSet};

use duckdb::Connection;
use serde::Serialize;

use super::{where_clause, DriftRole, FeatureDrift};
use crate::decisions::replay::ReplayStatus;
use crate::decisions::DecisionQuery;
use crate::error::Result;

/// What the evidence says of one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Verdict {
    Moved,
    Steady,
    /// Nothing in the case measures it (no replays, no retrieval, no comparable inputs).
    NotMeasured,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Moved => "moved",
            Verdict::Steady => "steady",
            Verdict::NotMeasured => "not_measured",
        }
    }
}

display_as_str!(Verdict);

/// One of the three candidates, judged.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Factor {
    pub verdict: Verdict,
    /// What the verdict rests on, in a sentence.
    pub evidence: String,
    /// What would measure it, when it is not measured and the case can say how.
    pub action: Option<crate::hint::Hint>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Attribution {
    pub data: Factor,
    pub model: Factor,
    pub retrieval: Factor,
    /// The three in one plain sentence.
    pub summary: String,
}

/// Reference decisions whose outcome under a current version is known (counterfactual replays, or
/// decisions both versions made on the same inputs), and how many of those outcomes differ.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Flips {
    pub replayed: u64,
    /// Replays whose outcome differs from the recorded one.
    pub flipped: u64,
    /// flipped / replayed.
    pub rate: f64,
}

impl Flips {
    pub(super) fn add(&mut self, flipped: bool) {
        self.replayed += 1;
        self.flipped += flipped as u64;
        self.rate = self.flipped as f64 / self.replayed as f64;
    }
}

fn factor(verdict: Verdict, evidence: String) -> Factor {
    Factor {
        verdict,
        evidence,
        action: None,
    }
}

fn versions(conn: &Connection, q: &DecisionQuery) -> Result<BTreeSet<String>> {
    let (filter, params) = where_clause(q)?;
    let refs: Vec<&dyn duckdb::ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT DISTINCT coalesce(d.model || ' ', '') || coalesce(d.model_version, '?') FROM decisions d {filter}"
    ))?;
    let rows = stmt.query_map(refs.as_slice(), |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

fn data_factor(features: &[FeatureDrift]) -> Factor {
    let inputs: Vec<&FeatureDrift> = features
        .iter()
        .filter(|f| f.role == DriftRole::Input && f.n_a > 0 && f.n_b > 0)
        .collect();
    let drifted: Vec<String> = inputs
        .iter()
        .filter(|f| f.drifted)
        .map(|f| match f.p_value {
            Some(p) => format!("{} ({} p = {:.2e})", f.name, f.test, p),
            None => format!("{} ({} {:.3})", f.name, f.test, f.statistic),
        })
        .collect();
    if inputs.is_empty() {
        factor(
            Verdict::NotMeasured,
            "The decisions record no inputs to compare.".into(),
        )
    } else if drifted.is_empty() {
        factor(
            Verdict::Steady,
            format!("None of the {} inputs drifted.", inputs.len()),
        )
    } else {
        factor(
            Verdict::Moved,
            format!(
                "{} of {} inputs drifted: {}.",
                drifted.len(),
                inputs.len(),
                drifted.join(", ")
            ),
        )
    }
}

impl Factor {
    fn with_action(mut self, action: Option<crate::hint::Hint>) -> Factor {
        self.action = action;
        self
    }
}

/// What measures the model's part when nothing does yet: the reference decisions (of one
/// version) replayed through a replayer of a current version, or, without such a replayer,
/// adding one.
fn measure_model(
    reference: &BTreeSet<String>,
    current_versions: &BTreeSet<String>,
    replayer_versions: &BTreeMap<String, Option<String>>,
) -> Option<crate::hint::Hint> {
    use crate::hint::Hint;
    let version_of = |named: &String| named.rsplit(' ').next().map(str::to_string);
    let replayer = replayer_versions
        .iter()
        .find(|(_, v)| v.as_ref().is_some_and(|v| current_versions.contains(v)))
        .map(|(name, _)| name.clone());
    match (replayer, reference.len()) {
        (Some(replayer), 1) => Some(Hint::ReplayCounterfactual {
            model_version: reference.iter().next().and_then(version_of)?,
            replayer,
        }),
        (Some(_), _) => None,
        (None, _) => Some(Hint::AddReplayer {
            model: None,
            model_version: (current_versions.len() == 1)
                .then(|| current_versions.iter().next().cloned())
                .flatten(),
        }),
    }
}

/// The model: same versions means it did not change; otherwise the latest counterfactual replay of
/// each reference decision through a replayer of a current version says how many would flip, in
/// all and per value of the segment column when there is one.
fn model_factor(
    conn: &Connection,
    qa: &DecisionQuery,
    qb: &DecisionQuery,
    segment: Option<(&str, &str)>,
    pairs: Option<&PairsFromFrames>,
) -> Result<(Factor, BTreeMap<String, Flips>)> {
    let (va, vb) = (versions(conn, qa)?, versions(conn, qb)?);
    if va == vb {
        return Ok((
            factor(
                Verdict::Steady,
                format!(
                    "Both cohorts were decided by the same model versions ({}).",
                    va.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            ),
            BTreeMap::new(),
        ));
    }
    let replayer_versions: BTreeMap<String, Option<String>> =
        crate::decisions::replay::replayers(conn)?
            .into_iter()
            .map(|r| (r.name, r.model_version))
            .collect();
    let current_versions: BTreeSet<String> = vb
        .iter()
        .filter_map(|v| v.rsplit(' ').next().map(str::to_string))
        .collect();
    let (filter, params) = where_clause(qa)?;
    let refs: Vec<&dyn duckdb::ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let segment_sql = segment.map_or("CAST(NULL AS VARCHAR)".to_string(), |(_, sql)| {
        format!("CAST({sql} AS VARCHAR)")
    });
    let mut stmt = conn.prepare(&format!(
        "SELECT r.replayer, r.flipped, r.status, c.segment FROM replay_results r
         JOIN (SELECT d.event_id, {segment_sql} AS segment FROM decisions d {filter}) c
           ON c.event_id = r.event_id
         WHERE r.counterfactual
         QUALIFY row_number() OVER (PARTITION BY r.event_id, r.replayer ORDER BY r.run_id DESC) = 1"
    ))?;
    let rows = stmt.query_map(refs.as_slice(), |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut all = Flips::default();
    let mut by_segment: BTreeMap<String, Flips> = BTreeMap::new();
    for row in rows {
        let (replayer, flip, status, value) = row?;
        let version = replayer
            .as_ref()
            .and_then(|n| replayer_versions.get(n).cloned().flatten());
        if status == ReplayStatus::Failed.as_str()
            || !version.is_some_and(|v| current_versions.contains(&v))
        {
            continue;
        }
        all.add(flip);
        if let Some(value) = value {
            by_segment.entry(value).or_default().add(flip);
        }
    }
    // Without counterfactual replays, decisions both versions made on the same inputs say it too.
    let shadow = all.replayed == 0;
    if shadow {
        (all, by_segment) = match pairs {
            Some(from_frames) => from_frames()?,
            None => shadow_pairs(conn, qa, qb, &segment_sql)?,
        };
    }
    let (replayed, flipped) = (all.replayed, all.flipped);
    let names = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
    // Where the flips concentrate, when segments were asked for: the segment with the highest
    // flip rate among those with flips.
    let worst = segment.and_then(|(name, _)| {
        by_segment
            .iter()
            .filter(|(_, f)| f.flipped > 0)
            .max_by(|x, y| x.1.rate.total_cmp(&y.1.rate).then(y.0.cmp(x.0)))
            .map(|(value, f)| {
                format!(
                    " The highest flip rate is where {name} = {value}: {} of {} ({:.1}%).",
                    f.flipped,
                    f.replayed,
                    f.rate * 100.0
                )
            })
    });
    let verdict = if replayed == 0 {
        factor(
            Verdict::NotMeasured,
            format!(
                "The versions differ ({} against {}), but no reference decision was replayed through a current version's replayer, and no subject was decided by both on the same inputs. A counterfactual replay of the reference decisions through a current version's replayer measures it.",
                names(&va),
                names(&vb)
            ),
        )
        .with_action(measure_model(&va, &current_versions, &replayer_versions))
    } else if shadow && flipped == 0 {
        factor(
            Verdict::Steady,
            format!(
                "{replayed} reference decisions were also made by {} on the same inputs for the same subject, with the same outcomes.",
                names(&vb)
            ),
        )
    } else if shadow {
        factor(
            Verdict::Moved,
            format!(
                "{flipped} of {replayed} reference decisions ({:.1}%) got another outcome from {} on the same inputs for the same subject (decisions both versions made).{}",
                flipped as f64 * 100.0 / replayed as f64,
                names(&vb),
                worst.unwrap_or_default()
            ),
        )
    } else if flipped == 0 {
        factor(
            Verdict::Steady,
            format!(
                "{replayed} reference decisions replayed through {} gave the same outcomes.",
                names(&vb)
            ),
        )
    } else {
        factor(
            Verdict::Moved,
            format!(
                "{flipped} of {replayed} reference decisions ({:.1}%) would have gone the other way under {} (counterfactual replay).{}",
                flipped as f64 * 100.0 / replayed as f64,
                names(&vb),
                worst.unwrap_or_default()
            ),
        )
    };
    Ok((verdict, by_segment))
}

/// Decisions both cohorts' versions made: each reference decision paired with the current cohort's
/// decision nearest in time about the same subject with the same inputs by another version
/// (shadow scoring, or a re-score), counted as flipped when the outcomes differ.
fn shadow_pairs(
    conn: &Connection,
    qa: &DecisionQuery,
    qb: &DecisionQuery,
    segment_sql: &str,
) -> Result<(Flips, BTreeMap<String, Flips>)> {
    let (filter_a, mut params) = where_clause(qa)?;
    let (filter_b, params_b) = where_clause(qb)?;
    params.extend(params_b);
    let refs: Vec<&dyn duckdb::ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let mut stmt = conn.prepare(&format!(
        "WITH a AS (SELECT d.event_id, d.subject_id, d.inputs, d.label, d.model_version, d.decided_at,
                           {segment_sql} AS segment
                    FROM decisions d {filter_a} AND d.inputs IS NOT NULL),
              b AS (SELECT d.event_id, d.subject_id, d.inputs, d.label, d.model_version, d.decided_at
                    FROM decisions d {filter_b} AND d.inputs IS NOT NULL)
         SELECT a.label IS DISTINCT FROM b.label, a.segment
         FROM a JOIN b ON a.subject_id = b.subject_id AND a.inputs = b.inputs
                      AND a.model_version IS DISTINCT FROM b.model_version
         QUALIFY row_number() OVER (PARTITION BY a.event_id
                   ORDER BY abs(epoch_us(b.decided_at) - epoch_us(a.decided_at)), b.event_id) = 1"
    ))?;
    let rows = stmt.query_map(refs.as_slice(), |r| {
        Ok((r.get::<_, bool>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    let mut all = Flips::default();
    let mut by_segment: BTreeMap<String, Flips> = BTreeMap::new();
    for row in rows {
        let (flip, value) = row?;
        all.add(flip);
        if let Some(value) = value {
            by_segment.entry(value).or_default().add(flip);
        }
    }
    Ok((all, by_segment))
}

/// The retrieval: for questions asked in both cohorts (the same prompt), how much the context
/// documents given with them overlap (Jaccard, averaged).
fn retrieval_factor(conn: &Connection, qa: &DecisionQuery, qb: &DecisionQuery) -> Result<Factor> {
    let contexts = |q: &DecisionQuery| -> Result<BTreeMap<String, BTreeSet<String>>> {
        let (filter, params) = where_clause(q)?;
        let refs: Vec<&dyn duckdb::ToSql> = params.iter().map(|p| p.as_ref()).collect();
        let mut stmt = conn.prepare(&format!(
            "SELECT coalesce(json_extract_string(d.llm, '$.prompt'), d.inputs::VARCHAR), d.context_ids
             FROM decisions d {filter} AND d.context_ids IS NOT NULL AND d.context_ids <> '[]'"
        ))?;
        let rows = stmt.query_map(refs.as_slice(), |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for row in rows {
            let (question, ids) = row?;
            let ids: Vec<String> = serde_json::from_str(&ids).unwrap_or_default();
            out.entry(question.unwrap_or_default())
                .or_default()
                .extend(ids);
        }
        Ok(out)
    };
    let (ca, cb) = (contexts(qa)?, contexts(qb)?);
    if ca.is_empty() && cb.is_empty() {
        return Ok(factor(
            Verdict::NotMeasured,
            "No decision in either cohort was given retrieved context.".into(),
        ));
    }
    let shared: Vec<f64> = ca
        .iter()
        .filter_map(|(question, a)| {
            cb.get(question).map(|b| {
                let union = a.union(b).count();
                if union == 0 {
                    1.0
                } else {
                    a.intersection(b).count() as f64 / union as f64
                }
            })
        })
        .collect();
    if shared.is_empty() {
        return Ok(factor(
            Verdict::NotMeasured,
            format!(
                "The cohorts retrieved context for {} and {} questions, but none was asked in both.",
                ca.len(),
                cb.len()
            ),
        ));
    }
    let mean = shared.iter().sum::<f64>() / shared.len() as f64;
    Ok(factor(
        if mean < 0.8 {
            Verdict::Moved
        } else {
            Verdict::Steady
        },
        format!(
            "For the {} questions asked in both cohorts, the documents retrieved overlap {:.0}% on average (Jaccard).",
            shared.len(),
            mean * 100.0
        ),
    ))
}

/// Pairs of decisions both versions made on the same inputs, found from the cohorts already read
/// (when they carry a key of subject and inputs), instead of a query of their own.
pub type PairsFromFrames<'a> = dyn Fn() -> Result<(Flips, BTreeMap<String, Flips>)> + 'a;

/// Judges the three factors for cohorts `qa` (reference) and `qb`; with a segment column
/// (name, SQL), also the model's flips per segment value.
pub fn attribute(
    conn: &Connection,
    qa: &DecisionQuery,
    qb: &DecisionQuery,
    features: &[FeatureDrift],
    segment: Option<(&str, &str)>,
    pairs: Option<&PairsFromFrames>,
) -> Result<(Attribution, BTreeMap<String, Flips>)> {
    let data = data_factor(features);
    let (model, flips) = model_factor(conn, qa, qb, segment, pairs)?;
    let retrieval = retrieval_factor(conn, qa, qb)?;
    let moved: Vec<&str> = [
        ("the data", &data),
        ("the model", &model),
        ("the retrieval", &retrieval),
    ]
    .iter()
    .filter(|(_, f)| f.verdict == Verdict::Moved)
    .map(|(n, _)| *n)
    .collect();
    let unmeasured: Vec<&str> = [("the model", &model), ("the retrieval", &retrieval)]
        .iter()
        .filter(|(_, f)| f.verdict == Verdict::NotMeasured)
        .map(|(n, _)| *n)
        .collect();
    let mut summary = match moved.as_slice() {
        [] => "Nothing moved that Casefile could measure".to_string(),
        [one] => format!("{} moved", capitalize(one)),
        [a, b] => format!("{} and {b} moved", capitalize(a)),
        _ => "The data, the model and the retrieval all moved".to_string(),
    };
    if !unmeasured.is_empty() {
        summary += &format!("; {} not measured", unmeasured.join(" and "));
    }
    summary += ".";
    Ok((
        Attribution {
            data,
            model,
            retrieval,
            summary,
        },
        flips,
    ))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
