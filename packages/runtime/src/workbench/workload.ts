/**
 * What a workload gives the workbench: how clients generate operations against the nodes, the final
 * reads once healed, and the checker that judges what the clients saw. Each workload keeps its own
 * history in the shape its checker reads.
 */
import type { Rng } from '@dslab/sim';
import type { BodyFields, MaelstromBody } from './protocol';

/** What one request came to, as the client saw it. */
export type Outcome =
  | { readonly kind: 'ok'; readonly body: MaelstromBody; readonly call: number; readonly ret: number }
  /** A definite error: the operation did not happen. */
  | { readonly kind: 'fail'; readonly body: MaelstromBody; readonly call: number; readonly ret: number }
  /** A timeout or an indefinite error (0, 13, custom codes): it may or may not have happened. */
  | { readonly kind: 'info'; readonly why: string; readonly call: number; readonly ret: number };

export interface WorkloadContext {
  readonly nodes: readonly string[];
  /** The workload's own stream of randomness (operation choice), seeded by the run's seed. */
  readonly rng: Rng;
  /** ms since the run started. */
  now(): number;
  /** Sends `body` (a msg_id is added) from `client` to `node` and waits for the reply or the timeout. */
  request(client: string, node: string, body: BodyFields): Promise<Outcome>;
  /** Topology name asked for (broadcast). */
  readonly topology: Topology;
  /** Transactional consistency models to check against (txn workloads). */
  readonly consistencyModels: readonly string[];
}

export type Topology = 'grid' | 'line' | 'tree' | 'total';
export const topologies: readonly Topology[] = ['grid', 'line', 'tree', 'total'];

export interface Verdict {
  readonly valid: boolean;
  /** One sentence: why valid or not, with the counts. */
  readonly reason: string;
  /** Workload-specific measurements (stable latencies, lost values…), plain data. */
  readonly details: Readonly<Record<string, unknown>>;
}

export interface Workload {
  readonly name: string;
  /** Sent before the clients start (broadcast's topology). */
  setup?(ctx: WorkloadContext): Promise<void>;
  /** One operation by `client` against `node`. `process` names the client's current history process. */
  operate(ctx: WorkloadContext, client: string, node: string): Promise<void>;
  /** After healing and the recovery wait: final reads. */
  final?(ctx: WorkloadContext): Promise<void>;
  check(ctx: WorkloadContext): Verdict;
}

/** A client whose request timed out starts a new history process, as Jepsen's clients do. */
export class Processes {
  private readonly generation = new Map<string, number>();

  of(client: string): string {
    return `${client}.${this.generation.get(client) ?? 0}`;
  }

  crashed(client: string): void {
    this.generation.set(client, (this.generation.get(client) ?? 0) + 1);
  }
}
