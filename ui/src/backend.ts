// The one module that talks to the Tauri backend. Screens import from here, never from
// @tauri-apps/* directly, so they can be tested with a fake backend.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

export type Axis = "recorded" | "occurred";
export type View = "as_corrected" | "as_recorded";

/** An error as the engine reports it: a stable code and a sentence. */
export interface BackendError {
  code: string;
  message: string;
}

export function isBackendError(e: unknown): e is BackendError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

export interface CaseInfo {
  path: string;
  events: number;
  streams: number;
  first_at: string | null;
  last_at: string | null;
}

export interface Bucket {
  start: string;
  end: string;
  count: number;
}

export interface Timeline {
  axis: Axis;
  from: string | null;
  to: string | null;
  bucket_micros: number;
  total: number;
  buckets: Bucket[];
}

export interface StreamState {
  stream_id: string;
  at: string;
  axis: Axis;
  view: View;
  version: number | null;
  last_event_id: string | null;
  events_applied: number;
  events_seen: number;
  exists: boolean;
  state: Record<string, unknown>;
}

export interface ImportProgress {
  path: string;
  phase: string;
  bytes_done: number;
  bytes_total: number;
  rows: number;
}

export interface SourceReport {
  path: string;
  sha256: string;
  format: string;
  rows_read: number;
  rows_loaded: number;
  rows_quarantined: number;
  duplicates: number;
  message: string;
}

export interface Finding {
  kind: string;
  stream_id: string | null;
  event_id: string | null;
  message: string;
}

export interface ImportReport {
  sources: SourceReport[];
  findings: Finding[];
  findings_total: number;
}

export interface StreamSummary {
  stream_id: string;
  stream_type: string | null;
  events: number;
}

export interface Change {
  path: string;
  op: "add" | "remove" | "change";
  old: unknown;
  new: unknown;
}

export interface EventRecord {
  seq: number;
  event_id: string;
  stream_id: string;
  stream_type: string | null;
  event_type: string;
  occurred_at: string;
  recorded_at: string;
  actor: string | null;
  reason: string | null;
  causation_id: string | null;
  corrects: string | null;
  payload: unknown;
  metadata: unknown;
  source_id: number;
  source_row: number;
}

export interface HistoryStep {
  event: EventRecord;
  at: string;
  applied: boolean;
  notes: string[];
  exists: boolean;
  state: Record<string, unknown>;
  diff: Change[];
}

export interface History {
  stream_id: string;
  axis: Axis;
  view: View;
  steps: HistoryStep[];
}

export const backend = {
  openCase: (path: string) => invoke<CaseInfo>("open_case", { path }),
  caseInfo: () => invoke<CaseInfo>("case_info"),
  timeline: (buckets: number, axis: Axis, streamType?: string) =>
    invoke<Timeline>("timeline", { buckets, axis, streamType }),
  stateAt: (stream: string, at: number, axis: Axis, view: View) =>
    invoke<StreamState>("state_at", { stream, at, axis, view }),
  searchStreams: (text: string, streamType?: string) =>
    invoke<StreamSummary[]>("search_streams", { text, streamType }),
  history: (stream: string, axis: Axis, view: View) =>
    invoke<History>("history", { stream, axis, view }),
  importFiles: (paths: string[], format?: string) =>
    invoke<ImportReport>("import_files", { paths, format }),
  cancelImport: () => invoke<void>("cancel_import"),
  onImportProgress: (f: (p: ImportProgress) => void): Promise<UnlistenFn> =>
    listen<ImportProgress>("import-progress", (e) => f(e.payload)),
};
