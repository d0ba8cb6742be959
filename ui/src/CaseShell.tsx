import { useCallback, useEffect, useMemo, useState } from "react";
import { Alert } from "./Alert";
import { backend, errorText, type Axis, type CaseInfo, type View } from "./backend";
import { DecisionsView } from "./DecisionsView";
import { DriftView } from "./DriftView";
import { formatCount } from "./format";
import { ImportView } from "./ImportView";
import { JobsIndicator } from "./JobsIndicator";
import { ModelsView } from "./ModelsView";
import { NotesView } from "./NotesView";
import { PopulationView } from "./PopulationView";
import { SqlView } from "./SqlView";
import { TimelineView } from "./TimelineView";
import { BundleView } from "./BundleView";
import { ReadOnlyContext } from "./readonly";
import { SettingsPanel } from "./SettingsPanel";
import { TrainsetView } from "./TrainsetView";
import { ViewSwitch } from "./ViewSwitch";

export type Tab =
  | "timeline"
  | "population"
  | "decisions"
  | "models"
  | "drift"
  | "trainset"
  | "import"
  | "notes"
  | "sql"
  | "bundle";

const TABS: { id: Tab; label: string; key: string }[] = [
  { id: "timeline", label: "Timeline", key: "1" },
  { id: "population", label: "Population", key: "2" },
  { id: "decisions", label: "Decisions", key: "3" },
  { id: "models", label: "Models", key: "0" },
  { id: "drift", label: "Drift", key: "4" },
  { id: "trainset", label: "Training set", key: "5" },
  { id: "import", label: "Import", key: "6" },
  { id: "notes", label: "Notes", key: "7" },
  { id: "sql", label: "SQL", key: "8" },
  { id: "bundle", label: "Bundle", key: "9" },
];

/** Where the investigator is looking: shared by every screen of an open case. */
export interface Focus {
  axis: Axis;
  view: View;
  /** The scrubber's instant, microseconds since the epoch (0 until the timeline sets it). */
  at: number;
  stream: string | null;
}

interface Props {
  info: CaseInfo;
  onInfo: (info: CaseInfo) => void;
  onClose: () => void;
  /** The display zone's IANA name, and choosing another ("utc", "system" or a name). */
  zone: string;
  onZone: (setting: string) => void;
}

