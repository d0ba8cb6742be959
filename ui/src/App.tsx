import { useEffect, useState } from "react";
import { backend, errorText, type CaseInfo } from "./backend";
import { VerifyPanel } from "./BundleView";
import { CaseShell } from "./CaseShell";
import { markInteractive } from "./perf";
import { setDisplayZone } from "./zone";

/** The app: the start screen until a case is open, then the case. */
export function App() {
  const [info, setInfo] = useState<CaseInfo | null>(null);
  // The zone times are shown in (its IANA name); every screen reads it when it formats a time.
  const [zone, setZone] = useState("UTC");
  useEffect(() => {
    backend
      .timeZoneSetting()
      .then((s) => setZone(setDisplayZone(s)))
      .catch(() => {});
  }, []);
  const chooseZone = (setting: string) => setZone(setDisplayZone(setting));
  if (info)
    return (
      <CaseShell info={info} onInfo={setInfo} onClose={() => setInfo(null)} zone={zone} onZone={chooseZone} />
    );
  return <Start onOpen={setInfo} />;
}

/** The start screen: new case, open case, the bundled sample, recent cases. */
function Start({ onOpen }: { onOpen: (info: CaseInfo) => void }) {
  const [recent, setRecent] = useState<string[]>([]);
  const [path, setPath] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [verifying, setVerifying] = useState(false);

  useEffect(() => {
    backend.recentCases().then(setRecent).catch(() => setRecent([]));
    markInteractive();
    backend
      .takeLaunchRequest()
      .then((r) => {
        if (r?.kind === "sample") run("the lending sample", backend.openSampleCase);
        else if (r?.kind === "case") run(r.path, () => backend.openCase(r.path));
      })
      .catch(() => undefined);
    // Runs once, when the start screen first shows.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function run(label: string, open: () => Promise<CaseInfo>) {
    setError(null);
    setBusy(label);
    try {
      onOpen(await open());
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  }

  async function pickThen(pick: "open_case" | "new_case") {
    setError(null);
    try {
      const [chosen] = await backend.pickFiles(pick);
      if (!chosen) return;
      await run(chosen, () => (pick === "new_case" ? backend.newCase(chosen) : backend.openCase(chosen)));
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <main className="start">
      <div className="brand">
        <span className="logo" aria-hidden>
          ◧
        </span>
        <div>
          <h1>Casefile</h1>
          <p className="tagline">Why did the AI decide that? Open a case and find out.</p>
        </div>
      </div>
      <div className="start-actions">
        <button className="primary" onClick={() => pickThen("new_case")}>
          New case…
        </button>
        <button onClick={() => pickThen("open_case")}>Open case or bundle…</button>
        <button onClick={() => setVerifying((v) => !v)} aria-expanded={verifying} data-testid="start-verify">
          Verify a bundle…
        </button>
        <button
          data-testid="open-sample"
          onClick={() => run("the lending sample", backend.openSampleCase)}
        >
          Open the lending sample
        </button>
      </div>
      <form
        className="open-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (path) run(path, () => backend.openCase(path));
        }}
      >
        <input
          aria-label="Case file path"
          placeholder="or type a path: /path/to/case.casefile or evidence.casebundle (opens read-only)"
          value={path}
          onChange={(e) => setPath(e.target.value)}
        />
        <button type="submit" disabled={!path}>
          Open
        </button>
      </form>
      {busy && (
        <p className="busy" role="status">
          <span className="spinner" aria-hidden /> Opening {busy}…
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {verifying && <VerifyPanel />}
      <section className="recent" aria-label="Recent cases">
        <h2>Recent cases</h2>
        {recent.length === 0 ? (
          <p className="muted">Cases you open appear here.</p>
        ) : (
          <ul>
            {recent.map((p) => (
              <li key={p}>
                <button onClick={() => run(p, () => backend.openCase(p))} title={p}>
                  <strong>{p.split("/").pop()}</strong>
                  <span className="muted">{p}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
