import { useEffect, useState } from "preact/hooks";

/** Load something for a view; re-run when the dependencies change. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { value?: T; error?: string; reload: () => void } {
  const [value, setValue] = useState<T | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setError(undefined);
    load()
      .then((v) => live && setValue(v))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return {
    ...(value !== undefined ? { value } : {}),
    ...(error ? { error } : {}),
    reload: () => setTick((t) => t + 1),
  };
}
