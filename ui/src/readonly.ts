// Whether the open case is a bundle opened read-only: screens that write (import, notes, replay)
// read it and offer reading only.
import { createContext, useContext } from "react";

/** The bundle's path when the open case is a read-only bundle, else null. */
export const ReadOnlyContext = createContext<string | null>(null);

export function useReadOnly(): string | null {
  return useContext(ReadOnlyContext);
}
