//! `casefile bundle` and `keys`: a redacted, signed bundle of the samples verifies, anywhere and after
//! a copy; every kind of tampering is caught and named (a flipped byte in each file, raw or with the
//! zip made consistent again; events removed, inserted, moved, edited; the manifest edited; the
//! signature swapped or truncated; another key; files added or removed); the bundle opens read-only.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha2::Digest;

use crate::common::*;

/// Runs the CLI with its key and cache folders inside `dir`.
fn cf(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env("CASEFILE_CONFIG_DIR", dir.join("config"))
        .env("CASEFILE_CACHE_DIR", dir.join("cache"))
        .output()
        .expect("casefile runs")
}

fn cf_json(dir: &Path, code: i32, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.insert(1, "--json");
    let out = cf(dir, &all);
    assert_eq!(
        out.status.code(),
        Some(code),
        "casefile {args:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// The bundle's event lines, zstd-compressed.
const LINES: &str = "events/events.jsonl.zst";

const PROFILE: &str = r#"
name = "regulator"
drop = ["payload.city"]
pseudonymize = ["stream_id", "payload.name"]
"#;

struct Fixture {
    dir: tempfile::TempDir,
    case: PathBuf,
    bundle: PathBuf,
    export: Value,
}

impl Fixture {
    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn verify(&self, bundle: &Path, code: i32) -> Value {
        let key = self.path().join("config/keys/alice.pub");
        cf_json(
            self.path(),
            code,
            &["bundle", "verify", s(bundle), "--key", s(&key)],
        )
    }
}

fn fixture() -> Fixture {
    let dir = tmp();
    let case = dir.path().join("case.casefile");
    let mut args = vec!["import".to_string(), s(&case).to_string()];
    args.extend(scenario_files(&["lending", "rag"]));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    cf_json(dir.path(), 0, &refs);
    cf_json(
        dir.path(),
        0,
        &[
            "note",
            s(&case),
            "--stream",
            "applicant-0018",
            "Erased after the decline; see DSR-2291.",
        ],
    );
    let key = cf_json(dir.path(), 0, &["keys", "new", "alice"]);
    assert!(key["fingerprint"].as_str().unwrap().starts_with("SHA256:"));
    let profile = dir.path().join("regulator.toml");
    std::fs::write(&profile, PROFILE).unwrap();
    let bundle = dir.path().join("evidence.casebundle");
    let export = cf_json(
        dir.path(),
        0,
        &[
            "bundle",
            "export",
            s(&case),
            s(&bundle),
            "--redact",
            s(&profile),
            "--sign",
            "alice",
        ],
    );
    Fixture {
        dir,
        case,
        bundle,
        export,
    }
}

/// Every entry of a zip, in order.
fn entries(bundle: &Path) -> Vec<(String, Vec<u8>)> {
    let mut a = zip::ZipArchive::new(std::fs::File::open(bundle).unwrap()).unwrap();
    (0..a.len())
        .map(|i| {
            let mut f = a.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().unwrap().to_string(), bytes)
        })
        .collect()
}

/// A consistent zip (fresh CRCs) of `files`: tampering a careful forger would do.
fn write_zip(path: &Path, files: &[(String, Vec<u8>)]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in files {
        z.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

fn rewrite(f: &Fixture, name: &str, change: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) -> PathBuf {
    let mut files = entries(&f.bundle);
    change(&mut files);
    let out = f.path().join(format!("{name}.casebundle"));
    write_zip(&out, &files);
    out
}

fn problems(report: &Value) -> Vec<(String, String, String)> {
    assert_eq!(report["ok"], false, "{report:#}");
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["file"].as_str().unwrap_or("").to_string(),
                p["event_id"].as_str().unwrap_or("").to_string(),
                p["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| l.to_vec())
        .collect()
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

/// An event line's Merkle leaf, computed as ARCHITECTURE.md ("Case bundles") writes the
/// construction, apart from Casefile's code: each field's salted commitment (computed from value
/// and salt where disclosed, given where not), then the leaf over them by pointer.
fn leaf_of_line(line: &str) -> [u8; 32] {
    let h = |parts: &[&[u8]]| -> [u8; 32] {
        let mut d = sha2::Sha256::new();
        for p in parts {
            d.update(p);
        }
        d.finalize().into()
    };
    let len = |b: &[u8]| (b.len() as u32).to_be_bytes();
    // A proof's line carries every disclosed field's salt.
    let v: Value = serde_json::from_str(line).unwrap();
    let mut fields: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for (p, text) in v["disclosed"].as_object().unwrap() {
        let salt = hex::decode(v["salts"][p].as_str().unwrap()).unwrap();
        let p = p.as_bytes();
        let c = h(&[b"C", &salt, &len(p), p, text.as_str().unwrap().as_bytes()]);
        fields.push((p.to_vec(), c.to_vec()));
    }
    for state in ["withheld", "pseudonymized", "erased"] {
        if let Some(map) = v[state].as_object() {
            for (p, c) in map {
                fields.push((
                    p.as_bytes().to_vec(),
                    hex::decode(c.as_str().unwrap()).unwrap(),
                ));
            }
        }
    }
    fields.sort();
    let mut data = b"E".to_vec();
    data.extend((fields.len() as u32).to_be_bytes());
    for (p, c) in &fields {
        data.extend(len(p));
        data.extend(p);
        data.extend(c);
    }
    h(&[&[0u8], &data])
}

/// A disclosed field of a bundle line (its JSON text, read as JSON).
fn disclosed(line: &[u8], pointer: &str) -> Value {
    let text = serde_json::from_slice::<Value>(line).unwrap()["disclosed"][pointer]
        .as_str()
        .unwrap()
        .to_string();
    serde_json::from_str(&text).unwrap()
}

fn event_id(line: &[u8]) -> String {
    disclosed(line, "/event_id").as_str().unwrap().to_string()
}

/// The event lines of a bundle's entries, decompressed.
fn event_lines_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let events = files.iter().find(|(n, _)| n == LINES).unwrap();
    zstd::decode_all(&events.1[..]).unwrap()
}

/// Changes the event lines, compressed again (as one plain zstd frame: any decoder reads it).
fn set_events(files: &mut [(String, Vec<u8>)], change: impl FnOnce(&mut Vec<Vec<u8>>)) {
    let mut l = lines(&event_lines_of(files));
    change(&mut l);
    let events = files.iter_mut().find(|(n, _)| n == LINES).unwrap();
    events.1 = zstd::encode_all(&join(&l)[..], 3).unwrap();
}

#[test]
fn bundle_export_redacts_signs_and_verifies_anywhere_and_after_a_copy() {
    let f = fixture();
    let e = &f.export;
    for key in ["path", "events", "files", "merkle_root", "signed_by"] {
        assert!(!e[key].is_null(), "{key} missing in {e:#}");
    }
    let events = e["events"].as_u64().unwrap();
    let in_case = json(&["info", s(&f.case)])["events"].as_u64().unwrap();
    assert_eq!(events, in_case, "the whole case is exported");

    let ok = f.verify(&f.bundle, 0);
    assert_eq!(ok["ok"], true);
    assert_eq!(ok["merkle_root"], e["merkle_root"]);
    assert_eq!(ok["signature"]["valid"], true);
    assert_eq!(ok["signature"]["signer"], e["signed_by"]);
    assert_eq!(ok["problems"], serde_json::json!([]));

    // Another folder, another name, a byte-for-byte copy.
    let elsewhere = tmp();
    let copy = elsewhere.path().join("copy of evidence.casebundle");
    std::fs::copy(&f.bundle, &copy).unwrap();
    assert_eq!(sha256_of(&copy), sha256_of(&f.bundle));
    assert_eq!(f.verify(&copy, 0)["ok"], true);

    // Redaction happened before hashing: no real name, city or stream id in the events.
    let files = entries(&f.bundle);
    let text = String::from_utf8(event_lines_of(&files)).unwrap();
    // A dropped field is there only as its commitment (pointer and hash), never its value.
    assert!(
        text.contains("\"/payload/city\":\""),
        "withheld with a commitment"
    );
    assert!(
        !text.contains("\"/payload/city\":\"\\\""),
        "its value is nowhere"
    );
    assert!(!text.contains("applicant-0018") && !text.contains("Applicant 18"));
    // The erased subject (the lending sample's GDPR erasure) reads as erased, not pseudonymized.
    let erased: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("\"erased\":{"))
        .collect();
    assert!(
        !erased.is_empty(),
        "the erased subject's name shows as erased"
    );
    let manifest: Value =
        serde_json::from_slice(&files.iter().find(|(n, _)| n == "manifest.json").unwrap().1)
            .unwrap();
    let red = &manifest["redaction"];
    assert_eq!(red["profile"], "regulator");
    assert_eq!(red["erasures"].as_array().unwrap().len(), 1);
    assert!(red["pseudonym_secret"]
        .as_str()
        .unwrap()
        .contains("not in the bundle"));
    assert!(red["counts"]["values_dropped"].as_u64().unwrap() > 0);
    // The erased stream's id is the pseudonym its events carry.
    let pseudo = red["erasures"][0]["stream_id"].as_str().unwrap();
    assert!(erased.iter().all(|l| l.contains(pseudo)));
    // The note about that subject travels with it, under the pseudonym.
    let notes: Value =
        serde_json::from_slice(&files.iter().find(|(n, _)| n == "notes.json").unwrap().1).unwrap();
    assert_eq!(notes[0]["stream_id"], pseudo);
}

#[test]
fn bundle_verify_names_every_file_with_a_flipped_byte_raw_or_rezipped() {
    let f = fixture();
    let names: Vec<String> = entries(&f.bundle).into_iter().map(|(n, _)| n).collect();
    assert!(names.len() >= 8, "{names:?}");
    for name in &names {
        // Raw: one byte flipped in the archive, inside this file's data (bit rot, a careless edit).
        let raw = f.path().join("raw.casebundle");
        let mut bytes = std::fs::read(&f.bundle).unwrap();
        let (start, len) = {
            let mut a = zip::ZipArchive::new(std::fs::File::open(&f.bundle).unwrap()).unwrap();
            let e = a.by_name(name).unwrap();
            (e.data_start().unwrap(), e.compressed_size())
        };
        bytes[(start + len / 2) as usize] ^= 0x20;
        std::fs::write(&raw, &bytes).unwrap();
        let report = f.verify(&raw, 1);
        let found = problems(&report);
        let about_it = found.iter().any(|(file, _, _)| file == name)
            || (name == "manifest.json"
                && found.iter().any(|(file, _, _)| file == "signature.json"));
        assert!(about_it, "raw flip in {name}: {found:#?}");

        // Rezipped: the same flip with fresh checksums, so only Casefile's own digests can tell.
        let clean = rewrite(&f, "flipped", |files| {
            let entry = files.iter_mut().find(|(n, _)| n == name).unwrap();
            let mid = entry.1.len() / 2;
            entry.1[mid] ^= 0x01;
        });
        let found = problems(&f.verify(&clean, 1));
        let about_it = found.iter().any(|(file, _, _)| file == name)
            || (name == "manifest.json"
                && found
                    .iter()
                    .any(|(file, _, m)| file == "signature.json" && m.contains("signature")));
        assert!(about_it, "rezipped flip in {name}: {found:#?}");
    }
}

#[test]
fn bundle_verify_names_events_removed_inserted_moved_and_edited() {
    let f = fixture();
    let original = lines(&event_lines_of(&entries(&f.bundle)));
    let id = |i: usize| event_id(&original[i]);

    let removed = rewrite(&f, "removed", |files| {
        set_events(files, |l| {
            l.remove(10);
        })
    });
    let found = problems(&f.verify(&removed, 1));
    assert!(
        found.contains(&(
            LINES.into(),
            id(10),
            format!("Event {} was removed.", id(10))
        )),
        "{found:#?}"
    );

    let inserted = rewrite(&f, "inserted", |files| {
        set_events(files, |l| {
            let mut forged: Value = serde_json::from_slice(&l[5]).unwrap();
            forged["disclosed"]["/event_id"] = "\"forged-1\"".into();
            l.insert(6, serde_json::to_vec(&forged).unwrap());
        })
    });
    let found = problems(&f.verify(&inserted, 1));
    assert!(
        found
            .iter()
            .any(|(_, e, m)| e == "forged-1" && m.contains("inserted")),
        "{found:#?}"
    );

    let moved = rewrite(&f, "moved", |files| set_events(files, |l| l.swap(20, 21)));
    let found = problems(&f.verify(&moved, 1));
    assert!(
        found
            .iter()
            .any(|(_, e, m)| (e == &id(20) || e == &id(21)) && m.contains("moved")),
        "{found:#?}"
    );
    assert!(
        !found
            .iter()
            .any(|(_, _, m)| m.contains("edited") || m.contains("removed")),
        "a move is only a move: {found:#?}"
    );

    let edited = rewrite(&f, "edited", |files| {
        set_events(files, |l| {
            let mut v: Value = serde_json::from_slice(&l[30]).unwrap();
            v["disclosed"]["/occurred_at"] = "\"2020-01-01T00:00:00Z\"".into();
            l[30] = serde_json::to_vec(&v).unwrap();
        })
    });
    let found = problems(&f.verify(&edited, 1));
    assert!(
        found.contains(&(
            LINES.into(),
            id(30),
            format!(
                "Event {} was edited: its content differs from the signed one.",
                id(30)
            )
        )),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|(_, _, m)| m.contains("Merkle root")),
        "{found:#?}"
    );
}

#[test]
fn bundle_verify_catches_manifest_signature_key_and_file_set_tampering() {
    let f = fixture();
    // The manifest edited, even consistently with an edited event (a new digest and root).
    let forged = rewrite(&f, "manifest", |files| {
        let m = files
            .iter_mut()
            .find(|(n, _)| n == "manifest.json")
            .unwrap();
        let mut v: Value = serde_json::from_slice(&m.1).unwrap();
        v["created_by"] = "someone else".into();
        m.1 = serde_json::to_vec_pretty(&v).unwrap();
    });
    let found = problems(&f.verify(&forged, 1));
    assert!(
        found
            .iter()
            .any(|(file, _, m)| file == "signature.json"
                && m.contains("does not match the manifest")),
        "{found:#?}"
    );

    // A signature from another bundle by the same key.
    let other = f.path().join("other.casebundle");
    cf_json(
        f.path(),
        0,
        &[
            "bundle",
            "export",
            s(&f.case),
            s(&other),
            "--streams",
            "applicant-0001",
            "--sign",
            "alice",
        ],
    );
    let other_sig = entries(&other)
        .into_iter()
        .find(|(n, _)| n == "signature.json")
        .unwrap()
        .1;
    let swapped = rewrite(&f, "swapped", |files| {
        files
            .iter_mut()
            .find(|(n, _)| n == "signature.json")
            .unwrap()
            .1 = other_sig.clone();
    });
    let found = problems(&f.verify(&swapped, 1));
    assert!(
        found
            .iter()
            .any(|(_, _, m)| m.contains("signature is not valid")),
        "{found:#?}"
    );

    // A truncated signature.
    let truncated = rewrite(&f, "truncated", |files| {
        let sig = files
            .iter_mut()
            .find(|(n, _)| n == "signature.json")
            .unwrap();
        let mut v: Value = serde_json::from_slice(&sig.1).unwrap();
        let text = v["signature"].as_str().unwrap().to_string();
        v["signature"] = text[..40].to_string().into();
        sig.1 = serde_json::to_vec(&v).unwrap();
    });
    let found = problems(&f.verify(&truncated, 1));
    assert!(
        found.iter().any(|(_, _, m)| m.contains("signature")
            && (m.contains("bytes long") || m.contains("not base64"))),
        "{found:#?}"
    );

    // The signature removed: the manifest still names its signer.
    let unsigned = rewrite(&f, "unsigned", |files| {
        files.retain(|(n, _)| n != "signature.json")
    });
    let found = problems(&f.verify(&unsigned, 1));
    assert!(
        found
            .iter()
            .any(|(file, _, m)| file == "signature.json" && m.contains("removed")),
        "{found:#?}"
    );

    // The expected key is someone else's.
    cf_json(f.path(), 0, &["keys", "new", "bob"]);
    let bob = f.path().join("config/keys/bob.pub");
    let report = cf_json(
        f.path(),
        1,
        &["bundle", "verify", s(&f.bundle), "--key", s(&bob)],
    );
    let found = problems(&report);
    assert!(
        found
            .iter()
            .any(|(_, _, m)| m.contains("not by the expected key")),
        "{found:#?}"
    );
    assert_eq!(report["signature"]["valid"], false);
    // ... and bob re-signing alice's bundle does not make it alice's.
    let by_bob = f.path().join("bob.casebundle");
    cf_json(
        f.path(),
        0,
        &["bundle", "export", s(&f.case), s(&by_bob), "--sign", "bob"],
    );
    let found = problems(&f.verify(&by_bob, 1));
    assert!(
        found
            .iter()
            .any(|(_, _, m)| m.contains("not by the expected key")),
        "{found:#?}"
    );

    // A file added, a file removed.
    let added = rewrite(&f, "added", |files| {
        files.push(("reports/extra.html".into(), b"<p>planted</p>".to_vec()))
    });
    let found = problems(&f.verify(&added, 1));
    assert!(
        found.contains(&(
            "reports/extra.html".into(),
            String::new(),
            "This file is not in the manifest: it was added after the bundle was made.".into()
        )),
        "{found:#?}"
    );
    let removed = rewrite(&f, "file-removed", |files| {
        files.retain(|(n, _)| n != "custody/sources.json")
    });
    let found = problems(&f.verify(&removed, 1));
    assert!(
        found.contains(&(
            "custody/sources.json".into(),
            String::new(),
            "This file is in the manifest but not in the bundle: it was removed.".into()
        )),
        "{found:#?}"
    );

    // Not a zip at all.
    let junk = f.path().join("junk.casebundle");
    std::fs::write(&junk, b"not a bundle").unwrap();
    let found = problems(&f.verify(&junk, 1));
    assert!(
        found[0].2.contains("not a readable zip archive"),
        "{found:#?}"
    );
}

#[test]
fn bundle_opens_read_only_in_the_cli_and_explains_chosen_decisions() {
    let f = fixture();
    let info = cf_json(f.path(), 0, &["info", s(&f.bundle)]);
    assert_eq!(info["events"], f.export["events"]);
    assert!(info["bundle"]
        .as_str()
        .unwrap()
        .ends_with("evidence.casebundle"));
    let decisions = cf_json(f.path(), 0, &["decisions", s(&f.bundle), "--limit", "500"]);
    let in_case = json(&["decisions", s(&f.case), "--limit", "500"]);
    assert_eq!(
        decisions["decisions"].as_array().unwrap().len(),
        in_case["decisions"].as_array().unwrap().len()
    );
    let err = cf_json(f.path(), 2, &["note", s(&f.bundle), "a note"]);
    assert_eq!(err["error"]["code"], "read_only");
    let err = cf_json(
        f.path(),
        2,
        &[
            "import",
            s(&f.bundle),
            s(&samples().join("lending/applications.jsonl")),
        ],
    );
    assert_eq!(err["error"]["code"], "read_only");

    // A decisions bundle carries what explains them, and each explanation as HTML.
    let chosen = f.path().join("decision.casebundle");
    let drift = f.path().join("drift.html");
    std::fs::write(&drift, "<html>a drift report</html>").unwrap();
    let export = cf_json(
        f.path(),
        0,
        &[
            "bundle",
            "export",
            s(&f.case),
            s(&chosen),
            "--decisions",
            "dec-0005",
            "--sign",
            "alice",
            "--attach",
            s(&drift),
            "--attach",
            s(&drift),
        ],
    );
    assert!(export["events"].as_u64().unwrap() < f.export["events"].as_u64().unwrap());
    let files: Vec<String> = export["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        files.contains(&"reports/decisions/dec-0005.html".to_string()),
        "{files:?}"
    );
    for attached in ["reports/drift.html", "reports/drift-2.html"] {
        assert!(files.contains(&attached.to_string()), "{files:?}");
    }
    assert_eq!(f.verify(&chosen, 0)["ok"], true);
    let in_bundle = cf_json(f.path(), 0, &["explain", s(&chosen), "dec-0005"]);
    let in_case = json(&["explain", s(&f.case), "dec-0005"]);
    assert_eq!(
        in_bundle["discrepancies"], in_case["discrepancies"],
        "explained the same from the bundle"
    );
    assert_eq!(in_bundle["model"], in_case["model"]);

    // One event proven to belong, by its line and audit path alone (checked here with the RFC's
    // algorithm written out again: a regulator's own check).
    let proof = cf_json(
        f.path(),
        0,
        &["bundle", "prove", s(&f.bundle), "len-000787"],
    );
    assert_eq!(proof["valid"], true);
    assert_eq!(proof["merkle_root"], f.export["merkle_root"]);
    let h = |bytes: &[u8]| -> [u8; 32] { sha2::Sha256::digest(bytes).into() };
    let mut node = leaf_of_line(proof["line"].as_str().unwrap());
    let (mut index, mut last) = (
        proof["index"].as_u64().unwrap(),
        proof["tree_size"].as_u64().unwrap() - 1,
    );
    for sibling in proof["audit_path"].as_array().unwrap() {
        let sibling = hex::decode(sibling.as_str().unwrap()).unwrap();
        if index % 2 == 1 || index == last {
            node = h(&[&[1u8][..], &sibling, &node].concat());
            while index % 2 == 0 && index != 0 {
                index /= 2;
                last /= 2;
            }
        } else {
            node = h(&[&[1u8][..], &node, &sibling].concat());
        }
        index /= 2;
        last /= 2;
    }
    assert_eq!(hex::encode(node), f.export["merkle_root"].as_str().unwrap());

    // Mistakes read as sentences.
    let err = cf_json(f.path(), 2, &["bundle", "export", s(&f.case), s(&chosen)]);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("never overwritten"));
    let err = cf_json(
        f.path(),
        2,
        &[
            "bundle",
            "export",
            s(&f.case),
            s(&f.path().join("x.casebundle")),
            "--decisions",
            "dec-nope",
        ],
    );
    assert_eq!(err["error"]["code"], "unknown_decision");
}

#[test]
fn bundle_export_is_byte_identical_run_to_run_and_keeps_case_order_across_batches() {
    let dir = tmp();
    let log = dir.path().join("lending.jsonl");
    let case = dir.path().join("big.casefile");
    // More events than one batch of the export's pipeline (8,192), so several are in flight.
    cf_json(
        dir.path(),
        0,
        &[
            "generate",
            "events",
            s(&log),
            "--events",
            "30000",
            "--streams",
            "3000",
            "--seed",
            "11",
        ],
    );
    cf_json(dir.path(), 0, &["import", s(&case), s(&log)]);
    let events = json(&["info", s(&case)])["events"].as_u64().unwrap();
    let export = |name: &str| {
        let out = dir.path().join(name);
        let report = cf_json(dir.path(), 0, &["bundle", "export", s(&case), s(&out)]);
        (out, report)
    };
    let (a, ra) = export("a.casebundle");
    let (b, rb) = export("b.casebundle");
    assert_eq!(ra["events"].as_u64().unwrap(), events);
    assert_eq!(ra["merkle_root"], rb["merkle_root"]);
    let jsonl = |p: &Path| event_lines_of(&entries(p));
    let (la, lb) = (jsonl(&a), jsonl(&b));
    assert!(
        la == lb,
        "the event lines differ between two exports of the same case"
    );
    let seqs: Vec<i64> = lines(&la)
        .iter()
        .map(|l| disclosed(l, "/seq").as_i64().unwrap())
        .collect();
    assert_eq!(seqs.len() as u64, events);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "events in case order");
    let v = cf_json(
        dir.path(),
        0,
        &["bundle", "verify", s(&a), "--allow-unsigned"],
    );
    assert_eq!(v["ok"], true);
    assert_eq!(v["events"].as_u64().unwrap(), events);
    // The canonical container (ZIP64, stored, dated 1980-01-01) is a zip other tools read whole:
    // Info-ZIP's unzip tests every entry's CRC, Python's zipfile lists and reads them.
    let unzip = std::process::Command::new("unzip")
        .args(["-t", s(&a)])
        .output()
        .expect("unzip runs (scripts/test.sh installs it)");
    let said = String::from_utf8_lossy(&unzip.stdout);
    assert!(
        unzip.status.success() && said.contains("No errors detected"),
        "{said}"
    );
    let python = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             assert z.testzip() is None\n\
             for i in z.infolist(): print(i.filename, i.compress_type, i.date_time[:3], len(z.read(i)))",
            s(&a),
        ])
        .output()
        .expect("python3 runs");
    assert!(
        python.status.success(),
        "{}",
        String::from_utf8_lossy(&python.stderr)
    );
    let listed = String::from_utf8(python.stdout).unwrap();
    // Signed, a bit flipped at a spread of offsets over its 30,000 events' bundle (the first and
    // last bytes among them) fails verification each time.
    cf_json(dir.path(), 0, &["keys", "new", "spread"]);
    let signed = dir.path().join("signed.casebundle");
    cf_json(
        dir.path(),
        0,
        &["bundle", "export", s(&case), s(&signed), "--sign", "spread"],
    );
    let bytes = std::fs::read(&signed).unwrap();
    let flipped = dir.path().join("flipped.casebundle");
    let n = bytes.len();
    let mut offsets: Vec<usize> = (0..40).map(|i| i * (n / 40) + 13 * i).collect();
    offsets.extend([0, n - 1]);
    for at in offsets {
        let mut b = bytes.clone();
        b[at] ^= 0x01;
        std::fs::write(&flipped, &b).unwrap();
        let out = cf(dir.path(), &["bundle", "verify", s(&flipped)]);
        assert_ne!(
            out.status.code(),
            Some(0),
            "a flip at byte {at} of {n} passed"
        );
    }
    let first = listed.lines().next().unwrap();
    let stored = entries(&a).into_iter().find(|(n, _)| n == LINES).unwrap().1;
    assert_eq!(first, format!("{LINES} 0 (1980, 1, 1) {}", stored.len()));
    assert!(
        listed.lines().all(|l| l.contains(" 0 (1980, 1, 1) ")),
        "{listed}"
    );
}

