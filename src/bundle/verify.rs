//! Verifying a bundle without the case it came from: the signature over the manifest (and, when
//! told, that the right key made it), every file's size and SHA-256, files added or missing, and the
//! Merkle root recomputed from the event lines. The happy path reads each byte once (the event lines
//! on one thread, the other files on another) and needs no database; only when the events are wrong
//! is the Parquet copy read (by DuckDB) to say which events were removed, inserted, moved or edited.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::keys;
use super::merkle::{self, RootBuilder};
use super::{
    Manifest, Problem, SignatureCheck, SignatureFile, VerifyReport, EVENTS_JSONL, EVENTS_JSONL_ZST,
    EVENTS_PARQUET, FORMAT, FORMAT_1, MANIFEST, SALT_KEYS, SIGNATURE,
};
use crate::error::{Error, Result};
use crate::job::Job;

/// How many events a report names one by one before summing up the rest.
const MAX_EVENT_PROBLEMS: usize = 50;

fn problem(file: Option<&str>, event_id: Option<String>, message: String) -> Problem {
    Problem {
        file: file.map(str::to_string),
        event_id,
        message,
    }
}

/// Options of a verification.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The key that must have signed it: a `.pub` file, key name, base64 key or `SHA256:` fingerprint.
    pub expected_key: Option<String>,
    /// Accept a bundle without a signature (its files are still checked against its manifest).
    pub allow_unsigned: bool,
}

struct Expected {
    text: String,
    fingerprint: String,
}

