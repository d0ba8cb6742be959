//! `casefile sql`: read-only SQL over a case, on the locked-down connection (no other file is
//! reachable, nothing is written).

use std::path::PathBuf;

use casefile::Error;

use super::render::print;
use super::Exit;

#[derive(clap::Args)]
pub(super) struct SqlArgs {
    case: PathBuf,
    query: String,
    #[arg(long, default_value_t = 10_000)]
    max_rows: usize,
}

pub(super) fn run(json: bool, args: SqlArgs) -> Result<Exit, Error> {
    let SqlArgs {
        case,
        query,
        max_rows,
    } = args;
    let r = casefile::run_sql_in_view(&case, &query, max_rows, super::requested_view())?;
    print(json, &r, |r| {
        let mut s = r.columns.join("\t") + "\n";
        for row in &r.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|v| match v {
                    serde_json::Value::String(t) => t.clone(),
                    serde_json::Value::Null => "NULL".into(),
                    other => other.to_string(),
                })
                .collect();
            s += &(cells.join("\t") + "\n");
        }
        if r.truncated {
            s += "(truncated)\n";
        }
        s
    });
    Ok(Exit::Done)
}
