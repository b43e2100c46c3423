/** Violations of a safety property, raised where they are detected (TigerBeetle style). */
export class InvariantViolation extends Error {
  constructor(
    readonly invariant: string,
    readonly detail: string,
    readonly time?: number,
    readonly seed?: number,
    readonly event?: number,
  ) {
    super(
      `invariant '${invariant}' violated: ${detail}` +
        (time !== undefined
          ? ` (t=${time.toFixed(3)}ms` +
            (seed !== undefined ? `, seed ${seed}` : '') +
            `, event ${event ?? '?'})`
          : ''),
    );
    this.name = 'InvariantViolation';
  }
}

/** Throws an InvariantViolation when `condition` is false. Use in protocol code paths. */
export function invariant(condition: unknown, name: string, detail?: () => string): asserts condition {
  if (!condition) throw new InvariantViolation(name, detail ? detail() : 'assertion failed');
}

/** Freezes a message and everything inside it, so a node that mutates what it received fails loudly. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    if (ArrayBuffer.isView(value)) return value; // typed arrays with elements cannot be frozen
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * Runs `body` and returns the InvariantViolation it threw, if any. Anything else it throws is a bug in
 * the caller, not a finding, and propagates. The one place where a violation is turned into a result.
 */
export function catchViolation(body: () => void): InvariantViolation | undefined {
  try {
    body();
    return undefined;
  } catch (error) {
    if (error instanceof InvariantViolation) return error;
    throw error;
  }
}
