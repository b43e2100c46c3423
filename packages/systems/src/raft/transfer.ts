/**
 * Leadership transfer (Ongaro's dissertation §3.10): the leader stops taking writes, brings the target's
 * log up to date, then tells it to campaign at once (TimeoutNow). If the target has not taken over within
 * an election timeout, the leader carries on leading.
 */
import type { NodeId, TimerId } from '@dslab/sim';
import type { Progress } from './progress';
import type { Waiter } from './requests';
import type { Parts, ServerState } from './state';

export class LeadershipTransfer {
  /** The follower leadership is being handed to; writes are refused meanwhile. */
  target: NodeId | null = null;
  private timer: TimerId | undefined;

  constructor(
    private readonly s: ServerState,
    private readonly parts: Parts,
  ) {}

  start(to: NodeId, waiter: Waiter): void {
    const s = this.s;
    const p = this.parts.replication.progress.get(to);
    if (!p || !this.parts.membership.isVoter(to)) {
      this.parts.requests.reply(waiter, { ok: false, error: `${to} is not a voting member` });
      return;
    }
    this.target = to;
    s.env.trace('transfer', { to });
    if (this.timer !== undefined) s.env.clearTimer(this.timer);
    this.timer = s.env.setTimer(s.config.electionMaxMs, () => {
      this.timer = undefined;
      this.target = null; // the target did not take over in time: keep leading
    });
    this.parts.requests.reply(waiter, { ok: true });
    if (p.match === s.log.lastIndex) this.sendTimeoutNow(to);
    else this.parts.replication.sendAppend(to, false);
  }

  /** A follower acknowledged entries: if it is the target and now holds the whole log, hand over. */
  onCaughtUp(peer: NodeId, p: Progress): void {
    if (this.target === peer && p.match === this.s.log.lastIndex) this.sendTimeoutNow(peer);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.s.send(to, { type: 'timeout-now', term: this.s.term });
  }

  /** Leadership ended (handed over or lost): nothing left to transfer. */
  cancel(): void {
    if (this.timer !== undefined) this.s.env.clearTimer(this.timer);
    this.timer = undefined;
    this.target = null;
  }
}
