//! What the desktop app asks of the engine's facade beyond the CLI's commands: import previews,
//! event detail with causation and provenance, population pages, notes, and read-only SQL on an
//! open case. Each test runs the library on the lending sample or a small fixture.

use casefile::{Axis, Case, ImportOptions, NewNote, NoProgress, PopulationPageQuery, View};

use crate::common::*;

fn lending(dir: &tempfile::TempDir) -> Case {
    let path = dir.path().join("lending.casefile");
    let case = Case::open_or_create(&path).unwrap();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(samples().join("lending"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    case.import(&files, &ImportOptions::default(), &NoProgress)
        .unwrap();
    case
}

#[test]
fn preview_shows_the_detected_format_mapping_and_first_rows_without_loading() {
    let dir = tmp();
    let case = lending(&dir);
    let before = case.info().unwrap().events;
    let file = fixtures().join("cloudevents.jsonl");
    let p = case.preview(&file, &ImportOptions::default()).unwrap();
    assert_eq!(p.format, "cloudevents");
    assert_eq!(p.container, "jsonl");
    assert!(p.mapping_toml.contains("stream_id"), "{}", p.mapping_toml);
    assert!(!p.sample.is_empty() && p.sample.len() <= 5);
    assert!(p.keys.iter().any(|k| k == "type"), "{:?}", p.keys);
    assert_eq!(p.sha256.as_deref(), Some(sha256_of(&file).as_str()));
    assert_eq!(p.already_imported, Some(false));
    assert_eq!(
        case.info().unwrap().events,
        before,
        "a preview loads nothing"
    );

    // A lending file is already in the case: the preview says so before anything is loaded.
    let known = samples().join("lending/applications.jsonl");
    let p = case.preview(&known, &ImportOptions::default()).unwrap();
    assert_eq!(p.already_imported, Some(true));
}

#[test]
fn an_edited_mapping_is_checked_and_used_by_preview_and_import() {
    let dir = tmp();
    let case = Case::open_or_create(&dir.path().join("m.casefile")).unwrap();
    let file = fixtures().join("legacy-audit.jsonl");
    let mapping = std::fs::read_to_string(fixtures().join("legacy-audit.toml")).unwrap();
    let opts = ImportOptions {
        mapping_toml: Some(mapping),
        ..Default::default()
    };
    let p = case.preview(&file, &opts).unwrap();
    assert!(p.detected_by.contains("mapping"), "{}", p.detected_by);
    let report = case
        .import(std::slice::from_ref(&file), &opts, &NoProgress)
        .unwrap();
    assert!(report.sources[0].rows_loaded > 0);

    let broken = ImportOptions {
        mapping_toml: Some("[fields]\nstream_id = \"id\"\n".into()),
        ..Default::default()
    };
    let err = case.preview(&file, &broken).unwrap_err();
    assert_eq!(err.code(), "bad_mapping");
    assert!(
        err.to_string().contains("typed in the import screen")
            && err.to_string().contains("event_type"),
        "{err}"
    );
}

#[test]
fn event_detail_follows_the_causation_chain_and_names_the_source_file_and_row() {
    let dir = tmp();
    let case = lending(&dir);
    let page = case
        .events(&casefile::EventQuery {
            stream: Some("applicant-0005".into()),
            event_type: Some("LoanDecisionMade".into()),
            axis: Axis::Recorded,
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    let decision = &page.events[0];
    let d = case
        .event_detail("applicant-0005", &decision.event_id)
        .unwrap();
    assert_eq!(d.event.event_type, "LoanDecisionMade");
    let cause = decision
        .causation_id
        .clone()
        .expect("the sample's decisions have a cause");
    assert_eq!(d.caused_by[0].event_id, cause);
    assert_eq!(d.caused_by[0].event_type, "LoanApplicationSubmitted");
    assert!(!d.chain_cut);
    let source = d.source.expect("provenance");
    assert_eq!(source.source_id, decision.source_id);
    assert_eq!(source.sha256.len(), 64);
    assert!(d.event.source_row >= 1);

    // And the other way: the application lists the decision among what it caused.
    let app = case.event_detail("applicant-0005", &cause).unwrap();
    assert!(app.caused.iter().any(|e| e.event_id == decision.event_id));

    let err = case
        .event_detail("applicant-0005", "no-such-event")
        .unwrap_err();
    assert_eq!(err.code(), "bad_argument");
}

#[test]
fn population_pages_filter_and_sort_the_table_built_last() {
    let dir = tmp();
    let case = lending(&dir);
    let at = casefile::parse_instant("2024-04-02T20:40:34Z").unwrap();
    let pop = case
        .population(
            &casefile::PopulationQuery {
                stream_type: "Applicant".into(),
                at,
                axis: Axis::Recorded,
                view: View::AsCorrected,
                out: None,
                save: false,
                preview_rows: 0,
            },
            &|_| {},
        )
        .unwrap();
    let all = case
        .population_page(&PopulationPageQuery {
            limit: 1000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.total as u64, pop.rows);
    assert_eq!(all.page.rows.len() as u64, pop.rows);

    let one = case
        .population_page(&PopulationPageQuery {
            contains: Some("applicant-0005".into()),
            column: Some("stream_id".into()),
            limit: 50,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(one.total, 1);
    assert_eq!(one.page.rows[0][0], "applicant-0005");

    let by_score = case
        .population_page(&PopulationPageQuery {
            sort_by: Some("credit_score".into()),
            descending: true,
            limit: 5,
            offset: 0,
            ..Default::default()
        })
        .unwrap();
    let col = by_score
        .page
        .columns
        .iter()
        .position(|c| c == "credit_score")
        .unwrap();
    let scores: Vec<i64> = by_score
        .page
        .rows
        .iter()
        .filter_map(|r| r[col].as_i64())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert_eq!(scores.len(), 5);

    let err = case
        .population_page(&PopulationPageQuery {
            sort_by: Some("nope".into()),
            limit: 5,
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("credit_score"), "{err}");
}

#[test]
fn notes_are_append_only_and_an_edit_supersedes_once() {
    let dir = tmp();
    let case = lending(&dir);
    let at = casefile::parse_instant("2024-04-02T20:40:34Z").unwrap();
    let first = case
        .add_note(&NewNote {
            body: "Decision saw 592; the bureau knew 519 two hours earlier.".into(),
            at: Some(at),
            axis: Some(Axis::Recorded),
            stream_id: Some("applicant-0005".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(first.at.as_deref(), Some("2024-04-02T20:40:34Z"));
    assert_eq!(first.axis, Some(Axis::Recorded));
    let edit = case
        .add_note(&NewNote {
            body: "Decision saw 592; 519 occurred before it but was recorded 11 days later.".into(),
            supersedes: Some(first.note_id),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(edit.supersedes, Some(first.note_id));
    assert_eq!(
        edit.stream_id.as_deref(),
        Some("applicant-0005"),
        "anchors carried over"
    );
    assert_eq!(edit.at, first.at);

    let notes = case.notes().unwrap();
    assert_eq!(notes.len(), 2, "the old note is kept");
    assert_eq!(notes[0].body, first.body, "and unchanged");
    assert_eq!(notes[0].superseded_by, Some(edit.note_id));

    let again = case
        .add_note(&NewNote {
            body: "a second edit of the same note".into(),
            supersedes: Some(first.note_id),
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        again
            .to_string()
            .contains(&format!("note {}", edit.note_id)),
        "{again}"
    );
    for bad in [
        NewNote {
            body: "  ".into(),
            at: Some(at),
            ..Default::default()
        },
        NewNote {
            body: "points nowhere".into(),
            ..Default::default()
        },
        NewNote {
            body: "unknown stream".into(),
            stream_id: Some("applicant-9999".into()),
            ..Default::default()
        },
    ] {
        assert!(case.add_note(&bad).is_err(), "{:?} was accepted", bad.body);
    }
    assert_eq!(case.notes().unwrap().len(), 2);
}

#[test]
fn notes_through_the_cli_list_what_was_replaced() {
    let dir = tmp();
    let case = dir.path().join("n.casefile");
    let mut args = vec!["import", s(&case)];
    let file = samples().join("lending/applications.jsonl");
    args.push(s(&file));
    json(&args);
    let n = json(&[
        "note",
        s(&case),
        "first look",
        "--at",
        "2024-04-02T20:40:34Z",
    ]);
    let id = n["note_id"].as_i64().unwrap().to_string();
    json(&["note", s(&case), "second look", "--supersedes", &id]);
    let list = json(&["notes", s(&case)]);
    let notes = list["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["superseded_by"], notes[1]["note_id"]);
    assert_eq!(notes[1]["at"], "2024-04-02T20:40:34Z");
}

#[test]
fn read_only_sql_on_an_open_case_refuses_writes_and_keeps_the_case_usable() {
    let dir = tmp();
    let mut case = lending(&dir);
    let r = case
        .query_read_only("SELECT count(*) AS n FROM events", 10)
        .unwrap();
    assert_eq!(r.rows[0][0].as_i64().unwrap(), case.info().unwrap().events);
    for refused in [
        "DELETE FROM notes",
        "CREATE TABLE x AS SELECT 1",
        "SELECT * FROM read_csv('/etc/passwd')",
    ] {
        let err = case.query_read_only(refused, 10).unwrap_err();
        assert!(
            matches!(err.code().as_str(), "query_refused" | "query_failed"),
            "{refused}: {err}"
        );
    }
    // The case is open read-write again: notes can still be written.
    case.add_note(&NewNote {
        body: "after the console".into(),
        stream_id: Some("applicant-0005".into()),
        ..Default::default()
    })
    .unwrap();
    let at = casefile::parse_instant("2024-04-02T20:40:34Z").unwrap();
    let st = case
        .state(
            "applicant-0005",
            at,
            casefile::AsOfQuery {
                axis: Axis::Recorded,
                view: View::AsCorrected,
            },
        )
        .unwrap();
    assert_eq!(st.state["credit_score"], 592);
}

#[test]
fn quarantine_pages_of_one_source_list_its_rows_with_reasons() {
    let dir = tmp();
    let case = lending(&dir);
    let bad = samples().join("bad/bad-rows.jsonl");
    let report = case
        .import(&[bad], &ImportOptions::default(), &NoProgress)
        .unwrap();
    let source = &report.sources[0];
    assert!(source.rows_quarantined > 0);
    let page = case.quarantine_page(Some(source.source_id), 3, 0).unwrap();
    assert_eq!(page.total as u64, source.rows_quarantined);
    assert_eq!(page.rows.len(), 3);
    assert!(page.rows.iter().all(|r| r.source_id == source.source_id));
    assert!(page.rows.iter().all(|r| !r.reason.is_empty()));
    let rest = case
        .quarantine_page(Some(source.source_id), 1000, 3)
        .unwrap();
    assert_eq!(rest.rows.len() as u64, source.rows_quarantined - 3);
    let all = case.quarantine_page(None, 1000, 0).unwrap();
    assert_eq!(all.total, case.info().unwrap().quarantined);
}
