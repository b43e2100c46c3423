import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RespParser, RespProtocolError, resp } from './resp';
import { answer } from './resp-server';
import type { KvService } from './service';
import type { KvOp, KvResult } from '@dslab/systems';

const encode = (args: string[]) =>
  `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');

describe('RESP parser', () => {
  it('parses arrays of bulk strings split at any byte, and inline commands', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        (commands, cut) => {
          const bytes = Buffer.from(commands.map(encode).join(''));
          const at = cut % (bytes.length + 1);
          const parser = new RespParser();
          const parsed = [...parser.push(bytes.subarray(0, at)), ...parser.push(bytes.subarray(at))];
          expect(parsed).toEqual(commands);
        },
      ),
    );
    expect(new RespParser().push(Buffer.from('SET a  b\r\nPING\n'))).toEqual([['SET', 'a', 'b'], ['PING']]);
  });

  it('never fails on garbage except with a protocol error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const parser = new RespParser();
        try {
          parser.push(Buffer.from(bytes));
        } catch (error) {
          expect(error).toBeInstanceOf(RespProtocolError);
        }
      }),
    );
  });

  it('refuses oversized and malformed frames with a clear message', () => {
    expect(() => new RespParser().push(Buffer.from('*99999\r\n'))).toThrow(/too many arguments/);
    expect(() => new RespParser().push(Buffer.from('*1\r\n$999999999\r\n'))).toThrow(/invalid bulk length/);
    expect(() => new RespParser().push(Buffer.from('*1\r\n:3\r\n'))).toThrow(/expected '\$'/);
    expect(() => new RespParser().push(Buffer.from('*x\r\n'))).toThrow(/invalid multibulk length/);
  });
});

function fakeService(password?: string): KvService & { ops: KvOp[] } {
  const data = new Map<string, string>();
  const ops: KvOp[] = [];
  return {
    ops,
    staleReads: false,
    ...(password !== undefined ? { password } : {}),
    status: () => ({ role: 'leader', term: 3 }),
    async execute(op): Promise<KvResult> {
      ops.push(op);
      switch (op.f) {
        case 'get':
          return { ok: true, value: data.get(op.key) ?? null };
        case 'put':
          data.set(op.key, op.value);
          return { ok: true };
        case 'delete': {
          const value = data.get(op.key) ?? null;
          data.delete(op.key);
          return { ok: true, value };
        }
        case 'append': {
          const value = (data.get(op.key) ?? '') + op.value;
          data.set(op.key, value);
          return { ok: true, value };
        }
        case 'incr': {
          const value = String(Number(data.get(op.key) ?? '0') + 1);
          data.set(op.key, value);
          return { ok: true, value };
        }
        case 'cas':
          if ((data.get(op.key) ?? null) !== op.from) return { ok: false, error: 'compare failed' };
          data.set(op.key, op.to);
          return { ok: true };
      }
    },
  };
}

describe('RESP commands', () => {
  it('answers like Redis for the commands it supports', async () => {
    const service = fakeService();
    const state = { authed: false };
    const ask = (...args: string[]) => answer(service, args, state);
    expect(await ask('PING')).toBe('+PONG\r\n');
    expect(await ask('SET', 'k', 'v')).toBe('+OK\r\n');
    expect(await ask('GET', 'k')).toBe(resp.bulk('v'));
    expect(await ask('GET', 'nope')).toBe('$-1\r\n');
    expect(await ask('APPEND', 'k', 'xy')).toBe(':3\r\n');
    expect(await ask('INCR', 'n')).toBe(':1\r\n');
    expect(await ask('EXISTS', 'k', 'n', 'zz')).toBe(':2\r\n');
    expect(await ask('CAS', 'k', 'vxy', 'w')).toBe(':1\r\n');
    expect(await ask('CAS', 'k', 'vxy', 'w')).toBe(':0\r\n');
    expect(await ask('DEL', 'k', 'zz')).toBe(':1\r\n');
    expect(await ask('SET', 'k')).toMatch(/^-ERR/);
    expect(await ask('SET', 'k', 'v', 'NX')).toMatch(/only SET key value/);
    expect(await ask('FLUSHALL')).toMatch(/^-ERR unknown command 'FLUSHALL'/);
    expect(await ask('INFO')).toMatch(/role:leader/);
  });

  it('requires AUTH when a password is set, and compares it safely', async () => {
    const service = fakeService('s3cret');
    const state = { authed: false };
    expect(await answer(service, ['GET', 'k'], state)).toMatch(/^-NOAUTH/);
    expect(await answer(service, ['AUTH', 'wrong'], state)).toMatch(/^-WRONGPASS/);
    expect(await answer(service, ['AUTH', 'default', 's3cret'], state)).toBe('+OK\r\n');
    expect(await answer(service, ['GET', 'k'], state)).toBe('$-1\r\n');
    expect(service.ops).toHaveLength(1);
  });
});
