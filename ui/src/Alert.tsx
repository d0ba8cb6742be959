/** An error sentence from the engine, shown where the work failed; a banner is dismissed by a click. */
export function Alert({ message, onDismiss }: { message: string | null; onDismiss?: () => void }) {
  if (!message) return null;
  return (
    <p
      role="alert"
      className={onDismiss ? "error banner" : "error"}
      onClick={onDismiss}
      title={onDismiss ? "Click to dismiss" : undefined}
    >
      {message}
    </p>
  );
}
