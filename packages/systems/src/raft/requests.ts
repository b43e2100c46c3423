/**
 * Client requests at a server (Raft §8): a follower answers "not-leader" (with whom it believes leads),
 * the leader routes reads to `Reads`, administration to `Membership` and `LeadershipTransfer`, and appends
 * writes to its log; the client waiting for an entry is answered when the entry is applied.
 */
import type { NodeId } from '@dslab/sim';
import type { Parts, ServerState } from './state';
import type { ClientOp, Command, KvOp, KvResult } from './types';

/** Who to answer, and for which request: a client's session (client, seq) and the node it came from. */
export interface Waiter {
  readonly client: string;
  readonly seq: number;
  readonly from: NodeId;
}

/**
 * Most clients a leader keeps waiting for their entry to apply. Beyond it a new write is refused at once
 * ("busy", nothing appended, so the client may retry elsewhere or later) instead of the map growing while
 * commits stall. Far above anything the simulator's workloads reach; real mode meets it under a pile-up.
 */
export const MAX_WAITING_CLIENTS = 4_096;

export class Requests {
  /** Log index → the client waiting for that entry. Cleared when leadership ends. */
  private readonly waiting = new Map<number, Waiter>();

  constructor(
    private readonly s: ServerState,
    private readonly parts: Parts,
  ) {}

  onRequest(from: NodeId, client: string, seq: number, op: ClientOp): void {
    const waiter: Waiter = { client, seq, from };
    if (op.f === 'get' && op.stale === true) {
      this.reply(waiter, this.s.machine.read(op.key)); // the caller asked for speed over freshness
      return;
    }
    if (this.s.role !== 'leader') {
      this.reply(waiter, { ok: false, error: 'not-leader' });
      return;
    }
    switch (op.f) {
      case 'add-server':
      case 'remove-server':
        this.parts.membership.propose(op, waiter);
        return;
      case 'transfer':
        this.parts.transfer.start(op.to, waiter);
        return;
      case 'get':
        if (this.s.config.readMode !== 'log') {
          this.parts.reads.read(op.key, waiter);
          return;
        }
        break;
    }
    if (this.parts.transfer.target !== null) {
      this.reply(waiter, { ok: false, error: 'transferring leadership' });
      return;
    }
    const applied = this.s.machine.lastSeq(client);
    if (seq <= applied) {
      // Already applied (a retry after the answer was lost): the session has the first answer.
      const result = this.s.machine.apply({ client, seq, op });
      if (result) this.reply(waiter, result);
      return;
    }
    if (!this.admit(waiter)) return;
    const command: Command = { client, seq, op: op as KvOp };
    this.waitFor(this.s.log.lastIndex + 1, waiter);
    this.parts.replication.appendLocal({ term: this.s.term, kind: 'command', command });
  }

  /** Whether another client may wait for an entry; answers "busy" when the bound is reached. */
  admit(waiter: Waiter): boolean {
    if (this.waiting.size < MAX_WAITING_CLIENTS) return true;
    this.reply(waiter, {
      ok: false,
      error: `busy: ${MAX_WAITING_CLIENTS} clients already wait for a commit`,
    });
    return false;
  }

  /** `waiter` is answered when the entry at `index` applies (callers `admit` first). */
  waitFor(index: number, waiter: Waiter): void {
    this.waiting.set(index, waiter);
  }

  /** The client waiting for the entry at `index`, no longer waiting. */
  takeWaiter(index: number): Waiter | undefined {
    const waiter = this.waiting.get(index);
    if (waiter) this.waiting.delete(index);
    return waiter;
  }

  /**
   * Leadership ended: writes in flight may still commit under the next leader, so their clients are not
   * told anything — they time out and retry, and the session makes the retry safe.
   */
  forgetWaiters(): void {
    this.waiting.clear();
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  reply(waiter: Waiter, result: KvResult): void {
    const leader = this.s.leader;
    // Two literal shapes rather than a spread: the same message, without the objects a spread builds.
    this.s.sendAnswer(
      waiter.from,
      leader !== null
        ? { type: 'response', client: waiter.client, seq: waiter.seq, result, leader }
        : { type: 'response', client: waiter.client, seq: waiter.seq, result },
    );
  }
}
