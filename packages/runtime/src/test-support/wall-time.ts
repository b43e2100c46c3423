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
