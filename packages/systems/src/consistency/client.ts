/**
 * A client of the causal store, attached to one replica (its datacenter's). It keeps the session's
 * causal context — the largest version of each key it has read or written, and everything those
 * depended on — and sends it with each write as the write's dependencies. Reads come in two kinds:
 * single-key `get`, and `getTrans`, COPS-GT's causally consistent snapshot of several keys (a first
 * round of gets, then, for any key some other value read depends on at a newer version, a second round
 * that fetches exactly that version).
 */
import { invariant, type Env, type Message, type NodeId, type SimNode, type TimerId } from '@dslab/sim';
import type { HistoryRecorder } from '@dslab/check';
import type { CausalMessage } from './messages';
import { mergeDeps, type Deps } from './versions';

/** Operations in flight per client, at most (a client runs one at a time; get-trans fans out). */
export const MAX_IN_FLIGHT = 64;
/** A snapshot read whose second-round version is gone starts over, at most this many times. */
export const MAX_SNAPSHOT_ATTEMPTS = 5;

export interface ClientConfig {
  readonly replica: NodeId;
  readonly timeoutMs: number;
  /** The recorder of single-key gets and puts, and the true time they are stamped with. */
  readonly recorder: HistoryRecorder;
  readonly trueNow: () => number;
  /** Random operations for fuzzing and free runs; none when scripted. */
  readonly workload?: {
    readonly keys: readonly string[];
    readonly writeShare: number;
    readonly thinkMs: number;
  };
}

export type GetResult = { readonly ok: true; readonly value: string | null } | { readonly ok: false };
export type SnapshotResult =
  | { readonly ok: true; readonly values: Readonly<Record<string, string | null>>; readonly rounds: number }
  | { readonly ok: false };

interface Waiting {
  readonly timer: TimerId;
  readonly reply: (msg: CausalMessage | undefined) => void;
}

export class CausalClient implements SimNode<CausalMessage & Message> {
  private readonly context: Record<string, number> = {};
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  /** The session name in the history: renamed after a write of unknown outcome (it stays open). */
  private session: string;
  private incarnation = 0;
  private written = 0;
  stopped = false;
  /** Snapshot reads that needed a second round, and those that started over. */
  secondRounds = 0;
  restarts = 0;

  constructor(
    private readonly env: Env<CausalMessage>,
    private readonly config: ClientConfig,
  ) {
    this.session = env.id;
    if (config.workload) this.next();
  }

  /** Sends one request and calls `reply` with the answer, or with undefined on timeout. */
  private request(
    build: (id: number) => CausalMessage,
    reply: (msg: CausalMessage | undefined) => void,
  ): void {
    invariant(
      this.waiting.size < MAX_IN_FLIGHT,
      'client in-flight bound',
      () => `${this.env.id} has ${this.waiting.size} requests in flight`,
    );
    const id = this.nextId++;
    const timer = this.env.setTimer(this.config.timeoutMs, () => {
      this.waiting.delete(id);
      reply(undefined);
    });
    this.waiting.set(id, { timer, reply });
    this.env.send(this.config.replica, build(id));
  }

  onMessage(_from: NodeId, msg: CausalMessage): void {
    if (!('id' in msg)) return;
    const w = this.waiting.get(msg.id);
    if (!w) return; // a late answer to a request that timed out
    this.env.clearTimer(w.timer);
    this.waiting.delete(msg.id);
    w.reply(msg);
  }

  get(key: string, done?: (r: GetResult) => void): void {
    const h = this.config.recorder.invoke(this.session, 'read', [key], this.config.trueNow());
    this.request(
      (id) => ({ type: 'get', id, key }),
      (msg) => {
        if (msg?.type !== 'get-ok') {
          this.config.recorder.fail(h, this.config.trueNow());
          done?.({ ok: false });
          return;
        }
        if ((this.context[key] ?? 0) < msg.version) this.context[key] = msg.version;
        mergeDeps(this.context, msg.deps);
        this.config.recorder.ok(h, msg.value, this.config.trueNow());
        done?.({ ok: true, value: msg.value });
      },
    );
  }

  /** A value no other write uses: `<client>-<n>`. */
  freshValue(): string {
    return `${this.env.id}-${++this.written}`;
  }

