/**
 * A client session: writes go to the node it believes is the primary (it asks the manager again
 * after an error or a timeout), reads go where its read policy says, and every operation is recorded
 * for the session checker. The session's token is the highest LSN it has seen: its own commits' LSNs
 * and the positions its reads were served at. `lsn-wait` sends the token with each read so a standby
 * answers only once it has replayed that far — read-your-writes and monotonic reads on replicas.
 */
import type { HistoryRecorder } from '@dslab/check';
import type { Env, NodeId, SimNode, TimerId } from '@dslab/sim';
import type { ClientReply, CommitLevel, ReplicationMessage } from './messages';

export const readPolicies = ['primary', 'round-robin', 'sticky', 'lsn-wait', 'primary-after-write'] as const;
/**
 * Where a session's reads go:
 * - primary: always the primary;
 * - round-robin: the standbys in turn;
 * - sticky: always the same standby;
 * - lsn-wait: the standbys in turn, each waiting until it has replayed the session's token;
 * - primary-after-write: the primary for `windowMs` after the session's last write, standbys otherwise.
 */
export type ReadPolicy = (typeof readPolicies)[number];

/** Operations one client keeps for the scenarios' figures, at most (later ones are only counted). */
export const MAX_CLIENT_LOG = 100_000;

export interface ClientOp {
  readonly f: 'write' | 'read';
  readonly key: string;
  /** Written, or read (null: the key had no value). Undefined when the read failed. */
  readonly value: string | null | undefined;
  readonly node: NodeId;
  readonly call: number;
  readonly ret: number;
  readonly outcome: 'ok' | 'fail' | 'info';
  /** A write's commit LSN; a read's version (LSN of the record it returned). */
  readonly lsn?: number;
  /** Where the answering node stood when it answered a read. */
  readonly position?: number;
  readonly timeline?: number;
  readonly error?: string;
  /** A snapshot read's other keys' values, in the order asked. */
  readonly also?: readonly (string | null)[];
}

export type WorkloadOp =
  { readonly f: 'write'; readonly key: string } | { readonly f: 'read'; readonly key: string };

export interface ReplicationClientConfig {
  readonly dataNodes: readonly NodeId[];
  readonly manager: NodeId;
  readonly initialPrimary: NodeId;
  readonly trueNow: () => number;
  readonly recorder?: HistoryRecorder;
  readonly readPolicy: ReadPolicy;
  /** The standby a sticky session reads from. */
  readonly stickyTo?: NodeId;
  readonly windowMs: number;
  readonly writeLevel: CommitLevel;
  readonly timeoutMs: number;
  /** How long a standby may hold an lsn-wait read before it answers with an error. */
  readonly lsnWaitMs: number;
  readonly workload?: (random: () => number) => WorkloadOp | undefined;
  readonly thinkMs?: number;
}

interface InFlight {
  readonly f: 'write' | 'read';
  readonly key: string;
  readonly value: string | undefined;
  readonly node: NodeId;
  readonly call: number;
  readonly historyId: number | undefined;
  readonly timer: TimerId;
  readonly done: ((op: ClientOp) => void) | undefined;
}

export class ReplicationClient implements SimNode<ReplicationMessage> {
  primary: NodeId;
  private timeline = 1;
  /** The session token: the highest LSN this session has written or read at. */
  token = 0;
  private lastWriteAck = -Infinity;
  private nextId = 1;
  private written = 0;
  private turn = 0;
  private readonly inFlight = new Map<number, InFlight>();
  readonly log: ClientOp[] = [];
  readonly counts = { ok: 0, failed: 0, unknown: 0 };

  constructor(
    private readonly env: Env<ReplicationMessage>,
    private readonly config: ReplicationClientConfig,
  ) {
    this.primary = config.initialPrimary;
    this.turn = Math.floor(env.random() * 1_000);
    if (config.workload) this.scheduleNext();
  }

  snapshot(): unknown {
    return { primary: this.primary, token: this.token, inFlight: this.inFlight.size, ...this.counts };
  }

  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  private scheduleNext(): void {
    const think = this.config.thinkMs ?? 10;
    this.env.setTimer(think * (0.5 + this.env.random()), () => {
      const op = this.config.workload?.(() => this.env.random());
      if (!op) return;
      const next = () => this.scheduleNext();
      if (op.f === 'write') this.write(op.key, this.freshValue(), next);
      else this.read(op.key, next);
    });
  }

  /** A value no other write uses: `<client>-<n>`. */
  freshValue(): string {
    return `${this.env.id}-${++this.written}`;
  }

  write(key: string, value: string, done?: (op: ClientOp) => void, level = this.config.writeLevel): void {
    const node = this.primary;
    const id = this.begin('write', key, value, node, done);
    this.env.send(node, { type: 'write', id, key, value, level });
  }

  /** Reads `key` (and the `also` keys in the same snapshot) where the policy says, or from `via`. */
  read(key: string, done?: (op: ClientOp) => void, via?: NodeId, also?: readonly string[]): void {
    const { node, minLsn } = via !== undefined ? { node: via, minLsn: 0 } : this.readTarget();
    const id = this.begin('read', key, undefined, node, done);
    this.env.send(node, {
      type: 'read',
      id,
      key,
      minLsn,
      waitMs: this.config.lsnWaitMs,
      ...(also ? { also } : {}),
    });
  }