pub fn verify(path: &Path, opts: &VerifyOptions, job: &Job) -> Result<VerifyReport> {
    if !path.is_file() {
        return Err(Error::BadArgument {
            message: format!("The bundle {} does not exist.", path.display()),
        });
    }
    let expected = match &opts.expected_key {
        Some(given) => Some(Expected {
            text: given.clone(),
            fingerprint: match keys::expected_key(given)? {
                Ok(key) => keys::fingerprint(&key),
                Err(fp) => fp,
            },
        }),
        None => None,
    };
    let bytes = std::fs::metadata(path)?.len();
    let mut report = VerifyReport {
        ok: false,
        path: crate::store::absolute(path).to_string_lossy().into_owned(),
        merkle_root: None,
        signature: SignatureCheck {
            valid: false,
            signer: None,
            public_key: None,
            expected: expected.as_ref().map(|e| e.fingerprint.clone()),
        },
        problems: Vec::new(),
        checked: Vec::new(),
        events: 0,
        files: 0,
        bytes,
        manifest: None,
        disclosure: None,
    };
    let mut archive = match zip::ZipArchive::new(BufReader::new(File::open(path)?)) {
        Ok(a) => a,
        Err(e) => {
            report.problems.push(problem(
                None,
                None,
                format!("The bundle is not a readable zip archive ({e}): it was truncated or overwritten."),
            ));
            return Ok(report);
        }
    };
    // A hostile archive is refused before any entry is read.
    let structural = super::safety::check_archive(&mut archive);
    if !structural.is_empty() {
        report.problems.extend(structural);
        return Ok(report);
    }
    let entries: Vec<String> = archive
        .file_names()
        .map(|n| n.map(|s| s.into_owned()))
        .collect::<std::result::Result<_, _>>()
        .map_err(super::export::zip_error)?;

    let manifest_bytes = match read_entry(&mut archive, MANIFEST) {
        Ok(b) => b,
        Err(e) => {
            report.problems.push(problem(Some(MANIFEST), None, e));
            return Ok(report);
        }
    };
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            report.problems.push(problem(
                Some(MANIFEST),
                None,
                format!("The manifest is not a Casefile manifest ({e})."),
            ));
            check_signature(
                &mut archive,
                &manifest_bytes,
                None,
                &expected,
                opts,
                &mut report,
            );
            return Ok(report);
        }
    };
    if manifest.format != FORMAT && manifest.format != FORMAT_1 {
        report.problems.push(problem(
            Some(MANIFEST),
            None,
            format!(
                "The manifest's format is `{}`; this Casefile reads `{FORMAT}` and `{FORMAT_1}`.",
                manifest.format
            ),
        ));
    }
    // Format 2 commits to each field; format 1 hashed each event's whole line.
    let per_field = manifest.format != FORMAT_1;
    report.checked.push(format!(
        "The manifest lists {} files and {} events (made {} by {} with {}).",
        manifest.files.len(),
        manifest.events.count,
        manifest.created_at,
        manifest.created_by,
        manifest.tool_version
    ));
    check_signature(
        &mut archive,
        &manifest_bytes,
        Some(&manifest),
        &expected,
        opts,
        &mut report,
    );

    // Files added after signing, or missing.
    let listed: HashSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for name in &entries {
        if name != MANIFEST && name != SIGNATURE && !listed.contains(name.as_str()) {
            report.problems.push(problem(
                Some(name),
                None,
                "This file is not in the manifest: it was added after the bundle was made.".into(),
            ));
        }
    }
    let present: HashSet<&str> = entries.iter().map(String::as_str).collect();
    for f in &manifest.files {
        if !present.contains(f.path.as_str()) {
            report.problems.push(problem(
                Some(&f.path),
                None,
                "This file is in the manifest but not in the bundle: it was removed.".into(),
            ));
        }
    }

    // The salt keys the lines' disclosed fields may need (their digest is checked with the rest).
    let salt_keys = if per_field {
        match read_salt_keys(&mut archive) {
            Ok(k) => k,
            Err(why) => {
                report.problems.push(problem(Some(SALT_KEYS), None, why));
                Default::default()
            }
        }
    } else {
        Default::default()
    };

    // Every file's size and digest; the event lines also into the Merkle tree.
    let total: u64 = manifest.files.iter().map(|f| f.size).sum();
    let done = std::sync::atomic::AtomicU64::new(0);
    // Only this thread reports progress; the other one just counts.
    let count = |n: u64| {
        done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    };
    let tick = |n: u64| {
        let d = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
        // A report every 16 MB is plenty for a bar and spares the app thousands of events.
        if (d - n) >> 24 != d >> 24 {
            job.report("checking the files", d, total);
        }
    };
    let (events_file, others): (Vec<_>, Vec<_>) = manifest
        .files
        .iter()
        .filter(|f| present.contains(f.path.as_str()))
        .partition(|f| f.path == EVENTS_JSONL || f.path == EVENTS_JSONL_ZST);
    let (other_results, events_result) = std::thread::scope(|s| {
        let others_handle = s.spawn(
            || -> Result<Vec<(String, std::result::Result<Digest32, String>)>> {
                let mut a = zip::ZipArchive::new(BufReader::new(File::open(path)?))
                    .map_err(super::export::zip_error)?;
                Ok(others
                    .iter()
                    .map(|f| {
                        (
                            f.path.clone(),
                            digest_entry(&mut a, &f.path, f.size, None, &count),
                        )
                    })
                    .collect())
            },
        );
        let events = events_file.first().map(|f| {
            let mut tree = if per_field {
                LineTree::per_field(salt_keys.clone())
            } else {
                LineTree::default()
            };
            let r = digest_entry(&mut archive, &f.path, f.size, Some(&mut tree), &tick);
            (f.path.clone(), r, tree)
        });
        (
            others_handle
                .join()
                .expect("the checking thread does not panic"),
            events,
        )
    });
    let mut digests: HashMap<String, std::result::Result<Digest32, String>> =
        other_results?.into_iter().collect();
    let mut tree = None;
    let mut lines_file = EVENTS_JSONL_ZST.to_string();
    if let Some((name, r, t)) = events_result {
        digests.insert(name.clone(), r);
        tree = Some(t);
        lines_file = name;
    }
    let mut files_ok = HashMap::new();
    for f in &manifest.files {
        let Some(result) = digests.get(&f.path) else {
            continue;
        };
        let ok = match result {
            Err(e) => {
                report.problems.push(problem(
                    Some(&f.path),
                    None,
                    format!("This file cannot be read: {e}."),
                ));
                false
            }
            Ok(d) if d.size != f.size => {
                report.problems.push(problem(
                    Some(&f.path),
                    None,
                    format!(
                        "This file is {} bytes long; the manifest says {}.",
                        d.size, f.size
                    ),
                ));
                false
            }
            Ok(d) if hex::encode(d.sha256) != f.sha256 => {
                report.problems.push(problem(
                    Some(&f.path),
                    None,
                    "This file's SHA-256 differs from the manifest's: its content was changed."
                        .into(),
                ));
                false
            }
            Ok(_) => true,
        };
        files_ok.insert(f.path.clone(), ok);
    }
    report.files = manifest.files.len() as u64;
    report.checked.push(format!(
        "{} of {} files have the size and SHA-256 the manifest gives ({} bytes).",
        files_ok.values().filter(|ok| **ok).count(),
        manifest.files.len(),
        total
    ));

    // The Merkle root over the event lines.
    if let Some(mut tree) = tree {
        let root = hex::encode(tree.root.root());
        report.events = tree.root.leaves();
        if root != manifest.events.merkle_root || tree.root.leaves() != manifest.events.count {
            report.problems.push(problem(
                Some(&lines_file),
                None,
                format!(
                    "The {} event lines hash to the Merkle root {}; the manifest says {} events with root {}.",
                    tree.root.leaves(),
                    short(&root),
                    manifest.events.count,
                    short(&manifest.events.merkle_root)
                ),
            ));
        } else {
            report.checked.push(format!(
                "The Merkle root over the {} events was recomputed and matches ({}).",
                tree.root.leaves(),
                short(&root)
            ));
        }
        report.merkle_root = Some(root);
        for (n, why) in &tree.bad {
            report.problems.push(problem(
                Some(&lines_file),
                None,
                format!("Line {n} cannot be checked: {why}."),
            ));
        }
        if tree.bad_count > tree.bad.len() as u64 {
            report.problems.push(problem(
                Some(&lines_file),
                None,
                format!(
                    "… and {} more lines cannot be checked.",
                    tree.bad_count - tree.bad.len() as u64
                ),
            ));
        }
        if per_field {
            let summary = std::mem::take(&mut tree.tally).summary();
            report.checked.push(if summary.events_redacted == 0 {
                format!(
                    "Every field of the {} events is disclosed and matches its commitment.",
                    summary.events_whole
                )
            } else {
                format!(
                    "{} events disclose every field; {} withhold, pseudonymize or erase some ({}), each such field's commitment kept; every disclosed field matches its commitment.",
                    summary.events_whole,
                    summary.events_redacted,
                    summary
                        .fields
                        .iter()
                        .take(8)
                        .map(|f| {
                            let mut parts = Vec::new();
                            for (n, what) in [
                                (f.withheld, "withheld"),
                                (f.pseudonymized, "pseudonymized"),
                                (f.erased, "erased"),
                            ] {
                                if n > 0 {
                                    parts.push(format!("{what} in {n}"));
                                }
                            }
                            format!("{} {}", f.pointer, parts.join(", "))
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                        + if summary.fields.len() > 8 { "; …" } else { "" }
                )
            });
            report.disclosure = Some(summary);
        }
        if let Some(broken) = &tree.broken {
            report.problems.push(problem(
                Some(&lines_file),
                None,
                format!("The compressed event lines cannot be decompressed ({broken})."),
            ));
        }
        if files_ok.get(&lines_file) == Some(&false)
            || report.merkle_root.as_deref() != Some(manifest.events.merkle_root.as_str())
        {
            let reference_ok = files_ok.get(EVENTS_PARQUET) == Some(&true);
            let found = diagnose_events(
                path,
                reference_ok,
                &lines_file,
                per_field.then_some(&salt_keys),
            )?;
            report.problems.extend(found);
        }
    }
    check_container(
        path,
        &mut archive,
        &manifest,
        &manifest_bytes,
        &digests,
        &entries,
        &mut report,
    )?;
    report.manifest = Some(manifest);
    report.ok = report.problems.is_empty();
    Ok(report)
}

/// Rebuilds the canonical container around the files (in the manifest's order, then the manifest
/// and the signature) and compares every byte that is not a file's content with the bundle's: the
/// contents are the digests' to check, and together nothing in the file goes unchecked.
fn check_container(
    path: &Path,
    archive: &mut zip::ZipArchive<BufReader<File>>,
    manifest: &Manifest,
    manifest_bytes: &[u8],
    digests: &HashMap<String, std::result::Result<Digest32, String>>,
    present: &[String],
    report: &mut VerifyReport,
) -> Result<()> {
    match manifest.container.as_deref() {
        None => {
            report.checked.push(
                "This bundle was made before bundles were written as canonical containers: its contents are checked, its zip headers are not checked byte for byte.".into(),
            );
            return Ok(());
        }
        Some(super::container::CANONICAL) => {}
        Some(other) => {
            report.problems.push(problem(
                Some(MANIFEST),
                None,
                format!(
                    "The manifest's container is `{other}`; this Casefile checks `{}`.",
                    super::container::CANONICAL
                ),
            ));
            return Ok(());
        }
    }
    let mut entries = Vec::with_capacity(manifest.files.len() + 2);
    for f in &manifest.files {
        // A file that could not be read is a problem already; its headers cannot be rebuilt.
        let Some(Ok(d)) = digests.get(&f.path) else {
            return Ok(());
        };
        entries.push((f.path.clone(), d.crc32, d.size));
    }
    entries.push((
        MANIFEST.to_string(),
        crc32fast::hash(manifest_bytes),
        manifest_bytes.len() as u64,
    ));
    if present.iter().any(|n| n == SIGNATURE) {
        let Ok(signature) = read_entry(archive, SIGNATURE) else {
            return Ok(());
        };
        entries.push((
            SIGNATURE.to_string(),
            crc32fast::hash(&signature),
            signature.len() as u64,
        ));
    }
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let found = super::container::compare(&entries, len, |at, n| {
        use std::io::{Seek, SeekFrom};
        file.seek(SeekFrom::Start(at))?;
        let mut buf = vec![0u8; n];
        file.read_exact(&mut buf)?;
        Ok(buf)
    })?;
    match found {
        Some(differs) => report.problems.push(problem(
            None,
            None,
            format!("The container was changed after the bundle was made: {differs}."),
        )),
        None => report.checked.push(format!(
            "Every byte of the container around the files ({} entries) is the canonical one, and the file ends where it does.",
            entries.len()
        )),
    }
    Ok(())
}

/// That one event belongs to a bundle: its line, its place and the RFC 6962 audit path to the root.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct EventProof {
    pub event_id: String,
    /// The event's canonical line (the leaf's data).
    pub line: String,
    #[ts(type = "number")]
    pub index: u64,
    #[ts(type = "number")]
    pub tree_size: u64,
    pub leaf_hash: String,
    /// Sibling hashes from the leaf up (RFC 9162 section 2.1.3).
    pub audit_path: Vec<String>,
    pub merkle_root: String,
    /// The path leads from the leaf to the manifest's root.
    pub valid: bool,
    /// The event's fields and how the bundle shows each (empty for bundles made before fields
    /// were committed one by one).
    #[serde(default)]
    pub fields: Vec<ProvenField>,
}

