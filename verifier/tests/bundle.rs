//! The standalone verifier on a bundle made by Casefile (tests/fixtures/bundles/disclosure.casebundle:
//! the orders sample, `payload.amount` withheld and stream ids pseudonymized, signed), whole and
//! with a byte changed in each part.

use std::path::PathBuf;
use std::process::Command;

const FINGERPRINT: &str = "SHA256:Ld/h57xLBPG0WwN5ZaWsteJDNGGWaZvcS2oHVQDNv4o";
/// The root in the fixture's manifest, which `casefile bundle verify` recomputed when it was made.
const ROOT: &str = "84b083f2590022a9cb8f97fecc97bad40035481d9c9af843f84018affdffab4c";

fn fixture() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/bundles/disclosure.casebundle");
    std::fs::read(path).unwrap()
}

/// Runs the verifier on `bytes`; its exit code and what it printed.
fn verify(bytes: &[u8], args: &[&str]) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!(
        "casefile-verify-test-{}-{}",
        std::process::id(),
        args.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "b{}.casebundle",
        bytes.iter().map(|b| *b as usize).sum::<usize>()
    ));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_casefile-verify"))
        .arg(&path)
        .args(args)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap(), text)
}

fn position(bytes: &[u8], needle: &[u8]) -> usize {
    bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

#[test]
fn a_bundle_made_by_casefile_verifies_with_its_root_and_signer() {
    let (code, out) = verify(&fixture(), &["--key", FINGERPRINT]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("73 events; Merkle root {ROOT}")),
        "{out}"
    );
    let (code, out) = verify(&fixture(), &["--key", "SHA256:someone-else"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not the expected key"), "{out}");
}

#[test]
fn a_byte_changed_in_the_lines_the_parquet_copy_or_the_manifest_fails() {
    let original = fixture();
    // The lines' bytes start after their local header: 30 bytes, the name, a 20-byte ZIP64 extra.
    let name = b"events/events.jsonl.zst";
    let lines = position(&original, name) + name.len() + 20;
    let parquet = position(&original, b"PAR1");
    let root = position(&original, ROOT.as_bytes());
    for (what, at, says) in [
        ("a line", lines + 40, "D."),
        (
            "the Parquet copy",
            parquet + 100,
            "C. events/events.parquet",
        ),
        ("the manifest's root", root + 3, "B."),
    ] {
        let mut bytes = original.clone();
        bytes[at] ^= 0x04;
        let (code, out) = verify(&bytes, &[]);
        assert_eq!(code, 1, "{what}: {out}");
        assert!(out.contains(says), "{what}: {out}");
    }
}
