//! `casefile bundle export|verify` and `casefile keys new`: parse, call the facade, print.

use std::path::PathBuf;

use casefile::{BundleRequest, Error, JobKind, VerifyOptions};
use clap::Subcommand;

use super::render::print;
use super::Exit;

#[derive(clap::Args)]
pub(super) struct BundleArgs {
    #[command(subcommand)]
    what: BundleCommand,
}

#[derive(clap::Args)]
pub(super) struct KeysArgs {
    #[command(subcommand)]
    what: KeysCommand,
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Write a case bundle (.casebundle): the scope's events as JSONL and Parquet, custody, notes,
    /// findings, rules and reports under a manifest with every file's SHA-256 and the events'
    /// Merkle root; redacted before hashing when a profile is given; signed when a key is given.
    Export {
        case: PathBuf,
        out: PathBuf,
        /// Only these streams (comma-separated).
        #[arg(long, value_delimiter = ',')]
        streams: Option<Vec<String>>,
        /// Only these decisions, with what explains them (comma-separated decision ids).
        #[arg(long, value_delimiter = ',')]
        decisions: Option<Vec<String>>,
        /// Window start (RFC 3339) on --axis.
        #[arg(long)]
        from: Option<String>,
        /// Window end (RFC 3339) on --axis.
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value = "recorded")]
        axis: super::args::AxisArg,
        /// A redaction profile (TOML): payload paths to drop or pseudonymize.
        #[arg(long)]
        redact: Option<PathBuf>,
        /// Sign with this key (a name from `casefile keys new`, or a .key file).
        #[arg(long)]
        sign: Option<String>,
        /// A report made earlier (drift HTML, ...) to carry in the bundle; repeatable.
        #[arg(long)]
        attach: Vec<PathBuf>,
    },
    /// Check a bundle offline: its signature, every file's size and SHA-256, files added or
    /// removed, and the Merkle root over its events. Exit 1 when anything is wrong.
    Verify {
        bundle: PathBuf,
        /// The key that must have signed it: a .pub file, a key name, a base64 public key or a
        /// SHA256: fingerprint.
        #[arg(long)]
        key: Option<String>,
        /// Accept an unsigned bundle (its files are still checked against its manifest).
        #[arg(long)]
        allow_unsigned: bool,
    },
    /// Prove that one event belongs to a bundle: its canonical line, its index and the RFC 6962
    /// audit path to the manifest's Merkle root (checked here; anyone can check it again).
    Prove { bundle: PathBuf, event_id: String },
    /// Reveal fields of one event that a redacted bundle withholds: from a bundle that discloses
    /// them (the full one), write the event with only those fields and its id disclosed (value and salt) and
    /// its audit path. With --check FILE, check such a file against a bundle (which may withhold
    /// the fields): the values are the ones its signed root commits to. Exit 1 when they are not.
    Reveal {
        bundle: PathBuf,
        /// The event whose fields to reveal.
        #[arg(required_unless_present = "check")]
        event_id: Option<String>,
        /// A field to reveal, as payload.name or /payload/name (an object reveals what is in it);
        /// repeatable.
        #[arg(long = "field", required_unless_present = "check")]
        fields: Vec<String>,
        /// Write the revealed event here (otherwise it is printed).
        #[arg(long, conflicts_with = "check")]
        out: Option<PathBuf>,
        /// Check revealed fields made earlier against BUNDLE instead.
        #[arg(long, conflicts_with_all = ["event_id", "fields"])]
        check: Option<PathBuf>,
        /// With --check: the key that must have signed the bundle.
        #[arg(long, requires = "check")]
        key: Option<String>,
        /// With --check: accept an unsigned bundle.
        #[arg(long, requires = "check")]
        allow_unsigned: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create an ed25519 signing key in the user's config dir (the secret readable only by you).
    New {
        #[arg(default_value = "investigator")]
        name: String,
    },
}

fn path_text(p: PathBuf) -> String {
    p.to_string_lossy().into_owned()
}