/// One field of a proven event.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ProvenField {
    /// Its JSON Pointer in the event.
    pub pointer: String,
    pub state: super::disclosure::FieldState,
    /// Its JSON text when disclosed; the pseudonym shown in its place when pseudonymized.
    pub value: Option<String>,
    /// SHA-256 commitment (hex), recomputed from value and salt when disclosed.
    pub commitment: String,
}

/// The inclusion proof of one event of a bundle, checked against the manifest's root.
pub fn prove_event(path: &Path, event_id: &str) -> Result<EventProof> {
    let bad = |cause: String| Error::NotABundle {
        path: path.to_path_buf(),
        cause,
    };
    let mut archive = zip::ZipArchive::new(BufReader::new(File::open(path)?))
        .map_err(|e| bad(format!("it is not a zip archive ({e})")))?;
    if let Some(p) = super::safety::check_archive(&mut archive).first() {
        return Err(bad(p.message.trim_end_matches('.').to_string()));
    }
    let manifest: Manifest =
        serde_json::from_slice(&read_entry(&mut archive, MANIFEST).map_err(bad)?)
            .map_err(|e| bad(format!("its manifest is not readable ({e})")))?;
    let per_field = manifest.format != FORMAT_1;
    let keys = if per_field {
        read_salt_keys(&mut archive)
            .map_err(|why| bad(format!("its {SALT_KEYS} cannot be read ({why})")))?
    } else {
        Default::default()
    };
    if per_field {
        // Anything amiss there (damage included) is for the reading of every line to name.
        if let Ok(Some(proof)) = prove_by_leaves(path, &mut archive, &manifest, &keys, event_id) {
            return Ok(proof);
        }
    }
    let mut reader = BufReader::new(
        event_lines(&mut archive).map_err(|_| bad(format!("it has no {EVENTS_JSONL_ZST}")))?,
    );
    let mut leaves = Vec::new();
    let mut found: Option<(usize, String)> = None;
    let mut line = Vec::new();
    let id_text = serde_json::to_string(event_id).expect("a string");
    let needle = if per_field {
        format!(
            "\"/event_id\":{}",
            serde_json::to_string(&id_text).expect("a string")
        )
    } else {
        format!("\"event_id\":{id_text}")
    };
    loop {
        line.clear();
        let read = std::io::BufRead::read_until(&mut reader, b'\n', &mut line)
            .map_err(|e| bad(format!("its event lines cannot be read ({e})")))?;
        if read == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        // The text may also stand inside another field (a payload key ending in `/event_id`):
        // a line is the event's only when its own id is the one asked for.
        if found.is_none()
            && memchr::memmem::find(&line, needle.as_bytes()).is_some()
            && (!per_field
                || super::disclosure::Line::parse(&line)
                    .ok()
                    .and_then(|l| l.event_id())
                    .as_deref()
                    == Some(event_id))
        {
            found = Some((leaves.len(), String::from_utf8_lossy(&line).into_owned()));
        }
        leaves.push(if per_field {
            super::disclosure::Line::parse(&line)
                .and_then(|l| l.leaf(&keys))
                .map_err(|why| {
                    bad(format!(
                        "its event line {} cannot be read: {why}",
                        leaves.len() + 1
                    ))
                })?
        } else {
            merkle::leaf_hash(&line)
        });
    }
    let Some((index, text)) = found else {
        return Err(Error::BadArgument {
            message: format!("The bundle has no event `{event_id}`."),
        });
    };
    // The line handed out carries its salts, so it proves itself without the bundle's keys.
    let (text, fields) = if per_field {
        let standalone = super::disclosure::Line::parse(text.as_bytes())
            .and_then(|l| l.standalone(&keys))
            .map_err(bad)?;
        let text = String::from_utf8(standalone.to_bytes()).expect("JSON is UTF-8");
        let fields = proven_fields(&text).map_err(bad)?;
        (text, fields)
    } else {
        (text, Vec::new())
    };
    Ok(event_proof(
        event_id,
        text,
        fields,
        &leaves,
        index,
        &manifest.events.merkle_root,
    ))
}

