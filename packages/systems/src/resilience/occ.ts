/**
 * One resource under optimistic concurrency, the contention experiment of Brooker's "Exponential
 * Backoff And Jitter": a call reads the version, works for `holdMs`, then commits only if nobody else
 * committed in between; otherwise it fails (a conflict) and the client retries. The more clients retry
 * at the same moments, the more of their work is thrown away.
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import type { ResilienceMessage } from './messages';

export class OccResource implements SimNode<ResilienceMessage> {
  private version = 0;
  commits = 0;
  conflicts = 0;

  constructor(
    private readonly env: Env<ResilienceMessage>,
    private readonly holdMs: number,
  ) {
    if (!(holdMs > 0)) throw new RangeError(`holdMs must be > 0, got ${holdMs}`);
  }

  onMessage(from: NodeId, msg: ResilienceMessage): void {
    if (msg.type !== 'call') return;
    const read = this.version;
    this.env.setTimer(this.holdMs, () => {
      if (this.version !== read) {
        this.conflicts++;
        this.env.send(from, { type: 'reply', id: msg.id, status: 'error' });
        return;
      }
      this.version++;
      this.commits++;
      this.env.send(from, { type: 'reply', id: msg.id, status: 'ok' });
    });
  }

  snapshot() {
    return { version: this.version, commits: this.commits, conflicts: this.conflicts };
  }
}
