/**
 * Heartbeat traces for the failure-detector experiment, made in the simulator: a sender node beats every
 * `intervalMs` over a link whose delay is log-normal (heavy-tailed), and whose median and tail change
 * between calm and stormy spells, as a shared network's do. The monitor delivers heartbeats in sequence
 * order (as TCP would: a late one holds back those behind it) and records when each arrived.
 */
import { World, type Env, type LatencyModel, type SimNode } from '@dslab/sim';

export const MAX_HEARTBEATS = 200_000;

type Beat = { readonly type: 'beat'; readonly seq: number; readonly sentAt: number };

class Sender implements SimNode<Beat> {
  private seq = 0;
  constructor(
    private readonly env: Env<Beat>,
    private readonly intervalMs: number,
    private readonly count: number,
  ) {
    this.beat();
  }

  private beat(): void {
    if (this.seq >= this.count) return;
    this.env.send('monitor', { type: 'beat', seq: this.seq++, sentAt: this.env.now() });
    this.env.setTimer(this.intervalMs, () => this.beat());
  }

  onMessage(): void {}

  snapshot(): unknown {
    return { sent: this.seq };
  }
}

class Monitor implements SimNode<Beat> {
  readonly sentAt: number[] = [];
  readonly arrivedAt: number[] = [];
  /** Out-of-order arrivals held until the gap before them fills (FIFO delivery). */
  private readonly held = new Map<number, number>();

  constructor(private readonly env: Env<Beat>) {}

  onMessage(_from: string, msg: Beat): void {
    if (msg.seq < this.arrivedAt.length) return; // a duplicate
    this.held.set(msg.seq, msg.sentAt);
    const now = this.env.now();
    for (
      let sent = this.held.get(this.arrivedAt.length);
      sent !== undefined;
      sent = this.held.get(this.arrivedAt.length)
    ) {
      this.held.delete(this.arrivedAt.length);
      this.sentAt.push(sent);
      this.arrivedAt.push(now);
    }
  }

  snapshot(): unknown {
    return { delivered: this.arrivedAt.length, held: this.held.size };
  }
}

export interface Spell {
  readonly durationMs: number;
  readonly latency: LatencyModel;
}

export interface HeartbeatTrace {
  readonly sentAt: number[];
  readonly arrivedAt: number[];
  readonly traceHash: string;
}

/** Runs `heartbeats` beats through the spells in turn (repeating them), no loss. */
export function heartbeatTrace(
  seed: number,
  heartbeats: number,
  intervalMs: number,
  spells: readonly Spell[],
): HeartbeatTrace {
  if (!Number.isSafeInteger(heartbeats) || heartbeats < 2 || heartbeats > MAX_HEARTBEATS)
    throw new RangeError(`heartbeats must be an integer in [2, ${MAX_HEARTBEATS}], got ${heartbeats}`);
  if (spells.length === 0) throw new RangeError('a heartbeat trace needs at least one spell');
  const world = new World({
    seed,
    network: { latency: (spells[0] as Spell).latency },
    freezeMessages: false,
  });
  world.addNode('sender', (env: Env<Beat>) => new Sender(env, intervalMs, heartbeats));
  world.addNode('monitor', (env: Env<Beat>) => new Monitor(env));
  const endMs = heartbeats * intervalMs;
  let t = 0;
  for (let i = 0; t < endMs; i++) {
    const spell = spells[i % spells.length] as Spell;
    const latency = spell.latency;
    world.at(t, 'spell', () => world.network.configure('sender', 'monitor', { latency }));
    t += spell.durationMs;
  }
  world.runUntilQuiet(endMs * 10);
  const monitor = world.node<Monitor>('monitor');
  return { sentAt: monitor.sentAt, arrivedAt: monitor.arrivedAt, traceHash: world.traceHash() };
}
