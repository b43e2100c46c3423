/**
 * RESP2, the Redis protocol: a streaming parser for requests (arrays of bulk strings, and inline
 * commands as redis-cli and telnet send them) and encoders for replies. Limits keep a hostile client
 * from making the server buffer without bound; a violation is a protocol error, after which the
 * connection is closed, as Redis does.
 */

export const MAX_BULK_BYTES = 8 * 1024 * 1024;
export const MAX_ARGS = 1024;
export const MAX_INLINE_BYTES = 64 * 1024;

export class RespProtocolError extends Error {
  constructor(detail: string) {
    super(`Protocol error: ${detail}`);
    this.name = 'RespProtocolError';
  }
}

/** Feeds bytes in, takes whole commands out; throws RespProtocolError on malformed input. */
export class RespParser {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): string[][] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const commands: string[][] = [];
    for (;;) {
      const parsed = this.parseOne();
      if (!parsed) break;
      if (parsed.length > 0) commands.push(parsed);
    }
    return commands;
  }

  /** One command, [] for an empty inline line, or undefined when more bytes are needed. */
  private parseOne(): string[] | undefined {
    if (this.buffer.length === 0) return undefined;
    if (this.buffer[0] !== 0x2a /* '*' */) return this.parseInline();
    const header = this.line(0);
    if (!header) return undefined;
    const count = this.integer(header.text.slice(1), 'multibulk length');
    if (count > MAX_ARGS) throw new RespProtocolError(`too many arguments (${count} > ${MAX_ARGS})`);
    if (count <= 0) {
      this.buffer = this.buffer.subarray(header.next);
      return [];
    }
    let at = header.next;
    const args: string[] = [];
    for (let i = 0; i < count; i++) {
      const lengthLine = this.line(at);
      if (!lengthLine) return undefined;
      if (!lengthLine.text.startsWith('$')) {
        throw new RespProtocolError(`expected '$', got '${lengthLine.text.slice(0, 1) || 'end of line'}'`);
      }
      const length = this.integer(lengthLine.text.slice(1), 'bulk length');
      if (length < 0 || length > MAX_BULK_BYTES) throw new RespProtocolError(`invalid bulk length ${length}`);
      const start = lengthLine.next;
      if (this.buffer.length < start + length + 2) return undefined;
      if (this.buffer[start + length] !== 0x0d || this.buffer[start + length + 1] !== 0x0a) {
        throw new RespProtocolError('bulk string not terminated by CRLF');
      }
      args.push(this.buffer.toString('utf8', start, start + length));
      at = start + length + 2;
    }
    this.buffer = this.buffer.subarray(at);
    return args;
  }

  private parseInline(): string[] | undefined {
    const newline = this.buffer.indexOf(0x0a);
    if (newline < 0) {
      if (this.buffer.length > MAX_INLINE_BYTES) throw new RespProtocolError('too big inline request');
      return undefined;
    }
    const text = this.buffer.toString('utf8', 0, newline).replace(/\r$/, '');
    this.buffer = this.buffer.subarray(newline + 1);
    return text.split(' ').filter((part) => part.length > 0);
  }

  private line(from: number): { text: string; next: number } | undefined {
    const cr = this.buffer.indexOf(0x0d, from);
    if (cr < 0 || cr + 1 >= this.buffer.length) {
      if (this.buffer.length - from > MAX_INLINE_BYTES) throw new RespProtocolError('header line too long');
      return undefined;
    }
    if (this.buffer[cr + 1] !== 0x0a) throw new RespProtocolError('CR not followed by LF');
    return { text: this.buffer.toString('latin1', from, cr), next: cr + 2 };
  }

  private integer(text: string, what: string): number {
    if (!/^-?\d{1,10}$/.test(text)) throw new RespProtocolError(`invalid ${what} '${text.slice(0, 20)}'`);
    return Number(text);
  }
}

export const resp = {
  simple: (text: string) => `+${text}\r\n`,
  error: (text: string) => `-${text.replace(/[\r\n]+/g, ' ')}\r\n`,
  integer: (n: number) => `:${n}\r\n`,
  bulk: (text: string | null) =>
    text === null ? '$-1\r\n' : `$${Buffer.byteLength(text, 'utf8')}\r\n${text}\r\n`,
  array: (items: readonly string[]) => `*${items.length}\r\n${items.join('')}`,
};