/// A zip with one extra entry written by `add` (the others copied from `f`'s bundle).
fn with_entry(
    f: &Fixture,
    name: &str,
    add: impl FnOnce(&mut zip::ZipWriter<std::fs::File>),
) -> PathBuf {
    let out = f.path().join(format!("{name}.casebundle"));
    let mut z = zip::ZipWriter::new(std::fs::File::create(&out).unwrap());
    for (n, bytes) in entries(&f.bundle) {
        z.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(&bytes).unwrap();
    }
    add(&mut z);
    z.finish().unwrap();
    out
}

#[test]
fn bundles_from_strangers_are_refused_with_a_reason_and_nothing_is_written_outside() {
    let f = fixture();
    let opts = zip::write::SimpleFileOptions::default;
    let outside = f.path().join("evil.txt");
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            with_entry(&f, "climbs", |z| {
                z.start_file("../evil.txt", opts()).unwrap();
                z.write_all(b"planted").unwrap();
            }),
            "climbs out of its folder",
        ),
        (
            with_entry(&f, "absolute", |z| {
                z.start_file(s(&outside), opts()).unwrap();
                z.write_all(b"planted").unwrap();
            }),
            "absolute path",
        ),
        (
            with_entry(&f, "symlink", |z| {
                z.add_symlink("reports/link.html", "/etc/passwd", opts())
                    .unwrap();
            }),
            "symbolic link",
        ),
        (
            with_entry(&f, "bomb", |z| {
                // 100 MB of zeros stored in about 100 KB.
                z.start_file("reports/bomb.html", opts().compression_level(Some(1)))
                    .unwrap();
                let zeros = vec![0u8; 1 << 20];
                for _ in 0..100 {
                    z.write_all(&zeros).unwrap();
                }
            }),
            "zip bomb",
        ),
    ];
    // Two entries of the same name: made by renaming one in the bytes (zip writers refuse it).
    let twice = with_entry(&f, "twice", |z| {
        z.start_file("reports/aaaa.html", opts()).unwrap();
        z.write_all(b"one").unwrap();
        z.start_file("reports/bbbb.html", opts()).unwrap();
        z.write_all(b"two").unwrap();
    });
    let mut bytes = std::fs::read(&twice).unwrap();
    let (from, to) = (b"reports/bbbb.html", b"reports/aaaa.html");
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
        }
        i += 1;
    }
    std::fs::write(&twice, bytes).unwrap();
    let mut cases = cases;
    cases.push((twice, "names a file twice"));

    for (bundle, reason) in &cases {
        let found = problems(&f.verify(bundle, 1));
        assert!(
            found.iter().any(|(_, _, m)| m.contains(reason)),
            "{reason}: {found:#?}"
        );
        // Opened, it is refused with the same reason; proving from it too.
        let err = cf_json(f.path(), 2, &["info", s(bundle)]);
        assert_eq!(err["error"]["code"], "not_a_bundle", "{reason}");
        assert!(
            err["error"]["message"].as_str().unwrap().contains(reason),
            "{err}"
        );
        cf_json(f.path(), 2, &["bundle", "prove", s(bundle), "len-000787"]);
    }
    assert!(!outside.exists() && !f.path().parent().unwrap().join("evil.txt").exists());

    // A manifest that understates a file's size: reading stops one byte past what it gives.
    let lying = rewrite(&f, "lying", |files| {
        let m = files
            .iter_mut()
            .find(|(n, _)| n == "manifest.json")
            .unwrap();
        let mut v: Value = serde_json::from_slice(&m.1).unwrap();
        for file in v["files"].as_array_mut().unwrap() {
            if file["path"] == LINES {
                file["size"] = 10.into();
            }
        }
        m.1 = serde_json::to_vec_pretty(&v).unwrap();
    });
    let found = problems(&f.verify(&lying, 1));
    assert!(
        found
            .iter()
            .any(|(file, _, m)| file == LINES && m.contains("more than the 10 bytes")),
        "{found:#?}"
    );

    // A Parquet copy that breaks DuckDB's reader (found by the import fuzzer): opening the bundle
    // reads it away from any database first and refuses it with the reader's words.
    let breaking = rewrite(&f, "breaking-parquet", |files| {
        let p = files
            .iter_mut()
            .find(|(n, _)| n == "events/events.parquet")
            .unwrap();
        p.1 =
            std::fs::read(fixtures().join("hostile/parquet-column-chunk-without-metadata.parquet"))
                .unwrap();
    });
    let err = cf_json(f.path(), 2, &["info", s(&breaking)]);
    assert_eq!(err["error"]["code"], "not_a_bundle", "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("its events/events.parquet cannot be read ("),
        "{err}"
    );
    let found = problems(&f.verify(&breaking, 1));
    assert!(
        found
            .iter()
            .any(|(file, _, _)| file == "events/events.parquet"),
        "{found:#?}"
    );
}

