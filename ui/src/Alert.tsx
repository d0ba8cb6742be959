/** What the user can do about the error, offered as a button beside the sentence. */
export interface AlertAction {
  label: string;
  run: () => void;
}

/** An error sentence from the engine, shown where the work failed; a banner is dismissed by a click. */
export function Alert({
  message,
  onDismiss,
  action,
}: {
  message: string | null;
  onDismiss?: () => void;
  action?: AlertAction | null;
}) {
  if (!message) return null;
  return (
    <p
      role="alert"
      className={onDismiss ? "error banner" : "error"}
      onClick={onDismiss}
      title={onDismiss ? "Click to dismiss" : undefined}
    >
      {message}
      {action && (
        <>
          {" "}
          <button
            type="button"
            className="small"
            data-testid="alert-action"
            onClick={(e) => {
              e.stopPropagation();
              action.run();
            }}
          >
            {action.label}
          </button>
        </>
      )}
    </p>
  );
}
