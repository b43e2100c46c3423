/**
 * The storage service the lock protects: one register per key, and the `shard` leader row of the
 * term-CAS recipe (`UPDATE shard SET leader=$me, term=term+1 WHERE term=$seen`). Whether a write's
 * token is checked is the write's rule (see `FenceRule`), so one run can compare a storage that fences
 * with one that does not on the same workload. It runs as the system's database: the nemesis leaves it be.
 */
import type { Env, SimNode } from '@dslab/sim';
import { mutantActive } from '../kit';
import type { LeaseObserver } from './ledger';
import type { LeaseMessage, StorageMessage } from './messages';
import type { LeaseMutant } from './mutants';

export interface StorageConfig {
  readonly observer: LeaseObserver;
  readonly mutant?: LeaseMutant;
}

export class StorageService implements SimNode<LeaseMessage> {
  private readonly registers = new Map<string, { value: string; token: number; writer: string }>();
  /** The highest token applied so far (Kleppmann's storage remembers it). */
  private highest = 0;
  private term = 0;
  private leader = '';
  private renewedAt = 0;
  applied = 0;
  refused = 0;
  takeoversRefused = 0;

  constructor(
    private readonly env: Env<LeaseMessage>,
    private readonly config: StorageConfig,
  ) {
    this.renewedAt = env.monotonic();
  }

  onMessage(from: string, msg: LeaseMessage): void {
    switch (msg.type) {
      case 'write':
        return this.write(from, msg);
      case 'read-row':
        this.reply(from, {
          type: 'row',
          req: msg.req,
          term: this.term,
          leader: this.leader,
          idleMs: this.env.monotonic() - this.renewedAt,
        });
        return;
      case 'take-over': {
        const ok = this.term === msg.seen;
        if (ok) {
          this.term++;
          this.leader = msg.me;
          this.renewedAt = this.env.monotonic();
          this.config.observer.tookOver(msg.me, this.term);
        } else this.takeoversRefused++;
        this.reply(from, { type: 'row-updated', req: msg.req, ok, term: this.term });
        return;
      }
      case 'heartbeat': {
        const ok = this.term === msg.term;
        if (ok) this.renewedAt = this.env.monotonic();
        this.reply(from, { type: 'row-updated', req: msg.req, ok, term: this.term });
        return;
      }
      default:
        return;
    }
  }

  private write(from: string, msg: Extract<StorageMessage, { type: 'write' }>): void {
    const ignoring = mutantActive(this.config.mutant, 'storage-ignores-tokens');
    let accept = true;
    if (!ignoring && msg.rule === 'max-seen') accept = msg.token >= this.highest;
    if (!ignoring && msg.rule === 'current-term') accept = msg.token === this.term;
    this.config.observer.wrote(msg.writer, msg.grant, msg.token, msg.rule, accept);
    if (!accept) {
      this.refused++;
      this.reply(from, { type: 'rejected', req: msg.req, highest: Math.max(this.highest, this.term) });
      return;
    }
    this.applied++;
    this.highest = Math.max(this.highest, msg.token);
    this.registers.set(msg.key, { value: msg.value, token: msg.token, writer: msg.writer });
    this.reply(from, { type: 'written', req: msg.req });
  }

  private reply(to: string, msg: StorageMessage): void {
    this.env.send(to, msg);
  }

  snapshot(): {
    applied: number;
    refused: number;
    highest: number;
    term: number;
    leader: string;
    last: { key: string; value: string; token: number; writer: string } | undefined;
  } {
    let last: { key: string; value: string; token: number; writer: string } | undefined;
    for (const [key, register] of this.registers) last = { key, ...register };
    return {
      applied: this.applied,
      refused: this.refused,
      highest: this.highest,
      term: this.term,
      leader: this.leader,
      last,
    };
  }
}
