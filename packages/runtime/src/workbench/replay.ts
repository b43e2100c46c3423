/**
 * Replays a recorded workbench run (its deliveries.jsonl) against a node binary: the same nodes are
 * started, and the recorded deliveries happen again in the recorded order. A message from a client or
 * a service is written to its node when its turn comes; a message from a node must first be printed by
 * that node (it is held until it is the next recorded delivery, or matched there if the recording says
 * it was dropped); kills and restarts happen where they were recorded. The replay diverges when a node
 * does not print, within the wait, the message the recording has next from it; what nodes printed
 * that the recording never had is reported too.
 *
 * What cannot be replayed: the node's own timers and randomness. A node that sends on a timer (a
 * gossip tick) or chooses at random may print different messages, or the same in another order; the
 * replay says where that first happens rather than guessing past it.
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { NodeProcess } from './node-process';
import { excerpt, type MaelstromMessage } from './protocol';
import type { DeliveriesHeader } from './run';

export interface ReplayOptions {
  readonly deliveriesFile: string;
  readonly bin: string;
  /** How long to wait for a node to print the message the recording has next from it (default 2 s). */
  readonly waitMs?: number;
  readonly progress?: (records: number) => void;
}

export interface Divergence {
  /** The record's line number in the deliveries file (1 is the header). */
  readonly line: number;
  /** When it happened in the recorded run, ms. */
  readonly at: number;
  readonly node: string;
  /** The message the recording has, as JSON. */
  readonly expected: string;
  /** What the node printed instead, not yet matched (the first few). */
  readonly printedInstead: readonly string[];
}

export interface ReplayResult {
  /** Every recorded delivery happened again, each node message printed by its node. */
  readonly faithful: boolean;
  readonly summary: string;
  readonly records: number;
  readonly replayed: number;
  readonly written: number;
  readonly matched: number;
  readonly divergence?: Divergence;
  /** Messages nodes printed that the recording never had (the first few, and how many). */
  readonly unrecorded: { readonly count: number; readonly first: readonly string[] };
  readonly problems: readonly string[];
  readonly caveat: string;
}

export const REPLAY_CAVEAT =
  "Replay feeds the recorded messages in the recorded order; it cannot replay a node's own timers or randomness, so a node that sends on a timer or chooses at random may diverge even when it is correct.";

/** Messages a node may have printed ahead of the recording before the oldest count as unrecorded. */
const POOL_PER_NODE = 10_000;
/** Extra wait for a node's first message after a (re)start: a process takes a while to come up. */
const STARTUP_MS = 5_000;
const SHOWN = 5;
const PROBLEMS_KEPT = 50;

/** JSON with object keys sorted, so the same message compares equal whatever order a node printed. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

interface Printed {
  readonly dest: string;
  readonly key: string;
  readonly text: string;
}

type Record_ =
  | (MaelstromMessage & { readonly at: number; readonly dropped?: string })
  | {
      readonly at: number;
      readonly event: 'kill' | 'restart';
      readonly node: string;
      readonly printed?: number;
    };

function isHeader(value: unknown): value is DeliveriesHeader {
  const h = value as Partial<DeliveriesHeader> | null;
  return (
    typeof h === 'object' &&
    h !== null &&
    h.dslabWorkbenchDeliveries === 1 &&
    Array.isArray(h.nodes) &&
    h.nodes.every((n) => typeof n === 'string')
  );
}

/** Reads the header line only (the CLI shows what ran, and defaults --bin to it). */
export async function readDeliveriesHeader(file: string): Promise<DeliveriesHeader> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    lines.close();
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (!isHeader(value)) throw new Error(`${file} does not start with a dslab workbench deliveries header`);
    return value;
  }
  throw new Error(`${file} is empty`);
}