/// Bundles damaged at random, in their bytes or (with fresh CRCs, as a forger would) in one of
/// their files, broken the way the import fuzzer breaks files: verify reports problems or refuses
/// the file with a sentence, and says ok only when every file is still what was signed; prove and
/// open end with a result or a refusal, never a crash. `CASEFILE_FUZZ_ITERATIONS` runs it longer.
#[test]
fn bundles_damaged_at_random_are_reported_or_refused_and_never_crash_the_reader() {
    use rand::{Rng, SeedableRng};
    let dir = tmp();
    let case = dir.path().join("small.casefile");
    cf_json(
        dir.path(),
        0,
        &[
            "import",
            s(&case),
            s(&fixtures().join("canonical-array.json")),
            s(&fixtures().join("hostile-text.jsonl")),
        ],
    );
    cf_json(dir.path(), 0, &["keys", "new", "carol"]);
    let bundle = dir.path().join("small.casebundle");
    cf_json(
        dir.path(),
        0,
        &["bundle", "export", s(&case), s(&bundle), "--sign", "carol"],
    );
    let original = std::fs::read(&bundle).unwrap();
    let original_entries = entries(&bundle);
    let first_event = event_id(&lines(&event_lines_of(&original_entries))[0]);
    let others: Vec<crate::fuzz::Seed> = original_entries
        .iter()
        .map(|(_, bytes)| crate::fuzz::Seed {
            name: "entry",
            bytes: bytes.clone(),
        })
        .collect();
    let iterations: u64 = std::env::var("CASEFILE_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
    let opts = casefile::VerifyOptions {
        expected_key: None,
        allow_unsigned: false,
    };
    let (mut reported, mut refused, mut failures) = (0, 0, Vec::new());
    for i in 0..iterations {
        let damaged = dir.path().join(format!("damaged-{i}.casebundle"));
        let what = if rng.random_bool(0.5) {
            let mut bytes = original.clone();
            let how = crate::fuzz::mutate(&mut bytes, &others, &mut rng);
            std::fs::write(&damaged, &bytes).unwrap();
            format!("the zip's bytes: {how}")
        } else {
            let mut files = original_entries.clone();
            let pick = rng.random_range(0..files.len());
            let how = crate::fuzz::mutate(&mut files[pick].1, &others, &mut rng);
            write_zip(&damaged, &files);
            format!("{}: {how}", files[pick].0)
        };
        let verified = std::panic::catch_unwind(|| {
            casefile::verify_bundle(
                &damaged,
                &opts,
                &casefile::Job::quiet(casefile::JobKind::BundleVerify),
            )
        });
        match verified {
            Err(_) => failures.push(format!("{i} ({what}): verify panicked")),
            Ok(Ok(report)) if report.ok => {
                // Only a change outside what is signed may still verify: the zip's metadata, or
                // the layout of signature.json (the same signature, spaced differently).
                let as_signed = |files: Vec<(String, Vec<u8>)>| -> Vec<(String, Value)> {
                    files
                        .into_iter()
                        .map(|(name, bytes)| {
                            let text = match name.as_str() {
                                "signature.json" => {
                                    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
                                }
                                _ => Value::String(hex::encode(&bytes)),
                            };
                            (name, text)
                        })
                        .collect()
                };
                if as_signed(entries(&damaged)) != as_signed(original_entries.clone()) {
                    failures.push(format!("{i} ({what}): verified ok with a file changed"));
                }
            }
            Ok(Ok(report)) => {
                reported += 1;
                if report.problems.is_empty() {
                    failures.push(format!("{i} ({what}): not ok, but no problem named"));
                }
            }
            Ok(Err(e)) => {
                refused += 1;
                if e.code() != "not_a_bundle" || !e.to_string().ends_with('.') {
                    failures.push(format!("{i} ({what}): refused as `{}`: {e}", e.code()));
                }
            }
        }
        let proved =
            std::panic::catch_unwind(|| casefile::prove_bundle_event(&damaged, &first_event));
        match proved {
            Err(_) => failures.push(format!("{i} ({what}): prove panicked")),
            Ok(Err(e)) if !e.to_string().ends_with('.') => {
                failures.push(format!("{i} ({what}): prove said `{}`: {e}", e.code()))
            }
            _ => {}
        }
        // Opening (loading into a case) in a process of its own, as the app or CLI would.
        if i % 4 == 0 {
            let out = cf(dir.path(), &["info", s(&damaged)]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => {}
                Some(1 | 2) if stderr.starts_with("error[") => {}
                other => failures.push(format!("{i} ({what}): open ended {other:?}: {stderr}")),
            }
        }
        std::fs::remove_file(&damaged).unwrap();
    }
    println!("bundle fuzz: {iterations} damaged bundles, {reported} reported, {refused} refused");
    assert!(
        reported > iterations / 2,
        "{reported} of {iterations} reported: the damage does not reach the checks"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bundle_export_writes_the_event_lines_into_the_zip_without_staging_them() {
    // At 30M events the lines staged and then copied into the zip needed twice their size free.
    let dir = tmp();
    let case = lending_case(dir.path());
    let out = dir.path().join("direct.casebundle");
    let staged_lines = dir.path().join("direct.casebundle.partial").join(LINES);
    let seen_staged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = seen_staged.clone();
    let job = casefile::Job::new(casefile::JobKind::BundleExport, move |p| {
        if staged_lines.exists() {
            seen.lock().unwrap().push(p.phase.clone());
        }
    });
    let report = casefile::Case::open(&case)
        .unwrap()
        .bundle_export(
            &casefile::BundleRequest {
                out: s(&out).into(),
                streams: None,
                decisions: None,
                from: None,
                to: None,
                axis: None,
                redact: None,
                sign: None,
                attach: Vec::new(),
            },
            &job,
        )
        .unwrap();
    assert!(
        seen_staged.lock().unwrap().is_empty(),
        "the lines were staged during {:?}",
        seen_staged.lock().unwrap()
    );
    // The manifest's digest and size of the lines are those of the entry as a reader finds it.
    let all = entries(&out);
    let lines_entry = &all.iter().find(|(n, _)| n == LINES).unwrap().1;
    let listed = report.files.iter().find(|f| f.path == LINES).unwrap();
    assert_eq!(
        listed.sha256,
        hex::encode(sha2::Sha256::digest(lines_entry))
    );
    assert_eq!(listed.size, lines_entry.len() as u64);
    assert_eq!(
        lines(&zstd::decode_all(&lines_entry[..]).unwrap()).len() as u64,
        report.events
    );
    let manifest: Value =
        serde_json::from_slice(&all.iter().find(|(n, _)| n == "manifest.json").unwrap().1).unwrap();
    assert!(manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == LINES && f["sha256"] == listed.sha256.as_str()));
    let v = cf_json(
        dir.path(),
        0,
        &["bundle", "verify", s(&out), "--allow-unsigned"],
    );
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("partial"))
            .count(),
        0,
        "nothing partial is left beside the bundle"
    );
}

