/** What the client protocol adapters (RESP, HTTP) need from a KV node process. */
import type { KvOp, KvResult } from '@dslab/systems';

export interface KvService {
  execute(op: KvOp): Promise<KvResult>;
  /** The node's state for INFO and GET /v1/status (role, term, commit index, peers…). */
  status(): Record<string, unknown>;
  /** When set, clients must authenticate (RESP AUTH, HTTP `Authorization: Bearer …`). */
  readonly password?: string;
  /** Serve GET from this node's state machine without going through the leader (possibly stale). */
  readonly staleReads: boolean;
}
