//! Native file dialogs (rfd). GTK wants dialogs built on the main thread; they are awaited off it
//! so the window keeps painting. A cancelled dialog answers with nothing, not an error.

use std::path::PathBuf;

use casefile::ErrorDto;
use tauri::Window;

/// What the investigator is choosing.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    /// Log files to import (several).
    Logs,
    /// A folder of log files to import (read recursively).
    LogFolder,
    /// An existing case file.
    OpenCase,
    /// Where to create a new case.
    NewCase,
    /// Where to write a table (population export): Parquet, CSV or JSON by extension.
    SaveTable,
    /// A replayer program (an executable the investigator trusts).
    Program,
    /// Where to write a drift report (HTML).
    SaveReport,
    /// Where to write a training set (Parquet or CSV).
    SaveTrainset,
    /// Where to write a case bundle.
    SaveBundle,
    /// A case bundle to verify.
    Bundle,
    /// A redaction profile (TOML).
    Profile,
    /// A new or empty folder to write a lake export into.
    ExportFolder,
    /// A public key to verify a bundle against.
    PublicKey,
    /// A report to carry in a bundle.
    Report,
}

fn dialog_failed(e: impl std::fmt::Display) -> ErrorDto {
    ErrorDto {
        code: casefile::ErrorCode::Dialog,
        message: format!("The file dialog could not open: {e}"),
        hint: None,
    }
}

#[tauri::command]
pub async fn pick_files(window: Window, pick: Pick) -> Result<Vec<PathBuf>, ErrorDto> {
    let (tx, rx) = std::sync::mpsc::channel();
    let parent = window.clone();
    window
        .run_on_main_thread(move || {
            let _ = tx.send(rfd::AsyncFileDialog::new().set_parent(&parent));
        })
        .map_err(dialog_failed)?;
    let dialog = tauri::async_runtime::spawn_blocking(move || rx.recv())
        .await
        .map_err(dialog_failed)?
        .map_err(dialog_failed)?;
    let chosen: Vec<PathBuf> = match pick {
        Pick::Logs => dialog
            .set_title("Choose event logs to import")
            .add_filter(
                "Event logs",
                &[
                    "jsonl", "ndjson", "json", "csv", "parquet", "sql", "txt", "gz", "zst",
                ],
            )
            .add_filter("All files", &["*"])
            .pick_files()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.path().to_path_buf())
            .collect(),
        Pick::LogFolder => dialog
            .set_title("Choose a folder of event logs to import")
            .pick_folder()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
        Pick::OpenCase => dialog
            .set_title("Open a case")
            .add_filter("Casefile cases and bundles", &["casefile", "casebundle"])
            .pick_file()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
        Pick::SaveTable => dialog
            .set_title("Export the table")
            .set_file_name("population.parquet")
            .add_filter("Parquet, CSV or JSON", &["parquet", "csv", "json"])
            .save_file()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
        Pick::SaveTrainset => dialog
            .set_title("Export the training set")
            .set_file_name("trainset.parquet")
            .add_filter("Parquet or CSV", &["parquet", "csv"])
            .save_file()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
        Pick::Program => dialog
            .set_title("Choose the replayer program")
            .pick_file()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
        Pick::SaveReport => dialog
            .set_title("Save the drift report")
            .set_file_name("drift-report.html")
            .add_filter("HTML", &["html"])
            .save_file()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
        Pick::SaveBundle => dialog
            .set_title("Export a case bundle")
            .set_file_name("evidence.casebundle")
            .add_filter("Case bundles", &["casebundle"])
            .save_file()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
        Pick::Bundle => dialog
            .set_title("Choose a case bundle")
            .add_filter("Case bundles", &["casebundle"])
            .add_filter("All files", &["*"])
            .pick_file()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
        Pick::ExportFolder => dialog
            .set_title("Choose a new or empty folder for the lake export")
            .pick_folder()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
        Pick::Profile => dialog
            .set_title("Choose a redaction profile")
            .add_filter("Redaction profiles", &["toml"])
            .pick_file()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
        Pick::PublicKey => dialog
            .set_title("Choose the signer's public key")
            .add_filter("Public keys", &["pub"])
            .pick_file()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
        Pick::Report => dialog
            .set_title("Choose a report to attach")
            .add_filter("Reports", &["html", "pdf", "json", "csv", "md", "txt"])
            .add_filter("All files", &["*"])
            .pick_file()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
        Pick::NewCase => dialog
            .set_title("Create a case")
            .set_file_name("investigation.casefile")
            .save_file()
            .await
            .map(|f| vec![f.path().to_path_buf()])
            .unwrap_or_default(),
    };
    Ok(chosen)
}
