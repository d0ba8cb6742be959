//! Decisions over time: per day, week or month (UTC) and per model version, how many decisions,
//! how they split by label, their mean score, how many a human overrode or a system corrected,
//! how many had stale inputs, and how many replayed and did not reproduce; with the deployments,
//! to mark on the time axis. Read from the decision view, its links and the replay results.

use std::collections::BTreeMap;

use duckdb::Connection;
use serde::{Deserialize, Serialize};

use super::DecisionQuery;
use crate::error::Result;
use crate::model::format_micros;

/// The width of a bucket of decisions over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Period {
    Day,
    /// From Monday (ISO weeks).
    Week,
    Month,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Day, Period::Week, Period::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    pub fn parse(text: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

/// Decisions over time.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct RatesReport {
    pub period: Period,
    /// Every label the buckets count, most frequent first.
    pub labels: Vec<String>,
    /// By start, then model and version.
    pub buckets: Vec<RateBucket>,
    /// Every deployment, in time order (to mark on the axis).
    pub deployments: Vec<DeploymentMark>,
}

/// The decisions of one version in one period.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct RateBucket {
    /// The period's first instant (UTC) and the next period's.
    pub start: String,
    pub end: String,
    pub model: Option<String>,
    pub model_version: Option<String>,
    pub decisions: i64,
    /// Decisions per label (those without one are not counted here).
    pub labels: BTreeMap<String, i64>,
    pub mean_score: Option<f64>,
    /// Decisions a human corrected (an event by a `human/` actor that corrects it).
    pub overrides: i64,
    /// Decisions corrected by anyone else.
    pub corrections: i64,
    /// Decisions whose recorded inputs differ from what the case knew then.
    pub stale: i64,
    /// Decisions replayed (the latest verdict, counterfactual runs aside), and of them those that
    /// did not reproduce (mismatch or nondeterministic) or could not be replayed (failed).
    pub replayed: i64,
    pub replay_mismatches: i64,
    pub replay_failures: i64,
}

/// A deployment on the time axis.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct DeploymentMark {
    pub at: String,
    pub model: Option<String>,
    pub model_version: String,
}