  put(key: string, value: string, done?: (ok: boolean) => void): void {
    const h = this.config.recorder.invoke(this.session, 'write', [key, value], this.config.trueNow());
    const deps: Deps = { ...this.context };
    this.request(
      (id) => ({ type: 'put', id, key, value, deps }),
      (msg) => {
        if (msg?.type === 'put-ok') {
          this.context[key] = msg.version;
          // The version is the write's output: the order last-writer-wins converges to, for session guarantees.
          this.config.recorder.ok(h, msg.version, this.config.trueNow());
          done?.(true);
        } else if (msg?.type === 'put-refused') {
          this.config.recorder.fail(h, this.config.trueNow());
          done?.(false);
        } else {
          // Timed out: the write may yet be applied, so it stays open and the session continues as a new one.
          this.config.recorder.info(h, this.config.trueNow());
          this.session = `${this.env.id}.${++this.incarnation}`;
          done?.(false);
        }
      },
    );
  }

  /** COPS-GT: a causally consistent snapshot of `keys` from this client's replica. */
  getTrans(keys: readonly string[], done: (r: SnapshotResult) => void, attempt = 1): void {
    const first = new Map<string, { value: string | null; version: number; deps: Deps }>();
    let failed = false;
    let answers = 0;
    for (const key of keys)
      this.request(
        (id) => ({ type: 'get', id, key }),
        (msg) => {
          answers++;
          if (msg?.type === 'get-ok')
            first.set(key, { value: msg.value, version: msg.version, deps: msg.deps });
          else failed = true;
          if (answers === keys.length) this.secondRound(keys, first, failed, done, attempt);
        },
      );
  }

  private secondRound(
    keys: readonly string[],
    first: Map<string, { value: string | null; version: number; deps: Deps }>,
    failed: boolean,
    done: (r: SnapshotResult) => void,
    attempt: number,
  ): void {
    if (failed) return done({ ok: false });
    // The causally correct version of each key: the newest any value read depends on, or the one read.
    const ccv: Record<string, number> = {};
    for (const r of first.values()) mergeDeps(ccv, r.deps);
    const values: Record<string, string | null> = {};
    const refetch: string[] = [];
    for (const key of keys) {
      const r = first.get(key) as { value: string | null; version: number; deps: Deps };
      values[key] = r.value;
      if ((ccv[key] ?? 0) > r.version) refetch.push(key);
    }
    const finish = () => {
      for (const r of first.values()) mergeDeps(this.context, r.deps);
      for (const [key, r] of first) if ((this.context[key] ?? 0) < r.version) this.context[key] = r.version;
      done({ ok: true, values, rounds: refetch.length > 0 ? 2 : 1 });
    };
    if (refetch.length === 0) return finish();
    this.secondRounds++;
    let answers = 0;
    let gone = false;
    for (const key of refetch)
      this.request(
        (id) => ({ type: 'get-version', id, key, version: ccv[key] as number }),
        (msg) => {
          answers++;
          if (msg?.type !== 'get-version-ok') failed = true;
          else if (!msg.found) gone = true;
          else {
            values[key] = msg.value;
            mergeDeps(this.context, msg.deps);
            if ((this.context[key] ?? 0) < (ccv[key] as number)) this.context[key] = ccv[key] as number;
          }
          if (answers < refetch.length) return;
          if (failed) return done({ ok: false });
          if (gone) {
            if (attempt >= MAX_SNAPSHOT_ATTEMPTS) return done({ ok: false });
            this.restarts++;
            return this.getTrans(keys, done, attempt + 1);
          }
          finish();
        },
      );
  }

  private next(): void {
    const w = this.config.workload;
    if (!w || this.stopped) return;
    this.env.setTimer(w.thinkMs * (0.5 + this.env.random()), () => {
      if (this.stopped) return;
      const key = w.keys[Math.floor(this.env.random() * w.keys.length)] as string;
      if (this.env.random() < w.writeShare) this.put(key, this.freshValue(), () => this.next());
      else this.get(key, () => this.next());
    });
  }

  snapshot(): { id: NodeId; session: string; context: Deps; inFlight: number } {
    return {
      id: this.env.id,
      session: this.session,
      context: { ...this.context },
      inFlight: this.waiting.size,
    };
  }
}
