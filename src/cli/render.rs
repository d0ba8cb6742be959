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

/// Prints a list too long to gather (`{"KEY": [...]}` in JSON, exactly as [`print`] would, or a
/// line per item then `footer(count)`), item by item as `produce` hands them over.
pub(super) fn print_each<T: Serialize>(
    json: bool,
    key: &str,
    produce: impl FnOnce(
        &mut dyn FnMut(T) -> Result<(), casefile::Error>,
    ) -> Result<u64, casefile::Error>,
    line: impl Fn(&T) -> String,
    footer: impl FnOnce(u64) -> String,
) -> Result<(), casefile::Error> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    // A reader that stops early (`| head`) closes the pipe: the rest is not wanted.
    let written = |r: std::io::Result<()>| -> Result<(), casefile::Error> {
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
            other => Ok(other?),
        }
    };
    let mut first = true;
    let key_json = serde_json::to_string(key).expect("a key serializes");
    if json {
        written(write!(out, "{{\n  {key_json}: ["))?;
    }
    let n = produce(&mut |item: T| {
        let text = if json {
            let item = serde_json::to_string_pretty(&item).expect("an item serializes");
            // Nested two levels deep; a JSON text has no raw newline inside a string.
            format!(
                "{}\n    {}",
                if first { "" } else { "," },
                item.replace('\n', "\n    ")
            )
        } else {
            line(&item)
        };
        first = false;
        written(out.write_all(text.as_bytes()))
    })?;
    let end = if json {
        format!("{}]\n}}\n", if n == 0 { "" } else { "\n  " })
    } else {
        footer(n)
    };
    written(out.write_all(end.as_bytes()).and_then(|_| out.flush()))
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
