// The one module that talks to the Tauri backend. Screens import from here, never from
// @tauri-apps/* directly, so they can be tested with a fake backend. The DTO types are generated
// from the Rust structs by ts-rs (`cargo test` writes src/bindings; CI checks they are committed).
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type { Axis } from "./bindings/Axis";
import type { BundleExportReport } from "./bindings/BundleExportReport";
import type { BundleRequest } from "./bindings/BundleRequest";
import type { CaseInfo } from "./bindings/CaseInfo";
import type { DecisionPage } from "./bindings/DecisionPage";
import type { DecisionQuery } from "./bindings/DecisionQuery";
import type { DriftReport } from "./bindings/DriftReport";
import type { DriftRequest } from "./bindings/DriftRequest";
import type { ErrorDto } from "./bindings/ErrorDto";
import type { EventDetail } from "./bindings/EventDetail";
import type { EventPage } from "./bindings/EventPage";
import type { Explanation } from "./bindings/Explanation";
import type { Finding } from "./bindings/Finding";
import type { FolderPreview } from "./bindings/FolderPreview";
import type { FolderSummary } from "./bindings/FolderSummary";
import type { GapsReport } from "./bindings/GapsReport";
import type { EvidenceGap } from "./bindings/EvidenceGap";
import type { TableRead } from "./bindings/TableRead";
import type { History } from "./bindings/History";
import type { ViewInfo } from "./bindings/ViewInfo";
import type { Viewer } from "./bindings/Viewer";
import type { KeyInfo } from "./bindings/KeyInfo";
import type { LakeExport } from "./bindings/LakeExport";
import type { JobFinished } from "./bindings/JobFinished";
import type { JobKind } from "./bindings/JobKind";
import type { MemoryBudget } from "./bindings/MemoryBudget";
import type { ModelRecord } from "./bindings/ModelRecord";
import type { ModelsReport } from "./bindings/ModelsReport";
import type { Period } from "./bindings/Period";
import type { RateBucket } from "./bindings/RateBucket";
import type { RatesReport } from "./bindings/RatesReport";
import type { JobDetail } from "./bindings/JobDetail";
import type { JobProgress } from "./bindings/JobProgress";
import type { LakeVerify } from "./bindings/LakeVerify";
import type { ImportReport } from "./bindings/ImportReport";
import type { NewNote } from "./bindings/NewNote";
import type { Note } from "./bindings/Note";
import type { Population } from "./bindings/Population";
import type { PopulationPage } from "./bindings/PopulationPage";
import type { PopulationPageQuery } from "./bindings/PopulationPageQuery";
import type { QuarantinePage } from "./bindings/QuarantinePage";
import type { Replayer } from "./bindings/Replayer";
import type { Hint } from "./bindings/Hint";
import type { ReplayReport } from "./bindings/ReplayReport";
import type { ReplayRequest } from "./bindings/ReplayRequest";
import type { ReplayRunSummary } from "./bindings/ReplayRunSummary";
import type { SourcePreview } from "./bindings/SourcePreview";
import type { SourceRecord } from "./bindings/SourceRecord";
import type { SqlResult } from "./bindings/SqlResult";
import type { StreamState } from "./bindings/StreamState";
import type { StreamSummary } from "./bindings/StreamSummary";
import type { Timeline } from "./bindings/Timeline";
import type { TrainsetReport } from "./bindings/TrainsetReport";
import type { TrainsetRequest } from "./bindings/TrainsetRequest";
import type { VerifyReport } from "./bindings/VerifyReport";
import type { DisclosureSummary } from "./bindings/DisclosureSummary";
import type { View } from "./bindings/View";

export type { Axis, CaseInfo, EventDetail, EventPage, Finding, History };
export type { ImportReport, NewNote, Note, Population, PopulationPage };
export type { FolderPreview, FolderSummary, TableRead };
export type { PopulationPageQuery, QuarantinePage, SourcePreview, SourceRecord, SqlResult };
export type { StreamState, StreamSummary, Timeline, View };
export type { DecisionPage, DecisionQuery, Explanation, Replayer };
export type { ModelRecord, ModelsReport, Period, RateBucket, RatesReport };
export type { EvidenceGap, GapsReport };
export type { ViewInfo, Viewer };
export type { ReplayReport, ReplayRequest, ReplayRunSummary, Hint };
export type { Decision } from "./bindings/Decision";
export type { DriftReport, DriftRequest };
export type { JobDetail, JobFinished, JobKind, JobProgress, LakeExport, LakeVerify, MemoryBudget };
export type { FeatureDrift } from "./bindings/FeatureDrift";
export type { SegmentDrift } from "./bindings/SegmentDrift";
export type { TrainsetReport, TrainsetRequest };
export type { LabelAudit } from "./bindings/LabelAudit";
export type { LaterEvent } from "./bindings/LaterEvent";
export type { ReplayResult } from "./bindings/ReplayResult";
export type { ReplayFilter } from "./bindings/ReplayFilter";
export type { BundleExportReport, BundleRequest, DisclosureSummary, KeyInfo, VerifyReport };
export type { Problem } from "./bindings/Problem";
export type { Bucket } from "./bindings/Bucket";
export type { Change } from "./bindings/Change";
export type { Event as EventRecord } from "./bindings/Event";
export type { HistoryStep } from "./bindings/HistoryStep";
export type { SourceReport } from "./bindings/SourceReport";
export type { Mapping } from "./bindings/Mapping";
export type { PreviewRow } from "./bindings/PreviewRow";
export type { ReasonCount } from "./bindings/ReasonCount";

