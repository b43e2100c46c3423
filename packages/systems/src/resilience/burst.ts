/**
 * A client that sends a fixed number of requests at one moment, through a `Caller` — many of these
 * started together are the synchronized crowd of the jitter experiments (every client failing at once,
 * then retrying on the same schedule unless jitter spreads them).
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import { Caller, type CallObserver, type CallPolicy } from './caller';
import type { Outcome, ResilienceMessage } from './messages';

export interface BurstConfig {
  readonly target: string;
  readonly instances: readonly NodeId[];
  readonly policy: CallPolicy;
  readonly atMs: number;
  readonly count: number;
  readonly route: string;
  readonly bad?: boolean;
  readonly observer?: CallObserver;
  /** Each request's end (the harness's, in true time). */
  readonly finished?: (client: NodeId, outcome: Outcome, attempts: number) => void;
}

export class BurstClient implements SimNode<ResilienceMessage> {
  readonly caller: Caller;
  done = 0;
  ok = 0;

  constructor(
    private readonly env: Env<ResilienceMessage>,
    readonly config: BurstConfig,
  ) {
    this.caller = new Caller(
      env,
      config.target,
      config.instances,
      config.policy,
      { next: 1 },
      config.observer,
    );
    env.setTimer(config.atMs, () => {
      for (let i = 0; i < config.count; i++)
        this.caller.call(config.route, config.bad ?? false, (outcome, attempts) => {
          this.done++;
          if (outcome === 'ok') this.ok++;
          config.finished?.(env.id, outcome, attempts);
        });
    });
  }

  onMessage(from: NodeId, msg: ResilienceMessage): void {
    if (msg.type === 'reply') this.caller.onReply(from, msg);
  }

  snapshot() {
    return { done: this.done, ok: this.ok, pending: this.caller.pending };
  }
}
