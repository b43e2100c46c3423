/**
 * Reading a `dslab workbench test` results file in the browser: only the fields the page draws are
 * required, each checked, so a wrong or truncated file gets one clear sentence instead of a blank page.
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();

const timelineEntry = z.object({
  sent: z.number().nonnegative(),
  delivered: z.number().nonnegative().optional(),
  src: z.string(),
  dest: z.string(),
  type: z.string(),
  dropped: z.enum(['partition', 'loss', 'down', 'overflow']).optional(),
});

const fault = z.object({
  kind: z.string(),
  detail: z.string(),
  start: z.number(),
  // JSON has no Infinity: a fault still open at the end is written as null.
  end: z.number().nullable(),
});

export const resultsSchema = z.object({
  workload: z.string(),
  valid: z.boolean(),
  reason: z.string(),
  seed: z.number(),
  nodes: z.array(z.string()).max(1_000),
  durationMs: z.number().nonnegative(),
  operations: z.object({ total: count, ok: count, fail: count, info: count }),
  availability: z.number().min(0).max(1),
  latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number(), max: z.number() }),
  messages: z.object({
    total: count,
    betweenNodes: count,
    withServices: count,
    dropped: count,
    perOperation: z.number(),
    betweenNodesPerOperation: z.number(),
  }),
  faults: z.array(fault),
  problems: z.array(z.string()),
  problemCount: count,
  details: z.record(z.string(), z.unknown()),
  nodeLogs: z.record(z.string(), z.array(z.string())),
  timeline: z.array(timelineEntry),
});

export type WorkbenchResults = z.infer<typeof resultsSchema>;
export type TimelineMessage = z.infer<typeof timelineEntry>;

/** The results in a file's text, or the reason they cannot be read. */
export function readResults(text: string): { results: WorkbenchResults } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'the file is not JSON: choose the results.json that dslab workbench test --out wrote' };
  }
  const parsed = resultsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      error: `not a workbench results file: ${issue?.path.join('.') || 'its root'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  return { results: parsed.data };
}