/** An open case: the header (case, screens, time axis, corrections) and the current screen. */
export function CaseShell({ info, onInfo, onClose, zone, onZone }: Props) {
  const readOnly = info.bundle;
  const tabs = useMemo(() => (readOnly ? TABS.filter((t) => t.id !== "import") : TABS), [readOnly]);
  const [tab, setTab] = useState<Tab>(readOnly ? "bundle" : info.events === 0 ? "import" : "timeline");
  const [focus, setFocus] = useState<Focus>({
    axis: "recorded",
    view: "as_corrected",
    at: 0,
    stream: null,
  });
  const [error, setError] = useState<string | null>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  // What another screen opened the decision list or drift with: a new key remounts the screen,
  // which takes the start once and clears it (a later visit starts afresh).
  const [decisionsKey, setDecisionsKey] = useState(0);
  const [decisionsStart, setDecisionsStart] = useState<{ modelVersion: string } | null>(null);
  const [modelsKey, setModelsKey] = useState(0);
  const [modelsStart, setModelsStart] = useState<string | null>(null);
  const [driftKey, setDriftKey] = useState(0);
  const [driftStart, setDriftStart] = useState<{ a: string; b: string } | null>(null);
  const decisionsStarted = useCallback(() => setDecisionsStart(null), []);
  const driftStarted = useCallback(() => setDriftStart(null), []);
  const update = useCallback((f: Partial<Focus>) => setFocus((old) => ({ ...old, ...f })), []);
  const refresh = useCallback(() => {
    backend.caseInfo().then(onInfo).catch((e) => setError(errorText(e)));
  }, [onInfo]);
  // Every screen asks the engine again in the new view: the screen is remounted.
  const [viewKey, setViewKey] = useState(0);
  const changeView = useCallback(
    (switched: boolean) => {
      if (switched) {
        // An entity is named differently in the other view (by its pseudonym, or its real id).
        setViewKey((k) => k + 1);
        setFocus((old) => ({ ...old, stream: null }));
      }
      refresh();
    },
    [refresh],
  );
  const jump = useCallback(
    (f: Partial<Focus>) => {
      update(f);
      setTab("timeline");
    },
    [update],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey) return;
      const t = tabs.find((x) => x.key === e.key);
      if (t) {
        e.preventDefault();
        setTab(t.id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [tabs]);

  return (
    <ReadOnlyContext.Provider value={readOnly}>
      <div className="workspace">
        <header className="bar">
          <button className="ghost" onClick={onClose} aria-label="Close case" title="Close case">
            ←
          </button>
          <div className="case-title">
            <strong className="case-name" title={info.bundle ?? info.path}>
              {info.path.split("/").pop()}
            </strong>
            <span className="muted small">
              {readOnly && (
                <span
                  className="tag read-only"
                  data-testid="read-only"
                  title="A bundle opened read-only: nothing can be added or changed"
                >
                  read-only bundle
                </span>
              )}{" "}
              {formatCount(info.events)} events · {formatCount(info.streams)} entities ·{" "}
              {info.sources.length} files
              {info.quarantined > 0 && ` · ${formatCount(info.quarantined)} quarantined`}
            </span>
          </div>
          <nav className="tabs" role="tablist" aria-label="Screens">
            {tabs.map((t) => (
              <button
                key={t.id}
                role="tab"
                aria-selected={tab === t.id}
                onClick={() => setTab(t.id)}
                title={`${t.label} (Alt+${t.key})`}
              >
                {t.label}
              </button>
            ))}
          </nav>
          <div className="toggles">
            <div role="group" aria-label="Time axis" className="segmented">
              <button
                aria-pressed={focus.axis === "recorded"}
                onClick={() => update({ axis: "recorded" })}
                title="Recorded axis: what the system knew at each instant"
              >
                What the system knew
              </button>
              <button
                aria-pressed={focus.axis === "occurred"}
                onClick={() => update({ axis: "occurred" })}
                title="Occurred axis: what was true in the world at each instant"
              >
                What was true
              </button>
            </div>
            <div role="group" aria-label="Corrections" className="segmented">
              <button
                aria-pressed={focus.view === "as_corrected"}
                onClick={() => update({ view: "as_corrected" })}
                title="Corrections amend what they correct"
              >
                As corrected
              </button>
              <button
                aria-pressed={focus.view === "as_recorded"}
                onClick={() => update({ view: "as_recorded" })}
                title="Every event as it was recorded, mistakes included"
              >
                As recorded
              </button>
            </div>
          </div>
          {info.view && <ViewSwitch view={info.view} readOnly={!!readOnly} onChanged={changeView} />}
          <JobsIndicator />
          <button
            className="ghost"
            onClick={() => setSettingsOpen((o) => !o)}
            aria-label="Settings"
            title="Settings"
            aria-pressed={settingsOpen}
            data-testid="settings"
          >
            ⚙
          </button>
        </header>
        {settingsOpen && <SettingsPanel onClose={() => setSettingsOpen(false)} zone={zone} onZone={onZone} />}
        <Alert message={error} onDismiss={() => setError(null)} />
        <div className="screen" key={`${viewKey}-${zone}`}>
          {tab === "timeline" && <TimelineView info={info} focus={focus} update={update} />}
          {tab === "population" && <PopulationView info={info} focus={focus} onOpen={jump} />}
          {tab === "decisions" && (
            <DecisionsView
              key={decisionsKey}
              start={decisionsStart}
              onStarted={decisionsStarted}
              onOpen={jump}
              onOpenModel={(model, version) => {
                setModelsStart(`${model}|${version}`);
                setModelsKey((k) => k + 1);
                setTab("models");
              }}
            />
          )}
          {tab === "models" && (
            <ModelsView
              key={modelsKey}
              start={modelsStart}
              onDecisions={(modelVersion) => {
                setDecisionsStart({ modelVersion });
                setDecisionsKey((k) => k + 1);
                setTab("decisions");
              }}
              onDrift={(a, b) => {
                setDriftStart({ a, b });
                setDriftKey((k) => k + 1);
                setTab("drift");
              }}
            />
          )}
          {tab === "drift" && <DriftView key={driftKey} start={driftStart} onStarted={driftStarted} />}
          {tab === "trainset" && <TrainsetView casePath={info.path} />}
          {tab === "import" && <ImportView onImported={refresh} />}
          {tab === "notes" && <NotesView focus={focus} onOpen={jump} />}
          {tab === "sql" && <SqlView />}
          {tab === "bundle" && <BundleView info={info} />}
        </div>
      </div>
    </ReadOnlyContext.Provider>
  );
}
