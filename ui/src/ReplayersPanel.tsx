import { useState } from "react";
import { Alert } from "./Alert";
import { backend, errorText, type Replayer } from "./backend";
import { splitArgs, type ReplayerStart } from "./decisions";

interface Props {
  replayers: Replayer[];
  /** Model versions in the case, offered as suggestions. */
  versions: string[];
  onChanged: () => void;
  onClose: () => void;
  /** What the form starts with, when an error's action opened it (the version missing a replayer). */
  start?: ReplayerStart;
}

/**
 * The programs that decide again, configured here by the investigator (never taken from the log).
 * Each reads one decision request as JSON on stdin and answers JSON on stdout; it runs without a shell.
 */
export function ReplayersPanel({ replayers, versions, onChanged, onClose, start }: Props) {
  const [name, setName] = useState(start?.name ?? "");
  const [model, setModel] = useState(start?.model ?? "");
  const [version, setVersion] = useState(start?.version ?? "");
  const [command, setCommand] = useState(start?.command ?? "");
  const [args, setArgs] = useState(start?.args ?? "");
  const [timeoutMs, setTimeoutMs] = useState(10000);
  const [tolerance, setTolerance] = useState(0);
  const [concurrency, setConcurrency] = useState(2);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  async function add() {
    setError(null);
    setSaved(null);
    try {
      const r = await backend.addReplayer({
        name: name.trim(),
        model: model.trim() || null,
        model_version: version.trim() || null,
        command: command.trim(),
        args: splitArgs(args),
        timeout_ms: timeoutMs,
        tolerance,
        concurrency,
        compare: [],
      });
      setSaved(`Replayer “${r.name}” saved: ${r.command}.`);
      setName("");
      onChanged();
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function browse() {
    try {
      const [path] = await backend.pickFiles("program");
      if (path) setCommand(path);
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <section className="card replayers" aria-label="Replayers">
      <div className="panel-head">
        <h3 className="grow">Replayers</h3>
        <button className="link" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted small">
        A replayer is a program you trust that decides again: it reads the decision request as JSON on
        stdin and prints its answer as JSON on stdout. It runs directly (no shell), with a time limit;
        nothing from the log is ever run.
      </p>
      {replayers.length === 0 ? (
        <p className="muted">No replayer yet.</p>
      ) : (
        <table className="compare" aria-label="Configured replayers">
          <thead>
            <tr>
              <th>Name</th>
              <th>Replays</th>
              <th>Program</th>
              <th>Limits</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {replayers.map((r) => (
              <tr key={r.name}>
                <th>{r.name}</th>
                <td>
                  {r.model ?? "any model"} {r.model_version ?? "any version"}
                </td>
                <td className="mono small">
                  {r.command} {r.args.join(" ")}
                </td>
                <td className="small">
                  {r.timeout_ms} ms · {r.concurrency} at once{r.tolerance > 0 ? ` · ±${r.tolerance}` : ""}
                </td>
                <td>
                  <button
                    className="link"
                    onClick={() =>
                      backend
                        .removeReplayer(r.name)
                        .then(onChanged)
                        .catch((e) => setError(errorText(e)))
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="replayer-form"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <label>
          Name <input aria-label="Replayer name" value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Model <input aria-label="Replayer model" value={model} onChange={(e) => setModel(e.target.value)} placeholder="any" />
        </label>
        <label>
          Version{" "}
          <input
            aria-label="Replayer model version"
            list="replayer-versions"
            value={version}
            onChange={(e) => setVersion(e.target.value)}
            placeholder="any"
          />
          <datalist id="replayer-versions">
            {versions.map((v) => (
              <option key={v} value={v} />
            ))}
          </datalist>
        </label>
        <label className="wide">
          Program{" "}
          <input
            aria-label="Replayer program"
            value={command}
            onChange={(e) => setCommand(e.target.value)}
            placeholder="/path/to/scorer"
            required
          />
          <button type="button" onClick={browse}>
            Browse…
          </button>
        </label>
        <label className="wide">
          Arguments{" "}
          <input
            aria-label="Replayer arguments"
            value={args}
            onChange={(e) => setArgs(e.target.value)}
            placeholder='--model-version v2.4.0 (use "quotes" to keep spaces)'
          />
        </label>
        <label>
          Time limit (ms){" "}
          <input type="number" min={1} value={timeoutMs} onChange={(e) => setTimeoutMs(Number(e.target.value))} />
        </label>
        <label>
          Numeric tolerance{" "}
          <input type="number" min={0} step="any" value={tolerance} onChange={(e) => setTolerance(Number(e.target.value))} />
        </label>
        <label>
          At once{" "}
          <input type="number" min={1} max={16} value={concurrency} onChange={(e) => setConcurrency(Number(e.target.value))} />
        </label>
        <button type="submit" className="primary">
          Save replayer
        </button>
      </form>
      <Alert message={error} onDismiss={() => setError(null)} />
      {saved && (
        <p className="ok small" role="status">
          {saved}
        </p>
      )}
    </section>
  );
}