/// findings.json is written a batch at a time from the case (a 30M-event case has millions of
/// findings): a bundle of some streams carries exactly those streams' findings and the
/// stream-less ones of their sources, the whole case's bundle every finding (also once opened),
/// and the manifest counts what was written.
#[test]
fn bundle_findings_are_exactly_those_of_the_streams_it_carries() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let in_case = json(&["findings", s(&case)])["findings"]
        .as_array()
        .unwrap()
        .clone();
    let row = |f: &Value| {
        ["kind", "stream_id", "event_id", "message"]
            .map(|k| f[k].to_string())
            .join(" | ")
    };
    let sorted = |mut rows: Vec<String>| {
        rows.sort();
        rows
    };
    let carried = |bundle: &Path| {
        let files = entries(bundle);
        let file = |name: &str| -> Value {
            serde_json::from_slice(&files.iter().find(|(n, _)| n == name).unwrap().1).unwrap()
        };
        let findings = file("findings.json").as_array().unwrap().clone();
        (findings, file("manifest.json")["scope"].clone())
    };

    let whole = dir.path().join("whole.casebundle");
    cf_json(dir.path(), 0, &["bundle", "export", s(&case), s(&whole)]);
    let (findings, scope) = carried(&whole);
    assert!(!in_case.is_empty(), "the lending sample has findings");
    assert_eq!(
        sorted(findings.iter().map(row).collect()),
        sorted(in_case.iter().map(row).collect())
    );
    assert_eq!(scope["findings"], in_case.len());
    // Opened read-only, the bundle has the case's findings (read from findings.json a record at a time).
    let opened = cf_json(dir.path(), 0, &["findings", s(&whole)])["findings"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        sorted(opened.iter().map(row).collect()),
        sorted(in_case.iter().map(row).collect())
    );

    let chosen: Vec<String> = in_case
        .iter()
        .filter_map(|f| f["stream_id"].as_str().map(str::to_string))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .take(2)
        .collect();
    assert_eq!(chosen.len(), 2, "two streams with findings");
    let some = dir.path().join("some.casebundle");
    cf_json(
        dir.path(),
        0,
        &[
            "bundle",
            "export",
            s(&case),
            s(&some),
            "--streams",
            &chosen.join(","),
        ],
    );
    let (findings, scope) = carried(&some);
    let expected: Vec<String> = in_case
        .iter()
        .filter(|f| {
            f["stream_id"]
                .as_str()
                .is_none_or(|id| chosen.iter().any(|c| c == id))
        })
        .map(row)
        .collect();
    assert!(
        expected.len() < in_case.len(),
        "the scope leaves findings out"
    );
    assert_eq!(
        sorted(findings.iter().map(row).collect()),
        sorted(expected.clone())
    );
    assert_eq!(scope["findings"], expected.len());
    assert_eq!(scope["stream_count"], 2);
}

