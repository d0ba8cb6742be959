import { useCallback, useEffect, useRef, useState } from "react";
import { Alert } from "./Alert";
import {
  backend,
  errorText,
  type BundleExportReport,
  type JobProgress,
  type CaseInfo,
  type KeyInfo,
  type VerifyReport,
  type DisclosureSummary,
} from "./backend";
import {
  bundleRequest,
  EMPTY_EXPORT_FORM,
  formatBytes,
  shortFingerprint,
  verdict,
  type ExportForm,
  type ScopeKind,
} from "./bundle";
import { formatCount } from "./format";
import { LakeExportPanel } from "./LakeExportPanel";
import { percent } from "./progress";
import { useJob } from "./useJob";

/** A progress bar for bundle work, with its Cancel. */
function Progress({ progress, label, onCancel }: { progress: JobProgress | null; label: string; onCancel: () => void }) {
  const bytes = progress?.phase.startsWith("packing") || progress?.phase.startsWith("checking");
  return (
    <div className="bundle-progress" role="status" aria-label={label}>
      <p className="small">
        {progress
          ? `${progress.phase}: ${bytes ? formatBytes(progress.done) : formatCount(progress.done)} of ${bytes ? formatBytes(progress.total) : formatCount(progress.total)}`
          : "Starting…"}
      </p>
      <progress max={100} value={percent(progress?.done ?? 0, progress?.total ?? 0)} />
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** A path typed or chosen with a native dialog, with any further buttons after it. */
function PathField(props: {
  label: string;
  value: string;
  placeholder: string;
  onChange: (v: string) => void;
  onChoose: () => void;
  children?: React.ReactNode;
}) {
  return (
    <span className="row">
      <input
        aria-label={props.label}
        className="grow"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        placeholder={props.placeholder}
      />
      <button type="button" onClick={props.onChoose}>
        Choose…
      </button>
      {props.children}
    </span>
  );
}

/** Which fields the bundle's events do not show as they were: each still committed under the signed root. */
function DisclosureTable({ disclosure }: { disclosure: DisclosureSummary }) {
  const total = disclosure.events_whole + disclosure.events_redacted;
  return (
    <div className="disclosure" data-testid="verify-disclosure">
      <h4>Fields shown and held back</h4>
      <p className="muted small">
        {formatCount(disclosure.events_whole)} of {formatCount(total)} events show every field as it was.{" "}
        {disclosure.events_redacted > 0 &&
          `In ${formatCount(disclosure.events_redacted)}, the fields below are withheld, pseudonymized or erased; each keeps its salted commitment, so the root is the one signed for the whole case and a field disclosed later can be proven the original.`}
      </p>
      {disclosure.fields.length > 0 && (
        <table className="plain" aria-label="Fields not shown as they were">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col" className="num">
                Withheld
              </th>
              <th scope="col" className="num">
                Pseudonymized
              </th>
              <th scope="col" className="num">
                Erased
              </th>
            </tr>
          </thead>
          <tbody>
            {disclosure.fields.slice(0, 50).map((f) => (
              <tr key={f.pointer}>
                <td>
                  <code>{f.pointer}</code>
                </td>
                <td className="num">{f.withheld ? formatCount(f.withheld) : "–"}</td>
                <td className="num">{f.pseudonymized ? formatCount(f.pseudonymized) : "–"}</td>
                <td className="num">{f.erased ? formatCount(f.erased) : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {disclosure.fields.length > 50 && <p className="muted small">… and {disclosure.fields.length - 50} more fields.</p>}
    </div>
  );
}

/** The verification of one bundle: green or red at a glance, then what was checked and what failed. */
export function VerifyPanel({ initialPath, autoRun = false }: { initialPath?: string; autoRun?: boolean }) {
  const [path, setPath] = useState(initialPath ?? "");
  const [key, setKey] = useState("");
  const [allowUnsigned, setAllowUnsigned] = useState(false);
  const job = useJob("bundle_verify");
  const { running, progress, run: runJob } = job;
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = useCallback(
    async (target: string) => {
      if (!target.trim()) {
        setError("Name the bundle to verify, or choose it.");
        return;
      }
      setError(null);
      setReport(null);
      try {
        setReport(await runJob(() => backend.bundleVerify(target.trim(), key.trim() || null, allowUnsigned)));
      } catch (e) {
        setError(errorText(e));
      }
    },
    [key, allowUnsigned, runJob],
  );

  const started = useRef(false);
  useEffect(() => {
    if (autoRun && initialPath && !started.current) {
      started.current = true;
      void run(initialPath);
    }
  }, [autoRun, initialPath, run]);

  async function choose(kind: "bundle" | "public_key") {
    try {
      const [chosen] = await backend.pickFiles(kind);
      if (chosen) (kind === "bundle" ? setPath : setKey)(chosen);
    } catch (e) {
      setError(errorText(e));
    }
  }

  const v = report ? verdict(report) : null;
  const m = report?.manifest;
  return (
    <section className="card bundle-verify" aria-label="Verify a bundle">
      <h3>Verify a bundle</h3>
      <form
        className="bundle-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run(path);
        }}
      >
        <label>
          Bundle
          <PathField
            label="Bundle to verify"
            value={path}
            onChange={setPath}
            placeholder="/path/to/evidence.casebundle"
            onChoose={() => choose("bundle")}
          />
        </label>
        <label>
          Expected signer <span className="muted small">(optional: the investigator's .pub file, key name or fingerprint)</span>
          <PathField
            label="Expected key"
            value={key}
            onChange={setKey}
            placeholder="investigator.pub or SHA256:…"
            onChoose={() => choose("public_key")}
          />
        </label>
        <div className="row">
          <label className="check">
            <input type="checkbox" checked={allowUnsigned} onChange={(e) => setAllowUnsigned(e.target.checked)} /> Accept an
            unsigned bundle
          </label>
          <span className="grow" />
          <button type="submit" className="primary" disabled={running} data-testid="verify-bundle">
            {running ? "Verifying…" : "Verify"}
          </button>
        </div>
      </form>
      <Alert message={error} onDismiss={() => setError(null)} />
      {running && <Progress progress={progress} label="Verification progress" onCancel={job.cancel} />}
      {report && v && (
        <div className="verify-result">
          <div className={v.ok ? "verdict-banner good" : "verdict-banner bad"} data-testid="verify-verdict" data-ok={v.ok}>
            <span className="verdict-mark" aria-hidden>
              {v.ok ? "✓" : "✗"}
            </span>
            <div>
              <strong>{v.headline}</strong>
              <p>{v.detail}</p>
            </div>
          </div>
          <dl className="verify-facts">
            <dt>Signer</dt>
            <dd data-testid="verify-signer" title={report.signature.signer ?? undefined}>
              {report.signature.signer ? (
                <>
                  <code>{shortFingerprint(report.signature.signer)}</code>{" "}
                  {report.signature.valid ? (
                    <span className="ok">signature valid</span>
                  ) : (
                    <span className="error">signature not valid</span>
                  )}
                  {report.signature.expected &&
                    (report.signature.expected === report.signature.signer ? (
                      <span className="ok"> · the expected key</span>
                    ) : (
                      <span className="error"> · not the expected key</span>
                    ))}
                </>
              ) : (
                <span className="error">not signed</span>
              )}
            </dd>
            <dt>Merkle root</dt>
            <dd>
              <code title={report.merkle_root ?? undefined}>{report.merkle_root ? `${report.merkle_root.slice(0, 24)}…` : "–"}</code>
            </dd>
            {m && (
              <>
                <dt>Made</dt>
                <dd>
                  {m.created_at} by {m.created_by} with {m.tool_version}, from {m.case_name}
                </dd>
                <dt>Scope</dt>
                <dd>
                  {m.scope.kind === "case" ? "the whole case" : `chosen ${m.scope.kind}`}
                  {m.scope.from || m.scope.to ? `, ${m.scope.from ?? "…"} to ${m.scope.to ?? "…"} (${m.scope.axis})` : ""} ·{" "}
                  {formatCount(m.events.count)} events, {formatCount(m.scope.stream_count)} streams, {m.scope.notes} notes,{" "}
                  {m.scope.findings} findings
                </dd>
                <dt>Redaction</dt>
                <dd>
                  {m.redaction.profile === "none" ? "no profile" : `profile “${m.redaction.profile}”`} ·{" "}
                  {formatCount(m.redaction.counts.values_dropped)} values dropped,{" "}
                  {formatCount(m.redaction.counts.values_pseudonymized)} pseudonymized ·{" "}
                  {m.redaction.erasures.length} {m.redaction.erasures.length === 1 ? "subject" : "subjects"} erased
                </dd>
              </>
            )}
          </dl>
          {report.problems.length > 0 && (
            <>
              <h4 className="error">What failed</h4>
              <ul className="verify-list bad" data-testid="verify-problems">
                {report.problems.map((p, i) => (
                  <li key={i}>
                    <span aria-hidden>✗</span> {p.file && <code>{p.file}</code>} {p.event_id && <code>event {p.event_id}</code>}{" "}
                    {p.message}
                  </li>
                ))}
              </ul>
            </>
          )}
          {report.disclosure && <DisclosureTable disclosure={report.disclosure} />}
          <h4>What was checked</h4>
          <ul className="verify-list good" data-testid="verify-checked">
            {report.checked.map((c, i) => (
              <li key={i}>
                <span aria-hidden>✓</span> {c}
              </li>
            ))}
          </ul>
          <p className="muted small">
            {formatBytes(report.bytes)} read from {report.path}
          </p>
        </div>
      )}
    </section>
  );
}

const SCOPES: { id: ScopeKind; label: string; hint: string }[] = [
  { id: "case", label: "The whole case", hint: "" },
  { id: "streams", label: "Chosen streams", hint: "applicant-0005, applicant-0018" },
  { id: "decisions", label: "Chosen decisions", hint: "dec-0005 (with their subjects, models and context)" },
];

/** The export wizard: scope, redaction, signing, where; then progress and what was written. */
function ExportPanel({ onVerify }: { onVerify: (path: string) => void }) {
  const [form, setForm] = useState<ExportForm>(EMPTY_EXPORT_FORM);
  const [keys, setKeys] = useState<KeyInfo[]>([]);
  const [newKey, setNewKey] = useState("");
  const job = useJob("bundle_export");
  const { running, progress } = job;
  const [report, setReport] = useState<BundleExportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const set = (f: Partial<ExportForm>) => setForm((old) => ({ ...old, ...f }));

  useEffect(() => {
    backend
      .signingKeys()
      .then((k) => {
        setKeys(k);
        if (k.length > 0) setForm((old) => (old.key ? old : { ...old, key: k[0].name }));
      })
      .catch((e) => setError(errorText(e)));
  }, []);

  async function createKey() {
    setError(null);
    try {
      const k = await backend.newSigningKey(newKey.trim());
      setKeys((old) => [...old, k].sort((a, b) => a.name.localeCompare(b.name)));
      set({ key: k.name });
      setNewKey("");
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function pick(kind: "profile" | "save_bundle" | "report") {
    try {
      const [chosen] = await backend.pickFiles(kind);
      if (!chosen) return;
      if (kind === "profile") set({ profile: chosen });
      else if (kind === "save_bundle") set({ out: chosen });
      else setForm((old) => ({ ...old, attach: old.attach.trim() ? `${old.attach.trim()}, ${chosen}` : chosen }));
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function exportBundle() {
    const request = bundleRequest(form);
    if (typeof request === "string") {
      setError(request);
      return;
    }
    setError(null);
    setReport(null);
    try {
      setReport(await job.run(() => backend.bundleExport(request)));
    } catch (e) {
      setError(errorText(e));
    }
  }

  const chosenKey = keys.find((k) => k.name === form.key);
  return (
    <section className="card bundle-export" aria-label="Export a bundle">
      <h3>Export a case bundle</h3>
      <p className="muted small">
        One file for a regulator: the events (JSONL and Parquet), custody, notes, findings and reports, with every file's
        SHA-256 and a Merkle root over the events in a manifest you sign.
      </p>
      <ol className="wizard">
        <li>
          <h4>Scope</h4>
          <div role="radiogroup" aria-label="Scope" className="segmented">
            {SCOPES.map((s) => (
              <button
                key={s.id}
                type="button"
                role="radio"
                aria-checked={form.scope === s.id}
                aria-pressed={form.scope === s.id}
                onClick={() => set({ scope: s.id })}
              >
                {s.label}
              </button>
            ))}
          </div>
          {form.scope !== "case" && (
            <input
              aria-label="Ids to export"
              value={form.ids}
              onChange={(e) => set({ ids: e.target.value })}
              placeholder={SCOPES.find((s) => s.id === form.scope)?.hint}
            />
          )}
          <div className="row small">
            <span className="muted">Window (optional)</span>
            <input aria-label="Window from" value={form.from} onChange={(e) => set({ from: e.target.value })} placeholder="from 2024-03-01T00:00:00Z" />
            <input aria-label="Window to" value={form.to} onChange={(e) => set({ to: e.target.value })} placeholder="to 2024-06-30T23:59:59Z" />
            <select aria-label="Window axis" value={form.axis} onChange={(e) => set({ axis: e.target.value as ExportForm["axis"] })}>
              <option value="recorded">recorded time</option>
              <option value="occurred">occurred time</option>
            </select>
          </div>
        </li>
        <li>
          <h4>Redaction</h4>
          <PathField
            label="Redaction profile"
            value={form.profile}
            onChange={(profile) => set({ profile })}
            placeholder="none, or a profile: /path/to/regulator.toml"
            onChoose={() => pick("profile")}
          />
          <p className="muted small">
            A profile drops or pseudonymizes fields before anything is hashed, e.g.{" "}
            <code>drop = ["payload.ssn"]</code>, <code>pseudonymize = ["stream_id", "payload.name"]</code>. Subjects erased
            under GDPR always show their erased fields as <code>[erased]</code>.
          </p>
        </li>
        <li>
          <h4>Reports</h4>
          <PathField
            label="Reports to attach"
            value={form.attach}
            onChange={(attach) => set({ attach })}
            placeholder="optional: drift reports and others made earlier, separated by commas"
            onChoose={() => pick("report")}
          />
          <p className="muted small">
            {form.scope === "decisions"
              ? "Each chosen decision's explanation is added as HTML."
              : "Choose decisions as the scope to add their explanations as HTML."}
          </p>
        </li>
        <li>
          <h4>Signing</h4>
          <div className="row">
            <select aria-label="Signing key" value={form.key} onChange={(e) => set({ key: e.target.value })}>
              <option value="">Do not sign</option>
              {keys.map((k) => (
                <option key={k.name} value={k.name}>
                  {k.name}
                </option>
              ))}
            </select>
            {chosenKey && (
              <span className="muted small" data-testid="key-fingerprint" title={chosenKey.fingerprint}>
                {shortFingerprint(chosenKey.fingerprint)} · give <code>{chosenKey.public_key_path}</code> to whoever verifies
              </span>
            )}
          </div>
          <div className="row small">
            <input aria-label="New key name" value={newKey} onChange={(e) => setNewKey(e.target.value)} placeholder="new key name, e.g. jones" />
            <button type="button" onClick={createKey} disabled={!newKey.trim()} data-testid="create-key">
              Create key
            </button>
          </div>
        </li>
        <li>
          <h4>Where</h4>
          <PathField
            label="Bundle file"
            value={form.out}
            onChange={(out) => set({ out })}
            placeholder="/path/to/evidence.casebundle"
            onChoose={() => pick("save_bundle")}
          >
            <button type="button" className="primary" onClick={exportBundle} disabled={running} data-testid="export-bundle">
              {running ? "Exporting…" : "Export bundle"}
            </button>
          </PathField>
        </li>
      </ol>
      <Alert message={error} onDismiss={() => setError(null)} />
      {running && <Progress progress={progress} label="Export progress" onCancel={job.cancel} />}
      {report && (
        <div className="export-result" data-testid="bundle-written">
          <p className="ok">
            <strong>Wrote {report.path}</strong> ({formatBytes(report.size_bytes)}): {formatCount(report.events)} events
            from {formatCount(report.scope.stream_count)} streams, {report.files.length} files.
          </p>
          <p className="small">
            Merkle root <code data-testid="bundle-root">{report.merkle_root}</code>
            <br />
            {report.signed_by ? (
              <>
                Signed by <code>{report.signed_by}</code>
              </>
            ) : (
              "Not signed."
            )}{" "}
            · redaction “{report.redaction.profile}”: {formatCount(report.redaction.counts.values_dropped)} dropped,{" "}
            {formatCount(report.redaction.counts.values_pseudonymized)} pseudonymized,{" "}
            {formatCount(report.redaction.counts.values_erased)} erased
          </p>
          <button type="button" onClick={() => onVerify(report.path)} data-testid="verify-written">
            Verify it now
          </button>
        </div>
      )}
    </section>
  );
}

/** The Bundle screen: export the case (not for a bundle, which is read-only) and verify bundles. */
export function BundleView({ info }: { info: CaseInfo }) {
  const [verifying, setVerifying] = useState<{ path: string; n: number } | null>(
    info.bundle ? { path: info.bundle, n: 0 } : null,
  );
  return (
    <div className="bundle-view">
      {info.bundle ? (
        <p className="card read-only-note">
          This case is the bundle <code>{info.bundle}</code>, opened read-only: every screen reads it, nothing can be
          added to it or changed in it.
        </p>
      ) : (
        <ExportPanel onVerify={(path) => setVerifying((old) => ({ path, n: (old?.n ?? 0) + 1 }))} />
      )}
      <VerifyPanel
        key={verifying ? `${verifying.path}#${verifying.n}` : "empty"}
        initialPath={verifying?.path}
        autoRun={verifying !== null}
      />
      <LakeExportPanel />
    </div>
  );
}
