/**
 * The key-value protocol every system with `clientProtocol: 'kv'` speaks: the operations, the result,
 * and the request/response messages. Simulated clients send these; in real mode the RESP and HTTP
 * adapters turn each command into the same request, so a node cannot tell the two apart.
 */

/** A key-value operation a client asks for. */
export type KvOp =
  /** `stale`: answer from this server's state, leader or not (fast, possibly stale). */
  | { readonly f: 'get'; readonly key: string; readonly stale?: boolean }
  | { readonly f: 'incr'; readonly key: string }
  | { readonly f: 'put'; readonly key: string; readonly value: string }
  | { readonly f: 'delete'; readonly key: string }
  | { readonly f: 'cas'; readonly key: string; readonly from: string | null; readonly to: string }
  | { readonly f: 'append'; readonly key: string; readonly value: string };

/** The answer to a client: `value` for reads and cas (the value before, or whether it applied). */
export interface KvResult {
  readonly ok: boolean;
  readonly value?: string | null;
  readonly error?: string;
}

/** A client's request: the session (client, seq) lets a server apply a retried request once. */
export interface KvRequest {
  readonly type: 'request';
  readonly client: string;
  readonly seq: number;
  readonly op: KvOp;
}

export interface KvResponse {
  readonly type: 'response';
  readonly client: string;
  readonly seq: number;
  readonly result: KvResult;
  /** A follower's hint: the leader it believes in, for the client's next try. */
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