export async function replayDeliveries(options: ReplayOptions): Promise<ReplayResult> {
  const header = await readDeliveriesHeader(options.deliveriesFile);
  const waitMs = options.waitMs ?? 2_000;
  const isNode = new Set(header.nodes);
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < PROBLEMS_KEPT) problems.push(text);
  };
  const pools = new Map<string, Printed[]>(header.nodes.map((id) => [id, []]));
  let unrecordedCount = 0;
  const unrecordedFirst: string[] = [];
  const unrecorded = (p: Printed) => {
    unrecordedCount++;
    if (unrecordedFirst.length < SHOWN) unrecordedFirst.push(excerpt(p.text, 300));
  };
  let wake: (() => void) | undefined;
  /** Nodes that have printed nothing since they were (re)started. */
  const fresh = new Set<string>(header.nodes);
  const dataDir = mkdtempSync(join(tmpdir(), 'dslab-workbench-replay-'));
  const procs = new Map<string, NodeProcess>();
  for (const id of header.nodes) {
    procs.set(
      id,
      new NodeProcess(
        id,
        options.bin,
        {
          onMessage: (m) => {
            fresh.delete(id);
            const pool = pools.get(id) as Printed[];
            const text = JSON.stringify(m);
            pool.push({ dest: m.dest, key: canonical(m.body), text });
            if (pool.length > POOL_PER_NODE) unrecorded(pool.shift() as Printed);
            wake?.();
          },
          onProblem: problem,
          onExit: () => undefined,
        },
        { DSLAB_WORKBENCH_DIR: dataDir },
      ),
    );
  }

  /** Waits until `node` has printed this message (removing it from its pool), or the wait is over. */
  async function printed(node: string, dest: string, key: string): Promise<boolean> {
    const pool = pools.get(node) as Printed[];
    const deadline = performance.now() + waitMs + (fresh.has(node) ? STARTUP_MS : 0);
    for (;;) {
      const i = pool.findIndex((p) => p.dest === dest && p.key === key);
      if (i >= 0) {
        pool.splice(i, 1);
        return true;
      }
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  let records = 0;
  let replayed = 0;
  let written = 0;
  let matched = 0;
  let divergence: Divergence | undefined;
  let lineNo = 0;
  try {
    for (const proc of procs.values()) proc.start();
    const lines = createInterface({ input: createReadStream(options.deliveriesFile), crlfDelay: Infinity });
    for await (const line of lines) {
      lineNo++;
      if (lineNo === 1 || line.trim() === '') continue;
      records++;
      if (divergence) continue; // counted, not replayed
      let record: Record_;
      try {
        record = JSON.parse(line) as Record_;
      } catch {
        problem(`line ${lineNo} of the recording is not JSON: ${excerpt(line)}`);
        continue;
      }
      if ('event' in record) {
        const proc = procs.get(record.node);
        // What it printed before the kill stays matchable: in the recorded run it was still in flight.
        if (record.event === 'kill') {
          // First let it print what it had printed when it was killed (replies to what it was given).
          const deadline = performance.now() + waitMs;
          while (proc && proc.lines < (record.printed ?? 0) && performance.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 5));
          await proc?.kill();
        } else {
          fresh.add(record.node);
          proc?.start();
        }
        replayed++;
        continue;
      }
      if (isNode.has(record.src)) {
        const key = canonical(record.body);
        if (!(await printed(record.src, record.dest, key))) {
          divergence = {
            line: lineNo,
            at: record.at,
            node: record.src,
            expected: excerpt(JSON.stringify({ src: record.src, dest: record.dest, body: record.body }), 300),
            printedInstead: (pools.get(record.src) ?? []).slice(0, SHOWN).map((p) => excerpt(p.text, 300)),
          };
          continue;
        }
        matched++;
      }
      if (record.dropped === undefined && isNode.has(record.dest)) {
        procs.get(record.dest)?.send({ src: record.src, dest: record.dest, body: record.body });
        written++;
      }
      replayed++;
      if (replayed % 1_000 === 0) options.progress?.(replayed);
    }
    // What the nodes still print shortly after the last record was never in the recording.
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, waitMs)));
    for (const pool of pools.values()) for (const p of pool) unrecorded(p);
  } finally {
    await Promise.all([...procs.values()].map((proc) => proc.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
  const faithful = divergence === undefined;
  const summary = faithful
    ? `replayed all ${records} records: every one of the ${matched} node messages was printed again in order`
    : `diverged at line ${divergence?.line} (${Math.round(divergence?.at ?? 0)} ms into the recorded run): ${divergence?.node} did not print ${divergence?.expected} within ${waitMs} ms; ${replayed} of ${records} records replayed`;
  return {
    faithful,
    summary,
    records,
    replayed,
    written,
    matched,
    ...(divergence ? { divergence } : {}),
    unrecorded: { count: unrecordedCount, first: unrecordedFirst },
    problems,
    caveat: REPLAY_CAVEAT,
  };
}
