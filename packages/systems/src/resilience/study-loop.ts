/**
 * The retry loop from the study material, run as written:
 *
 *     for i < max: try: return call()  catch: sleep(base · 2^i + rand(jitter))
 *
 * It sleeps after the last attempt too, returns nothing when every attempt failed (the caller cannot tell
 * a failure from an empty success), has no cap on the sleep, retries every error including a request
 * the server will always reject, and its jitter is a small constant added to a large, shared delay.
 * `CorrectLoop` behaviour is the `Caller`'s: retryable errors only, capped full jitter, no sleep after the
 * last attempt, the error reported.
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import type { Outcome, ResilienceMessage } from './messages';

export interface StudyLoopConfig {
  readonly target: NodeId;
  readonly atMs: number;
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly jitterMs: number;
  readonly bad: boolean;
  /** What the loop returned, when (true time is the harness's), after how many attempts and sleeps. */
  readonly finished: (
    client: NodeId,
    returned: 'ok' | 'undefined',
    attempts: number,
    longestSleepMs: number,
  ) => void;
  /** Every attempt's answer as the loop saw it (the harness times it). */
  readonly answered?: (client: NodeId, attempt: number, status: Outcome) => void;
}

export class StudyLoopClient implements SimNode<ResilienceMessage> {
  private id = 0;
  private attempt = 0;
  private longestSleep = 0;

  constructor(
    private readonly env: Env<ResilienceMessage>,
    readonly config: StudyLoopConfig,
  ) {
    env.setTimer(config.atMs, () => this.next());
  }

  /** One turn of the loop: `i` is the attempt about to be made (0-based), as in the snippet. */
  private next(): void {
    if (this.attempt >= this.config.maxAttempts) {
      // The loop ran out: the function falls off its end and returns undefined.
      this.config.finished(this.env.id, 'undefined', this.attempt, this.longestSleep);
      return;
    }
    this.id++;
    this.env.send(this.config.target, { type: 'call', id: this.id, route: 'study', bad: this.config.bad });
  }

  onMessage(_from: NodeId, msg: ResilienceMessage): void {
    if (msg.type !== 'reply' || msg.id !== this.id) return;
    const i = this.attempt;
    this.attempt++;
    this.config.answered?.(this.env.id, this.attempt, msg.status);
    if (msg.status === 'ok') {
      this.config.finished(this.env.id, 'ok', this.attempt, this.longestSleep);
      return;
    }
    // catch: sleep(base · 2^i + rand(jitter)) — whatever the error, and after the last attempt too.
    const sleep = this.config.baseMs * 2 ** i + this.env.random() * this.config.jitterMs;
    this.longestSleep = Math.max(this.longestSleep, sleep);
    this.env.setTimer(sleep, () => this.next());
  }

  snapshot() {
    return { attempts: this.attempt };
  }
}