/** An error as the engine reports it: a stable code and a sentence. */
export type BackendError = ErrorDto;

export function isBackendError(e: unknown): e is BackendError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** What the engine says the user can do about a failure, if anything. */
export function errorHint(e: unknown): Hint | null {
  return isBackendError(e) ? ((e as { hint?: Hint }).hint ?? null) : null;
}

/** Any failure as a sentence for the screen. */
export function errorText(e: unknown): string {
  return isBackendError(e) ? e.message : String(e);
}

/** What a native file dialog is for. */
export type Pick =
  | "logs"
  | "log_folder"
  | "open_case"
  | "new_case"
  | "save_table"
  | "program"
  | "save_report"
  | "save_trainset"
  | "save_bundle"
  | "bundle"
  | "profile"
  | "export_folder"
  | "public_key"
  | "report";

export const backend = {
  openCase: (path: string) => invoke<CaseInfo>("open_case", { path }),
  newCase: (path: string) => invoke<CaseInfo>("new_case", { path }),
  openSampleCase: () => invoke<CaseInfo>("open_sample_case"),
  recentCases: () => invoke<string[]>("recent_cases"),
  caseInfo: () => invoke<CaseInfo>("case_info"),
  /** The view the case is shown in (auditor, or operator masked by the case's operator profile). */
  caseView: () => invoke<ViewInfo>("case_view"),
  setViewer: (viewer: Viewer) => invoke<ViewInfo>("set_viewer", { viewer }),
  /** The zone the screens show times in: "utc", "system" or an IANA name. */
  timeZoneSetting: () => invoke<string>("time_zone_setting"),
  setTimeZoneSetting: (zone: string) => invoke<string>("set_time_zone_setting", { zone }),
  setOperatorProfile: (path: string) => invoke<ViewInfo>("set_operator_profile", { path }),
  clearOperatorProfile: () => invoke<ViewInfo>("clear_operator_profile"),
  startedAt: () => invoke<number>("started_at"),
  /** What the command line asked to open first (`--sample` or a case path), once. */
  takeLaunchRequest: () =>
    invoke<{ kind: "sample" } | { kind: "case"; path: string } | null>("take_launch_request"),
  pickFiles: (pick: Pick) => invoke<string[]>("pick_files", { pick }),

  /** How a file would be read and its first records as they would be loaded; nothing is loaded.
   * `defaultTime` (RFC 3339) is given to events without a time of their own, which are marked. */
  previewFile: (path: string, format?: string, mappingToml?: string, defaultTime?: string) =>
    invoke<SourcePreview>("preview_file", { path, format, mappingToml, defaultTime }),
  /** How every file of a folder would be read; nothing is loaded. */
  previewFolder: (path: string, format?: string, mappingToml?: string, defaultTime?: string) =>
    invoke<FolderPreview>("preview_folder", { path, format, mappingToml, defaultTime }),
  /** True when a path names a folder (imported whole, recursively). */
  isFolder: (path: string) => invoke<boolean>("is_folder", { path }),
  importFiles: (paths: string[], format?: string, mappingToml?: string, defaultTime?: string) =>
    invoke<ImportReport>("import_files", { paths, format, mappingToml, defaultTime }),
  sources: () => invoke<SourceRecord[]>("sources"),
  quarantinePage: (sourceId: number | null, limit: number, offset: number) =>
    invoke<QuarantinePage>("quarantine_page", { sourceId, limit, offset }),
  findings: () => invoke<Finding[]>("findings"),
  /** Files dropped on the window (paths), while `f` is registered. */
  onFileDrop: (f: (paths: string[]) => void): Promise<UnlistenFn> =>
    getCurrentWebview().onDragDropEvent((e) => {
      if (e.payload.type === "drop") f(e.payload.paths);
    }),

  timeline: (buckets: number, axis: Axis, streamType?: string, from?: number, to?: number) =>
    invoke<Timeline>("timeline", { buckets, axis, streamType, from, to }),
  /** Where the case does not hold a stream's whole history (one stream's, or every stream's). */
  gaps: (stream: string | null) => invoke<GapsReport>("gaps", { stream }),
  stateAt: (stream: string, at: number, axis: Axis, view: View) =>
    invoke<StreamState>("state_at", { stream, at, axis, view }),
  searchStreams: (text: string, streamType?: string) =>
    invoke<StreamSummary[]>("search_streams", { text, streamType }),
  /** A page of a stream's history: the steps after the first `after`, at most `limit`. */
  history: (stream: string, axis: Axis, view: View, after: number, limit: number) =>
    invoke<History>("history", { stream, axis, view, after, limit }),
  eventDetail: (stream: string, eventId: string) =>
    invoke<EventDetail>("event_detail", { stream, eventId }),

  buildPopulation: (streamType: string, at: number, axis: Axis, view: View) =>
    invoke<Population>("build_population", { streamType, at, axis, view }),
  exportPopulation: (streamType: string, at: number, axis: Axis, view: View, path: string) =>
    invoke<Population>("export_population", { streamType, at, axis, view, path }),
  /** Builds the time machine's snapshots when stale, as a `snapshots` job. */
  buildTimeMachine: () => invoke<void>("build_time_machine"),
  populationPage: (query: PopulationPageQuery) =>
    invoke<PopulationPage>("population_page", { query }),

  addNote: (note: NewNote) => invoke<Note>("add_note", { note }),
  listNotes: () => invoke<Note[]>("list_notes"),

  runQuery: (query: string) => invoke<SqlResult>("run_query", { query }),

  decisions: (query: DecisionQuery) => invoke<DecisionPage>("decisions", { query }),
  /** Builds the decision view when missing or stale, as a `decision_view` job. */
  buildDecisionView: () => invoke<void>("build_decision_view"),
  explain: (decisionId: string) => invoke<Explanation>("explain", { decisionId }),
  /** Every model version on record (builds the decision view first when stale). */
  models: () => invoke<ModelsReport>("models"),
  /** Decisions over time, per period and version, for the filter given. */
  rates: (query: DecisionQuery, period: Period) => invoke<RatesReport>("rates", { query, period }),
  replayers: () => invoke<Replayer[]>("replayers"),
  addReplayer: (replayer: Replayer) => invoke<Replayer>("add_replayer", { replayer }),
  removeReplayer: (name: string) => invoke<void>("remove_replayer", { name }),
  replay: (request: ReplayRequest) => invoke<ReplayReport>("replay", { request }),
  replayRuns: () => invoke<ReplayRunSummary[]>("replay_runs"),

  drift: (request: DriftRequest) => invoke<DriftReport>("drift", { request }),
  exportDriftReport: (request: DriftRequest, path: string) =>
    invoke<DriftReport>("export_drift_report", { request, path }),

  trainsetStarter: () => invoke<string>("trainset_starter"),
  trainset: (request: TrainsetRequest) => invoke<TrainsetReport>("trainset", { request }),

  bundleExport: (request: BundleRequest) => invoke<BundleExportReport>("bundle_export", { request }),
  bundleVerify: (path: string, key: string | null, allowUnsigned: boolean) =>
    invoke<VerifyReport>("bundle_verify", { path, key, allowUnsigned }),
  lakeExport: (dir: string) => invoke<LakeExport>("lake_export", { dir }),
  lakeVerify: (dir: string) => invoke<LakeVerify>("lake_verify", { dir }),
  /** Every job's progress (import, builds, replay, drift, training set, exports...). */
  onJobProgress: (f: (p: JobProgress) => void): Promise<UnlistenFn> =>
    listen<JobProgress>("job-progress", (e) => f(e.payload)),
  /** The embedded engine's memory budget in force. */
  memorySetting: () => invoke<MemoryBudget>("memory_setting"),
  /** Sets the budget ("4GB", "50%"; null for the default), keeps it, applies it to the open case. */
  setMemorySetting: (limit: string | null) => invoke<MemoryBudget>("set_memory_setting", { limit }),
  /** Every job's end: done, cancelled or failed (with the sentence). */
  onJobFinished: (f: (p: JobFinished) => void): Promise<UnlistenFn> =>
    listen<JobFinished>("job-finished", (e) => f(e.payload)),
  /** Cancels the running (or waiting) jobs of a kind; each stops and leaves the case as it was. */
  cancelJob: (kind: JobKind) => invoke<void>("job_cancel", { kind }),
  signingKeys: () => invoke<KeyInfo[]>("signing_keys"),
  newSigningKey: (name: string) => invoke<KeyInfo>("new_signing_key", { name }),
};
