import { useEffect, useRef, useState } from "react";
import { Alert } from "./Alert";
import { backend, errorText, type ViewInfo } from "./backend";

/** The view in force, in the header: who the case is shown to, and switching it. The engine
 * applies the operator view's mask to every screen, SQL and export; this only asks for it. */
export function ViewSwitch({
  view,
  readOnly,
  onChanged,
}: {
  view: ViewInfo;
  readOnly: boolean;
  /** After a change; `switched` when the view itself changed. */
  onChanged: (switched: boolean) => void;
}) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [profilePath, setProfilePath] = useState("");
  const box = useRef<HTMLDivElement>(null);
  const operator = view.viewer === "operator";
  const profile = view.operator_profile;

  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    window.addEventListener("mousedown", away);
    window.addEventListener("keydown", esc);
    return () => {
      window.removeEventListener("mousedown", away);
      window.removeEventListener("keydown", esc);
    };
  }, [open]);

  /** Runs a change; a switch of view closes the menu, a change of profile keeps it open on it. */
  async function run(action: () => Promise<unknown>, close = true) {
    setError(null);
    try {
      await action();
      setConfirming(false);
      if (close) setOpen(false);
      setProfilePath("");
      onChanged(close);
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function chooseProfile() {
    const [path] = await backend.pickFiles("profile");
    if (path) await run(() => backend.setOperatorProfile(path), false);
  }

  // A profile by its path, typed or chosen in the file dialog.
  const profileChooser = !readOnly && (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        if (profilePath.trim()) void run(() => backend.setOperatorProfile(profilePath.trim()), false);
      }}
    >
      <input
        aria-label="Operator profile"
        placeholder="operator-profile.toml"
        value={profilePath}
        onChange={(e) => setProfilePath(e.target.value)}
      />
      <button type="submit" data-testid="set-operator-profile" disabled={!profilePath.trim()}>
        {profile ? "Replace the profile" : "Use this profile"}
      </button>
      <button type="button" className="ghost" onClick={chooseProfile}>
        Choose…
      </button>
    </form>
  );

  return (
    <div className="view-switch" ref={box}>
      <button
        type="button"
        className={operator ? "view-chip operator" : "view-chip"}
        data-testid="view-chip"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        title={
          operator
            ? `Operator view: masked by the profile ${profile?.name ?? ""}`
            : "Auditor view: every record as it was loaded"
        }
      >
        {operator ? `Operator view · ${profile?.name ?? ""}` : "Auditor view"}
      </button>
      {open && (
        <div className="view-menu card" role="dialog" aria-label="View" data-testid="view-menu">
          {operator && profile ? (
            <>
              <p>
                <strong>Operator view.</strong> Every screen, SQL result and export is masked by the
                profile <strong>{profile.name}</strong>; notes and bundles record that they were made
                in it.
              </p>
              <ProfileRules profile={profile} />
              {confirming ? (
                <p className="row">
                  <span>Show every record unmasked? This is recorded with each note and export.</span>
                  <button
                    type="button"
                    data-testid="view-auditor-confirm"
                    onClick={() => run(() => backend.setViewer("auditor"))}
                  >
                    Show the auditor view
                  </button>
                  <button type="button" className="ghost" onClick={() => setConfirming(false)}>
                    Cancel
                  </button>
                </p>
              ) : (
                <button type="button" data-testid="view-auditor" onClick={() => setConfirming(true)}>
                  Switch to the auditor view…
                </button>
              )}
            </>
          ) : (
            <>
              <p>
                <strong>Auditor view.</strong> Every record as it was loaded.
              </p>
              {profile ? (
                <>
                  <p className="muted small">Operator profile: {profile.name}</p>
                  <ProfileRules profile={profile} />
                  <p className="row">
                    <button
                      type="button"
                      data-testid="view-operator"
                      onClick={() => run(() => backend.setViewer("operator"))}
                    >
                      Switch to the operator view
                    </button>
                    {!readOnly && (
                      <button
                        type="button"
                        className="ghost"
                        data-testid="clear-operator-profile"
                        onClick={() => run(() => backend.clearOperatorProfile(), false)}
                      >
                        Remove the profile
                      </button>
                    )}
                  </p>
                  {profileChooser}
                </>
              ) : (
                <>
                  <p className="muted small">
                    No operator profile yet: a redaction profile (TOML) naming the fields to drop and
                    to pseudonymize.
                  </p>
                  {profileChooser}
                </>
              )}
            </>
          )}
          <Alert message={error} onDismiss={() => setError(null)} />
        </div>
      )}
    </div>
  );
}

function ProfileRules({ profile }: { profile: NonNullable<ViewInfo["operator_profile"]> }) {
  return (
    <dl className="verify-facts small" data-testid="view-rules">
      <dt>Dropped</dt>
      <dd>{profile.drop.length ? profile.drop.join(", ") : "nothing"}</dd>
      <dt>Pseudonymized</dt>
      <dd>{profile.pseudonymize.length ? profile.pseudonymize.join(", ") : "nothing"}</dd>
      <dt>Profile sha256</dt>
      <dd>
        <code>{profile.sha256.slice(0, 16)}…</code>
      </dd>
    </dl>
  );
}