/// The decisions matching `q` over time, by `period`.
pub fn rates(conn: &Connection, q: &DecisionQuery, period: Period) -> Result<RatesReport> {
    let (filter, params) = super::filter_sql(q)?;
    let unit = period.as_str();
    let refs: Vec<&dyn duckdb::ToSql> = params.iter().map(|p| p.as_ref()).collect();
    // One row per (period, model, version, label): the buckets are their sums (a statement, not
    // a temp table, so a case opened read-only is read the same way).
    let mut stmt = conn.prepare(&format!(
        "WITH corrected AS (
             SELECT l.decision_event_id AS event_id,
                    bool_or(e.actor LIKE 'human/%') AS overridden,
                    bool_or(e.actor IS NULL OR e.actor NOT LIKE 'human/%') AS corrected
             FROM decision_links l JOIN events e ON e.event_id = l.event_id AND e.stream_id = l.stream_id
             WHERE l.link = 'corrects' GROUP BY ALL),
         latest AS (
             SELECT r.event_id, arg_max(r.status, r.run_id) AS status
             FROM replay_results r JOIN replay_runs u USING (run_id)
             WHERE u.mode = 'replay' GROUP BY r.event_id),
         x AS (
             SELECT date_trunc('{unit}', d.decided_at) AS start, d.model, d.model_version, d.label,
                    d.score, d.stale_inputs > 0 AS stale, coalesce(c.overridden, false) AS overridden,
                    coalesce(c.corrected, false) AS corrected, l.status AS replay
             FROM decisions d LEFT JOIN corrected c ON c.event_id = d.event_id
                  LEFT JOIN latest l ON l.event_id = d.event_id
             {filter})
         SELECT epoch_us(start), epoch_us(start + INTERVAL 1 {unit}), model, model_version, label,
                count(*), sum(score), count(score), count(*) FILTER (WHERE overridden),
                count(*) FILTER (WHERE corrected), count(*) FILTER (WHERE stale),
                count(replay), count(*) FILTER (WHERE replay IN ('mismatch', 'nondeterministic')),
                count(*) FILTER (WHERE replay = 'failed')
         FROM x GROUP BY ALL ORDER BY 1, 3 NULLS LAST, 4 NULLS LAST, 5 NULLS LAST"
    ))?;
    let mut rows = stmt.query(refs.as_slice())?;
    let mut buckets: Vec<RateBucket> = Vec::new();
    // Per bucket, the sum and count of its scores.
    let mut scores: Vec<(f64, i64)> = Vec::new();
    let mut label_totals: BTreeMap<String, i64> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let start: i64 = r.get(0)?;
        let end: i64 = r.get(1)?;
        let model: Option<String> = r.get(2)?;
        let model_version: Option<String> = r.get(3)?;
        let label: Option<String> = r.get(4)?;
        let n = |i: usize| r.get::<_, i64>(i);
        let same = buckets.last().is_some_and(|b: &RateBucket| {
            b.start == format_micros(start) && b.model == model && b.model_version == model_version
        });
        if !same {
            buckets.push(RateBucket {
                start: format_micros(start),
                end: format_micros(end),
                model,
                model_version,
                decisions: 0,
                labels: BTreeMap::new(),
                mean_score: None,
                overrides: 0,
                corrections: 0,
                stale: 0,
                replayed: 0,
                replay_mismatches: 0,
                replay_failures: 0,
            });
            scores.push((0.0, 0));
        }
        let b = buckets.last_mut().expect("pushed above");
        let count = n(5)?;
        b.decisions += count;
        if let Some(l) = label {
            *b.labels.entry(l.clone()).or_default() += count;
            *label_totals.entry(l).or_default() += count;
        }
        let s = scores.last_mut().expect("pushed with the bucket");
        s.0 += r.get::<_, Option<f64>>(6)?.unwrap_or(0.0);
        s.1 += n(7)?;
        b.overrides += n(8)?;
        b.corrections += n(9)?;
        b.stale += n(10)?;
        b.replayed += n(11)?;
        b.replay_mismatches += n(12)?;
        b.replay_failures += n(13)?;
    }
    for (b, (sum, count)) in buckets.iter_mut().zip(scores) {
        b.mean_score = (count > 0).then(|| sum / count as f64);
    }
    let mut labels: Vec<(String, i64)> = label_totals.into_iter().collect();
    labels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut deployments = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT epoch_us(deployed_at), model, model_version FROM model_deployments
             ORDER BY deployed_at, recorded_at, event_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(DeploymentMark {
                at: format_micros(r.get::<_, i64>(0)?),
                model: r.get(1)?,
                model_version: r.get(2)?,
            })
        })?;
        for row in rows {
            deployments.push(row?);
        }
    }
    Ok(RatesReport {
        period,
        labels: labels.into_iter().map(|(l, _)| l).collect(),
        buckets,
        deployments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn line(
        id: &str,
        kind: &str,
        at: &str,
        actor: &str,
        corrects: Option<&str>,
        payload: Value,
    ) -> String {
        json!({"event_id": id, "stream_id": format!("Application-{id}"), "event_type": kind,
               "occurred_at": at, "recorded_at": at, "actor": actor, "corrects": corrects,
               "payload": payload})
        .to_string()
    }

    fn decision(id: &str, version: &str, at: &str, label: &str, score: Option<f64>) -> String {
        let mut output = json!({"label": label});
        if let Some(s) = score {
            output["score"] = json!(s);
        }
        line(
            id,
            "LoanDecisionMade",
            at,
            "ai/scorer",
            None,
            json!({"decision_id": id, "model": "scorer", "model_version": version, "output": output}),
        )
    }

    #[test]
    fn decisions_are_counted_per_period_and_version_with_labels_corrections_stale_and_replays() {
        let dir = tempfile::tempdir().unwrap();
        let lines = [
            // The week from Monday 2024-01-01.
            decision("a", "v1", "2024-01-01T10:00:00Z", "approve", Some(0.8)),
            decision("b", "v1", "2024-01-03T10:00:00Z", "decline", Some(0.2)),
            decision("c", "v1", "2024-01-07T23:59:59Z", "approve", Some(0.6)),
            // The next week.
            decision("d", "v1", "2024-01-08T00:00:00Z", "approve", Some(0.9)),
            decision("e", "v2", "2024-01-09T12:00:00Z", "decline", None),
            // b overridden by a human and corrected by a system; d corrected by a system.
            line(
                "o1",
                "DecisionOverridden",
                "2024-01-04T09:00:00Z",
                "human/jones",
                Some("b"),
                json!({"label": "approve"}),
            ),
            line(
                "o2",
                "DecisionCorrected",
                "2024-01-05T09:00:00Z",
                "system/fix",
                Some("b"),
                json!({"label": "approve"}),
            ),
            line(
                "o3",
                "DecisionCorrected",
                "2024-01-09T09:00:00Z",
                "system/fix",
                Some("d"),
                json!({"label": "decline"}),
            ),
            line(
                "dep",
                "ModelDeployed",
                "2024-01-08T06:00:00Z",
                "human/ops",
                None,
                json!({"model": "scorer", "model_version": "v2"}),
            ),
        ];
        let case = crate::case_of_lines(dir.path(), &lines);
        crate::decisions::ensure_built(&case.conn, &|_| {}).unwrap();
        case.conn
            .execute_batch("UPDATE decisions SET stale_inputs = 2 WHERE decision_id = 'c';")
            .unwrap();
        crate::decisions::record_replays(
            &case.conn,
            &[(1, "replay"), (2, "counterfactual")],
            &[
                (1, "a", "match"),
                (1, "c", "mismatch"),
                (1, "d", "failed"),
                (2, "b", "mismatch"),
            ],
        );
        let all = DecisionQuery::default();
        let weeks = case.rates(&all, Period::Week).unwrap();
        // Worked out by hand from the lines above.
        let row = |b: &RateBucket| {
            (
                b.start.clone(),
                b.end.clone(),
                b.model_version.clone().unwrap(),
                b.decisions,
                [
                    b.overrides,
                    b.corrections,
                    b.stale,
                    b.replayed,
                    b.replay_mismatches,
                    b.replay_failures,
                ],
            )
        };
        let got: Vec<_> = weeks.buckets.iter().map(row).collect();
        let want = vec![
            (
                "2024-01-01T00:00:00Z".to_string(),
                "2024-01-08T00:00:00Z".to_string(),
                "v1".to_string(),
                3,
                [1, 1, 1, 2, 1, 0],
            ),
            (
                "2024-01-08T00:00:00Z".to_string(),
                "2024-01-15T00:00:00Z".to_string(),
                "v1".to_string(),
                1,
                [0, 1, 0, 1, 0, 1],
            ),
            (
                "2024-01-08T00:00:00Z".to_string(),
                "2024-01-15T00:00:00Z".to_string(),
                "v2".to_string(),
                1,
                [0, 0, 0, 0, 0, 0],
            ),
        ];
        assert_eq!(got, want);
        let first = &weeks.buckets[0];
        assert_eq!(
            first.labels,
            BTreeMap::from([("approve".to_string(), 2), ("decline".to_string(), 1)])
        );
        assert!((first.mean_score.unwrap() - (0.8 + 0.2 + 0.6) / 3.0).abs() < 1e-12);
        assert_eq!(weeks.buckets[1].mean_score, Some(0.9));
        assert_eq!(weeks.buckets[2].mean_score, None, "no score recorded");
        assert_eq!(weeks.labels, vec!["approve", "decline"]);
        assert_eq!(
            weeks.deployments,
            vec![DeploymentMark {
                at: "2024-01-08T06:00:00Z".into(),
                model: Some("scorer".into()),
                model_version: "v2".into()
            }]
        );
        let days = case.rates(&all, Period::Day).unwrap();
        let starts: Vec<&str> = days.buckets.iter().map(|b| &b.start[..10]).collect();
        assert_eq!(
            starts,
            vec![
                "2024-01-01",
                "2024-01-03",
                "2024-01-07",
                "2024-01-08",
                "2024-01-09"
            ]
        );
        let months = case.rates(&all, Period::Month).unwrap();
        let got: Vec<(String, i64)> = months
            .buckets
            .iter()
            .map(|b| (b.end.clone(), b.decisions))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2024-02-01T00:00:00Z".to_string(), 4),
                ("2024-02-01T00:00:00Z".to_string(), 1)
            ]
        );
        let v2 = DecisionQuery {
            model_version: Some("v2".into()),
            ..Default::default()
        };
        let only = case.rates(&v2, Period::Week).unwrap();
        assert_eq!(only.buckets.len(), 1);
        assert_eq!(only.labels, vec!["decline"]);
    }
}
