// Real time for tests that drive a real server from `systems` test support: the simulated side takes
// time from Env, but a real PostgreSQL's locks and waits take wall-clock time, and only the runtime
// layer may read it.

/** Waits `ms` of wall-clock time. */
export function wallSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A clock of whole milliseconds since it was made. */
export function wallClock(): () => number {
  const started = performance.now();
  return () => Math.floor(performance.now() - started);
}

/** Polls `check` every `everyMs` of wall-clock time until it is true; fails naming `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wallSleep(everyMs);
  }
}
