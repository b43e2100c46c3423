/**
 * ZooKeeper's leader-election recipe: create an ephemeral sequential node, list the children, lead when
 * yours is the lowest, otherwise watch a node and look again when it goes. `predecessor` watches only
 * the node just below yours (the recipe), so a release wakes one waiter; `leader` has every waiter watch
 * the lowest node, so a release wakes them all (the herd effect). A leader lets go after `holdMs` and
 * queues again after `rejoinMs`, so the run has many releases.
 */
import type { Env, SimNode } from '@dslab/sim';
import type { LeaseMessage } from './messages';
import { Rpc } from './rpc';

export const watchStrategies = ['predecessor', 'leader'] as const;
export type WatchStrategy = (typeof watchStrategies)[number];

export interface ZkClientConfig {
  readonly server: string;
  readonly watch: WatchStrategy;
  readonly sessionTimeoutMs: number;
  readonly holdMs: number;
  readonly rejoinMs: number;
  readonly requestTimeoutMs: number;
  readonly onLeader: (client: string, leading: boolean) => void;
}

export class ZkClient implements SimNode<LeaseMessage> {
  private readonly rpc: Rpc;
  private readonly session: string;
  private mine: string | undefined;
  private leading = false;
  notifications = 0;
  terms = 0;

  constructor(
    private readonly env: Env<LeaseMessage>,
    private readonly config: ZkClientConfig,
  ) {
    this.rpc = new Rpc(env);
    this.session = `${env.id}.${Math.floor(env.random() * 1e9).toString(36)}`;
    const ping = () => {
      env.send(config.server, { type: 'zk-ping', session: this.session });
      env.setTimer(config.sessionTimeoutMs / 3, ping);
    };
    ping();
    env.setTimer(env.random() * config.rejoinMs, () => this.join());
  }

  private join(): void {
    this.rpc.call(
      this.config.server,
      (req) => ({ type: 'zk-create', req, session: this.session }),
      this.config.requestTimeoutMs,
      (reply) => {
        if (reply?.type !== 'zk-created') {
          this.env.setTimer(this.config.rejoinMs, () => this.join());
          return;
        }
        this.mine = reply.name;
        this.look();
      },
    );
  }

  /** Lists the children: lead when ours is the lowest, otherwise watch the node the strategy names. */
  private look(): void {
    const mine = this.mine;
    if (mine === undefined) return;
    this.rpc.call(
      this.config.server,
      (req) => ({ type: 'zk-children', req, session: this.session, watch: false }),
      this.config.requestTimeoutMs,
      (reply) => {
        if (reply?.type !== 'zk-children-reply' || this.mine !== mine) return;
        const names = reply.names;
        const index = names.indexOf(mine);
        if (index < 0) {
          // Our session expired and took the node with it: queue again.
          this.mine = undefined;
          this.join();
          return;
        }
        if (index === 0) return this.lead(mine);
        const target =
          this.config.watch === 'predecessor' ? (names[index - 1] as string) : (names[0] as string);
        this.rpc.call(
          this.config.server,
          (req) => ({ type: 'zk-exists', req, session: this.session, name: target, watch: true }),
          this.config.requestTimeoutMs,
          (exists) => {
            if (exists?.type === 'zk-exists-reply' && !exists.exists) this.look();
          },
        );
      },
    );
  }

  private lead(mine: string): void {
    this.leading = true;
    this.terms++;
    this.config.onLeader(this.env.id, true);
    this.env.trace('leader', { node: mine });
    this.env.setTimer(this.config.holdMs, () => {
      this.leading = false;
      this.config.onLeader(this.env.id, false);
      this.mine = undefined;
      this.env.send(this.config.server, { type: 'zk-delete', session: this.session, name: mine });
      this.env.setTimer(this.config.rejoinMs, () => this.join());
    });
  }

  onMessage(_from: string, msg: LeaseMessage): void {
    if (msg.type === 'zk-watch') {
      this.notifications++;
      if (!this.leading) this.look();
      return;
    }
    this.rpc.handle(msg);
  }

  snapshot(): { node: string | undefined; leading: boolean; notifications: number; terms: number } {
    return { node: this.mine, leading: this.leading, notifications: this.notifications, terms: this.terms };
  }
}
