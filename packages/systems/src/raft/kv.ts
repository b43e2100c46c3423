/**
 * The replicated state machine: a string key-value store with client sessions. Commands are applied
 * in log order; a command whose (client, seq) was already applied returns its first answer instead of
 * running again, which turns "retry until it works" into an exactly-once effect.
 */
import type { Command, KvOp, KvResult, SessionRecord, SnapshotData } from './types';

export class KvStateMachine {
  private readonly data = new Map<string, string>();
  private readonly sessions = new Map<string, SessionRecord>();

  /**
   * `sessionLimit` exists only for the evict-sessions mutant: the table then keeps that many sessions, the
   * most recently used, and silently drops the rest. The data stay the same on every replica (sessions
   * never change what a command does the first time), yet a dropped client's retry would run twice.
   */
  constructor(private readonly sessionLimit?: number) {}

  /** Applies a command once per (client, seq); `undefined` for a request older than the client's last. */
  apply(command: Command): KvResult | undefined {
    const session = this.sessions.get(command.client);
    if (session !== undefined) {
      if (command.seq === session.seq) {
        return session.result;
      }
      if (command.seq < session.seq) {
        return undefined; // the client has moved on; nobody waits for this answer
      }
    }
    const result = this.execute(command.op);
    this.sessions.set(command.client, { seq: command.seq, result });
    if (this.sessionLimit !== undefined) this.evictSessions(command.client, this.sessionLimit);
    return result;
  }

  private evictSessions(latest: string, limit: number): void {
    const record = this.sessions.get(latest) as SessionRecord;
    this.sessions.delete(latest);
    this.sessions.set(latest, record); // most recently used last
    for (const client of this.sessions.keys()) {
      if (this.sessions.size <= limit) break;
      this.sessions.delete(client);
    }
  }

  private execute(op: KvOp): KvResult {
    switch (op.f) {
      case 'get':
        return this.read(op.key);
      case 'put':
        this.data.set(op.key, op.value);
        return { ok: true };
      case 'delete': {
        const previous = this.data.get(op.key) ?? null;
        this.data.delete(op.key);
        return { ok: true, value: previous };
      }
      case 'incr': {
        const current = this.data.get(op.key) ?? '0';
        if (!/^-?\d{1,15}$/.test(current))
          return { ok: false, value: current, error: 'value is not an integer' };
        const value = String(Number(current) + 1);
        this.data.set(op.key, value);
        return { ok: true, value };
      }
      case 'append': {
        const value = (this.data.get(op.key) ?? '') + op.value;
        this.data.set(op.key, value);
        return { ok: true, value };
      }
      case 'cas': {
        const current = this.data.get(op.key) ?? null;
        if (current !== op.from) return { ok: false, value: current, error: 'compare failed' };
        this.data.set(op.key, op.to);
        return { ok: true };
      }
    }
  }

  read(key: string): KvResult {
    return { ok: true, value: this.data.get(key) ?? null };
  }

  /** The last seq applied for a client (0 when none): the "no acknowledged write lost" check uses it. */
  lastSeq(client: string): number {
    return this.sessions.get(client)?.seq ?? 0;
  }

  get size(): number {
    return this.data.size;
  }

  entries(): IterableIterator<[string, string]> {
    return this.data.entries();
  }

  snapshot(): SnapshotData {
    const copy = this.copy();
    copy.kv.sort(byKey);
    return copy;
  }

  /**
   * The state as `snapshot()` gives it, but the pairs in the order the keys were first written: sorting
   * them (`byKey`) is the caller's, who may do it a slice at a time (a snapshot of a large state).
   */
  copy(): { kv: [string, string][]; sessions: [string, SessionRecord][] } {
    return { kv: [...this.data.entries()], sessions: [...this.sessions.entries()].sort(byKey) };
  }

  static restore(snapshot: SnapshotData | undefined, sessionLimit?: number): KvStateMachine {
    const machine = new KvStateMachine(sessionLimit);
    if (!snapshot) return machine;
    for (const [key, value] of snapshot.kv) machine.data.set(key, value);
    for (const [client, record] of snapshot.sessions) machine.sessions.set(client, record);
    return machine;
  }
}

/** The order of a snapshot's pairs and sessions: by key, so that equal states give equal snapshots. */
export function byKey(a: readonly [string, unknown], b: readonly [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
