import { useEffect, useState } from "react";
import { Alert } from "./Alert";
import { backend, errorText, type MemoryBudget } from "./backend";
import { formatInstant, knownZone, offsetMinutes, offsetText, systemZone } from "./zone";

/** Every IANA zone this platform knows, for the zone field's suggestions. */
const ZONES: string[] = Intl.supportedValuesOf("timeZone");

/** Bytes in GiB, as the engine writes its budget ("3.0 GiB"). */
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

const ORIGIN_TEXT: Record<MemoryBudget["origin"], string> = {
  set: "set here",
  environment: "from CASEFILE_MEMORY_LIMIT",
  default: "the default: half of this machine's memory",
};

/** The app's settings, kept for next time: the embedded engine's memory budget, and the zone times
 * are shown in. */
export function SettingsPanel({
  onClose,
  zone,
  onZone,
}: {
  onClose: () => void;
  zone: string;
  onZone: (setting: string) => void;
}) {
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
      <ZoneSetting zone={zone} onZone={onZone} onError={setError} />
      <Alert message={error} onDismiss={() => setError(null)} />
    </section>
  );
}

/** Which zone times are shown in: UTC, this computer's, or any IANA zone. */
function ZoneSetting({
  zone,
  onZone,
  onError,
}: {
  zone: string;
  onZone: (setting: string) => void;
  onError: (message: string | null) => void;
}) {
  const system = systemZone();
  const [choice, setChoice] = useState(zone === "UTC" ? "utc" : zone === system ? "system" : "other");
  const [name, setName] = useState(zone === "UTC" || zone === system ? "" : zone);
  // The example instant is when the panel opened.
  const [now] = useState(() => Date.now());

  async function apply() {
    const setting = choice === "other" ? name.trim() : choice;
    if (choice === "other" && !knownZone(setting)) {
      onError(`"${setting}" is not a time zone this computer knows: type a name such as Europe/London or America/New_York.`);
      return;
    }
    onError(null);
    try {
      await backend.setTimeZoneSetting(setting);
      onZone(setting);
    } catch (e) {
      onError(errorText(e));
    }
  }

  return (
    <>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void apply();
        }}
      >
        <label htmlFor="time-zone">Show times in</label>
        <select id="time-zone" aria-label="Time zone" value={choice} onChange={(e) => setChoice(e.target.value)}>
          <option value="utc">UTC</option>
          <option value="system">This computer's zone ({system})</option>
          <option value="other">Another zone…</option>
        </select>
        {choice === "other" && (
          <>
            <input
              aria-label="Zone name"
              list="zone-names"
              placeholder="Europe/London"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
            <datalist id="zone-names">
              {ZONES.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </>
        )}
        <button type="submit" data-testid="apply-zone">
          Apply
        </button>
      </form>
      <p className="muted small" data-testid="zone-in-force">
        Times are shown in {zone}
        {zone === "UTC" ? "" : ` (now ${offsetText(offsetMinutes(now, zone))}; e.g. ${formatInstant(now * 1000, "minute", zone)})`}.
        They are kept in UTC: exports, the CLI and bundles write UTC (RFC 3339, ending in Z).
      </p>
    </>
  );
}
