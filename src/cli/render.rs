//! Printing answers: one JSON document with `--json`, else the command's text; and the pieces of
//! text several commands share (a view's name, a state as JSON, a list of changes).

use casefile::View;
use serde::Serialize;

/// Prints `value` as pretty JSON, or `text(value)`, on stdout.
pub(super) fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> String) {
    use std::io::Write;
    let out = if json {
        serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
    } else {
        text(value)
    };
    let mut stdout = std::io::stdout().lock();
    // A reader that stops early (`| head`) closes the pipe: that is not an error worth a panic.
    if let Err(e) = stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("casefile: cannot write the output: {e}");
            std::process::exit(1);
        }
    }
}

pub(super) fn view_name(v: View) -> &'static str {
    match v {
        View::AsCorrected => "as corrected",
        View::AsRecorded => "as recorded",
    }
}

pub(super) fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

pub(super) fn changes_text(changes: &[casefile::Change]) -> String {
    changes
        .iter()
        .map(|c| match c.op {
            "add" => format!("    + {} = {}\n", c.path, c.new),
            "remove" => format!("    - {} (was {})\n", c.path, c.old),
            _ => format!("    ~ {}: {} -> {}\n", c.path, c.old, c.new),
        })
        .collect()
}
