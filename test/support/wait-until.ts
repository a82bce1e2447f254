/**
 * Wait for a condition by polling it. There is no deadline here on purpose: the test's own timeout bounds the wait,
 * so a slow machine only waits longer and never fails a race.
 */
export async function waitUntil(condition: () => boolean | Promise<boolean>, pollMs = 10): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, pollMs));
}
