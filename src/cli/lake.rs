//! `casefile export`: a case (or a bundle) as a lake export for distributed engines, and
//! `casefile export --verify` of one.

use std::path::Path;

use casefile::{Case, Error, JobKind};

use super::print;

pub(super) fn export(json: bool, case: &Path, dir: &Path) -> Result<(), Error> {
    let case = Case::open(case)?;
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
pub(super) fn verify(json: bool, dir: &Path) -> Result<bool, Error> {
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
