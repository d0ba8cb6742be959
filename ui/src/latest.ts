// Answers to superseded requests: a screen that asks again before the last answer came back must
// show only the newest answer, whatever order they arrive in.

/** A request's guard: `keep(f)` calls `f` only until `drop()` (the request was superseded). */
export function latestOnly() {
  let current = true;
  return {
    keep:
      <T,>(f: (value: T) => void) =>
      (value: T) => {
        if (current) f(value);
      },
    drop: () => {
      current = false;
    },
  };
}
