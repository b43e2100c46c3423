/** Strict parsing of CLI values: a bad number or a bad param is one clear error line. */
import { InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import { CliError } from './errors';

/** A non-negative safe integer (seeds, counts). Rejects '1e3', '12abc', '-1', ''. */
export function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number ≥ 0, got '${value}'`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`number too large: '${value}'`);
  return n;
}

export function parsePositiveCount(value: string): number {
  const n = parseCount(value);
  if (n === 0) throw new InvalidArgumentError(`expected a whole number ≥ 1, got '${value}'`);
  return n;
}

/** Collects repeated `--param key=value`; values are JSON when they parse as JSON, else strings. */
export function collectParam(value: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got '${value}'`);
  const key = value.slice(0, eq);
  const raw = value.slice(eq + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    /* a plain string */
  }
  return { ...previous, [key]: parsed };
}

/** Validates params against a system's schema; the error names every bad field. */
export function parseParams<P>(schema: z.ZodType<P>, input: Record<string, unknown>, systemId: string): P {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(params)';
    return `${path}: ${issue.message}`;
  });
  throw new CliError(`invalid params for ${systemId}: ${problems.join('; ')}`);
}
