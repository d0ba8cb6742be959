//! A starter spec for the open case, so the Training set screen opens on something that runs:
//! examples from its decisions (or its commonest event type), the scalar fields its entities'
//! states hold, a count of their commonest other event, and as the label the event types that come
//! after the decisions. Every choice is commented so it reads as a worked example to edit.

use duckdb::Connection;

use crate::error::Result;
use crate::model::Axis;
use crate::timeline::fold::View;
use crate::timeline::snapshots::combo_bit;

/// At most this many path features are suggested.
const MAX_PATHS: usize = 8;
/// A type is a label candidate when at least this share of its events occur after the entity's
/// first example (and it has at least a tenth as many events as there are examples).
const AFTER_SHARE: f64 = 0.9;

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|t| format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `CreditScoreUpdated` -> `credit_score_updated`; anything not a letter or digit becomes `_`.
fn snake_case(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('_') {
            out.push('_');
        }
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        });
    }
    out
}

/// The starter spec's TOML (the decision view and the snapshots must be current).
pub fn starter(conn: &Connection) -> Result<String> {
    let decisions: i64 = conn.query_row("SELECT count(*) FROM decisions", [], |r| r.get(0))?;
    let mut text = String::from(
        "# A training set: one row per example, each feature as the case knew it at the example\n\
         # time, the label from what happened after. Edit, then Preview; Export writes the file\n\
         # and its manifest.\n\n\
         # axis = \"recorded\"   # what the system knew (the default); \"occurred\": what was true\n\
         # ttl = \"90d\"         # empty a value set longer than this before the example time\n\
         lineage = false        # true adds the ids of the events each row came from\n\n",
    );
    // The examples as (entity, time, event type) in a temp table the rest reads.
    if decisions > 0 {
        conn.execute_batch(
            "CREATE OR REPLACE TEMP TABLE ts_starter AS
             SELECT subject_id AS entity, decided_at AS t, event_type FROM decisions",
        )?;
        text += "[examples]\n# One example per decision (a cohort filter such as \"model_version=v2.4.0\"; \"\" for all).\ndecisions = \"\"\n";
    } else {
        let common: Option<String> = conn
            .query_row(
                "SELECT event_type FROM events GROUP BY event_type ORDER BY count(*) DESC, event_type LIMIT 1",
                [],
                |r| r.get(0),
            )
            .ok();
        let Some(common) = common else {
            return Ok(text
                + "[examples]\n# The case has no events yet: import some first.\nevents = []\n");
        };
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE ts_starter AS
             SELECT stream_id AS entity, recorded_at AS t, event_type FROM events WHERE event_type = ?",
            [&common],
        )?;
        text += &format!(
            "[examples]\n# One example per event of these types, at its recorded time.\nevents = [{}]\n",
            quoted(std::slice::from_ref(&common))
        );
    }

    let example_types: Vec<String> = {
        let mut stmt = conn.prepare("SELECT DISTINCT event_type FROM ts_starter ORDER BY 1")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    // Event types on the examples' entities: how many, and what share occur after the entity's
    // first example.
    let mut stmt = conn.prepare(
        "WITH firsts AS (SELECT entity, min(t) AS first FROM ts_starter GROUP BY entity)
         SELECT e.event_type, count(*) AS n, avg(CASE WHEN e.occurred_at > f.first THEN 1.0 ELSE 0.0 END) AS after
         FROM events e JOIN firsts f ON f.entity = e.stream_id
         GROUP BY e.event_type ORDER BY n DESC, e.event_type",
    )?;
    let types: Vec<(String, i64, f64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<std::result::Result<_, _>>()?;
    let others: Vec<&(String, i64, f64)> = types
        .iter()
        .filter(|(t, _, _)| !example_types.contains(t))
        .collect();
    let examples: i64 = conn.query_row("SELECT count(*) FROM ts_starter", [], |r| r.get(0))?;
    let labels: Vec<String> = others
        .iter()
        .filter(|(_, n, after)| *after >= AFTER_SHARE && *n * 10 >= examples)
        .take(4)
        .map(|(t, _, _)| t.clone())
        .collect();
    if labels.is_empty() {
        let seen: Vec<String> = others.iter().take(6).map(|(t, _, _)| t.clone()).collect();
        text += &format!(
            "\n# The label: the first of these events after the example time.\n# [label]\n# event_types = [{}]\n# within = \"180d\"\n",
            quoted(&seen)
        );
    } else {
        text += &format!(
            "\n# The label: the first of these events after the example time (these come after the\n# decisions); value = \"a.payload.path\" takes a field instead of the type.\n[label]\nevent_types = [{}]\n# within = \"365d\"\n",
            quoted(&labels)
        );
    }

    // Scalar top-level fields of the entities' latest states.
    let bit = combo_bit(View::AsCorrected, Axis::Recorded);
    // Identifiers (text that is different for most entities) are left out: they name, not describe.
    let mut stmt = conn.prepare(&format!(
        "WITH latest AS (
             SELECT s.state FROM snapshots s
             WHERE s.combos & {bit} <> 0 AND s.rec_to > 9223372036854775806 AND s.state IS NOT NULL
               AND s.stream_id IN (SELECT DISTINCT entity FROM ts_starter LIMIT 5000)),
         fields AS (
             SELECT k, json_extract(state, '$.\"' || replace(k, '\"', '\\\"') || '\"') AS v
             FROM (SELECT unnest(json_keys(state)) AS k, state FROM latest))
         SELECT k FROM fields
         WHERE json_type(v) IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'VARCHAR', 'BOOLEAN')
         GROUP BY k
         HAVING NOT (bool_and(json_type(v) = 'VARCHAR') AND count(DISTINCT v) > 0.5 * count(*) AND count(*) > 10)
         ORDER BY bool_and(json_type(v) <> 'VARCHAR') DESC, count(*) DESC, k LIMIT {MAX_PATHS}"
    ))?;
    let paths: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    if !paths.is_empty() {
        text += "\n# Features: a path in the entity's state as of the example time ...\n";
    }
    for p in &paths {
        if p.contains('.') || p.contains('"') || super::spec::RESERVED.contains(&p.as_str()) {
            continue;
        }
        text += &format!("[[feature]]\nname = \"{p}\"\npath = \"{p}\"\n\n");
    }
    if let Some((count_type, _, _)) = others.iter().find(|(t, _, _)| !labels.contains(t)) {
        let name = snake_case(count_type);
        text += &format!(
            "# ... or how many events of some types the entity had in a window before it.\n\
             [[feature]]\nname = \"{name}_30d\"\ncount = [{}]\nwindow = \"30d\"\n",
            quoted(std::slice::from_ref(count_type))
        );
    }
    conn.execute_batch("DROP TABLE IF EXISTS ts_starter")?;
    Ok(text)
}
