//! The desktop app end to end, in a real window: runs `e2e/app.test.mjs` (Node, WebDriver through
//! tauri-driver and WebKitWebDriver under Xvfb) against the `casefile-desktop` binary cargo built
//! for this test, with the `casefile` CLI beside it as the reference. Its log and the screenshot of
//! every screen go to `test-artifacts/e2e/`.
//!
//! Being a cargo test makes cargo build the app with the same features as every other test, so the
//! bundled DuckDB is compiled once for all of them.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("src-tauri sits in the repository")
        .to_path_buf()
}

#[test]
fn the_app_opens_scrubs_steps_toggles_notes_queries_and_imports_in_a_real_window() {
    let app = PathBuf::from(env!("CARGO_BIN_EXE_casefile-desktop"));
    let cli = app.with_file_name(format!("casefile{}", std::env::consts::EXE_SUFFIX));
    assert!(
        cli.is_file(),
        "the casefile CLI is not built at {}: run this through `cargo test --workspace`",
        cli.display()
    );
    let out = repo().join("test-artifacts/e2e");
    std::fs::create_dir_all(&out).expect("artifacts folder");
    let run = Command::new("node")
        .current_dir(repo())
        .arg("e2e/app.test.mjs")
        .arg("--app")
        .arg(&app)
        .arg("--cli")
        .arg(&cli)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("node runs (Node.js 20 or newer is needed for the end-to-end test)");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    std::fs::write(out.join("log.txt"), format!("{stdout}\n{stderr}")).expect("log written");
    println!("{stdout}");
    assert!(
        run.status.success(),
        "the end-to-end run failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(" 0 failed") && !stdout.contains("FAILED"),
        "{stdout}"
    );
}