/// The proof of leaf `index` of `leaves`, checked against the manifest's root (hex).
fn event_proof(
    event_id: &str,
    line: String,
    fields: Vec<ProvenField>,
    leaves: &[merkle::Hash],
    index: usize,
    merkle_root: &str,
) -> EventProof {
    let path = merkle::inclusion_proof(leaves, index);
    let root: [u8; 32] = hex::decode(merkle_root)
        .ok()
        .and_then(|b| b.try_into().ok())
        .unwrap_or([0; 32]);
    EventProof {
        event_id: event_id.to_string(),
        line,
        index: index as u64,
        tree_size: leaves.len() as u64,
        leaf_hash: hex::encode(leaves[index]),
        audit_path: path.iter().map(hex::encode).collect(),
        merkle_root: merkle_root.to_string(),
        valid: merkle::verify_inclusion(
            &leaves[index],
            index as u64,
            leaves.len() as u64,
            &path,
            &root,
        ),
        fields,
    }
}

/// One event of a bundle with only the fields at or under `fields` disclosed (each with its salt)
/// and the rest withheld, with its audit path: what is handed over when a field a redacted bundle
/// withholds is asked for. The bundle must disclose those fields (the full bundle does).
pub fn reveal(path: &Path, event_id: &str, fields: &[String]) -> Result<EventProof> {
    let proof = prove_event(path, event_id)?;
    if proof.fields.is_empty() {
        return Err(Error::BadArgument {
            message: format!("{} was made before fields were committed one by one (format {FORMAT_1}): it can prove an event whole, not reveal a field of it.", path.display()),
        });
    }
    let pointers: Vec<String> = fields
        .iter()
        .map(|f| super::disclosure::pointer(f))
        .collect();
    let line = super::disclosure::Line::parse(proof.line.as_bytes())
        .and_then(|l| l.revealing(&Default::default(), &pointers))
        .map_err(|why| Error::BadArgument {
            message: format!("Event {event_id} cannot reveal that: {why}."),
        })?;
    let text = String::from_utf8(line.to_bytes()).expect("JSON is UTF-8");
    // The same commitments, so the same leaf: checked, not assumed.
    let leaf = line
        .leaf(&Default::default())
        .map_err(|why| Error::BadArgument { message: why })?;
    if hex::encode(leaf) != proof.leaf_hash {
        return Err(Error::BadArgument {
            message: format!("The revealed line of event {event_id} does not give its leaf; the bundle does not verify."),
        });
    }
    Ok(EventProof {
        fields: proven_fields(&text).map_err(|message| Error::BadArgument { message })?,
        line: text,
        ..proof
    })
}

/// What checking a revealed field against a bundle found.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RevealCheck {
    /// The revealed fields are the values the bundle's signed root commits to.
    pub ok: bool,
    pub event_id: String,
    pub merkle_root: String,
    /// The bundle verified (signature, files, root).
    pub bundle_verified: bool,
    pub signer: Option<String>,
    /// The revealed fields, with how the bundle itself shows each.
    pub revealed: Vec<RevealedField>,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RevealedField {
    pub pointer: String,
    /// Its JSON text.
    pub value: String,
    /// How the bundle shows it (withheld, pseudonymized, erased or disclosed).
    pub in_bundle: super::disclosure::FieldState,
}

