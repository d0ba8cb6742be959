import { useEffect, useState } from "react";
import { backend, errorText, type EventDetail, type EventRecord } from "./backend";
import { exactTime, formatInstant } from "./zone";

interface Props {
  stream: string;
  eventId: string;
  onClose: () => void;
}

function EventLine({ e }: { e: EventRecord }) {
  return (
    <li>
      <code>{e.event_id}</code> {e.event_type}{" "}
      <span className="muted small">
        {e.stream_id} · recorded {formatInstant(e.recorded_at)}
        {e.actor ? ` · ${e.actor}` : ""}
      </span>
    </li>
  );
}

/** One event in full: who and why, payload, metadata, causation chain, corrections, provenance. */
export function EventDetailPanel({ stream, eventId, onClose }: Props) {
  const [detail, setDetail] = useState<EventDetail | null>(null);
  const [error, setError] = useState<string | null>(null);

  // The parent keys this panel by event, so a new event starts from empty state.
  useEffect(() => {
    backend.eventDetail(stream, eventId).then(setDetail, (e) => setError(errorText(e)));
  }, [stream, eventId]);

  if (error)
    return (
      <section className="detail" aria-label="Event detail">
        <p role="alert" className="error">
          {error}
        </p>
      </section>
    );
  if (!detail)
    return (
      <section className="detail muted" aria-label="Event detail">
        Loading event {eventId}…
      </section>
    );
  const e = detail.event;
  const src = detail.source;
  return (
    <section className="detail" aria-label="Event detail" data-testid="event-detail">
      <div className="detail-head">
        <h3>
          {e.event_type} <code className="muted">{e.event_id}</code>
        </h3>
        <button className="ghost" onClick={onClose} aria-label="Close event detail">
          ×
        </button>
      </div>
      <dl className="facts">
        <dt>Occurred</dt>
        <dd title={e.occurred_at} data-testid="occurred-at">
          {exactTime(e.occurred_at)}
        </dd>
        <dt>Recorded</dt>
        <dd title={e.recorded_at}>
          {exactTime(e.recorded_at)}
          {e.recorded_at_defaulted && <span className="tag">no recorded time in source</span>}
        </dd>
        <dt>Actor</dt>
        <dd>{e.actor ?? <span className="muted">not given</span>}</dd>
        <dt>Reason</dt>
        <dd>{e.reason ?? <span className="muted">not given</span>}</dd>
        <dt>Version</dt>
        <dd>
          stream v{e.stream_version ?? "–"} · schema v{e.schema_version}
        </dd>
        {e.correlation_id && (
          <>
            <dt>Correlation</dt>
            <dd>
              <code>{e.correlation_id}</code>
            </dd>
          </>
        )}
        <dt>Provenance</dt>
        <dd data-testid="provenance">
          {src ? (
            <>
              {src.file_name}, row {e.source_row}
              <div className="muted small">
                {src.format} · sha256 <code>{src.sha256.slice(0, 16)}…</code> · imported{" "}
                {formatInstant(src.imported_at)} by {src.imported_by}
              </div>
            </>
          ) : (
            `source ${e.source_id}, row ${e.source_row}`
          )}
        </dd>
      </dl>
      <div className="json-pair">
        <div>
          <h4>Payload</h4>
          <pre className="json">{JSON.stringify(e.payload, null, 2)}</pre>
        </div>
        <div>
          <h4>Metadata</h4>
          <pre className="json">{JSON.stringify(e.metadata, null, 2)}</pre>
        </div>
      </div>
      <h4>Causation chain</h4>
      {detail.caused_by.length === 0 && !detail.missing_cause ? (
        <p className="muted small">Nothing in the case caused this event.</p>
      ) : (
        <ol className="chain" data-testid="causation-chain">
          {detail.caused_by.map((c) => (
            <EventLine key={c.event_id} e={c} />
          ))}
          {detail.missing_cause && (
            <li className="warn">
              caused by <code>{detail.missing_cause}</code>, which is not in the case
            </li>
          )}
          {detail.chain_cut && !detail.missing_cause && <li className="muted">… chain cut</li>}
        </ol>
      )}
      {detail.caused.length > 0 && (
        <>
          <h4>Caused</h4>
          <ul className="chain">
            {detail.caused.map((c) => (
              <EventLine key={c.event_id} e={c} />
            ))}
          </ul>
        </>
      )}
      {(detail.corrects || detail.corrected_by.length > 0) && (
        <>
          <h4>Corrections</h4>
          <ul className="chain">
            {detail.corrects && (
              <li>
                corrects <code>{detail.corrects.event_id}</code> {detail.corrects.event_type}
              </li>
            )}
            {detail.corrected_by.map((c) => (
              <li key={c.event_id}>
                corrected by <code>{c.event_id}</code> {c.event_type}{" "}
                <span className="muted small">{c.reason ?? ""}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {detail.findings.length > 0 && (
        <>
          <h4>Findings</h4>
          <ul className="findings">
            {detail.findings.map((f, i) => (
              <li key={i}>
                <span className="tag">{f.kind}</span> {f.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
