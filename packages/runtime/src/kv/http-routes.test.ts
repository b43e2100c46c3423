import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import fc from 'fast-check';
import { handleKvHttp } from './http-routes';
import type { KvService } from './service';

const data = new Map<string, string>();
const service: KvService = {
  staleReads: false,
  password: 'pw',
  status: () => ({ role: 'leader' }),
  async execute(op) {
    if (op.f === 'get') return { ok: true, value: data.get(op.key) ?? null };
    if (op.f === 'put') {
      data.set(op.key, op.value);
      return { ok: true };
    }
    if (op.f === 'delete') {
      const value = data.get(op.key) ?? null;
      data.delete(op.key);
      return { ok: true, value };
    }
    if (op.f === 'cas') {
      if ((data.get(op.key) ?? null) !== op.from)
        return { ok: false, error: 'compare failed', value: data.get(op.key) ?? null };
      data.set(op.key, op.to);
      return { ok: true };
    }
    return { ok: false, error: 'unsupported' };
  },
};
let server: Server;
let base = '';
const auth = { authorization: 'Bearer pw' };

beforeAll(async () => {
  server = createServer(async (req, res) => {
    if (!(await handleKvHttp(req, res, service))) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('HTTP KV routes', () => {
  it('put, get, cas, delete and status', async () => {
    expect(
      (await fetch(`${base}/v1/kv/a%20b`, { method: 'PUT', headers: auth, body: '{"value":"1"}' })).status,
    ).toBe(200);
    expect(await (await fetch(`${base}/v1/kv/a%20b`, { headers: auth })).json()).toEqual({
      key: 'a b',
      value: '1',
    });
    const cas = await fetch(`${base}/v1/kv/a%20b/cas`, {
      method: 'POST',
      headers: auth,
      body: '{"from":"1","to":"2"}',
    });
    expect(await cas.json()).toEqual({ swapped: true, value: '2' });
    const failed = await fetch(`${base}/v1/kv/a%20b/cas`, {
      method: 'POST',
      headers: auth,
      body: '{"from":"1","to":"3"}',
    });
    expect(await failed.json()).toEqual({ swapped: false, value: '2' });
    expect(await (await fetch(`${base}/v1/kv/a%20b`, { method: 'DELETE', headers: auth })).json()).toEqual({
      deleted: true,
    });
    expect((await fetch(`${base}/v1/kv/a%20b`, { headers: auth })).status).toBe(404);
    expect(await (await fetch(`${base}/v1/status`, { headers: auth })).json()).toEqual({ role: 'leader' });
  });

  it('bad requests get a 4xx with a message, and nothing changes', async () => {
    expect((await fetch(`${base}/v1/kv/x`)).status).toBe(401);
    const bad = await fetch(`${base}/v1/kv/x`, { method: 'PUT', headers: auth, body: '{"value":3}' });
    expect(bad.status).toBe(400);
    expect((await bad.json()) as { error: string }).toMatchObject({ error: expect.stringMatching(/value/) });
    expect((await fetch(`${base}/v1/kv/%E0%A4%A`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${base}/v1/kv/x`, { method: 'PATCH', headers: auth })).status).toBe(405);
    expect(data.has('x')).toBe(false);
  });

  it('a body in several pieces is read whole, even with a character split between them', async () => {
    const body = Buffer.from('{"value":"grüße"}', 'utf8');
    const split = body.indexOf(0xc3) + 1; // inside the two bytes of 'ü'
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/v1/kv/pieces`, { method: 'PUT', headers: auth }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(body.subarray(0, split));
      setTimeout(() => req.end(body.subarray(split)), 20);
    });
    expect(status).toBe(200);
    expect(data.get('pieces')).toBe('grüße');
  });

  it('a body over 1 MiB gets 413 and is not applied; the server goes on serving', async () => {
    const huge = JSON.stringify({ value: 'x'.repeat(1024 * 1024) });
    const response = await fetch(`${base}/v1/kv/huge`, { method: 'PUT', headers: auth, body: huge });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: expect.stringMatching(/larger than/) });
    expect(data.has('huge')).toBe(false);
    expect((await fetch(`${base}/v1/status`, { headers: auth })).status).toBe(200);
  });

  it('random bodies never crash the route: always a JSON answer below 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.constantFrom('PUT', 'POST'),
        async (body, method) => {
          const path = method === 'POST' ? '/v1/kv/fz/cas' : '/v1/kv/fz';
          const response = await fetch(`${base}${path}`, { method, headers: auth, body });
          expect(response.status).toBeLessThan(500);
          await response.json();
        },
      ),
      { numRuns: 60 },
    );
  });
});