  private standbys(): NodeId[] {
    return this.config.dataNodes.filter((id) => id !== this.primary);
  }

  private nextStandby(): NodeId {
    const standbys = this.standbys();
    return standbys[this.turn++ % standbys.length] ?? this.primary;
  }

  private readTarget(): { node: NodeId; minLsn: number } {
    switch (this.config.readPolicy) {
      case 'primary':
        return { node: this.primary, minLsn: 0 };
      case 'round-robin':
        return { node: this.nextStandby(), minLsn: 0 };
      case 'sticky':
        return { node: this.config.stickyTo ?? this.standbys()[0] ?? this.primary, minLsn: 0 };
      case 'lsn-wait':
        return { node: this.nextStandby(), minLsn: this.token };
      case 'primary-after-write':
        return this.env.now() - this.lastWriteAck < this.config.windowMs
          ? { node: this.primary, minLsn: 0 }
          : { node: this.nextStandby(), minLsn: 0 };
    }
  }

  private begin(
    f: 'write' | 'read',
    key: string,
    value: string | undefined,
    node: NodeId,
    done: ((op: ClientOp) => void) | undefined,
  ): number {
    const id = this.nextId++;
    const call = this.config.trueNow();
    const historyId = this.config.recorder?.invoke(
      this.env.id,
      f,
      f === 'write' ? [key, value] : [key],
      call,
    );
    const timer = this.env.setTimer(this.config.timeoutMs, () => this.timedOut(id));
    this.inFlight.set(id, { f, key, value, node, call, historyId, timer, done });
    return id;
  }

  private timedOut(id: number): void {
    const op = this.inFlight.get(id);
    if (!op) return;
    // A write that timed out may still commit: its outcome is unknown. A read had no effect.
    this.finish(id, op.f === 'write' ? 'info' : 'fail', { error: 'timeout' });
    this.env.send(this.config.manager, { type: 'who-is-primary' });
  }

  onMessage(from: NodeId, msg: ReplicationMessage): void {
    if (msg.type === 'primary-is') {
      if (msg.timeline >= this.timeline) {
        this.primary = msg.primary;
        this.timeline = msg.timeline;
      }
      return;
    }
    if (
      msg.type !== 'write-ok' &&
      msg.type !== 'write-error' &&
      msg.type !== 'read-ok' &&
      msg.type !== 'read-error'
    )
      return;
    const op = this.inFlight.get(msg.id);
    if (!op || op.node !== from) return;
    this.onReply(msg);
  }

  private onReply(msg: ClientReply): void {
    switch (msg.type) {
      case 'write-ok':
        this.token = Math.max(this.token, msg.lsn);
        this.lastWriteAck = this.env.now();
        return this.finish(msg.id, 'ok', { lsn: msg.lsn, timeline: msg.timeline });
      case 'write-error':
        if (msg.error !== 'lease-lost') this.env.send(this.config.manager, { type: 'who-is-primary' });
        return this.finish(msg.id, msg.error === 'lease-lost' ? 'info' : 'fail', { error: msg.error });
      case 'read-ok':
        this.token = Math.max(this.token, msg.position);
        return this.finish(msg.id, 'ok', {
          value: msg.value,
          lsn: msg.version,
          position: msg.position,
          ...(msg.also ? { also: msg.also } : {}),
        });
      case 'read-error':
        return this.finish(msg.id, 'fail', { error: msg.error });
    }
  }

  private finish(
    id: number,
    outcome: 'ok' | 'fail' | 'info',
    extra: {
      value?: string | null;
      lsn?: number;
      position?: number;
      timeline?: number;
      error?: string;
      also?: readonly (string | null)[];
    },
  ): void {
    const op = this.inFlight.get(id);
    if (!op) return;
    this.inFlight.delete(id);
    this.env.clearTimer(op.timer);
    const ret = this.config.trueNow();
    const value = op.f === 'write' ? op.value : outcome === 'ok' ? (extra.value ?? null) : undefined;
    if (op.historyId !== undefined) {
      const recorder = this.config.recorder as HistoryRecorder;
      if (outcome === 'ok') recorder.ok(op.historyId, op.f === 'read' ? value : extra.lsn, ret);
      else if (outcome === 'fail') recorder.fail(op.historyId, ret);
      else recorder.info(op.historyId, ret);
    }
    if (outcome === 'ok') this.counts.ok++;
    else if (outcome === 'fail') this.counts.failed++;
    else this.counts.unknown++;
    const done: ClientOp = {
      f: op.f,
      key: op.key,
      value,
      node: op.node,
      call: op.call,
      ret,
      outcome,
      ...(extra.lsn !== undefined ? { lsn: extra.lsn } : {}),
      ...(extra.position !== undefined ? { position: extra.position } : {}),
      ...(extra.timeline !== undefined ? { timeline: extra.timeline } : {}),
      ...(extra.error !== undefined ? { error: extra.error } : {}),
      ...(extra.also !== undefined ? { also: extra.also } : {}),
    };
    if (this.log.length < MAX_CLIENT_LOG) this.log.push(done);
    op.done?.(done);
  }
}
