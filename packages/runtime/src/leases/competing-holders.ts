/**
 * The leases workload on real Redis: several competitor processes take turns holding the lock and
 * writing; every `pauseEveryMs` the next process to pass its check is stopped with SIGSTOP for
 * `pauseMs` (longer than the TTL) and then continued. Counted: acquisitions made while a stopped process
 * still held its lock in its own view (double grants), its late writes applied or refused, and writes
 * applied on top of a later acquisition's (corrupting).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import type { CompetitorConfig } from './competitor-process';
import { corruptingWrites, FencedStore } from './store';

export interface CompetingOptions {
  readonly redisPort: number;
  readonly run: string;
  readonly fenced: boolean;
  readonly processes: number;
  readonly ttlMs: number;
  readonly pauseMs: number;
  readonly pauseEveryMs: number;
  readonly durationMs: number;
}

export interface CompetingResult {
  readonly acquisitions: number;
  readonly pauses: number;
  readonly doubleGrants: number;
  readonly lateApplied: number;
  readonly lateRefused: number;
  readonly writes: number;
  readonly corrupting: number;
}

/** How long the processes may take to start (tsx) and finish past their duration, at most. */
const SLACK_MS = 20_000;

export async function competingHolders(options: CompetingOptions): Promise<CompetingResult> {
  const script = fileURLToPath(new URL('./competitor-process.ts', import.meta.url));
  const children: ChildProcess[] = [];
  /** Per process: the acquisition it holds in its own view (until it says released), and whether it is stopped. */
  const holding = new Map<ChildProcess, number | undefined>();
  const stopped = new Set<ChildProcess>();
  /** Acquisitions whose holder was stopped while holding: their next write is late. */
  const pausedAcquisitions = new Set<number>();
  let acquisitions = 0;
  let pauses = 0;
  let doubleGrants = 0;
  let lateApplied = 0;
  let lateRefused = 0;
  let armed = false;
  const arm = setInterval(() => (armed = true), options.pauseEveryMs);
  const onEvent = (child: ChildProcess, event: Record<string, unknown>) => {
    const acquisition = Number(event['acquisition']);
    switch (event['event']) {
      case 'acquired':
        acquisitions++;
        // Granted while a stopped process still holds its lock in its own view: two holders.
        for (const other of stopped) if (holding.get(other) !== undefined) doubleGrants++;
        holding.set(child, acquisition);
        break;
      case 'checked':
        if (armed && stopped.size === 0) {
          armed = false;
          child.kill('SIGSTOP');
          stopped.add(child);
          pauses++;
          pausedAcquisitions.add(acquisition);
          setTimeout(() => {
            stopped.delete(child);
            child.kill('SIGCONT');
          }, options.pauseMs);
        }
        break;
      case 'wrote':
        if (pausedAcquisitions.delete(acquisition)) {
          if (event['applied'] === true) lateApplied++;
          else lateRefused++;
        }
        break;
      case 'released':
        holding.set(child, undefined);
        break;
    }
  };
  const exits = Array.from({ length: options.processes }, (_, i) => {
    const config: CompetitorConfig = {
      redisPort: options.redisPort,
      run: options.run,
      name: `p${i + 1}`,
      fenced: options.fenced,
      ttlMs: options.ttlMs,
      holdMs: options.ttlMs * 0.8,
      workMs: 50,
      durationMs: options.durationMs,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        onEvent(child, JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>);
        buffered = buffered.slice(newline + 1);
      }
    });
    return new Promise<number | null>((resolve) => child.once('exit', resolve));
  });
  const deadline = setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
  }, options.durationMs + SLACK_MS);
  const redis = new Redis({ host: '127.0.0.1', port: options.redisPort, maxRetriesPerRequest: 1 });
  try {
    const codes = await Promise.all(exits);
    if (codes.some((code) => code !== 0)) throw new Error(`a competitor exited with ${codes.join(', ')}`);
    const entries = await new FencedStore(redis, `store:${options.run}`).entries();
    return {
      acquisitions,
      pauses,
      doubleGrants,
      lateApplied,
      lateRefused,
      writes: entries.length,
      corrupting: corruptingWrites(entries),
    };
  } finally {
    clearInterval(arm);
    clearTimeout(deadline);
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    redis.disconnect();
  }
}
