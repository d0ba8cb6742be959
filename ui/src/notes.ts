// Notes are append-only: an edit is a new note that supersedes the old one. The notes screen shows
// the current version of each note with its earlier versions folded under it.
import type { Note } from "./backend";
import { formatInstant } from "./zone";

export interface NoteThread {
  current: Note;
  /** Earlier versions, newest first. */
  earlier: Note[];
}

/** One thread per chain of edits, newest chains first. */
export function noteThreads(notes: Note[]): NoteThread[] {
  const byId = new Map(notes.map((n) => [n.note_id, n]));
  const threads: NoteThread[] = [];
  for (const n of notes) {
    if (n.superseded_by !== null && byId.has(n.superseded_by)) continue;
    const earlier: Note[] = [];
    let back = n.supersedes;
    const seen = new Set([n.note_id]);
    while (back !== null && byId.has(back) && !seen.has(back)) {
      const prev = byId.get(back)!;
      earlier.push(prev);
      seen.add(back);
      back = prev.supersedes;
    }
    threads.push({ current: n, earlier });
  }
  return threads.sort((a, b) => b.current.note_id - a.current.note_id);
}

/** What a note points at, in words: "applicant-0005 · 2024-04-02 20:40:34 (recorded)". */
export function anchorText(n: Note): string {
  const parts: string[] = [];
  if (n.stream_id) parts.push(n.stream_id);
  if (n.event_id) parts.push(`event ${n.event_id}`);
  if (n.at) parts.push(`${formatInstant(n.at, "micro")}${n.axis ? ` (${n.axis})` : ""}`);
  return parts.join(" · ");
}
