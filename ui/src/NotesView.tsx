import { useCallback, useEffect, useState } from "react";
import { Alert } from "./Alert";
import { backend, errorText, type Note } from "./backend";
import type { Focus } from "./CaseShell";
import { parseMicros } from "./format";
import { anchorText, noteThreads } from "./notes";
import { useReadOnly } from "./readonly";
import { formatInstant } from "./zone";

interface Props {
  focus: Focus;
  onOpen: (f: Partial<Focus>) => void;
}

/** The case's notes: current versions with their edit history; add, edit (supersede), jump. */
export function NotesView({ focus, onOpen }: Props) {
  const [notes, setNotes] = useState<Note[]>([]);
  const [text, setText] = useState("");
  const [editing, setEditing] = useState<Note | null>(null);
  const [error, setError] = useState<string | null>(null);
  const readOnly = useReadOnly();
  const load = useCallback(() => {
    backend.listNotes().then(setNotes).catch((e) => setError(errorText(e)));
  }, []);
  useEffect(load, [load]);

  async function save() {
    setError(null);
    try {
      await backend.addNote(
        editing
          ? { body: text, at: null, axis: null, stream_id: null, event_id: null, supersedes: editing.note_id }
          : {
              body: text,
              at: focus.at || null,
              axis: focus.axis,
              stream_id: focus.stream,
              event_id: null,
              supersedes: null,
            },
      );
      setText("");
      setEditing(null);
      load();
    } catch (e) {
      setError(errorText(e));
    }
  }

  const threads = noteThreads(notes);
  return (
    <div className="notes-view">
      {readOnly ? (
        <p className="card muted">
          These are the investigator's notes as the bundle carries them; a bundle is read-only, so none can be added.
        </p>
      ) : (
        <section className="card">
          <h2>{editing ? `Edit note ${editing.note_id}` : "New note"}</h2>
          <p className="muted small">
            {editing
              ? "The edit is saved as a new note that supersedes this one; the original is kept."
              : `Bookmarks ${focus.stream ?? "the case"} at ${focus.at ? formatInstant(focus.at, "milli") : "no instant"} (${focus.axis} axis).`}
          </p>
          <textarea
            aria-label="Note text"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="What did you find?"
          />
          <div className="row">
            <button className="primary" onClick={save} disabled={!text.trim()} data-testid="save-note">
              {editing ? "Save edit" : "Add note"}
            </button>
            {editing && (
              <button
                onClick={() => {
                  setEditing(null);
                  setText("");
                }}
              >
                Cancel
              </button>
            )}
          </div>
          <Alert message={error} />
        </section>
      )}
      <section aria-label="Notes">
        {threads.length === 0 && <p className="muted card">No notes yet.</p>}
        {threads.map(({ current, earlier }) => (
          <article key={current.note_id} className="card note" data-testid="note">
            <header className="note-head">
              <strong>#{current.note_id}</strong>
              <span className="muted small">
                {formatInstant(current.created_at)} · {current.author}
                {current.view && (
                  <span
                    className={current.view.startsWith("operator") ? "tag warn" : "tag"}
                    data-testid="note-view"
                    title={`Written in the ${current.view} view`}
                  >
                    {current.view.startsWith("operator") ? "operator view" : "auditor view"}
                  </span>
                )}
              </span>
              <span className="small">{anchorText(current)}</span>
              <span className="spacer" />
              {current.at && (
                <button
                  className="link"
                  onClick={() =>
                    onOpen({
                      at: parseMicros(current.at!),
                      axis: current.axis ?? focus.axis,
                      ...(current.stream_id ? { stream: current.stream_id } : {}),
                    })
                  }
                >
                  Open on the timeline
                </button>
              )}
              <button
                className="link"
                onClick={() => {
                  setEditing(current);
                  setText(current.body);
                }}
              >
                Edit
              </button>
            </header>
            <p className="note-body">{current.body}</p>
            {earlier.length > 0 && (
              <details>
                <summary className="muted small">
                  {earlier.length} earlier {earlier.length === 1 ? "version" : "versions"}
                </summary>
                {earlier.map((n) => (
                  <p key={n.note_id} className="superseded">
                    <span className="muted small">
                      #{n.note_id} · {formatInstant(n.created_at)} ·{" "}
                    </span>
                    {n.body}
                  </p>
                ))}
              </details>
            )}
          </article>
        ))}
      </section>
    </div>
  );
}
