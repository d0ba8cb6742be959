import { useState } from "react";
import { backend, isBackendError, type CaseInfo } from "./backend";
import { Workspace } from "./Workspace";

// The start screen; the workspace screens come next (issue 4).
export function App() {
  const [path, setPath] = useState("");
  const [info, setInfo] = useState<CaseInfo | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (info) return <Workspace info={info} onClose={() => setInfo(null)} />;

  async function open() {
    setError(null);
    try {
      setInfo(await backend.openCase(path));
    } catch (e) {
      setError(isBackendError(e) ? e.message : String(e));
    }
  }

  return (
    <main className="start">
      <h1>Casefile</h1>
      <p className="tagline">Why did the AI decide that?</p>
      <div className="open-row">
        <input
          aria-label="Case file path"
          placeholder="/path/to/case.casefile"
          value={path}
          onChange={(e) => setPath(e.target.value)}
        />
        <button onClick={open} disabled={!path}>
          Open case
        </button>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
    </main>
  );
}
