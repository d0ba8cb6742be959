import { useEffect, useState } from "react";
import { Alert } from "./Alert";
import { backend, errorText, type MemoryBudget } from "./backend";

/** Bytes in GiB, as the engine writes its budget ("3.0 GiB"). */
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

const ORIGIN_TEXT: Record<MemoryBudget["origin"], string> = {
  set: "set here",
  environment: "from CASEFILE_MEMORY_LIMIT",
  default: "the default: half of this machine's memory",
};

/** The app's settings: the embedded engine's memory budget, kept for next time. */
export function SettingsPanel({ onClose }: { onClose: () => void }) {
  const [budget, setBudget] = useState<MemoryBudget | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    backend
      .memorySetting()
      .then((b) => {
        setBudget(b);
        if (b.origin === "set") setText(b.text);
      })
      .catch((e) => setError(errorText(e)));
  }, []);

  async function save(limit: string | null) {
    setError(null);
    try {
      const b = await backend.setMemorySetting(limit);
      setBudget(b);
      setText(b.origin === "set" ? b.text : "");
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <section className="card settings" aria-label="Settings">
      <h3>Settings</h3>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void save(text);
        }}
      >
        <label htmlFor="memory-limit">Memory for the embedded engine</label>
        <input
          id="memory-limit"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="e.g. 4GB or 50%"
          data-testid="memory-limit"
        />
        <button type="submit" className="primary">
          Apply
        </button>
        <button type="button" onClick={() => void save(null)}>
          Use the default
        </button>
        <button type="button" className="ghost" onClick={onClose}>
          Close
        </button>
      </form>
      {budget && (
        <p className="muted small" data-testid="memory-budget">
          In force: {budget.text} ({ORIGIN_TEXT[budget.origin]}) of {gib(budget.machine_bytes)}. Past it,
          long work spills to disk beside the case instead of taking more memory.
        </p>
      )}
      <Alert message={error} onDismiss={() => setError(null)} />
    </section>
  );
}
