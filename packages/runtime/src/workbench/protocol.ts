/**
 * The Maelstrom protocol, as nodes written for Jepsen's Maelstrom speak it: newline-delimited JSON
 * `{"src", "dest", "body"}` on stdin and stdout, bodies with `type`, an optional `msg_id` and
 * `in_reply_to`; `init` first; errors with Maelstrom's codes. Everything a node prints is validated
 * here, and a bad line becomes a problem report naming the node and the line, never an exception.
 */
import { z } from 'zod';

export interface MaelstromBody {
  readonly type: string;
  readonly msg_id?: number;
  readonly in_reply_to?: number;
  readonly [field: string]: unknown;
}

/** A body before the sender numbers it (no msg_id / in_reply_to yet). */
export interface BodyFields {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface MaelstromMessage {
  readonly src: string;
  readonly dest: string;
  readonly body: MaelstromBody;
}

/** Maelstrom's error codes: whether each is definite (the operation certainly did not happen). */
export const errorCodes: Readonly<Record<number, { readonly name: string; readonly definite: boolean }>> = {
  0: { name: 'timeout', definite: false },
  1: { name: 'node-not-found', definite: true },
  10: { name: 'not-supported', definite: true },
  11: { name: 'temporarily-unavailable', definite: true },
  12: { name: 'malformed-request', definite: true },
  13: { name: 'crash', definite: false },
  14: { name: 'abort', definite: true },
  20: { name: 'key-does-not-exist', definite: true },
  21: { name: 'key-already-exists', definite: true },
  22: { name: 'precondition-failed', definite: true },
  30: { name: 'txn-conflict', definite: true },
};

/** Whether an error reply says the operation certainly did not take effect (custom codes ≥ 1000 are not). */
export function isDefiniteError(code: number): boolean {
  return errorCodes[code]?.definite ?? false;
}

/** A line longer than this is refused unread (a node printing a runaway value must not exhaust memory). */
export const MAX_LINE_BYTES = 1 << 20;

const bodySchema = z
  .object({
    type: z.string().min(1),
    msg_id: z.number().int().nonnegative().optional(),
    in_reply_to: z.number().int().nonnegative().optional(),
  })
  .passthrough();

const messageSchema = z.object({
  src: z.string().min(1),
  dest: z.string().min(1),
  body: bodySchema,
});

export type Parsed =
  | { readonly ok: true; readonly message: MaelstromMessage }
  | { readonly ok: false; readonly problem: string };

/** Parses one line a node printed. */
export function parseMessage(line: string): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const parsed = messageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, message: parsed.data as MaelstromMessage };
}

/** A short form of a line for problem reports. */
export function excerpt(line: string, max = 160): string {
  return line.length <= max ? line : `${line.slice(0, max)}… (${line.length} characters)`;
}