pub(super) fn run(json: bool, args: BundleArgs) -> Result<Exit, Error> {
    let mut exit = Exit::Done;
    match args.what {
        BundleCommand::Export {
            case,
            out,
            streams,
            decisions,
            from,
            to,
            axis,
            redact,
            sign,
            attach,
        } => {
            let case = super::open(&case)?;
            let req = BundleRequest {
                out: path_text(out),
                streams,
                decisions,
                from,
                to,
                axis: Some(axis.into()),
                redact: redact.map(path_text),
                sign,
                attach: attach.into_iter().map(path_text).collect(),
            };
            let report =
                super::jobs::run(JobKind::BundleExport, |job| case.bundle_export(&req, job))?;
            print(json, &report, |r| {
                let mut s = format!(
                    "Wrote {} ({} bytes): {} events from {} streams, {} files.\nMerkle root {}\n",
                    r.path,
                    r.size_bytes,
                    r.events,
                    r.scope.stream_count,
                    r.files.len(),
                    r.merkle_root
                );
                s += &match &r.signed_by {
                    Some(fp) => format!("Signed by {fp}\n"),
                    None => "Not signed (give --sign KEY to sign)\n".into(),
                };
                let c = &r.redaction.counts;
                s += &format!(
                    "Redaction `{}`: {} values dropped, {} pseudonymized, {} erased ({} erased subjects)\n",
                    r.redaction.profile,
                    c.values_dropped,
                    c.values_pseudonymized,
                    c.values_erased,
                    r.redaction.erasures.len()
                );
                s
            });
        }
        BundleCommand::Prove { bundle, event_id } => {
            let proof = casefile::prove_bundle_event(&bundle, &event_id)?;
            exit = Exit::checked(proof.valid);
            print(json, &proof, |p| {
                let mut s = format!(
                    "Event {} is leaf {} of {}; leaf hash {}\n{}\nAudit path ({} hashes, leaf upwards):\n",
                    p.event_id,
                    p.index,
                    p.tree_size,
                    p.leaf_hash,
                    p.line,
                    p.audit_path.len()
                );
                for h in &p.audit_path {
                    s += &format!("  {h}\n");
                }
                if !p.fields.is_empty() {
                    s += "Fields (each committed by its salted SHA-256):\n";
                    for f in &p.fields {
                        s += &format!(
                            "  {:<13} {}{}\n",
                            f.state.key(),
                            f.pointer,
                            f.value
                                .as_deref()
                                .map(|v| format!(" = {v}"))
                                .unwrap_or_default()
                        );
                    }
                }
                s += &format!(
                    "{} the manifest's Merkle root {}\n",
                    if p.valid {
                        "It leads to"
                    } else {
                        "It does NOT lead to"
                    },
                    p.merkle_root
                );
                s
            });
        }
        BundleCommand::Reveal {
            bundle,
            event_id,
            fields,
            out,
            check,
            key,
            allow_unsigned,
        } => {
            if let Some(file) = check {
                let opts = VerifyOptions {
                    expected_key: key,
                    allow_unsigned,
                };
                let report = super::jobs::run(JobKind::BundleVerify, |job| {
                    casefile::check_revealed_fields(&bundle, &file, &opts, job)
                })?;
                exit = Exit::checked(report.ok);
                print(json, &report, |r| {
                    let mut s = if r.ok {
                        format!(
                            "OK: event {} really had these values: the signed root {} of {} commits to them{}.\n",
                            r.event_id,
                            r.merkle_root,
                            bundle.display(),
                            r.signer.as_deref().map(|f| format!(" (signed by {f})")).unwrap_or_default()
                        )
                    } else {
                        format!(
                            "FAILED: the revealed fields of event {} are not proven ({} problems).\n",
                            r.event_id,
                            r.problems.len()
                        )
                    };
                    for f in &r.revealed {
                        s += &format!(
                            "  {} = {} ({} in the bundle)\n",
                            f.pointer,
                            f.value,
                            f.in_bundle.key()
                        );
                    }
                    for p in &r.problems {
                        s += &format!("  problem: {p}\n");
                    }
                    s
                });
            } else {
                let event_id = event_id.expect("clap requires it without --check");
                let proof = casefile::reveal_bundle_fields(&bundle, &event_id, &fields)?;
                exit = Exit::checked(proof.valid);
                match out {
                    Some(out) => {
                        let text =
                            serde_json::to_string_pretty(&proof).expect("a proof serializes");
                        std::fs::write(&out, text + "\n").map_err(|e| Error::BadArgument {
                            message: format!("Cannot write {}: {e}.", out.display()),
                        })?;
                        print(json, &proof, |p| {
                            format!(
                                "Wrote {}: event {} with {} revealed ({} fields withheld), leaf {} of {} under the root {}.\nWhoever holds the bundle checks it with `casefile bundle reveal BUNDLE --check {}`.\n",
                                out.display(),
                                p.event_id,
                                p.fields.iter().filter(|f| f.state == casefile::bundle::disclosure::FieldState::Disclosed).map(|f| f.pointer.as_str()).collect::<Vec<_>>().join(", "),
                                p.fields.iter().filter(|f| f.state != casefile::bundle::disclosure::FieldState::Disclosed).count(),
                                p.index,
                                p.tree_size,
                                p.merkle_root,
                                out.display()
                            )
                        });
                    }
                    None => print(true, &proof, |_| String::new()),
                }
            }
        }
        BundleCommand::Verify {
            bundle,
            key,
            allow_unsigned,
        } => {
            let opts = VerifyOptions {
                expected_key: key,
                allow_unsigned,
            };
            let report = super::jobs::run(JobKind::BundleVerify, |job| {
                casefile::verify_bundle(&bundle, &opts, job)
            })?;
            exit = Exit::checked(report.ok);
            print(json, &report, |r| {
                let mut s = if r.ok {
                    format!("OK: {} verifies.\n", r.path)
                } else {
                    format!(
                        "FAILED: {} does not verify ({} problems).\n",
                        r.path,
                        r.problems.len()
                    )
                };
                for c in &r.checked {
                    s += &format!("  checked: {c}\n");
                }
                for p in &r.problems {
                    s += &format!(
                        "  problem: {}{}{}\n",
                        p.file
                            .as_deref()
                            .map(|f| format!("[{f}] "))
                            .unwrap_or_default(),
                        p.event_id
                            .as_deref()
                            .map(|e| format!("(event {e}) "))
                            .unwrap_or_default(),
                        p.message
                    );
                }
                s
            });
        }
    }
    Ok(exit)
}

pub(super) fn keys(json: bool, args: KeysArgs) -> Result<Exit, Error> {
    match args.what {
        KeysCommand::New { name } => {
            let key = casefile::new_key(&name)?;
            print(json, &key, |k| {
                format!(
                    "Created the key `{}`.\n  secret: {} (readable only by you)\n  public: {}\n  fingerprint: {}\nSign with `casefile bundle export CASE OUT.casebundle --sign {}`; give {} to whoever verifies.\n",
                    k.name, k.path, k.public_key_path, k.fingerprint, k.name, k.public_key_path
                )
            });
        }
    }
    Ok(Exit::Done)
}