/// Checks a revealed event (from `reveal`) against a bundle, which may withhold those fields: the
/// bundle verifies, the revealed line's leaf is the bundle's leaf at the same place, and its audit
/// path leads to the bundle's signed root.
pub fn check_reveal(
    bundle: &Path,
    revealed: &Path,
    opts: &VerifyOptions,
    job: &Job,
) -> Result<RevealCheck> {
    let text = std::fs::read(revealed).map_err(|e| Error::BadArgument {
        message: format!(
            "Cannot read the revealed fields {}: {e}.",
            revealed.display()
        ),
    })?;
    let proof: EventProof = serde_json::from_slice(&text).map_err(|e| Error::BadArgument {
        message: format!(
            "{} is not a revealed event made by `casefile bundle reveal` ({e}).",
            revealed.display()
        ),
    })?;
    let report = verify(bundle, opts, job)?;
    let mut problems: Vec<String> = report.problems.iter().map(|p| p.message.clone()).collect();
    let mut revealed_fields = Vec::new();
    let line = super::disclosure::Line::parse(proof.line.as_bytes());
    let leaf = line
        .as_ref()
        .map_err(String::clone)
        .and_then(|l| l.leaf(&Default::default()));
    match (&line, &leaf) {
        (Ok(line), Ok(leaf)) => {
            let root: Option<merkle::Hash> = hex::decode(&proof.merkle_root)
                .ok()
                .and_then(|b| b.try_into().ok());
            let path: Option<Vec<merkle::Hash>> = proof
                .audit_path
                .iter()
                .map(|h| hex::decode(h).ok().and_then(|b| b.try_into().ok()))
                .collect();
            let leads = match (root, path) {
                (Some(root), Some(path)) => {
                    merkle::verify_inclusion(leaf, proof.index, proof.tree_size, &path, &root)
                }
                _ => false,
            };
            if !leads {
                problems.push(format!(
                    "The revealed event's audit path does not lead from its leaf to the root {}.",
                    short(&proof.merkle_root)
                ));
            }
            if report.merkle_root.as_deref() != Some(proof.merkle_root.as_str()) {
                problems.push(format!(
                    "The revealed event is proven against the root {}; the bundle's is {}.",
                    short(&proof.merkle_root),
                    report
                        .merkle_root
                        .as_deref()
                        .map(short)
                        .unwrap_or_else(|| "unknown".into())
                ));
            }
            if line.event_id().as_deref() != Some(proof.event_id.as_str()) {
                problems.push(format!(
                    "The revealed line does not disclose the event id {} it claims to be.",
                    proof.event_id
                ));
            }
            match prove_event(bundle, &proof.event_id) {
                Ok(there) => {
                    if there.index != proof.index || there.leaf_hash != hex::encode(leaf) {
                        problems.push(format!(
                            "The revealed line of event {} does not give the leaf the bundle holds for it: a revealed value or salt is not the original.",
                            proof.event_id
                        ));
                    }
                    for (p, v) in &line.disclosed {
                        let in_bundle = there
                            .fields
                            .iter()
                            .find(|f| &f.pointer == p)
                            .map_or(super::disclosure::FieldState::Withheld, |f| f.state);
                        revealed_fields.push(RevealedField {
                            pointer: p.clone(),
                            value: v.clone(),
                            in_bundle,
                        });
                    }
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        (Err(why), _) | (_, Err(why)) => {
            problems.push(format!("The revealed line cannot be read: {why}."))
        }
    }
    Ok(RevealCheck {
        ok: problems.is_empty(),
        event_id: proof.event_id,
        merkle_root: proof.merkle_root,
        bundle_verified: report.ok,
        signer: report
            .signature
            .signer
            .clone()
            .filter(|_| report.signature.valid),
        revealed: revealed_fields,
        problems,
    })
}

/// The proof of one event from the leaves the Parquet copy holds (checked: they give the
/// manifest's root) and the one frame of lines that holds the event (checked: its line gives the
/// leaf there), without decompressing every line. None when anything does not fit: the caller
/// then reads every line.
fn prove_by_leaves(
    path: &Path,
    archive: &mut zip::ZipArchive<BufReader<File>>,
    manifest: &Manifest,
    keys: &super::disclosure::SaltKeys,
    event_id: &str,
) -> Result<Option<EventProof>> {
    let Some(limit) = manifest
        .files
        .iter()
        .find(|f| f.path == EVENTS_PARQUET)
        .map(|f| f.size)
    else {
        return Ok(None);
    };
    let dir = tempfile_dir()?;
    let parquet = dir.join("events.parquet");
    let result = (|| -> Result<Option<EventProof>> {
        {
            let Ok(entry) = archive.by_name(EVENTS_PARQUET) else {
                return Ok(None);
            };
            let copied = std::io::copy(&mut entry.take(limit + 1), &mut File::create(&parquet)?)?;
            if copied > limit {
                return Ok(None);
            }
        }
        // A stranger's file: read away from this process first (as diagnose_events does).
        if crate::ingest::parquet::why_unreadable(&parquet)?.is_some() {
            return Ok(None);
        }
        let conn = crate::store::open_scratch_in_memory()?;
        let mut stmt =
            conn.prepare("SELECT event_id, event_hash FROM read_parquet(?) ORDER BY seq")?;
        let mut rows = stmt.query([parquet.to_string_lossy()])?;
        let mut leaves: Vec<merkle::Hash> = Vec::with_capacity(manifest.events.count as usize);
        let mut index = None;
        while let Some(r) = rows.next()? {
            let (id, leaf): (String, String) = (r.get(0)?, r.get(1)?);
            if index.is_none() && id == event_id {
                index = Some(leaves.len());
            }
            let Some(leaf) = hex::decode(&leaf).ok().and_then(|b| b.try_into().ok()) else {
                return Ok(None);
            };
            leaves.push(leaf);
        }
        let Some(index) = index else {
            return Ok(None);
        };
        let root = merkle::root_of(&leaves);
        if hex::encode(root) != manifest.events.merkle_root {
            return Ok(None);
        }
        let (start, len) = {
            let Ok(entry) = archive.by_name(EVENTS_JSONL_ZST) else {
                return Ok(None);
            };
            match (entry.compression(), entry.data_start()) {
                (zip::CompressionMethod::Stored, Some(start)) => (start, entry.size()),
                _ => return Ok(None),
            }
        };
        // A frame that does not read (damage) leaves it to the reading of every line to say so.
        let Ok(Some(line)) =
            super::seekable::read_line(&mut File::open(path)?, start, len, index as u64)
        else {
            return Ok(None);
        };
        let Ok(parsed) = super::disclosure::Line::parse(&line) else {
            return Ok(None);
        };
        if parsed.leaf(keys).ok() != Some(leaves[index])
            || parsed.event_id().as_deref() != Some(event_id)
        {
            return Ok(None);
        }
        let Ok(standalone) = parsed.standalone(keys) else {
            return Ok(None);
        };
        let text = String::from_utf8(standalone.to_bytes()).expect("JSON is UTF-8");
        let Ok(fields) = proven_fields(&text) else {
            return Ok(None);
        };
        Ok(Some(event_proof(
            event_id,
            text,
            fields,
            &leaves,
            index,
            &manifest.events.merkle_root,
        )))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// The fields of a disclosure line, each with its state and commitment.
pub(crate) fn proven_fields(line: &str) -> std::result::Result<Vec<ProvenField>, String> {
    use super::disclosure::FieldState;
    let parsed = super::disclosure::Line::parse(line.as_bytes())?;
    // A proven line carries its own salts.
    Ok(parsed
        .commitments(&Default::default())?
        .into_iter()
        .map(|(p, state, c)| ProvenField {
            pointer: p.to_string(),
            state,
            value: match state {
                FieldState::Disclosed => parsed.disclosed.get(p).cloned(),
                // The pseudonym shown at the field or at the object it is in.
                FieldState::Pseudonymized => super::disclosure::at_or_above(&parsed.pseudonyms, p)
                    .map(|(_, v)| v.to_string()),
                _ => None,
            },
            commitment: hex::encode(c),
        })
        .collect())
}

fn short(hex: &str) -> String {
    hex.chars().take(16).collect::<String>() + "…"
}

fn check_signature(
    archive: &mut zip::ZipArchive<BufReader<File>>,
    manifest_bytes: &[u8],
    manifest: Option<&Manifest>,
    expected: &Option<Expected>,
    opts: &VerifyOptions,
    report: &mut VerifyReport,
) {
    let sig_bytes = match read_entry(archive, SIGNATURE) {
        Ok(b) => b,
        Err(_) => {
            let signer = manifest.and_then(|m| m.signer.as_ref());
            let message = match signer {
                Some(s) => format!("signature.json is missing, but the manifest says {} signed the bundle: the signature was removed.", s.fingerprint),
                None if expected.is_some() => "The bundle is not signed, so it cannot have been signed by the expected key.".into(),
                None if opts.allow_unsigned => {
                    report.checked.push("The bundle is not signed (accepted: --allow-unsigned); its manifest is not protected.".into());
                    return;
                }
                None => "The bundle is not signed: nothing shows its manifest was not rewritten (check its files only with --allow-unsigned).".into(),
            };
            report
                .problems
                .push(problem(Some(SIGNATURE), None, message));
            return;
        }
    };
    let sig: SignatureFile = match serde_json::from_slice(&sig_bytes) {
        Ok(s) => s,
        Err(e) => {
            report.problems.push(problem(
                Some(SIGNATURE),
                None,
                format!("The signature file is not readable ({e})."),
            ));
            return;
        }
    };
    report.signature.signer = Some(sig.fingerprint.clone());
    report.signature.public_key = Some(sig.public_key.clone());
    let Some(key) = keys::public_key_from_text(&sig.public_key) else {
        report.problems.push(problem(
            Some(SIGNATURE),
            None,
            "The signature's public key is not a valid ed25519 key.".into(),
        ));
        return;
    };
    let fingerprint = keys::fingerprint(&key);
    report.signature.signer = Some(fingerprint.clone());
    let mut valid = true;
    if sig.algorithm != "ed25519" {
        valid = false;
        report.problems.push(problem(
            Some(SIGNATURE),
            None,
            format!(
                "The signature's algorithm is `{}`; Casefile signs with ed25519.",
                sig.algorithm
            ),
        ));
    }
    if sig.fingerprint != fingerprint {
        valid = false;
        report.problems.push(problem(
            Some(SIGNATURE),
            None,
            format!(
                "The signature names the fingerprint {} but carries the key {fingerprint}.",
                sig.fingerprint
            ),
        ));
    }
    if let Err(why) = keys::check_signature(&key, manifest_bytes, &sig.signature) {
        valid = false;
        report.problems.push(problem(
            Some(SIGNATURE),
            None,
            format!("The signature is not valid: {why}."),
        ));
    }
    if let Some(m) = manifest {
        match &m.signer {
            Some(s) if s.public_key == sig.public_key => {}
            Some(s) => {
                valid = false;
                report.problems.push(problem(Some(SIGNATURE), None, format!("The manifest names the signer {} but the signature was made by {fingerprint}.", s.fingerprint)));
            }
            None => {
                valid = false;
                report.problems.push(problem(
                    Some(MANIFEST),
                    None,
                    "The manifest names no signer, yet the bundle carries a signature.".into(),
                ));
            }
        }
    }
    if let Some(e) = expected {
        if e.fingerprint != fingerprint {
            valid = false;
            report.problems.push(problem(
                Some(SIGNATURE),
                None,
                format!(
                    "The bundle was signed by {fingerprint}, not by the expected key {} ({}).",
                    e.fingerprint, e.text
                ),
            ));
        }
    }
    report.signature.valid = valid;
    if valid {
        report.checked.push(format!(
            "The manifest's ed25519 signature is valid; signer {fingerprint}{}.",
            if expected.is_some() {
                " (the expected key)"
            } else {
                ""
            }
        ));
    }
}

/// The salt keys a bundle carries (none: an empty set).
fn read_salt_keys(
    archive: &mut zip::ZipArchive<BufReader<File>>,
) -> std::result::Result<super::disclosure::SaltKeys, String> {
    if archive.index_for_name(SALT_KEYS).is_none() {
        return Ok(Default::default());
    }
    let bytes = read_entry(archive, SALT_KEYS)?;
    super::disclosure::SaltKeys::parse(&bytes)
        .map_err(|why| format!("The salt keys cannot be read: {why}."))
}

fn read_entry(
    archive: &mut zip::ZipArchive<BufReader<File>>,
    name: &str,
) -> std::result::Result<Vec<u8>, String> {
    let entry = archive
        .by_name(name)
        .map_err(|_| format!("The bundle has no {name}."))?;
    super::safety::read_capped(entry, name, super::safety::MAX_SMALL_FILE)
}

struct Digest32 {
    sha256: [u8; 32],
    crc32: u32,
    size: u64,
}

/// The Merkle tree over lines, fed chunk by chunk.
#[derive(Default)]
struct LineTree {
    root: RootBuilder,
    carry: Vec<u8>,
    /// Why the compressed lines stopped decompressing, if they did.
    broken: Option<String>,
    /// Lines are disclosure lines whose leaf is made from their fields' commitments (format 2):
    /// hashed on a thread of their own, a batch at a time in parallel, while the next batch is
    /// decompressed. Otherwise a leaf hashes the whole line, here.
    hasher: Option<Hasher>,
    /// Complete lines waiting to be hashed.
    batch: Vec<u8>,
    ends: Vec<usize>,
    lines: u64,
    /// Lines that are not disclosure lines: (line number, why), the first few.
    bad: Vec<(u64, String)>,
    bad_count: u64,
    tally: super::disclosure::Tally,
}

/// The thread hashing disclosure lines, and where it gets them.
struct Hasher {
    batches: std::sync::mpsc::SyncSender<(Vec<u8>, Vec<usize>)>,
    done: std::thread::JoinHandle<LineTree>,
}

/// Lines hashed together in parallel.
const LINE_BATCH: usize = 4096;

impl LineTree {
    fn per_field(keys: super::disclosure::SaltKeys) -> LineTree {
        let (batches, rx) = std::sync::mpsc::sync_channel::<(Vec<u8>, Vec<usize>)>(2);
        let done = std::thread::spawn(move || {
            let mut tree = LineTree::default();
            for (batch, ends) in rx {
                tree.hash_batch(&batch, &ends, &keys);
            }
            tree
        });
        LineTree {
            hasher: Some(Hasher { batches, done }),
            ..Default::default()
        }
    }

    fn line(&mut self, line: &[u8]) {
        if self.hasher.is_some() {
            self.batch.extend_from_slice(line);
            self.ends.push(self.batch.len());
            if self.ends.len() >= LINE_BATCH {
                self.send_batch();
            }
        } else {
            self.lines += 1;
            self.root.push_leaf(merkle::leaf_hash(line));
        }
    }

    fn send_batch(&mut self) {
        let capacity = self.batch.capacity();
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(capacity));
        let ends = std::mem::replace(&mut self.ends, Vec::with_capacity(LINE_BATCH));
        if let Some(h) = &self.hasher {
            // A hasher gone has panicked: finish() says so.
            let _ = h.batches.send((batch, ends));
        }
    }

    fn hash_batch(&mut self, batch: &[u8], ends: &[usize], keys: &super::disclosure::SaltKeys) {
        use rayon::prelude::*;
        let mut lines = Vec::with_capacity(ends.len());
        let mut start = 0;
        for &end in ends {
            lines.push(&batch[start..end]);
            start = end;
        }
        let hashed: Vec<(Vec<std::result::Result<merkle::Hash, String>>, _)> = lines
            .par_chunks(256)
            .map(|chunk| {
                let mut tally = super::disclosure::Tally::default();
                let leaves = chunk
                    .iter()
                    .map(|l| super::disclosure::leaf_of_line(l, keys, &mut tally))
                    .collect();
                (leaves, tally)
            })
            .collect();
        let mut i = 0;
        for (leaves, tally) in hashed {
            self.tally.merge(tally);
            for leaf in leaves {
                self.lines += 1;
                match leaf {
                    Ok(leaf) => self.root.push_leaf(leaf),
                    Err(why) => {
                        self.bad_count += 1;
                        if self.bad.len() < MAX_EVENT_PROBLEMS {
                            self.bad.push((self.lines, why));
                        }
                        // Not a leaf of any signed tree: the root will not match.
                        self.root.push_leaf(merkle::leaf_hash(lines[i]));
                    }
                }
                i += 1;
            }
        }
    }

    fn feed(&mut self, mut chunk: &[u8]) {
        while let Some(i) = memchr::memchr(b'\n', chunk) {
            if self.carry.is_empty() {
                self.line(&chunk[..i]);
            } else {
                let mut carry = std::mem::take(&mut self.carry);
                carry.extend_from_slice(&chunk[..i]);
                self.line(&carry);
                carry.clear();
                self.carry = carry;
            }
            chunk = &chunk[i + 1..];
        }
        self.carry.extend_from_slice(chunk);
    }

    fn finish(&mut self) {
        if !self.carry.is_empty() {
            let last = std::mem::take(&mut self.carry);
            self.line(&last);
        }
        if !self.ends.is_empty() {
            self.send_batch();
        }
        if let Some(Hasher { batches, done }) = self.hasher.take() {
            drop(batches);
            let hashed = done.join().expect("the hashing thread does not panic");
            self.root = hashed.root;
            self.lines = hashed.lines;
            self.bad = hashed.bad;
            self.bad_count = hashed.bad_count;
            self.tally = hashed.tally;
        }
    }
}

/// Where an entry's bytes go to be cut into lines.
enum Lines<'a> {
    None,
    Plain(&'a mut LineTree),
    Zstd(zstd::stream::write::Decoder<'static, TreeSink<'a>>),
}

/// Decompressed lines into the tree.
struct TreeSink<'a>(&'a mut LineTree);

impl Write for TreeSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.feed(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Hashes an entry, reading at most one byte more than the manifest says it holds (a manifest that
/// lies, or an entry that keeps expanding, stops there).
fn digest_entry(
    archive: &mut zip::ZipArchive<BufReader<File>>,
    name: &str,
    limit: u64,
    lines: Option<&mut LineTree>,
    tick: &dyn Fn(u64),
) -> std::result::Result<Digest32, String> {
    let mut entry = archive
        .by_name(name)
        .map_err(|e| e.to_string())?
        .take(limit + 1);
    let mut hasher = Sha256::new();
    let mut crc = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    // The digests are of the entry as stored; the lines, of what it decompresses to.
    let mut sink = match lines {
        None => Lines::None,
        Some(t) if name.ends_with(".zst") => {
            Lines::Zstd(zstd::stream::write::Decoder::new(TreeSink(t)).map_err(|e| e.to_string())?)
        }
        Some(t) => Lines::Plain(t),
    };
    loop {
        let n = entry.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        crc.update(&buf[..n]);
        match &mut sink {
            Lines::None => {}
            Lines::Plain(t) => t.feed(&buf[..n]),
            Lines::Zstd(d) => {
                if d.get_ref().0.broken.is_none() {
                    if let Err(e) = d.write_all(&buf[..n]) {
                        d.get_mut().0.broken = Some(e.to_string());
                    }
                }
            }
        }
        size += n as u64;
        tick(n as u64);
    }
    match sink {
        Lines::None => {}
        Lines::Plain(t) => t.finish(),
        Lines::Zstd(mut d) => {
            let flushed = d.flush();
            let t = d.into_inner().0;
            if let (Err(e), None) = (flushed, &t.broken) {
                t.broken = Some(e.to_string());
            }
            t.finish();
        }
    }
    if size > limit {
        return Err(format!(
            "it holds more than the {limit} bytes the manifest gives (reading stopped there)"
        ));
    }
    Ok(Digest32 {
        sha256: hasher.finalize().into(),
        crc32: crc.finalize(),
        size,
    })
}

/// The event lines of a bundle, decompressed (bundles made before compression hold them plain).
fn event_lines<'a>(
    archive: &'a mut zip::ZipArchive<BufReader<File>>,
) -> std::result::Result<Box<dyn Read + 'a>, String> {
    if archive.index_for_name(EVENTS_JSONL_ZST).is_some() {
        let entry = archive
            .by_name(EVENTS_JSONL_ZST)
            .map_err(|e| e.to_string())?;
        return Ok(Box::new(
            zstd::stream::read::Decoder::new(entry).map_err(|e| e.to_string())?,
        ));
    }
    Ok(Box::new(
        archive.by_name(EVENTS_JSONL).map_err(|e| e.to_string())?,
    ))
}

/// Says which events differ from the signed ones, using the Parquet copy (when intact) as the
/// reference of what was signed.
fn diagnose_events(
    path: &Path,
    reference_ok: bool,
    file: &str,
    per_field: Option<&super::disclosure::SaltKeys>,
) -> Result<Vec<Problem>> {
    let mut archive = zip::ZipArchive::new(BufReader::new(File::open(path)?))
        .map_err(super::export::zip_error)?;
    let mut actual: Vec<(Option<String>, merkle::Hash)> = Vec::new();
    let mut problems = Vec::new();
    {
        let Ok(entry) = event_lines(&mut archive) else {
            return Ok(problems);
        };
        let mut reader = std::io::BufReader::new(entry);
        let mut line = Vec::new();
        let mut n = 0usize;
        loop {
            line.clear();
            match std::io::BufRead::read_until(&mut reader, b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(_) => break,
            }
            n += 1;
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            #[derive(serde::Deserialize)]
            struct Id {
                event_id: String,
            }
            let (id, leaf) = if let Some(keys) = per_field {
                // A line that cannot be read is reported by verify; here it is only not found.
                let parsed = super::disclosure::Line::parse(&line).ok();
                let leaf = parsed.as_ref().and_then(|l| l.leaf(keys).ok());
                (
                    parsed.and_then(|l| l.event_id()),
                    leaf.unwrap_or_else(|| merkle::leaf_hash(&line)),
                )
            } else {
                let id = serde_json::from_slice::<Id>(&line).ok().map(|i| i.event_id);
                if id.is_none() && problems.len() < MAX_EVENT_PROBLEMS {
                    problems.push(problem(
                        Some(file),
                        None,
                        format!("Line {n} is not a JSON event."),
                    ));
                }
                (id, merkle::leaf_hash(&line))
            };
            actual.push((id, leaf));
        }
    }
    if !reference_ok {
        problems.push(problem(Some(file), None, "Which events were changed cannot be told: the Parquet copy the signed hashes are read from was altered too.".into()));
        return Ok(problems);
    }
    let dir = tempfile_dir()?;
    let parquet = dir.join("events.parquet");
    {
        let mut entry = archive
            .by_name(EVENTS_PARQUET)
            .map_err(super::export::zip_error)?;
        let mut out = File::create(&parquet)?;
        std::io::copy(&mut entry, &mut out)?;
    }
    // Signed or not, the Parquet copy is a stranger's file: read away from this process first.
    if let Some(why) = crate::ingest::parquet::why_unreadable(&parquet)? {
        let _ = std::fs::remove_dir_all(&dir);
        problems.push(problem(
            Some(EVENTS_PARQUET),
            None,
            format!("The Parquet copy of the events cannot be read ({why}), so which events were changed cannot be told."),
        ));
        return Ok(problems);
    }
    let conn = crate::store::open_scratch_in_memory()?;
    let mut stmt = conn.prepare("SELECT event_id, event_hash FROM read_parquet(?) ORDER BY seq")?;
    let reference: Vec<(String, String)> = stmt
        .query_map([parquet.to_string_lossy()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    let _ = std::fs::remove_dir_all(&dir);
    problems.extend(compare_events(&reference, &actual, file));
    Ok(problems)
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "casefile-verify-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Compares the signed events (id, leaf hex) with the lines found: removed, inserted, edited, moved.
fn compare_events(
    reference: &[(String, String)],
    actual: &[(Option<String>, merkle::Hash)],
    file: &str,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut more = 0usize;
    let mut push = |p: Problem| {
        if problems.len() < MAX_EVENT_PROBLEMS {
            problems.push(p);
        } else {
            more += 1;
        }
    };
    let position: HashMap<&str, usize> = reference
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    let found: HashSet<&str> = actual.iter().filter_map(|(id, _)| id.as_deref()).collect();
    for (id, _) in reference {
        if !found.contains(id.as_str()) {
            push(problem(
                Some(file),
                Some(id.clone()),
                format!("Event {id} was removed."),
            ));
        }
    }
    let mut last_position: Option<usize> = None;
    for (id, leaf) in actual {
        let Some(id) = id else { continue };
        match position.get(id.as_str()) {
            None => push(problem(
                Some(file),
                Some(id.clone()),
                format!("Event {id} is not one of the signed events: it was inserted."),
            )),
            Some(&i) => {
                if reference[i].1 != hex::encode(leaf) {
                    push(problem(
                        Some(file),
                        Some(id.clone()),
                        format!("Event {id} was edited: its content differs from the signed one."),
                    ));
                }
                if last_position.is_some_and(|l| i < l) {
                    push(problem(
                        Some(file),
                        Some(id.clone()),
                        format!("Event {id} is out of its signed order: it was moved."),
                    ));
                }
                last_position = Some(last_position.map_or(i, |l| l.max(i)));
            }
        }
    }
    if more > 0 {
        problems.push(problem(
            Some(file),
            None,
            format!("… and {more} more events differ from the signed ones."),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signed bundle of a one-event case (a flip in an event costs a look at the Parquet copy
    /// from another process), its bytes, and where it lies.
    fn small_signed_bundle(dir: &Path) -> (std::path::PathBuf, Vec<u8>) {
        let lines: Vec<String> = (1..=1)
            .map(|i| {
                serde_json::json!({"event_id": format!("e{i}"), "stream_id": "s", "stream_type": "T",
                    "event_type": "Changed", "stream_version": i,
                    "occurred_at": format!("2024-01-0{i}T00:00:00Z"),
                    "recorded_at": format!("2024-01-0{i}T00:00:01Z"), "payload": {"n": i}})
                .to_string()
            })
            .collect();
        let case = crate::case_of_lines(dir, &lines);
        let key = dir.join("signer.key");
        std::fs::write(
            &key,
            format!(
                "casefile-ed25519-secret-key {}\n",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [7u8; 32])
            ),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let out = dir.join("small.casebundle");
        let req = crate::bundle::BundleRequest {
            out: out.to_string_lossy().into_owned(),
            sign: Some(key.to_string_lossy().into_owned()),
            ..Default::default()
        };
        case.bundle_export(&req, &Job::quiet(crate::job::JobKind::BundleExport))
            .unwrap();
        let bytes = std::fs::read(&out).unwrap();
        (out, bytes)
    }

    #[test]
    fn a_bit_flipped_at_any_offset_of_a_signed_bundle_fails_verification() {
        let dir = tempfile::tempdir().unwrap();
        let (bundle, bytes) = small_signed_bundle(dir.path());
        let job = Job::quiet(crate::job::JobKind::BundleVerify);
        let opts = VerifyOptions::default();
        let clean = verify(&bundle, &opts, &job).unwrap();
        assert!(clean.ok, "{:?}", clean.problems);
        assert!(
            clean
                .checked
                .iter()
                .any(|c| c.starts_with("Every byte of the container")),
            "{:?}",
            clean.checked
        );
        let flipped = dir.path().join("flipped.casebundle");
        let mut missed = Vec::new();
        for at in 0..bytes.len() {
            let mut b = bytes.clone();
            b[at] ^= 0x01;
            std::fs::write(&flipped, &b).unwrap();
            if let Ok(r) = verify(&flipped, &opts, &job) {
                if r.ok {
                    missed.push(at);
                }
            }
        }
        assert!(
            missed.is_empty(),
            "flips not caught at offsets {missed:?} of {}",
            bytes.len()
        );
        // The one offset the old container let through: the first local header's date.
        let mut dated = bytes.clone();
        dated[12] ^= 0x01;
        std::fs::write(&flipped, &dated).unwrap();
        let r = verify(&flipped, &opts, &job).unwrap();
        assert!(
            r.problems
                .iter()
                .any(|p| p.message.contains("byte 12 of the file, in the local header of events/events.jsonl.zst (its modification date)")),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn compare_names_removed_inserted_edited_and_moved_events() {
        let leaf = |s: &str| merkle::leaf_hash(s.as_bytes());
        let reference: Vec<(String, String)> = ["a", "b", "c", "d"]
            .iter()
            .map(|id| (id.to_string(), hex::encode(leaf(id))))
            .collect();
        let actual = vec![
            (Some("a".to_string()), leaf("a")),
            (Some("d".to_string()), leaf("d")),
            (Some("c".to_string()), leaf("c edited")),
            (Some("x".to_string()), leaf("x")),
        ];
        let messages: Vec<String> = compare_events(&reference, &actual, EVENTS_JSONL_ZST)
            .into_iter()
            .map(|p| p.message)
            .collect();
        assert_eq!(
            messages,
            vec![
                "Event b was removed.",
                "Event c was edited: its content differs from the signed one.",
                "Event c is out of its signed order: it was moved.",
                "Event x is not one of the signed events: it was inserted.",
            ]
        );
    }
}
