/**
 * A small library for writing a node in TypeScript that speaks Maelstrom's protocol, for the dslab
 * workbench or Maelstrom itself: handlers per message type, replies, fire-and-forget sends, RPCs with
 * timeouts (to other nodes or to services such as `lin-kv`), and a log on stderr. Copy this file into
 * your project; it needs only Node.js.
 *
 *   const node = new MaelstromNode();
 *   node.on('echo', (req) => node.reply(req, { type: 'echo_ok', echo: req.body.echo }));
 *   node.run();
 */
import { createInterface } from 'node:readline';

export interface Body {
  readonly type: string;
  readonly msg_id?: number;
  readonly in_reply_to?: number;
  readonly [field: string]: unknown;
}

export interface Message {
  readonly src: string;
  readonly dest: string;
  readonly body: Body;
}

/** An error reply from the other side (`{"type": "error", "code", "text"}`), or a timeout (code 0). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    text: string,
  ) {
    super(text);
  }
}

type Handler = (message: Message) => void | Promise<void>;

export class MaelstromNode {
  id = '';
  nodeIds: string[] = [];
  private nextMsgId = 1;
  private readonly handlers = new Map<string, Handler>();
  private readonly waiting = new Map<
    number,
    { resolve: (body: Body) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }
  >();
  private readonly initialized: Array<() => void> = [];

  constructor() {
    this.on('init', (message) => {
      this.id = String(message.body.node_id);
      this.nodeIds = (message.body.node_ids as string[]).map(String);
      this.reply(message, { type: 'init_ok' });
      for (const then of this.initialized) then();
    });
  }

  /** Handles every request of this type (a later `on` for the same type replaces it). */
  on(type: string, handler: Handler): this {
    this.handlers.set(type, handler);
    return this;
  }

  /** Runs once `init` has told the node its id (start timers here). */
  onInit(then: () => void): this {
    this.initialized.push(then);
    return this;
  }

  send(dest: string, body: Body): void {
    process.stdout.write(JSON.stringify({ src: this.id, dest, body }) + '\n');
  }

  reply(request: Message, body: Body): void {
    this.send(request.src, { ...body, in_reply_to: request.body.msg_id });
  }

  /** Sends a request and resolves with the reply body; rejects with RpcError on an error reply or timeout. */
  rpc(dest: string, body: Body, timeoutMs = 1_000): Promise<Body> {
    const msgId = this.nextMsgId++;
    return new Promise<Body>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(msgId);
        reject(new RpcError(0, `no reply from ${dest} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(msgId, { resolve, reject, timer });
      this.send(dest, { ...body, msg_id: msgId });
    });
  }

  log(...parts: unknown[]): void {
    process.stderr.write(parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ') + '\n');
  }

  private dispatch(message: Message): void {
    const inReplyTo = message.body.in_reply_to;
    if (inReplyTo !== undefined) {
      const waiting = this.waiting.get(inReplyTo);
      if (!waiting) return; // a reply after its timeout
      this.waiting.delete(inReplyTo);
      clearTimeout(waiting.timer);
      if (message.body.type === 'error')
        waiting.reject(new RpcError(Number(message.body.code), String(message.body.text ?? 'error')));
      else waiting.resolve(message.body);
      return;
    }
    const handler = this.handlers.get(message.body.type);
    if (!handler) {
      this.reply(message, { type: 'error', code: 10, text: `no handler for ${message.body.type}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message))
      .catch((error: unknown) => {
        const code = error instanceof RpcError ? (error.code === 0 ? 0 : 13) : 13;
        this.log('handler failed', String(error));
        if (message.body.msg_id !== undefined)
          this.reply(message, { type: 'error', code, text: String(error) });
      });
  }

  /** Reads messages from stdin until it closes. */
  run(): void {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      let message: Message;
      try {
        message = JSON.parse(line) as Message;
      } catch {
        this.log('not JSON:', line);
        return;
      }
      this.dispatch(message);
    });
    lines.on('close', () => process.exit(0));
  }
}