#[test]
fn a_bundle_made_before_canonical_containers_still_verifies_with_a_note_saying_so() {
    let bundle = fixtures().join("bundles/pre-canonical.casebundle");
    // The key it was signed with: seed 0x2A x 32 (tests/fixtures/bundles/README.md).
    let public = ed25519_dalek::SigningKey::from_bytes(&[0x2A; 32]).verifying_key();
    let key = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        public.as_bytes(),
    );
    let report = json(&["bundle", "verify", s(&bundle), "--key", &key]);
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["events"], 2);
    assert!(
        report["checked"].as_array().unwrap().iter().any(|c| c
            .as_str()
            .unwrap()
            .contains("its zip headers are not checked byte for byte")),
        "{report}"
    );
}

#[test]
fn a_full_and_two_differently_redacted_bundles_verify_against_one_signed_root_and_a_withheld_field_revealed_later_is_proven(
) {
    let f = fixture();
    let export = |name: &str, profile: Option<&str>| -> (PathBuf, Value) {
        let out = f.path().join(name);
        let mut args = vec!["bundle", "export", s(&f.case), s(&out), "--sign", "alice"];
        let profile_path = f.path().join(format!("{name}.toml"));
        if let Some(text) = profile {
            std::fs::write(&profile_path, text).unwrap();
            args.extend(["--redact", s(&profile_path)]);
        }
        let report = cf_json(f.path(), 0, &args);
        (out, report)
    };
    let (full, full_report) = export("full.casebundle", None);
    let (other, other_report) = export(
        "other.casebundle",
        Some("name = \"press\"\ndrop = [\"actor\", \"payload.name\"]\n"),
    );
    // One signed root for the three, each verified against the same key.
    let root = f.export["merkle_root"].clone();
    assert_eq!(full_report["merkle_root"], root);
    assert_eq!(other_report["merkle_root"], root);
    let mut summaries = Vec::new();
    for b in [&full, &f.bundle, &other] {
        let v = f.verify(b, 0);
        assert_eq!(v["ok"], true, "{v}");
        assert_eq!(v["merkle_root"], root);
        assert_eq!(v["signature"]["valid"], true);
        summaries.push(v["disclosure"].clone());
    }
    let states = |summary: &Value, pointer: &str| -> (u64, u64, u64) {
        let row = summary["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["pointer"] == pointer);
        row.map_or((0, 0, 0), |r| {
            (
                r["withheld"].as_u64().unwrap(),
                r["pseudonymized"].as_u64().unwrap(),
                r["erased"].as_u64().unwrap(),
            )
        })
    };
    // What the case holds, read by SQL: how many events carry each field.
    let count = |sql: &str| -> u64 {
        let r = cf_json(f.path(), 0, &["sql", s(&f.case), sql]);
        r["rows"][0][0].as_u64().unwrap()
    };
    let cities = count("select count(*) from events where json_exists(payload, '$.city')");
    let names = count("select count(*) from events where json_exists(payload, '$.name')");
    let actors = count("select count(*) from events where actor is not null");
    assert!(cities > 0 && names > 0 && actors > 0);
    // The full bundle hides only what the case's erasure marker erased.
    assert_eq!(states(&summaries[0], "/payload/city").0, 0);
    assert!(states(&summaries[0], "/payload/name").2 > 0);
    // The regulator's: city withheld everywhere (dropped, erased or not), name pseudonymized but
    // where erased.
    let erased_names = states(&summaries[0], "/payload/name").2;
    assert_eq!(states(&summaries[1], "/payload/city"), (cities, 0, 0));
    assert_eq!(
        states(&summaries[1], "/payload/name"),
        (0, names - erased_names, erased_names)
    );
    // The press's: actor and name withheld (erased or not), city shown.
    assert_eq!(states(&summaries[2], "/actor").0, actors);
    assert_eq!(states(&summaries[2], "/payload/name"), (names, 0, 0));
    assert_eq!(states(&summaries[2], "/payload/city").0, 0);

    // Later the regulator asks for one city the bundle withholds: revealed from the full bundle,
    // checked against the regulator's bundle alone.
    let r = cf_json(
        f.path(),
        0,
        &["sql", s(&f.case), "select event_id, payload->>'city' from events where payload->>'city' is not null and stream_id <> 'applicant-0018' order by seq limit 1"],
    );
    let (event, city) = (
        r["rows"][0][0].as_str().unwrap(),
        r["rows"][0][1].as_str().unwrap(),
    );
    let revealed = f.path().join("city.json");
    let made = cf_json(
        f.path(),
        0,
        &[
            "bundle",
            "reveal",
            s(&full),
            event,
            "--field",
            "payload.city",
            "--out",
            s(&revealed),
        ],
    );
    assert_eq!(made["merkle_root"], root);
    let key = f.path().join("config/keys/alice.pub");
    let checked = cf_json(
        f.path(),
        0,
        &[
            "bundle",
            "reveal",
            s(&f.bundle),
            "--check",
            s(&revealed),
            "--key",
            s(&key),
        ],
    );
    assert_eq!(checked["ok"], true, "{checked}");
    let revealed_fields = checked["revealed"].as_array().unwrap();
    assert_eq!(revealed_fields.len(), 2, "the city and the event's id");
    let field = revealed_fields
        .iter()
        .find(|f| f["pointer"] == "/payload/city")
        .unwrap();
    assert_eq!(field["pointer"], "/payload/city");
    assert_eq!(field["in_bundle"], "withheld");
    assert_eq!(
        field["value"].as_str().unwrap(),
        serde_json::to_string(city).unwrap()
    );
    // The revealed file holds nothing else in clear.
    let file: Value = serde_json::from_slice(&std::fs::read(&revealed).unwrap()).unwrap();
    let line: Value = serde_json::from_str(file["line"].as_str().unwrap()).unwrap();
    let shown: Vec<&String> = line["disclosed"].as_object().unwrap().keys().collect();
    assert_eq!(
        shown,
        ["/event_id", "/payload/city"],
        "the city and the id that ties it to its event"
    );
    assert!(line.get("seed").is_none());

    // A value or a salt changed in the revealed file is not the original.
    for (what, change) in [
        (
            "value",
            Box::new(|l: &mut Value| l["disclosed"]["/payload/city"] = "\"Atlantis\"".into())
                as Box<dyn Fn(&mut Value)>,
        ),
        (
            "salt",
            Box::new(|l: &mut Value| {
                let s = l["salts"]["/payload/city"].as_str().unwrap().to_string();
                let first = if s.starts_with('0') { '1' } else { '0' };
                let flipped = format!("{first}{}", &s[1..]);
                l["salts"]["/payload/city"] = flipped.into();
            }),
        ),
    ] {
        let mut forged = file.clone();
        let mut l = line.clone();
        change(&mut l);
        forged["line"] = serde_json::to_string(&l).unwrap().into();
        let path = f.path().join(format!("forged-{what}.json"));
        std::fs::write(&path, serde_json::to_vec(&forged).unwrap()).unwrap();
        let checked = cf_json(
            f.path(),
            1,
            &["bundle", "reveal", s(&f.bundle), "--check", s(&path)],
        );
        assert_eq!(checked["ok"], false, "a forged {what} passed");
        assert!(
            checked["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p.as_str().unwrap().contains("not the original")),
            "{checked}"
        );
    }
    // A field the bundle withholds cannot be revealed from it.
    let err = cf_json(
        f.path(),
        2,
        &[
            "bundle",
            "reveal",
            s(&f.bundle),
            event,
            "--field",
            "payload.city",
        ],
    );
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("withheld in this bundle"),
        "{err}"
    );
}
