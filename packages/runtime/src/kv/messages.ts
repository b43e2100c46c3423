/**
 * The KV request/response messages a KV system's node understands (see systems/raft/types.ts). The
 * runtime speaks them without importing any system: a protocol adapter turns RESP or HTTP into these,
 * and the node cannot tell a real client from a simulated one.
 */
export type KvWireOp =
  | { readonly f: 'get'; readonly key: string; readonly stale?: boolean }
  | { readonly f: 'put'; readonly key: string; readonly value: string }
  | { readonly f: 'delete'; readonly key: string }
  | { readonly f: 'cas'; readonly key: string; readonly from: string | null; readonly to: string }
  | { readonly f: 'append'; readonly key: string; readonly value: string }
  | { readonly f: 'incr'; readonly key: string };

export interface KvWireResult {
  readonly ok: boolean;
  readonly value?: string | null;
  readonly error?: string;
}

export interface KvRequest {
  readonly type: 'request';
  readonly client: string;
  readonly seq: number;
  readonly op: KvWireOp;
}

export interface KvResponse {
  readonly type: 'response';
  readonly client: string;
  readonly seq: number;
  readonly result: KvWireResult;
  readonly leader?: string;
}

export function isKvResponse(msg: unknown): msg is KvResponse {
  return (
    typeof msg === 'object' &&
    msg !== null &&
    (msg as { type?: unknown }).type === 'response' &&
    typeof (msg as { client?: unknown }).client === 'string' &&
    typeof (msg as { seq?: unknown }).seq === 'number'
  );
}
