//! `casefile export`: a case (or a bundle) as a lake export for distributed engines, and
//! `casefile export --verify` of one; and running on Spark over a lake export (`on_spark`, for
//! `trainset` and `population` with `--engine spark`).

use std::path::{Path, PathBuf};

use casefile::{Error, JobKind};

use super::render::print;
use super::Exit;

#[derive(clap::Args)]
pub(super) struct ExportArgs {
    /// The case or bundle to export (not with --verify).
    #[arg(required_unless_present = "verify")]
    case: Option<PathBuf>,
    /// The folder to write (new or empty).
    #[arg(required_unless_present = "verify")]
    dir: Option<PathBuf>,
    /// Check the export in this folder against its manifest.
    #[arg(long, conflicts_with_all = ["case", "dir"])]
    verify: Option<PathBuf>,
}

pub(super) fn run(json: bool, args: ExportArgs) -> Result<Exit, Error> {
    match (args.verify, args.case, args.dir) {
        (Some(dir), _, _) => Ok(Exit::checked(verify(json, &dir)?)),
        (None, Some(case), Some(dir)) => export(json, &case, &dir).map(|()| Exit::Done),
        _ => unreachable!("clap requires CASE and DIR without --verify"),
    }
}

fn export(json: bool, case: &Path, dir: &Path) -> Result<(), Error> {
    let case = super::open(case)?;
    let report = super::jobs::run(JobKind::LakeExport, |job| case.lake_export(dir, job))?;
    print(json, &report, |r| {
        let mut s = format!(
            "Wrote {} ({} files, {:.1} MB): {} events, Merkle root {}\n",
            r.path,
            r.files.len(),
            r.bytes as f64 / 1e6,
            r.events,
            r.merkle_root
        );
        for (table, rows) in &r.tables {
            s += &format!("  {table:<10} {rows} rows\n");
        }
        s += "Check it with `casefile export --verify DIR`.\n";
        s
    });
    Ok(())
}

/// Exit status 1 when the export does not verify.
fn verify(json: bool, dir: &Path) -> Result<bool, Error> {
    let report = casefile::lake_verify(dir)?;
    print(json, &report, |r| {
        if r.ok {
            format!(
                "OK: {} files unchanged, {} events, Merkle root {}\n",
                r.files_checked, r.events, r.merkle_root
            )
        } else {
            let mut s = format!("NOT OK: {} problem(s) in {}\n", r.problems.len(), r.path);
            for p in &r.problems {
                s += &format!("  {} {}\n", p.file, p.message);
            }
            s
        }
    });
    Ok(report.ok)
}

/// Runs `work` on Spark over a lake export: `source` itself, or the case exported first into a
/// folder inside `out`, removed afterwards. `doing` says on stderr what runs (`running the
/// training set`), with Spark's `master`.
pub(super) fn on_spark<T>(
    source: &Path,
    out: &Path,
    doing: &str,
    master: &str,
    work: impl FnOnce(&Path) -> Result<T, Error>,
) -> Result<T, Error> {
    let (lake, exported) = lake_for(source, out)?;
    eprintln!("casefile: {doing} on Spark ({master})...");
    let result = work(&lake);
    if let Some(dir) = exported {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

/// The lake export to run on: `source` itself, or the case exported into a folder inside `out`
/// (returned second, for removal afterwards).
fn lake_for(source: &Path, out: &Path) -> Result<(PathBuf, Option<PathBuf>), Error> {
    if casefile::is_lake_export(source) {
        return Ok((source.to_path_buf(), None));
    }
    std::fs::create_dir_all(out)?;
    let dir = out.join(format!(".casefile-lake-{}", std::process::id()));
    let case = super::open(source)?;
    super::jobs::run(JobKind::LakeExport, |job| case.lake_export(&dir, job))?;
    Ok((dir.clone(), Some(dir)))
}
