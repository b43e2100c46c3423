/**
 * The client side of the decision group: a Raft KV (`../raft`) in which each transaction's outcome is
 * one key, written once by compare-and-set from "absent". Whoever asks first fixes the outcome (the
 * coordinator proposing COMMIT after all YES votes, or a tired participant proposing ABORT); everybody
 * else's compare fails and returns the value already there, so every asker learns the same outcome.
 * This is the "consensus on the outcome" of Gray and Lamport, with Raft doing the consensus.
 */
import type { Env, NodeId, TimerId } from '@dslab/sim';
import type { KvResponse } from '../kv-protocol';
import { decisionKey, type Outcome, type TwoPcMessage } from './messages';

/** Most proposals one node keeps waiting for the group at once; beyond it a proposal waits for the next retry. */
export const MAX_PENDING_PROPOSALS = 1_024;

/** Per attempt, before trying another group member. Above a Raft election, so a leader change is waited out. */
const ATTEMPT_TIMEOUT_MS = 400;

interface Pending {
  readonly tx: string;
  readonly outcome: Outcome;
  readonly seq: number;
  readonly done: (outcome: Outcome) => void;
  timer: TimerId | undefined;
}

export class DecisionGroupClient {
  /**
   * A new session name per life of the node, and one session per proposal under it (`<name>:<n>`, seq 1):
   * the group's sessions expect one request at a time per client and drop an older seq once a newer one
   * applied, while a node here has several outcomes in flight at once.
   */
  private readonly clientId: string;
  private seq = 0;
  private target = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly byTx = new Map<string, number>();

  constructor(
    private readonly env: Env<TwoPcMessage>,
    private readonly group: readonly NodeId[],
  ) {
    this.clientId = `${env.id}-${Math.floor(env.random() * 2 ** 31).toString(36)}`;
    this.target = Math.floor(env.random() * Math.max(1, group.length));
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Proposes `outcome` for `tx` unless one is already there; `done` gets the outcome the group holds.
   * Returns false (nothing sent) when one is already in flight for `tx` or the bound is reached.
   */
  propose(tx: string, outcome: Outcome, done: (outcome: Outcome) => void): boolean {
    if (this.group.length === 0) throw new Error('propose: no decision group configured');
    if (this.byTx.has(tx) || this.pending.size >= MAX_PENDING_PROPOSALS) return false;
    const entry: Pending = { tx, outcome, seq: ++this.seq, done, timer: undefined };
    this.pending.set(entry.seq, entry);
    this.byTx.set(tx, entry.seq);
    this.attempt(entry);
    return true;
  }

  private attempt(entry: Pending): void {
    const server = this.group[this.target % this.group.length] as NodeId;
    this.env.send(server, {
      type: 'request',
      client: `${this.clientId}:${entry.seq}`,
      seq: 1,
      op: { f: 'cas', key: decisionKey(entry.tx), from: null, to: entry.outcome },
    });
    entry.timer = this.env.setTimer(ATTEMPT_TIMEOUT_MS, () => {
      this.target++;
      this.attempt(entry);
    });
  }

  /** Handles a group member's answer; true when it was one of ours. */
  onResponse(from: NodeId, msg: KvResponse): boolean {
    const colon = msg.client.lastIndexOf(':');
    if (colon < 0 || msg.client.slice(0, colon) !== this.clientId) return false;
    const entry = this.pending.get(Number(msg.client.slice(colon + 1)));
    if (!entry) return true; // a duplicate of an answer already taken
    if (entry.timer !== undefined) this.env.clearTimer(entry.timer);
    entry.timer = undefined;
    const result = msg.result;
    const held = result.ok ? entry.outcome : result.error === 'compare failed' ? result.value : undefined;
    if (held === 'commit' || held === 'abort') {
      this.pending.delete(entry.seq);
      this.byTx.delete(entry.tx);
      entry.done(held);
      return true;
    }
    // Not the leader, or busy: go where the member points, else to the next one, after a short pause.
    const hint = msg.leader !== undefined ? this.group.indexOf(msg.leader) : -1;
    this.target = hint >= 0 && msg.leader !== from ? hint : this.target + 1;
    entry.timer = this.env.setTimer(20 + this.env.random() * 30, () => this.attempt(entry));
    return true;
  }
}
